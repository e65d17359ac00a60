import pytest
from django.conf import settings
from django.test import override_settings

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
    assert body["checks"]["celery"]["detail"] == "no worker answered a ping"


def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405
