"""Short-lived, single-flight caching of what Vultr says, per API key, in Redis.

Why: every open server list polls its badges, and v1 allows about 2 requests a second per key
(reference §3). However many people of a team look at the same account, Vultr should see one
request per refresh interval.

How:

- **Namespaces.** Everything cached for a key lives under ``vultr:<namespace>:``, where the
  namespace is the key's id plus a fingerprint of its ciphertext. Replacing a key (perhaps with
  one of another Vultr account) therefore starts from an empty cache, and the plaintext never
  goes near Redis. Values are the provider library's domain objects (pickled by Django's
  Redis cache); a server's root password and console URL are blanked before they are stored.
- **Scopes and generations.** Entries are grouped in scopes ("servers", "snapshots",
  "server:<id>" for one server's addresses, backups and bandwidth, ...). Each scope has a
  generation number, and the generation is part of every entry's cache key. Invalidating a
  scope increments its generation (atomic in Redis), so a fetch that began before the change
  and finishes after it writes under the old generation, where nobody looks any more: no stale
  list can come back after an action.
- **A copy in each process.** Unpickling a list of 1,000 servers costs more than the rest of
  the list page, so each web process keeps what it read from Redis until the entry's own
  expiry. That copy is found by the full entry key, generation included, and the generation
  is read from Redis on every call: an invalidation is seen at once by every process.
  Values handed out are shared: callers must not change them.
- **Single flight.** On a miss, the first caller takes a lock (redis-py's ``Lock``: SET NX with
  a token, released by a script that deletes it only while it is still ours) and fetches;
  everyone else polls for the value the leader stores. A failure is stored for a short while
  too, so that followers report the leader's error instead of each sending its own request
  into, say, a rate limit. If the leader dies, its lock expires and a follower takes over.

No library does this for Django's cache (django-cacheops and django-cachalot cache ORM
queries, not arbitrary calls), hence this small module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import LockError
from redis.lock import Lock

from panel.budget.tokens import redis_client

T = TypeVar("T")

# Catalogue data (regions, plans, operating systems) changes a few times a year.
CATALOG_SECONDS = 3600
# How long an error is shared with the callers that waited for it.
FAILURE_SECONDS = 2
# Generations must outlive any entry they guard; they are tiny.
GENERATION_SECONDS = 7 * 24 * 3600
# Labels of servers, for audit entries written after the server list expired.
LABELS_SECONDS = 24 * 3600
# Followers re-check for the leader's value this often (seconds), backing off to the cap.
_POLL_START, _POLL_CAP = 0.01, 0.1
# Entries kept in each process (see "A copy in each process"); a few keys' lists and tabs.
_LOCAL_MAX = 256
_local: dict[str, tuple[float, Any]] = {}


def lists_seconds() -> float:
    return settings.PANEL_CACHE_SECONDS


def lock_seconds() -> float:
    """How long a leader may take before followers stop trusting its lock: every attempt of
    a read may take the whole timeout, plus backoff between attempts (at most a few seconds)."""
    attempts = settings.PANEL_VULTR_RETRIES + 1
    return attempts * (settings.PANEL_VULTR_TIMEOUT + 5) + 5


@dataclasses.dataclass(frozen=True)
class _Failure:
    error: BaseException


class VultrCache:
    """The cache of one API key (see the module docstring)."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def _generation_key(self, scope: str) -> str:
        return f"vultr:{self.ns}:gen:{scope}"

    def _entry_key(self, scope: str, generation: int, name: str) -> str:
        return f"vultr:{self.ns}:{scope}:{generation}:{name}"

    def _generation(self, scope: str) -> int:
        return cache.get(self._generation_key(scope)) or 0

    def get_or_fetch(
        self, scope: str, name: str, fetch: Callable[[], T], *, seconds: float | None = None
    ) -> T:
        """The cached value of `name` in `scope`, or `fetch()`'s, fetched by one caller only.

        Raises what `fetch` raised (for the leader and the followers that waited for it).
        """
        seconds = lists_seconds() if seconds is None else seconds
        key = self._entry_key(scope, self._generation(scope), name)
        local = _local.get(key)
        if local is not None and local[0] > time.time():
            return local[1]
        found = cache.get(key)
        if found is not None:
            return _unwrap(found, key)
        lock = redis_client().lock(f"panel:{key}:lock", timeout=lock_seconds())
        wait = _POLL_START
        deadline = time.monotonic() + lock_seconds()
        while True:
            if lock.acquire(blocking=False):
                return self._lead(key, lock, fetch, seconds)
            time.sleep(wait)
            wait = min(wait * 2, _POLL_CAP)
            found = cache.get(key)
            if found is not None:
                return _unwrap(found, key)
            if time.monotonic() > deadline:
                # The leader is stuck beyond its own timeouts; do the work ourselves rather
                # than fail the page. Not cached: the leader may still write.
                return fetch()

    def _lead(self, key: str, lock: Lock, fetch: Callable[[], T], seconds: float) -> T:
        try:
            # The previous leader may have stored the value and let the lock go between our
            # last look and taking the lock: look once more before asking Vultr.
            found = cache.get(key)
            if found is not None:
                return _unwrap(found, key)
            try:
                value = fetch()
            except Exception as err:
                cache.set(key, _Failure(err), timeout=FAILURE_SECONDS)
                raise
            stored = _Stored(value, time.time() + seconds)
            cache.set(key, stored, timeout=seconds)
            _remember(key, stored)
            return value
        finally:
            # Only our own lock, checked and deleted in one step by redis-py's Lock: if we
            # overran it, another leader may hold a new one.
            with contextlib.suppress(LockError):
                lock.release()

    def peek(self, scope: str, name: str) -> Any | None:
        """The cached value if there is one; never fetches."""
        key = self._entry_key(scope, self._generation(scope), name)
        local = _local.get(key)
        if local is not None and local[0] > time.time():
            return local[1]
        found = cache.get(key)
        if isinstance(found, _Stored):
            return found.value
        return None

    def invalidate(self, scopes: Iterable[str]) -> None:
        """Forget everything cached in these scopes (see "Scopes and generations")."""
        for scope in scopes:
            key = self._generation_key(scope)
            # add() then incr(): incr needs an existing key; add is a no-op if one exists.
            cache.add(key, 0, timeout=GENERATION_SECONDS)
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, 1, timeout=GENERATION_SECONDS)

    # Labels are kept apart from the lists, for a day, so that an audit entry can name a server
    # even when nobody has looked at the list for a while.

    def remember_labels(self, labels: dict[str, str]) -> None:
        cache.set(f"vultr:{self.ns}:labels", labels, timeout=LABELS_SECONDS)

    def label_of(self, server_id: str) -> str:
        return (cache.get(f"vultr:{self.ns}:labels") or {}).get(server_id, "")


@dataclasses.dataclass(frozen=True)
class _Stored:
    # Wrapped so that a legitimately empty or falsy answer ([] for "no servers") is a hit.
    value: Any
    # When Redis forgets it (epoch seconds); the copy in each process goes at the same time.
    expires_at: float = 0.0


def _unwrap(found: Any, key: str) -> Any:
    if isinstance(found, _Failure):
        raise found.error
    _remember(key, found)
    return found.value


def _remember(key: str, stored: _Stored) -> None:
    if len(_local) >= _LOCAL_MAX:
        # Expired copies first; if none, the oldest. Dict order is insertion order.
        now = time.time()
        for old in [k for k, (until, _) in list(_local.items()) if until <= now] or [
            next(iter(_local), None)
        ]:
            _local.pop(old, None)
    _local[key] = (stored.expires_at, stored.value)
