"""Refusals (403) on the record, without letting anyone flood the log with them.

Every refusal is recorded, wherever it was raised: `team_view` and the action layer write their
own entry (under `permission_denied` or the action's name); a 403 raised anywhere else is
written by AuditRequestMiddleware when the answer leaves (`unrecorded`). Each of them asks
`admit` first.

A viewer who crawls every page, or a script that posts in a loop, must not append thousands of
entries: per actor (or, signed out, per address), team and minute, the first refusal is written
at once, in full; the others of that minute are only counted in Redis, and one more entry,
`permission_denied` with `params.repeats` (how many) and the pages, is written for all of them
when the minute is over (`flush`: by the actor's next refusal, or by the beat task
`audit_flush_denials` every minute). At most two entries per actor, team and minute, and
none is lost unless Redis is.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import redis
from django.apps import apps

from panel import redis_client
from panel.audit.models import AuditEntry
from panel.audit.record import personal_team, record
from panel.middleware import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Team

logger = logging.getLogger("panel.audit")

WINDOW_SECONDS = 60
PAGES_KEPT = 20
_PREFIX = "panel:audit:denied:"
_PENDING = _PREFIX + "pending"
# Kept well past the minute: a flush that comes late still finds the count.
_TTL = 24 * 3600


def _redis() -> redis.Redis:
    return redis_client.client()


def _window(now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // WINDOW_SECONDS)


def mark(request: HttpRequest | None) -> None:
    """This request's refusal is on the record (or counted): the middleware adds no other."""
    if request is not None:
        request._audit_denial_recorded = True


def admit(
    team_id: int | None,
    actor_id: int | None,
    *,
    actor_name: str = "",
    ip: str | None = None,
    page: str = "",
    request: HttpRequest | None = None,
    now: float | None = None,
) -> bool:
    """Whether to write this refusal's entry now: True for the first of the actor's minute,
    False for the others (counted, written together later)."""
    mark(request)
    who = f"u{actor_id}" if actor_id is not None else f"ip{ip or '-'}"
    window = _window(now)
    ident = f"{team_id if team_id is not None else 0}:{who}"
    try:
        client = _redis()
        if client.set(f"{_PREFIX}first:{ident}:{window}", 1, nx=True, ex=_TTL):
            flush(ident=ident, before=window)
            return True
        counts = f"{_PREFIX}count:{ident}:{window}"
        pipe = client.pipeline()
        pipe.hincrby(counts, "repeats", 1)
        pipe.hsetnx(counts, "actor_name", actor_name)
        pipe.hsetnx(counts, "ip", ip or "")
        pipe.expire(counts, _TTL)
        pipe.sadd(f"{_PREFIX}pages:{ident}:{window}", page[:200])
        pipe.expire(f"{_PREFIX}pages:{ident}:{window}", _TTL)
        pipe.sadd(_PENDING, f"{ident}:{window}")
        pipe.execute()
        return False
    except redis.RedisError:
        # Without Redis every refusal is written: flooding beats losing them.
        logger.warning("could not count a refusal in Redis; writing it")
        return True


def flush(*, ident: str | None = None, before: int | None = None) -> int:
    """Write one entry for each minute whose repeated refusals are counted and over (only
    `ident`'s, if given). Returns how many entries were written."""
    before = before if before is not None else _window()
    client = _redis()
    written = 0
    for raw in sorted(client.smembers(_PENDING)):
        member = raw.decode()
        member_ident, _, window_text = member.rpartition(":")
        if (ident is not None and member_ident != ident) or int(window_text) >= before:
            continue
        counts = f"{_PREFIX}count:{member}"
        pages = f"{_PREFIX}pages:{member}"
        # Taken and deleted at once: of two flushers, one writes the entry.
        pipe = client.pipeline()
        pipe.hgetall(counts)
        pipe.smembers(pages)
        pipe.delete(counts, pages)
        pipe.srem(_PENDING, member)
        found, seen_pages, *_ = pipe.execute()
        if not found:
            continue
        _write_repeats(member_ident, int(window_text), found, seen_pages)
        written += 1
    return written


def _write_repeats(ident: str, window: int, found: dict, pages: set) -> None:
    team_key, _, who = ident.partition(":")
    values = {k.decode(): v.decode() for k, v in found.items()}
    team = None
    if int(team_key):
        team = apps.get_model("accounts", "Team").objects.filter(pk=int(team_key)).first()
    actor_id = int(who[1:]) if who.startswith("u") else None
    start = window * WINDOW_SECONDS
    params: dict[str, Any] = {
        "repeats": int(values.get("repeats", 0)),
        "from": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)),
        "to": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + WINDOW_SECONDS)),
        "pages": sorted(p.decode() for p in pages)[:PAGES_KEPT],
    }
    actor = None
    if actor_id is not None:
        actor = apps.get_model("accounts", "User")._default_manager.filter(pk=actor_id).first()
    record(
        "permission_denied",
        team=team,
        target=("page", "", params["pages"][0] if params["pages"] else ""),
        params=params,
        outcome=AuditEntry.Outcome.DENIED,
        error=f"Refused {params['repeats']} more times in that minute.",
        actor=actor,
        actor_name=values.get("actor_name", ""),
        request=None,
        request_id="",
    )


def unrecorded(request: HttpRequest, response) -> None:
    """A 403 answer whose refusal nobody recorded (raised inside a view, a CSRF failure)."""
    if response.status_code != 403 or getattr(request, "_audit_denial_recorded", False):
        return
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return  # nobody to name: sign-in failures and lockouts have their own entries
    team = getattr(request, "team", None) or personal_team(user)
    if not admit(
        getattr(team, "pk", None),
        user.pk,
        actor_name=user.username,
        ip=client_ip(request),
        page=request.path,
        request=request,
    ):
        return
    match = getattr(request, "resolver_match", None)
    record(
        "permission_denied",
        team=team,
        target=("page", getattr(match, "view_name", "") or "", request.path),
        params={"method": request.method},
        outcome=AuditEntry.Outcome.DENIED,
        error=getattr(request, "_audit_denial_message", "") or "Refused (HTTP 403).",
        request=request,
    )


def denied(request: HttpRequest, team: Team, permission: str, message: str) -> AuditEntry | None:
    """A member was refused a page of `team` for lack of `permission` (accounts.permissions).
    None when it is a repeat, counted rather than written."""
    user = request.user
    if not admit(
        team.pk,
        user.pk,
        actor_name=user.username,
        ip=client_ip(request),
        page=request.path,
        request=request,
    ):
        return None
    match = getattr(request, "resolver_match", None)
    return record(
        "permission_denied",
        team=team,
        target=("page", getattr(match, "view_name", "") or "", request.path),
        params={"permission": str(permission), "method": request.method},
        outcome=AuditEntry.Outcome.DENIED,
        error=message,
        request=request,
    )
