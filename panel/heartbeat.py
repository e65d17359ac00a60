"""Worker heartbeats in Redis, so that /healthz can tell live workers in a millisecond.

Asking the workers (Celery's broadcast ``ping``) means waiting for answers until a timeout: a
second on every call, however healthy everything is. Instead each worker writes its name and
the time into one sorted set in the broker's Redis every `interval()` seconds, from its
consumer's event loop (`WorkerHeartbeat`, a Celery bootstep): a loop that is stuck, like a
process that was killed, stops writing. A worker counts as live while its last heartbeat is
younger than `STALE_BEATS` intervals (two lost beats are forgiven); one that stops cleanly
takes its name out at once.

The times are Redis's own clock (``TIME``), for writers and the reader alike: workers on other
machines need not agree with the web server's clock.

Written here rather than read from Celery's event heartbeats: those are sent only when task
events are switched on (``-E``), and need a consumer of the event stream to be read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from celery import bootsteps

logger = logging.getLogger("panel.heartbeat")

KEY = "panel:worker-heartbeats"
# A heartbeat older than this many intervals means the worker is gone.
STALE_BEATS = 3
# Names not heard of for a day are removed (workers renamed or scaled down).
FORGET_SECONDS = 86400


def interval() -> float:
    from django.conf import settings

    return float(settings.PANEL_WORKER_HEARTBEAT_SECONDS)


def _now(client: redis.Redis) -> float:
    seconds, micros = client.time()
    return seconds + micros / 1_000_000


def beat(client: redis.Redis, worker: str) -> None:
    """Record that `worker` is alive now."""
    now = _now(client)
    pipe = client.pipeline(transaction=False)
    pipe.zadd(KEY, {worker: now})
    pipe.zremrangebyscore(KEY, "-inf", now - FORGET_SECONDS)
    pipe.execute()


def leave(client: redis.Redis, worker: str) -> None:
    client.zrem(KEY, worker)


@dataclass(frozen=True)
class Workers:
    live: list[str]
    window: float  # seconds within which a heartbeat counts


def live_workers(url: str, *, timeout: float = 1.0) -> Workers:
    """The workers that sent a heartbeat to the Redis at `url` recently. Raises
    `redis.RedisError` if that Redis cannot be asked."""
    window = interval() * STALE_BEATS
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        now = _now(client)
        names = client.zrangebyscore(KEY, now - window, "+inf")
    finally:
        client.close()
    return Workers(sorted(name.decode() for name in names), window)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer bootstep: beats on the consumer's timer while the worker consumes tasks."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.client: redis.Redis | None = None
        self.tref = None
        self.name = ""

    def start(self, parent) -> None:
        self.name = parent.hostname
        self.client = redis.Redis.from_url(
            parent.app.conf.broker_url, socket_timeout=2, socket_connect_timeout=2
        )
        self._beat()
        self.tref = parent.timer.call_repeatedly(interval(), self._beat)

    def _beat(self) -> None:
        try:
            beat(self.client, self.name)
        except redis.RedisError as exc:
            # The broker is down: the worker cannot take tasks either, and /healthz says
            # so. The next beat tries again.
            logger.warning("Worker heartbeat not written: %s", exc)

    def stop(self, parent) -> None:
        if self.tref is not None:
            parent.timer.cancel(self.tref)
            self.tref = None
        if self.client is not None:
            try:
                leave(self.client, self.name)
            except redis.RedisError:
                pass  # it ages out
            self.client.close()
            self.client = None

    shutdown = stop
