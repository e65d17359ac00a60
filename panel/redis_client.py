"""Clients of the panel's Redis (`REDIS_URL`): one per process, address and timeout, each with
its connection pool, shared by the sign-in throttle (accounts.lockout) and the count of refusals
(panel.audit.denials); the API budget (panel.budget.tokens) uses its own, with a timeout."""

from __future__ import annotations

import functools

import redis
from django.conf import settings


@functools.lru_cache(maxsize=8)
def client_for(url: str, timeout: float | None = None) -> redis.Redis:
    """A client of the Redis at `url`; `timeout` (seconds) bounds connecting and each command."""
    if timeout is None:
        return redis.Redis.from_url(url)
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def client(timeout: float | None = None) -> redis.Redis:
    """A client of the panel's Redis."""
    return client_for(settings.REDIS_URL, timeout)
