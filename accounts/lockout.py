"""Login throttling with django-axes: who is locked out, for how long, and unlocking.

Axes counts failed logins per username and IP address together (settings.AXES_LOCKOUT_PARAMETERS)
and refuses further attempts of that pair for `AXES_COOLOFF_TIME` after `AXES_FAILURE_LIMIT`
failures; each failure during a lockout starts the cool-off again. An owner or admin of a team
(manage_users) sees which members are locked out and can lift it for members not above their
own role (`accounts.actions.unlock_member`, the rule of granting roles), so nobody needs
Django's admin site.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.utils import timezone


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
