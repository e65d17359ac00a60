"""Login throttling with django-axes: who is locked out, for how long, and unlocking.

Axes counts failed logins per username and IP address together (settings.AXES_LOCKOUT_PARAMETERS)
and refuses further attempts of that pair for `AXES_COOLOFF_TIME` after `AXES_FAILURE_LIMIT`
failures; each failure during a lockout starts the cool-off again. An owner or admin of a team
(manage_users) sees which members are locked out and can lift it for members not above their
own role (`accounts.actions.unlock_member`, the rule of granting roles), so nobody needs
Django's admin site.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core import signing
from django.utils import timezone

from panel import redis_client

logger = logging.getLogger(__name__)


def locked_out_until(usernames: Iterable[str], ip: str | None = None) -> dict[str, datetime]:
    """For each of these usernames that is locked out (from `ip`, or from any address), when
    that ends."""
    now = timezone.now()
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    failures: dict[tuple[str, str], int] = defaultdict(int)
    latest: dict[tuple[str, str], datetime] = {}
    attempts = AccessAttempt.objects.filter(
        username__in=list(usernames), attempt_time__gte=now - cool_off
    )
    if ip is not None:
        attempts = attempts.filter(ip_address=ip)
    attempts = attempts.values_list(
        "username", "ip_address", "failures_since_start", "attempt_time"
    )
    # One row per username, address and browser (axes' unique key); the lock is per username
    # and address, so the browsers' counts add up.
    for username, ip, count, at in attempts:
        failures[username, ip] += count
        latest[username, ip] = max(at, latest.get((username, ip), at))
    until: dict[str, datetime] = {}
    for (username, ip), count in failures.items():
        if count >= settings.AXES_FAILURE_LIMIT:
            ends = latest[username, ip] + cool_off
            until[username] = max(ends, until.get(username, ends))
    return until


def unlock(username: str) -> int:
    """Forget the failed logins of `username` from every address; returns how many rows."""
    return reset(username=username)


def describe_wait(until: datetime | None) -> str:
    """ "14 minutes" — how long until a lockout ends, rounded up to whole minutes."""
    if until is None:
        seconds = settings.AXES_COOLOFF_TIME.total_seconds()
    else:
        seconds = max(0, (until - timezone.now()).total_seconds())
    minutes = max(1, -(-int(seconds) // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# Per account, across addresses (issue 11 item 7).
#
# Axes counts per username *and* address, so that a stranger cannot lock a user out from
# everywhere; but then a guesser with many addresses gets AXES_FAILURE_LIMIT tries from each.
# Axes' own alternative, a "username" lockout parameter, would lock the real user out too, and
# it has no growing delay. So this part is ours, after OWASP's "device cookies": failures for
# a username are counted over every address; past PANEL_ACCOUNT_FAILURE_LIMIT, each further try
# must wait 1, 2, 4 ... seconds (at most the lockout's cool-off) after the last failure, and is
# refused unchecked before then. A browser that has signed in as that user before carries a
# signed cookie saying so, and is never slowed down (nor are its typos counted): the guesser
# cannot keep the real user out, and gets a handful of tries an hour however many addresses.
# The counts live in Redis, forgotten a day after the last failure or at a sign-in.

DEVICE_COOKIE = "panel_device"
_DEVICE_SALT = "accounts.lockout.device"
_DEVICE_DAYS = 365
_PREFIX = "panel:accounts:failures:"
_TTL = 24 * 3600


def _redis() -> redis.Redis:
    return redis_client.client()


def _key(username: str) -> str:
    # Hashed: a username may hold any character, a key should not.
    return _PREFIX + hashlib.sha256(username.encode()).hexdigest()


def known_device(request, username: str) -> bool:
    """Whether this browser has signed in as `username` before (its device cookie says so)."""
    cookie = request.COOKIES.get(DEVICE_COOKIE)
    if not cookie or not username:
        return False
    try:
        names = signing.loads(cookie, salt=_DEVICE_SALT, max_age=_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return False
    return isinstance(names, list) and username in names


def remember_device(request, response, username: str) -> None:
    """After a sign-in: this browser is one the user has used (kept for a year)."""
    names: list[str] = [username]
    cookie = request.COOKIES.get(DEVICE_COOKIE)
    if cookie:
        try:
            old = signing.loads(cookie, salt=_DEVICE_SALT, max_age=_DEVICE_DAYS * 86400)
        except signing.BadSignature:
            old = []
        # A shared browser may know a few users; the newest first, at most five.
        names += [n for n in old if isinstance(n, str) and n != username][:4]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(names, salt=_DEVICE_SALT),
        max_age=_DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def account_failed(request, username: str) -> None:
    """A wrong password for `username`: counted, unless from a browser the user has used."""
    if not username or known_device(request, username):
        return
    key = _key(username)
    try:
        pipe = _redis().pipeline()
        pipe.hincrby(key, "failures", 1)
        pipe.hset(key, "last", time.time())
        pipe.expire(key, _TTL)
        pipe.execute()
    except redis.RedisError:
        logger.warning("could not count a failed sign-in in Redis")


def account_wait(request, username: str) -> int:
    """Seconds until `username` may be tried again from this browser; 0: now."""
    if not username or known_device(request, username):
        return 0
    try:
        found = _redis().hgetall(_key(username))
    except redis.RedisError:
        return 0  # Axes' per-address limit still holds
    failures = int(found.get(b"failures", 0))
    over = failures - settings.PANEL_ACCOUNT_FAILURE_LIMIT
    if over < 0:
        return 0
    delay = min(2.0**over, settings.AXES_COOLOFF_TIME.total_seconds())
    return max(0, math.ceil(float(found.get(b"last", 0)) + delay - time.time()))


def account_succeeded(username: str) -> None:
    try:
        _redis().delete(_key(username))
    except redis.RedisError:
        pass


def forget_account_failures() -> None:
    """Every account's count (tests)."""
    client = _redis()
    keys = list(client.scan_iter(match=_PREFIX + "*"))
    if keys:
        client.delete(*keys)
