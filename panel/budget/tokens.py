"""The API budget: token buckets in Redis, shared by every web process and worker.

Vultr v1 allows "an average of 2/s" per key and answers 503 beyond it (reference §3): a v1 key
has a bucket of its own. Vultr v2 allows 30 requests/s per *source IP*, whatever the key, and
answers 429 with a `Retry-After` beyond it (v2 reference §1.4): every v2 key of this
installation therefore shares one bucket per API address (PANEL_VULTR_V2_RATE_LIMIT and
PANEL_VULTR_V2_RATE_BURST), and a 429's `Retry-After` pauses that bucket for every process
(`pause`). A v2 key given a rate of its own (KeyBudget) takes from its own bucket too, as a
further cap under the shared one. Rather than each process guessing, every request made with
a key first takes a token from its bucket(s) here, and waits for one when there is none. The
bucket is a small Lua script, so that taking a token is one atomic step however many processes
ask at once, and it reads Redis's own clock, so that machines with skewed clocks still share
one rate.

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

import redis
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from accounts.models import ApiKey
from panel import redis_client as panel_redis
from panel.budget.models import KeyBudget
from panel.vultr import RateLimitedError, VultrClient

logger = logging.getLogger("panel.budget")

SLOT_SECONDS = 10
SLOTS_KEPT = 7  # the last minute, plus the slot in progress
_CONFIG_SECONDS = 10.0  # how long a process trusts the per-key settings it read

# Shared by the scripts: Redis's clock, and a bucket's tokens now (refilled at `rate` per second,
# up to `burst`, since `at`) with the moment they are counted at.
_BUCKET = """
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function refill(key, rate, burst, now)
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens, at = tonumber(state[1]), tonumber(state[2])
  if tokens == nil or at == nil then return burst, now end
  if now > at then return math.min(burst, tokens + (now - at) * rate), now end
  return tokens, at
end
"""

# KEYS: n buckets, then usage slot prefixes. ARGV: n, patience (s), then rate, burst and key
# lifetime (s) of each bucket. The request waits for the latest of the buckets' next tokens and
# takes one from each, or from none. Returns {granted 0/1, wait seconds as text} (Lua numbers
# would be truncated to integers).
_TAKE = (
    _BUCKET
    + """
local now = clock()
local n, patience = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens, at, wait = {}, {}, 0
for i = 1, n do
  local rate = tonumber(ARGV[3 * i])
  local tk, a = refill(KEYS[i], rate, tonumber(ARGV[3 * i + 1]), now)
  if tk < 1 then wait = math.max(wait, (1 - tk) / rate) end
  tokens[i], at[i] = tk, a
end
if wait > patience then
  return {0, tostring(wait)}
end
for i = 1, n do
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens[i] - 1), 'at', tostring(at[i]))
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[3 * i + 2]))
end
for j = n + 1, #KEYS do
  local slot = KEYS[j] .. math.floor((now + wait) / SLOT_SECONDS)
  redis.call('INCR', slot)
  redis.call('EXPIRE', slot, SLOT_SECONDS * SLOTS_KEPT + 60)
end
return {1, tostring(wait)}
""".replace("SLOT_SECONDS", str(SLOT_SECONDS)).replace("SLOTS_KEPT", str(SLOTS_KEPT))
)

# KEYS: bucket. ARGV: rate, burst, seconds, key lifetime (s). Empties the bucket so that the
# next token exists `seconds` from now (unless it is already booked further ahead).
_PAUSE = (
    _BUCKET
    + """
