"""Writing audit entries from outside the action layer: accounts, keys, sign-in, settings.

The action layer (panel/servers/actions/base.py) builds its entries from an `ActionContext`.
Everything else calls `record`, which takes who, from where and under which request id from the
request being served (set by `panel.audit.middleware.AuditRequestMiddleware`), unless told
otherwise:

    from panel.audit import record as audit

    audit.record("member_role_changed", team=team, target=audit.user_target(member.user),
                 before={"role": "viewer"}, after={"role": "operator"})
    audit.account_event("two_factor_enabled", user)          # in the user's personal team

Celery tasks have no request: they pass `actor=` and `request_id=` (the starter's) explicitly.
An entry written inside a transaction is rolled back with it, so a refused change leaves no
"succeeded" entry behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.apps import apps

from panel.audit.models import AuditEntry
from panel.middleware import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Team, User

_request: ContextVar[HttpRequest | None] = ContextVar("panel_audit_request", default=None)
_FROM_REQUEST: Any = object()

Target = tuple[str, object, str]


def current_request() -> HttpRequest | None:
    """The request this thread is serving, if any."""
    return _request.get()


def user_target(user: User | None, username: str = "") -> Target:
    if user is None:
        return ("user", "", username)
    return ("user", str(user.pk), user.username)


def key_target(api_key) -> Target:
    """A team's Vultr API key, named by its label and last four characters (never the key)."""
    return ("api_key", str(api_key.pk), f"{api_key.label} ({api_key.masked})")


def record(
    action: str,
    *,
    team: Team | None,
    target: Target | None = None,
    params: Mapping[str, Any] | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    outcome: str = AuditEntry.Outcome.SUCCEEDED,
    error: str = "",
    reason: str = "",
    actor: User | None = _FROM_REQUEST,
    actor_name: str | None = None,
    api_key_id: int | None = None,
    request: HttpRequest | None = None,
    request_id: str | None = None,
) -> AuditEntry:
    """Append one entry to `team`'s chain (None: the site's chain) and return it.

    `actor` defaults to the signed-in user of the request; pass None for nobody (a failed
    sign-in, a command run by the operator). `target` is (type, id, label).
    """
    request = request if request is not None else current_request()
    if actor is _FROM_REQUEST:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    target_type, target_id, target_label = target or ("", "", "")
    entry = AuditEntry(
        team=team,
        actor=actor,
        actor_name=actor_name if actor_name is not None else getattr(actor, "username", ""),
        api_key_id=api_key_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label or "",
        params=dict(params or {}),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        outcome=outcome,
        error=error,
        reason=reason,
        request_id=request_id if request_id is not None else _request_id(request),
        ip=client_ip(request) if request is not None else None,
        user_agent=request.headers.get("User-Agent", "") if request is not None else "",
    )
    entry.save()
    return entry


def _request_id(request: HttpRequest | None) -> str:
    return getattr(request, "request_id", "") if request is not None else ""


def personal_team(user: User | None) -> Team | None:
    """The user's personal team, where the events of their account are kept."""
    if user is None or user.pk is None:
        return None
    # Looked up, not imported: the audit app imports nothing of the apps that write to it.
    return apps.get_model("accounts", "Team").objects.filter(personal_for=user).first()


def account_event(action: str, user: User, **fields: Any) -> AuditEntry:
    """An event of the user's own account (sign-in, two-factor, ...), in their personal team,
    with the user as actor and target unless told otherwise."""
    fields.setdefault("actor", user)
    fields.setdefault("target", user_target(user))
    return record(action, team=personal_team(user), **fields)
