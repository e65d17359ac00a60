"""Checks of the services the panel needs: the database, Redis, and a live Celery worker, and
the /healthz view that answers with them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from panel import heartbeat
from panel.middleware import client_ip


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the text says which
        return Check("database", False, f"{type(exc).__name__}: {exc}")
    return Check("database", True, connection.vendor)


def check_redis() -> Check:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return Check("redis", False, f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
    return Check("redis", True, "PONG")


def check_celery() -> Check:
    """Live workers from their heartbeats in the broker's Redis (panel/heartbeat.py): a read
    of a millisecond, where asking the workers to answer a ping waited a second every time."""
    try:
        workers = heartbeat.live_workers(settings.CELERY_BROKER_URL)
    except redis.RedisError as exc:
        return Check("celery", False, f"{type(exc).__name__}: {exc}")
    if not workers.live:
        return Check("celery", False, f"no worker heartbeat in the last {workers.window:g} s")
    return Check("celery", True, f"{len(workers.live)} worker(s): {', '.join(workers.live)}")


def run_checks() -> list[Check]:
    redis_check = check_redis()
    # Without Redis there is no broker to read heartbeats from: say so instead of waiting.
    celery_check = (
        check_celery() if redis_check.ok else Check("celery", False, "broker (Redis) is down")
    )
    return [check_database(), redis_check, celery_check]


def may_see_detail(request) -> bool:
    """Staff, or a caller on this machine (a container's health check, an operator's curl):
    they see which service failed and why. Anyone else learns only ok or not: worker host
    names, the database vendor and error texts tell an attacker about the installation.
    Behind a proxy the caller is the client it forwards, not the proxy on loopback."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    try:
        return ipaddress.ip_address(client_ip(request) or "").is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def healthz(request):
    """JSON state of the database, Redis and Celery; 503 naming what failed (to those who may
    see it, `may_see_detail`)."""
    checks = run_checks()
    failing = [c.name for c in checks if not c.ok]
    body: dict = {"status": "ok" if not failing else "fail"}
    if may_see_detail(request):
        body["failing"] = failing
        body["checks"] = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    return JsonResponse(body, status=503 if failing else 200)
