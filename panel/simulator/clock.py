"""The simulated clock: wall time scaled by ``speed`` plus whatever tests advanced it by.

``now = start + real_elapsed * speed + advanced``. A speed change rebases ``start`` so that
simulated time never jumps. All v1 times are UTC (reference §1).
"""

from __future__ import annotations

import threading
import time


class SimClock:
    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._lock = threading.Lock()
        self._speed = speed
        self._start = time.time() if start is None else start
        self._real_start = time.monotonic()
        self._advanced = 0.0

    def now(self) -> float:
        """Simulated UTC epoch seconds."""
        elapsed = time.monotonic() - self._real_start
        return self._start + elapsed * self._speed + self._advanced

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def advanced(self) -> float:
        return self._advanced

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            real_now = time.monotonic()
            self._start += (real_now - self._real_start) * self._speed
            self._real_start = real_now
            self._speed = speed

    def advance(self, seconds: float) -> float:
        # Going back would let servers "un-provision"; v1 time only moves forward.
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._advanced += seconds
        return self.now()


def fmt_datetime(epoch: float) -> str:
    """v1's date format: "YYYY-MM-DD HH:MM:SS", UTC, no zone (reference §4)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def fmt_iso(epoch: float) -> str:
    """v2's date format: ISO 8601 with an explicit offset, "2021-09-01T13:25:48+00:00"."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def fmt_date(epoch: float) -> str:
    """Bandwidth days: "YYYY-MM-DD"."""
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))