local rate = tonumber(ARGV[1])
local tokens, at = refill(KEYS[1], rate, tonumber(ARGV[2]), clock())
tokens = math.min(tokens, 1 - tonumber(ARGV[3]) * rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return tostring(tokens)
"""
)

# KEYS: bucket. ARGV: rate, burst. Returns {tokens now, as text}.
_PEEK = (
    _BUCKET
    + """
local now = clock()
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then return {tostring(ARGV[2]), tostring(now)} end
return {tostring(math.min(tonumber(ARGV[2]), tokens + math.max(0, now - at) * tonumber(ARGV[1]))),
        tostring(now)}
"""
)


class BudgetExhausted(RateLimitedError):
    """The key's budget has no token within the caller's patience; nothing was sent."""

    def __init__(self, wait: float) -> None:
        super().__init__(
            f"The panel's request budget for this API key is used up for the next {wait:.0f} s",
            retryable=True,
        )
        self.wait = wait


_REDIS_TIMEOUT = 5.0


def redis_client() -> redis.Redis:
    """A Redis client for the panel's Redis (one connection pool per process)."""
    return panel_redis.client(_REDIS_TIMEOUT)


@functools.lru_cache(maxsize=4)
def _scripts(
    url: str,
) -> tuple[redis.commands.core.Script, redis.commands.core.Script, redis.commands.core.Script]:
    client = panel_redis.client_for(url, _REDIS_TIMEOUT)
    return (
        client.register_script(_TAKE),
        client.register_script(_PEEK),
        client.register_script(_PAUSE),
    )


# -- configuration ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    rate: float
    burst: int
    poll_seconds: float
    own_rate: bool = False  # the key has a KeyBudget row (for a v2 key: a cap of its own)


_config_cache: dict[int, tuple[float, Config]] = {}


def config_for(key_id: int) -> Config:
    """The key's rate, burst and poll interval: its `KeyBudget` row, or the defaults (the poll
    interval of its API version)."""
    now = time.monotonic()
    cached = _config_cache.get(key_id)
    if cached is not None and cached[0] > now:
        return cached[1]

    row = KeyBudget.objects.filter(api_key_id=key_id).first()
    # A v2 key polls more often by default: its budget is Vultr's 30/s per address, not 2/s.
    v2 = ApiKey.objects.filter(pk=key_id, api_version="v2").exists()
    default_poll = (
        settings.PANEL_OPERATION_V2_POLL_SECONDS if v2 else settings.PANEL_OPERATION_POLL_SECONDS
    )
    config = Config(
        rate=row.requests_per_second if row else settings.PANEL_VULTR_RATE_LIMIT,
        burst=row.burst if row else settings.PANEL_VULTR_RATE_BURST,
        poll_seconds=(row.poll_seconds if row and row.poll_seconds else None) or default_poll,
        own_rate=row is not None,
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


@dataclasses.dataclass(frozen=True)
class Bucket:
    """One token bucket: a v1 key's own, a v2 key's own cap, or the v2 bucket of an API
    address that all v2 keys share."""

    ns: str
    rate: float
    burst: int
    api_url: str = ""  # the shared v2 bucket's address

    @property
    def shared(self) -> bool:
        return bool(self.api_url)


def shared_bucket(api_url: str) -> Bucket:
    """The v2 bucket of an API address: Vultr v2 limits requests per source IP, so every v2
    key of this installation that talks to that address takes from it."""
    url = api_url.rstrip("/")
    fingerprint = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Bucket(
        f"v2.{fingerprint}",
        settings.PANEL_VULTR_V2_RATE_LIMIT,
        settings.PANEL_VULTR_V2_RATE_BURST,
        api_url=url,
    )


def buckets_for(api_key: ApiKey) -> list[Bucket]:
    """The buckets a request with this key takes a token from: a v1 key's own; for a v2 key
    the shared bucket of its address, and its own too if it was given a rate (KeyBudget)."""
    config = config_for(api_key.pk)
    own = Bucket(_ns(api_key), config.rate, config.burst)
    if api_key.api_version != "v2":
        return [own]
    shared = shared_bucket(api_key.api_url)
    return [shared, own] if config.own_rate else [shared]


def _slot_prefix(ns: str, what: str = "used") -> str:
    return f"budget:{ns}:{what}:"


def take(api_key: ApiKey, *, patience_seconds: float | None = None) -> float:
    """Take one token for the key, reserving a future one if need be; returns the seconds to
    wait before sending. Raises `BudgetExhausted` if that would exceed the patience."""
    buckets, ns = buckets_for(api_key), _ns(api_key)
    if patience_seconds is None:
        patience_seconds = _patience.get()
    if patience_seconds is None:
        patience_seconds = settings.PANEL_VULTR_BUDGET_WAIT
    take_script, _, _ = _scripts(settings.REDIS_URL)
    keys = [_bucket_key(b.ns) for b in buckets] + [_slot_prefix(ns)]
    keys += [_slot_prefix(b.ns) for b in buckets if b.shared]
    args: list[float | int] = [len(buckets), patience_seconds]
    for b in buckets:
        args += [b.rate, b.burst, _ttl(b, patience_seconds)]
    granted, wait = take_script(keys=keys, args=args)
    wait = float(wait)
    if not int(granted):
        raise BudgetExhausted(wait)
    return wait


def _ttl(bucket: Bucket, seconds: float) -> int:
    # Long enough to outlive any reservation or pause: an expired bucket would start full.
    return int(bucket.burst / bucket.rate + seconds + 60)


def pause(api_key: ApiKey, seconds: float) -> None:
    """Vultr asked us to wait (`Retry-After`): no request of the key's bucket goes out for
    `seconds`. For a v2 key that is the shared bucket of its address, so every v2 key of the
    installation waits, in every process; a v1 key's own bucket otherwise."""
    bucket = buckets_for(api_key)[0]
    _, _, pause_script = _scripts(settings.REDIS_URL)
    try:
        pause_script(
            keys=[_bucket_key(bucket.ns)],
            args=[bucket.rate, bucket.burst, seconds, _ttl(bucket, seconds)],
        )
    except redis.RedisError:
        logger.warning("could not pause the API budget of key %s", api_key.pk)
        return
    logger.info("API budget of key %s paused for %.1f s (Vultr's Retry-After)", api_key.pk, seconds)


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


REJECTED = (429, 503)  # Vultr's rate-limit answers: v2's 429, v1's 503


def response_hook(api_key: ApiKey) -> Callable[[str, str, int | None, float], None]:
    """The `on_response` hook: counts Vultr's rate-limit answers (v1 503, v2 429) per key and,
    for v2, per shared bucket, for the dashboard."""
    key_id = api_key.pk
    prefixes = [_slot_prefix(_ns(api_key), "rejected")]
    prefixes += [_slot_prefix(b.ns, "rejected") for b in buckets_for(api_key) if b.shared]

    def count(method: str, path: str, status: int | None, elapsed: float) -> None:
        if status not in REJECTED:
            return
        now_slot = str(int(time.time() // SLOT_SECONDS))
        try:
            pipe = redis_client().pipeline()
            for prefix in prefixes:
                pipe.incr(prefix + now_slot)
                pipe.expire(prefix + now_slot, SLOT_SECONDS * SLOTS_KEPT + 60)
            pipe.execute()
        except redis.RedisError:
            logger.warning("could not count a %s for key %s", status, key_id)

    return count


def rate_limited_hook(api_key: ApiKey) -> Callable[[float | None], None]:
    """The client's `on_rate_limited` hook: Vultr refused a request for its rate limit, so
    the key's bucket is paused for everyone, in every process, for the `Retry-After` it named
    (for a v2 key that is the bucket all v2 keys at its address share). v2's 429 without a
    `Retry-After` pauses for `DEFAULT_PAUSE_SECONDS`; v1's 503 names no wait, and the key's
    own bucket and the transport's backoff deal with it."""

    def on_rate_limited(retry_after: float | None) -> None:
        if retry_after:
            pause(api_key, retry_after)
        elif api_key.api_version == "v2":
            pause(api_key, DEFAULT_PAUSE_SECONDS)

    return on_rate_limited


# A 429 that names no Retry-After pauses the bucket this long (Vultr sends small integers).
DEFAULT_PAUSE_SECONDS = 1.0


@sensitive_variables()
def client(
    api_key: ApiKey,
    *,
    timeout: float | tuple[float, float],
    max_retries: int,
    sleep: Callable[[float], None] = time.sleep,
) -> VultrClient:
    """A `VultrClient` for a stored key on the key's budget: the way the action layer and the
    operations reach Vultr. The key is decrypted here, for this client only. A 429 from Vultr
    pauses the key's bucket (for v2, the one all v2 keys at that address share) for as long
    as its `Retry-After` says. `sleep` is how the client waits for its budget and between
    retries; tests pass a fake."""
    return api_key.client(
        timeout=timeout,
        max_retries=max_retries,
        rate_limiter=limiter(api_key, sleep=sleep),
        on_response=response_hook(api_key),
        on_rate_limited=rate_limited_hook(api_key),
        sleep=sleep,
    )


# -- use, for the dashboard ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Usage:
    key_id: int
    rate: float
    burst: int
    used_last_minute: int
    rejected_last_minute: int
    backlog_seconds: float
    # v2 keys: the address whose shared bucket the key takes from ("" for v1 keys).
    shared_url: str = ""

    @property
    def capacity_per_minute(self) -> int:
        return round(self.rate * 60)

    @property
    def percent(self) -> int:
        if not self.capacity_per_minute:
            return 0
        return min(100, round(100 * self.used_last_minute / self.capacity_per_minute))


@dataclasses.dataclass(frozen=True)
class SharedUsage(Usage):
    """The v2 bucket of one API address, shared by every v2 key of the installation (key_id
    0); `labels` are this team's v2 keys at that address."""

    labels: tuple[str, ...] = ()


def _read(ns: str, buckets: list[Bucket]) -> tuple[int, int, float]:
    """Requests counted under `ns` in the last minute, rate-limit answers, and the seconds a
    new request would wait for the latest of the buckets' next tokens."""
    now_slot = int(time.time() // SLOT_SECONDS)
    slots = range(now_slot - (60 // SLOT_SECONDS) + 1, now_slot + 1)
    client = redis_client()
    _, peek, _ = _scripts(settings.REDIS_URL)
    used = client.mget([_slot_prefix(ns) + str(s) for s in slots])
    rejected = client.mget([_slot_prefix(ns, "rejected") + str(s) for s in slots])
    backlog = 0.0
    for b in buckets:
        tokens = float(peek(keys=[_bucket_key(b.ns)], args=[b.rate, b.burst])[0])
        if tokens < 1:
            backlog = max(backlog, (1 - tokens) / b.rate)
    return sum(int(n) for n in used if n), sum(int(n) for n in rejected if n), backlog


def usage(api_keys: Iterable[ApiKey]) -> list[Usage]:
    """Each key's requests in the last minute, Vultr's rate-limit answers (503/429), and how
    far ahead its bucket is booked (seconds a new request would wait). A v2 key's rate and
    wait are those of the bucket it takes from (the shared one, or its own cap if lower)."""
    found = []
    for api_key in api_keys:
        buckets = buckets_for(api_key)
        rate = min(b.rate for b in buckets)
        burst = min(b.burst for b in buckets)
        try:
            used, rejected, backlog = _read(_ns(api_key), buckets)
        except redis.RedisError:
            logger.warning("could not read the budget of key %s", api_key.pk)
            used, rejected, backlog = 0, 0, 0.0
        found.append(
            Usage(
                key_id=api_key.pk,
                rate=rate,
                burst=burst,
                used_last_minute=used,
                rejected_last_minute=rejected,
                backlog_seconds=backlog,
                shared_url=buckets[0].api_url,
            )
        )
    return found


def shared_usage(api_keys: Iterable[ApiKey]) -> list[SharedUsage]:
    """The shared v2 bucket of each API address these keys' v2 keys use: requests of the whole
    installation in the last minute, Vultr's 429s, and how far ahead it is booked."""
    by_url: dict[str, list[str]] = {}
    for api_key in api_keys:
        if api_key.api_version == "v2":
            by_url.setdefault(api_key.api_url.rstrip("/"), []).append(api_key.label)
    found = []
    for url, labels in sorted(by_url.items()):
        bucket = shared_bucket(url)
        try:
            used, rejected, backlog = _read(bucket.ns, [bucket])
        except redis.RedisError:
            logger.warning("could not read the shared v2 budget of %s", url)
            used, rejected, backlog = 0, 0, 0.0
        found.append(
            SharedUsage(
                key_id=0,
                rate=bucket.rate,
                burst=bucket.burst,
                used_last_minute=used,
                rejected_last_minute=rejected,
                backlog_seconds=backlog,
                shared_url=url,
                labels=tuple(labels),
            )
        )
    return found
