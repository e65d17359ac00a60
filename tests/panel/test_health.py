"""/healthz: the database, Redis and live workers (from their heartbeats in Redis), in detail
for local callers and staff only."""

import os
import signal
import time

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from panel import heartbeat
from panel.local_stack import stop
from tests.fixtures.services import start_worker

pytestmark = pytest.mark.django_db


def test_it_reports_every_service_up(client, celery_worker):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "redis", "celery"}
    assert "test-worker@" in body["checks"]["celery"]["detail"]


def test_it_names_redis_when_redis_is_down(client):
    # Nothing listens on port 1; Celery's broker is the same Redis, so it is named too.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["failing"]
    assert body["checks"]["database"]["ok"] is True
    assert "Connection refused" in body["checks"]["redis"]["detail"]


def test_it_names_celery_when_no_worker_listens(client, celery_worker):
    # Same Redis, another database: a broker no worker consumes from.
    db15 = settings.REDIS_URL.rsplit("/", 1)[0] + "/15"
    with override_settings(CELERY_BROKER_URL=db15):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["celery"]
    assert body["checks"]["celery"]["detail"] == "no worker heartbeat in the last 6 s"


def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_an_anonymous_caller_from_elsewhere_learns_only_ok_or_not(client, celery_worker):
    # No worker host names, database vendor or error texts for the internet.
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_anonymous_caller_from_elsewhere_learns_that_something_failed(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 503
    assert response.json() == {"status": "fail"}


def test_staff_signed_in_from_elsewhere_see_the_detail(client, celery_worker, make_user):
    client.force_login(make_user("root", is_staff=True))

    body = client.get("/healthz", REMOTE_ADDR="203.0.113.9").json()

    assert "test-worker@" in body["checks"]["celery"]["detail"]


def test_a_signed_in_member_who_is_not_staff_sees_no_detail(client, celery_worker, make_user):
    # Anyone may sign up: being signed in says nothing about running the installation.
    client.force_login(make_user("ann"))

    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9").json() == {"status": "ok"}


def test_behind_a_proxy_the_client_is_judged_not_the_proxy(client, celery_worker, settings):
    # The proxy connects from 127.0.0.1; the caller it forwards is not local.
    settings.PANEL_PROXY_COUNT = 1
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.json() == {"status": "ok"}


@pytest.mark.slow
def test_a_killed_worker_is_reported_down_within_three_heartbeats(client, settings):
    """A worker of its own on a Redis database of its own, beating every second: up while it
    runs, down a few seconds after a SIGKILL (nothing could say goodbye)."""
    broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(broker).delete(heartbeat.KEY)
    settings.CELERY_BROKER_URL = broker
    settings.PANEL_WORKER_HEARTBEAT_SECONDS = 1
    proc = start_worker("doomed", broker, PANEL_WORKER_HEARTBEAT_SECONDS="1")
    try:
        deadline = time.monotonic() + 30
        while (up := client.get("/healthz")).status_code != 200:
            assert proc.poll() is None and time.monotonic() < deadline, up.json()
            time.sleep(0.2)
        assert "1 worker(s): doomed@" in up.json()["checks"]["celery"]["detail"]

        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = time.monotonic()
        while (down := client.get("/healthz")).status_code != 503:
            assert time.monotonic() - killed_at < 10, down.json()
            time.sleep(0.2)
    finally:
        stop([proc])

    assert down.json()["failing"] == ["celery"]
    assert down.json()["checks"]["celery"]["detail"] == "no worker heartbeat in the last 3 s"


def test_a_worker_that_stops_cleanly_is_down_at_once(client, settings):
    broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    store = redis.Redis.from_url(broker)
    store.delete(heartbeat.KEY)
    settings.CELERY_BROKER_URL = broker
    heartbeat.beat(store, "leaving@host")
    assert client.get("/healthz").status_code == 200

    heartbeat.leave(store, "leaving@host")

    assert client.get("/healthz").status_code == 503
