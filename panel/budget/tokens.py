"""The API budget: one token bucket per API key in Redis, shared by every web process and worker.

Vultr v1 allows "an average of 2/s" per key and answers 503 beyond it (reference §3). Rather
than each process guessing, every request made with a key first takes a token from the key's
bucket here, and waits for one when there is none. The bucket is a small Lua script, so that
taking a token is one atomic step however many processes ask at once, and it reads Redis's own
clock, so that machines with skewed clocks still share one rate.

Waiting is by reservation: a caller that finds the bucket empty takes a token that will exist
`wait` seconds from now (the count goes below zero) and sleeps exactly that long. Callers are
therefore served in the order they asked, spaced 1/rate apart, and nobody spins on Redis. A
caller that would have to wait longer than its patience does not reserve and gets
`BudgetExhausted` (a `RateLimitedError`, so the provider library and tasks treat it like
Vultr's 503: safe to retry later, nothing was sent). Web requests are patient for
PANEL_VULTR_BUDGET_WAIT seconds; tasks set their own patience with `patience()`.

Each granted token is also counted in 10-second slots, and 503s seen in answers (the
`on_response` hook) likewise, so the dashboard can show each key's use (`usage`).

If Redis cannot be reached the limiter lets requests through (and logs it): pages and tasks
must not stop because of a limiter, and Vultr's own 503 is still handled by the retries.

No library does this for us: redis-py has no rate limiter, and the Celery and Django limiters
are per process. Hence these few lines.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from panel.budget.models import KeyBudget
from panel.vultr import RateLimitedError, VultrClient

if TYPE_CHECKING:
    from accounts.models import ApiKey

logger = logging.getLogger("panel.budget")

SLOT_SECONDS = 10
SLOTS_KEPT = 7  # the last minute, plus the slot in progress
_CONFIG_SECONDS = 10.0  # how long a process trusts the per-key settings it read

# KEYS: bucket, usage slot prefix. ARGV: rate, burst, patience (s), key lifetime (s).
# Returns {granted 0/1, wait seconds as text} (Lua numbers would be truncated to integers).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local patience, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then tokens, at = burst, now end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate end
if wait > patience then
  return {0, tostring(wait)}
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('EXPIRE', KEYS[1], ttl)
local slot = KEYS[2] .. math.floor((now + wait) / SLOT_SECONDS)
redis.call('INCR', slot)
redis.call('EXPIRE', slot, SLOT_SECONDS * SLOTS_KEPT + 60)
return {1, tostring(wait)}
""".replace("SLOT_SECONDS", str(SLOT_SECONDS)).replace("SLOTS_KEPT", str(SLOTS_KEPT))

# KEYS: bucket. ARGV: rate, burst. Returns {tokens now, as text}.
_PEEK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then return {tostring(ARGV[2]), tostring(now)} end
return {tostring(math.min(tonumber(ARGV[2]), tokens + math.max(0, now - at) * tonumber(ARGV[1]))),
        tostring(now)}
"""


class BudgetExhausted(RateLimitedError):
    """The key's budget has no token within the caller's patience; nothing was sent."""

    def __init__(self, wait: float) -> None:
        super().__init__(
            f"The panel's request budget for this API key is used up for the next {wait:.0f} s",
            retryable=True,
        )
        self.wait = wait


@functools.lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def redis_client() -> redis.Redis:
    """A Redis client for the panel's Redis (one connection pool per process)."""
    return _client_for(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _scripts(url: str) -> tuple[redis.commands.core.Script, redis.commands.core.Script]:
    client = _client_for(url)
    return client.register_script(_TAKE), client.register_script(_PEEK)


# -- configuration ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    rate: float
    burst: int
    poll_seconds: float


_config_cache: dict[int, tuple[float, Config]] = {}


def config_for(key_id: int) -> Config:
    """The key's rate, burst and poll interval: its `KeyBudget` row, or the defaults."""
    now = time.monotonic()
    cached = _config_cache.get(key_id)
    if cached is not None and cached[0] > now:
        return cached[1]

    row = KeyBudget.objects.filter(api_key_id=key_id).first()
    config = Config(
        rate=row.requests_per_second if row else settings.PANEL_VULTR_RATE_LIMIT,
        burst=row.burst if row else settings.PANEL_VULTR_RATE_BURST,
        poll_seconds=(row.poll_seconds if row and row.poll_seconds else None)
        or settings.PANEL_OPERATION_POLL_SECONDS,
    )
    _config_cache[key_id] = (now + _CONFIG_SECONDS, config)
    return config


def forget_config(key_id: int | None = None) -> None:
    """Drop the cached settings (after a change, and in tests)."""
    if key_id is None:
        _config_cache.clear()
    else:
        _config_cache.pop(key_id, None)


# -- taking tokens ---------------------------------------------------------------------------

_patience: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "budget_patience", default=None
)


@contextlib.contextmanager
def patience(seconds: float) -> Iterator[None]:
    """Within this block, requests wait up to `seconds` for a token (tasks can wait longer
    than a person looking at a page)."""
    reset = _patience.set(seconds)
    try:
        yield
    finally:
        _patience.reset(reset)


