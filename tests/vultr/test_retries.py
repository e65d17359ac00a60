"""Retry policy, backoff, the rate limiter and the metrics hook (panel/vultr/transports/http.py).

GETs are retried on 500, 503, timeouts and connection failures; POSTs only when the request
certainly did not take effect, because a repeated server/create bills twice.
"""

from __future__ import annotations

import logging

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from panel.vultr import (
    ConnectionFailedError,
    RateLimitedError,
    RequestFailedError,
    ServerError,
    VultrClient,
    VultrTimeoutError,
)
from panel.vultr.transports.http import BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS

KEY = "TESTKEY0123456789ABCDEFGHIJKLMNOPQRS"
BASE = "https://api.vultr.com/v1/"
RATE_LIMIT = (
    "Rate limit reached - please try your request again later.  Current rate limit: 2 requests/sec"  # noqa: E501
)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps):
    return VultrClient(KEY, max_retries=3, sleep=sleeps.append)


def fail_then_succeed(api, method, action, failure, success):
    """Registers one failing answer followed by a good one (responses replays in order)."""
    api.add(method, BASE + action, **failure)
    api.add(method, BASE + action, **success)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status": 503, "body": RATE_LIMIT}, id="503"),
        pytest.param({"status": 500, "body": "Internal server error"}, id="500"),
        pytest.param({"body": requests.ReadTimeout()}, id="timeout"),
        pytest.param({"body": requests.ConnectionError(ProtocolError("aborted"))}, id="dropped"),
    ],
)
def test_get_is_retried_after_transient_failure(api, client, sleeps, failure):
    fail_then_succeed(api, "GET", "server/list", failure, {"json": []})

    assert client.server_list() == []
    assert len(api.calls) == 2
    assert len(sleeps) == 1
    assert BACKOFF_BASE_SECONDS / 2 <= sleeps[0] <= BACKOFF_BASE_SECONDS


def test_get_gives_up_after_max_retries_with_growing_capped_backoff(api, sleeps):
    api.get(BASE + "account/info", status=503, body=RATE_LIMIT)
    client = VultrClient(KEY, max_retries=8, sleep=sleeps.append)

    with pytest.raises(RateLimitedError, match="Rate limit reached"):
        client.account_info()

    assert len(api.calls) == 9
    assert len(sleeps) == 8
    for attempt, delay in enumerate(sleeps, start=1):
        step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        assert step / 2 <= delay <= step
    assert max(sleeps) <= BACKOFF_CAP_SECONDS


def test_no_retry_with_max_retries_zero(api, sleeps):
    api.get(BASE + "account/info", status=500)
    client = VultrClient(KEY, max_retries=0, sleep=sleeps.append)

    with pytest.raises(ServerError):
        client.account_info()

    assert len(api.calls) == 1
    assert sleeps == []


def test_request_errors_are_not_retried(api, client, sleeps):
    api.get(BASE + "server/list", status=412, body="Invalid server.")

    with pytest.raises(RequestFailedError):
        client.server_list(subid="1")

    assert len(api.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        pytest.param({"body": requests.ReadTimeout()}, VultrTimeoutError, id="timeout"),
        pytest.param({"status": 500, "body": "Internal error"}, ServerError, id="500"),
        pytest.param(
            {"body": requests.ConnectionError(ProtocolError("aborted"))},
            ConnectionFailedError,
            id="dropped",
        ),
    ],
)
def test_server_create_is_never_retried_when_it_may_have_run(
    api, client, sleeps, failure, error_class
):
    api.post(BASE + "server/create", **failure)

    with pytest.raises(error_class) as caught:
        client.server_create("1", "201", "387")

    assert len(api.calls) == 1
    assert sleeps == []
    assert caught.value.retryable is False


def test_post_is_retried_after_rate_limit(api, client, sleeps):
    # A 503 comes from the rate limiter before anything is done (reference §3).
    fail_then_succeed(
        api,
        "POST",
        "server/create",
        {"status": 503, "body": RATE_LIMIT},
        {"json": {"SUBID": "1312965"}},
    )

    assert client.server_create("1", "201", "387") == "1312965"
    assert len(api.calls) == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(requests.ConnectTimeout(), id="connect-timeout"),
        pytest.param(
            requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused"))),
            id="refused",
        ),
    ],
)
def test_post_is_retried_when_no_connection_was_made(api, client, sleeps, failure):
    fail_then_succeed(api, "POST", "server/reboot", {"body": failure}, {"body": ""})

    client.server_reboot("576965")

    assert len(api.calls) == 2


def test_rate_limiter_is_called_before_every_attempt(api, sleeps):
    tokens: list[int] = []
    api.get(BASE + "account/info", status=503, body=RATE_LIMIT)
    api.get(BASE + "account/info", status=503, body=RATE_LIMIT)
    api.get(BASE + "account/info", json=[])
    api.get(BASE + "os/list", json=[])
    client = VultrClient(
        KEY, sleep=sleeps.append, rate_limiter=lambda: tokens.append(len(api.calls))
    )

    client.account_info()
    client.os_list()

    # Called before each send: the count of calls made so far when it ran.
    assert tokens == [0, 1, 2, 3]


def test_on_response_hook_sees_every_attempt(api, sleeps):
    seen: list[tuple[str, str, int | None, float]] = []
    api.get(BASE + "account/info", body=requests.ReadTimeout())
    api.get(BASE + "account/info", status=503, body=RATE_LIMIT)
    api.get(BASE + "account/info", json=[])
    client = VultrClient(KEY, sleep=sleeps.append, on_response=lambda *args: seen.append(args))

    client.account_info()

    assert [(m, p, s) for m, p, s, _ in seen] == [
        ("GET", "/v1/account/info", None),
        ("GET", "/v1/account/info", 503),
        ("GET", "/v1/account/info", 200),
    ]
    assert all(elapsed >= 0 for *_, elapsed in seen)


def test_failing_hook_does_not_lose_a_created_server(api, caplog):
    api.post(BASE + "server/create", json={"SUBID": "1312965"})

    def broken_hook(*args: object) -> None:
        raise RuntimeError("metrics backend down")

    client = VultrClient(KEY, on_response=broken_hook)

    with caplog.at_level(logging.ERROR, logger="panel.vultr"):
        assert client.server_create("1", "201", "387") == "1312965"
    assert "on_response hook failed" in caplog.text


def test_retries_are_logged_without_secrets(api, client, caplog):
    fail_then_succeed(api, "GET", "account/info", {"status": 500}, {"json": []})

    with caplog.at_level(logging.DEBUG, logger="panel.vultr"):
        client.account_info()

    assert "GET /v1/account/info failed (ServerError, status 500); retry 1 of 3" in caplog.text
    assert "GET /v1/account/info -> 200" in caplog.text
    assert KEY not in caplog.text


def test_client_closes_only_its_own_session(api, monkeypatch):
    closed: list[str] = []
    monkeypatch.setattr(requests.Session, "close", lambda self: closed.append("closed"))
    own = VultrClient(KEY)
    shared = VultrClient(KEY, session=requests.Session())

    shared.close()
    assert closed == []
    own.close()
    assert closed == ["closed"]
