"""What happens to a request before the API sees it: rate limits, injected faults, counters.

Each class is thread-safe on its own; none of them touches account state.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

# The real 503 body, recorded by libcloud in 2017 (error_rate_limit.txt); two spaces after the
# full stop. The number follows the configured rate.
RATE_LIMIT_TEXT = (
    "Rate limit reached - please try your request again later.  Current rate limit: "
    "{rate:g} requests/sec"
)


# v2's 429 body, verbatim from tf#103 (v2 reference §1.3): key order and spaces as recorded.
V2_RATE_LIMIT_BODY = b'{"status": 429,"error": "rate limit exceeded"}'


class RateLimiter:
    """Token bucket per caller (API key, or client address for keyless public calls).

    v1 allowed "an average of 2/s" (reference §3). The burst is kept small so that a client
    which ignores the limit is caught within a few requests, as on the real API. v2 allows
    "30 requests per second" per source IP (v2 reference §1.4): its limiter is built with
    ``max_burst=math.inf``, so a second's worth of requests may come at once.
    """

    MAX_BURST = 3.0

    def __init__(self, rate: float, max_burst: float = MAX_BURST) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # caller → (tokens, at)
        self._max_burst = max_burst
        self.rate = rate

    @property
    def rate(self) -> float:
        return self._rate

    @rate.setter
    def rate(self, rate: float) -> None:
        if rate < 0:
            raise ValueError("rate_limit must be >= 0")
        with self._lock:
            self._rate = rate
            self._burst = max(1.0, min(self._max_burst, rate))
            self._buckets.clear()

    def allow(self, caller: str) -> bool:
        return not self.wait(caller)

    def wait(self, caller: str) -> float:
        """0 if ``caller`` may go now (a token is used), else the seconds until it may."""
        if not self._rate:  # 0 turns the limit off
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(caller, (self._burst, now))
            tokens = min(self._burst, tokens + (now - at) * self._rate)
            if tokens < 1.0:
                self._buckets[caller] = (tokens, now)
                return (1.0 - tokens) / self._rate
            self._buckets[caller] = (tokens - 1.0, now)
            return 0.0

    @staticmethod
    def retry_after(wait: float) -> str:
        """``Retry-After`` in whole seconds, at least 1 (v2 reference §1.4)."""
        return str(max(1, math.ceil(wait)))

    def text(self) -> str:
        return RATE_LIMIT_TEXT.format(rate=self._rate)


@dataclass(slots=True)
class Fault:
    """The next ``count`` matching requests: wait ``delay`` s, then drop or answer ``status``.

    With neither ``status`` nor ``drop`` the request is only delayed and then served normally.
    """

    count: int
    status: int | None
    body: str | None
    delay: float
    drop: bool
    path: str | None
    key: str | None
    # v2 additions: only this API version ("v1"/"v2"), only this HTTP method, and for a 429
    # the Retry-After seconds. A v2 ``path`` may be concrete or a route template such as
    # "/v2/instances/{instance-id}".
    api: str | None = None
    method: str | None = None
    retry_after: int = 1

    def matches(
        self, path: str, key: str | None, method: str = "", template: str = "", api: str = ""
    ) -> bool:
        return (
            (self.path is None or self.path == path or self.path == template)
            and (self.key is None or self.key == key)
            and (self.api is None or self.api == api)
            and (self.method is None or self.method == method)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "status": self.status,
            "body": self.body,
            "delay": self.delay,
            "drop": self.drop,
            "path": self.path,
            "key": self.key,
            "api": self.api,
            "method": self.method,
            "retry_after": self.retry_after,
        }


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()

    def add(self, fault: Fault) -> None:
        if fault.count < 1:
            raise ValueError("count must be >= 1")
        if fault.delay < 0:
            raise ValueError("delay must be >= 0")
        with self._lock:
            self._queue.append(fault)

    def take(
        self, path: str, key: str | None, method: str = "", template: str = "", api: str = ""
    ) -> Fault | None:
        """The first queued fault for this request, using up one of its count."""
        if not self._queue:  # the common case, without the lock
            return None
        with self._lock:
            for fault in self._queue:
                if fault.matches(path, key, method, template, api):
                    fault.count -= 1
                    if not fault.count:
                        self._queue.remove(fault)
                    return fault
        return None

    def clear(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._queue.clear()
            else:
                self._queue = deque(f for f in self._queue if f.key != key)

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self._queue]


class Stats:
    """Request counters for tests and benchmarks. Unknown paths and keys share one bucket each,
    so a scanner cannot grow them without bound."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._paths: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._keys: Counter[str] = Counter()
            self._rate_limited = 0
            self._dropped = 0
            self._server_create = 0

    def record(
        self,
        path: str,
        key: str,
        status: int | None,
        *,
        rate_limited: bool = False,
        server_created: bool = False,
    ) -> None:
        """``status`` None means the connection was dropped without an answer."""
        with self._lock:
            self._total += 1
            self._paths[path] += 1
            self._keys[key] += 1
            if status is None:
                self._dropped += 1
            else:
                self._statuses[str(status)] += 1
            self._rate_limited += rate_limited
            self._server_create += server_created

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self._total,
                "by_path": dict(self._paths),
                "by_status": dict(self._statuses),
                "by_key": dict(self._keys),
                "rate_limited": self._rate_limited,
                "dropped": self._dropped,
                "server_create": self._server_create,
            }