def namespace(key_id: int, ciphertext: str) -> str:
    """A key's name in Redis: its id and a fingerprint of its ciphertext, so that a replaced key
    (perhaps of another Vultr account) starts afresh. Shared with the list cache."""
    fingerprint = hashlib.sha256(ciphertext.encode()).hexdigest()[:12]
    return f"{key_id}.{fingerprint}"


def _ns(api_key: ApiKey) -> str:
    # Like the cache (panel/servers/cache.py): the key's id and a fingerprint of its ciphertext,
    # so a replaced key (perhaps of another Vultr account) starts with a bucket of its own.
    return namespace(api_key.pk, api_key.ciphertext)


def _bucket_key(ns: str) -> str:
    return f"budget:{ns}:bucket"


def _slot_prefix(ns: str, what: str = "used") -> str:
    return f"budget:{ns}:{what}:"


def take(api_key: ApiKey, *, patience_seconds: float | None = None) -> float:
    """Take one token for the key, reserving a future one if need be; returns the seconds to
    wait before sending. Raises `BudgetExhausted` if that would exceed the patience."""
    config, ns = config_for(api_key.pk), _ns(api_key)
    if patience_seconds is None:
        patience_seconds = _patience.get()
    if patience_seconds is None:
        patience_seconds = settings.PANEL_VULTR_BUDGET_WAIT
    take_script, _ = _scripts(settings.REDIS_URL)
    ttl = int(config.burst / config.rate + patience_seconds + 60)
    granted, wait = take_script(
        keys=[_bucket_key(ns), _slot_prefix(ns)],
        args=[config.rate, config.burst, patience_seconds, ttl],
    )
    wait = float(wait)
    if not int(granted):
        raise BudgetExhausted(wait)
    return wait


def limiter(api_key: ApiKey, *, sleep: Callable[[float], None] = time.sleep) -> Callable[[], None]:
    """The `rate_limiter` for a `VultrClient` of this key: blocks until a token is ours."""

    def wait_for_token() -> None:
        try:
            wait = take(api_key)
        except redis.RedisError:
            logger.exception("API budget unavailable for key %s; sending without it", api_key.pk)
            return
        if wait > 0:
            sleep(wait)

    return wait_for_token


def response_hook(api_key: ApiKey) -> Callable[[str, str, int | None, float], None]:
    """The `on_response` hook: counts Vultr's 503s per key, for the dashboard."""
    key_id, ns = api_key.pk, _ns(api_key)

    def count(method: str, path: str, status: int | None, elapsed: float) -> None:
        if status != 503:
            return
        slot = _slot_prefix(ns, "rejected") + str(int(time.time() // SLOT_SECONDS))
        try:
            pipe = redis_client().pipeline()
            pipe.incr(slot)
            pipe.expire(slot, SLOT_SECONDS * SLOTS_KEPT + 60)
            pipe.execute()
        except redis.RedisError:
            logger.warning("could not count a 503 for key %s", key_id)

    return count


def client_options(api_key: ApiKey) -> dict[str, Callable]:
    """Keyword arguments for `ApiKey.client()` that put the client on the key's budget."""
    return {"rate_limiter": limiter(api_key), "on_response": response_hook(api_key)}


@sensitive_variables()
def client(
    api_key: ApiKey, *, timeout: float | tuple[float, float], max_retries: int
) -> VultrClient:
    """A `VultrClient` for a stored key on the key's budget: the way the action layer and the
    operations reach Vultr. The key is decrypted here, for this client only."""
    return api_key.client(timeout=timeout, max_retries=max_retries, **client_options(api_key))


# -- use, for the dashboard ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Usage:
    key_id: int
    rate: float
    burst: int
    used_last_minute: int
    rejected_last_minute: int
    backlog_seconds: float

    @property
    def capacity_per_minute(self) -> int:
        return round(self.rate * 60)

    @property
    def percent(self) -> int:
        if not self.capacity_per_minute:
            return 0
        return min(100, round(100 * self.used_last_minute / self.capacity_per_minute))


def usage(api_keys: Iterable[ApiKey]) -> list[Usage]:
    """Each key's requests in the last minute, Vultr's 503s, and how far ahead the bucket is
    booked (seconds a new request would wait)."""
    api_keys = list(api_keys)
    if not api_keys:
        return []
    now_slot = int(time.time() // SLOT_SECONDS)
    slots = range(now_slot - (60 // SLOT_SECONDS) + 1, now_slot + 1)
    client = redis_client()
    _, peek = _scripts(settings.REDIS_URL)
    found = []
    for api_key in api_keys:
        key_id, ns = api_key.pk, _ns(api_key)
        config = config_for(key_id)
        try:
            used = client.mget([_slot_prefix(ns) + str(s) for s in slots])
            rejected = client.mget([_slot_prefix(ns, "rejected") + str(s) for s in slots])
            tokens = float(peek(keys=[_bucket_key(ns)], args=[config.rate, config.burst])[0])
        except redis.RedisError:
            logger.warning("could not read the budget of key %s", key_id)
            used, rejected, tokens = [], [], float(config.burst)
        found.append(
            Usage(
                key_id=key_id,
                rate=config.rate,
                burst=config.burst,
                used_last_minute=sum(int(n) for n in used if n),
                rejected_last_minute=sum(int(n) for n in rejected if n),
                backlog_seconds=max(0.0, (1 - tokens) / config.rate) if tokens < 1 else 0.0,
            )
        )
    return found
