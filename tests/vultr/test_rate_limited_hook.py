"""`VultrClient(on_rate_limited=...)`: the public hook through which a caller learns of each of
Vultr's rate-limit answers (v2's 429 with its `Retry-After`, v1's 503), so that a budget shared
with other clients can pause them all (panel/budget/tokens.py). Canned answers (`responses`)."""

from __future__ import annotations

import logging

import pytest

from panel.vultr import RateLimitedError, ServerError, VultrClient

KEY = "V2SECRET0123456789ABCDEFGHIJKLMNOPQRST"
V1 = "https://api.vultr.com/v1/"
V2 = "https://api.vultr.com/v2/"
RATE_LIMITED_V2 = '{"status": 429,"error": "rate limit exceeded"}'  # tf#103, verbatim
RATE_LIMITED_V1 = "Rate limit reached - please try your request again later."
NEW = "cb676a46-66fd-4dfb-b839-443f2e6c0b60"


@pytest.fixture
def events() -> list[tuple[str, float | None]]:
    """What the client did, in order: ("limited", retry_after) from the hook, ("sleep", s)."""
    return []


def client_for(api_version: str, events, **kwargs) -> VultrClient:
    return VultrClient(
        KEY,
        api_version=api_version,
        on_rate_limited=lambda seconds: events.append(("limited", seconds)),
        sleep=lambda seconds: events.append(("sleep", seconds)),
        **kwargs,
    )


def test_a_v2_429_is_reported_with_its_retry_after_before_the_retry_waits(api, events):
    api.get(V2 + "account", status=429, body=RATE_LIMITED_V2, headers={"Retry-After": "3"})
    api.get(V2 + "account", json={"account": {"balance": 1}})

    assert client_for("v2", events).account_info().balance == 1

    assert events[0] == ("limited", 3.0)
    assert events[1][0] == "sleep" and events[1][1] >= 3
    assert len(events) == 2


def test_a_429_handed_to_the_caller_is_reported_too(api, events):
    # Too long to sleep through here: the error goes up, and the hook has told the budget.
    api.get(V2 + "account", status=429, body=RATE_LIMITED_V2, headers={"Retry-After": "120"})

    with pytest.raises(RateLimitedError):
        client_for("v2", events).account_info()

    assert events == [("limited", 120.0)]


def test_a_429_without_retry_after_is_reported_as_none(api, events):
    api.post(V2 + "instances", status=429, body=RATE_LIMITED_V2)
    api.post(V2 + "instances", status=202, json={"instance": {"id": NEW}})

    assert client_for("v2", events).server_create("ewr", "vc2-1c-1gb", "2076") == NEW

    assert events[0] == ("limited", None)


def test_each_v1_503_is_reported(api, events):
    api.get(V1 + "account/info", status=503, body=RATE_LIMITED_V1)
    api.get(V1 + "account/info", status=503, body=RATE_LIMITED_V1)
    api.get(V1 + "account/info", json={"balance": "-5.00", "pending_charges": "0.00"})

    client_for("v1", events, max_retries=2).account_info()

    assert [e for e in events if e[0] == "limited"] == [("limited", None), ("limited", None)]


def test_other_answers_are_not_reported(api, events):
    api.get(V2 + "account", status=500, json={"error": "Oops", "status": 500})
    api.get(V2 + "account", json={"account": {"balance": 1}})

    client_for("v2", events).account_info()

    assert [e for e in events if e[0] == "limited"] == []


def test_the_callers_own_rate_limiter_refusing_is_not_reported(events):
    # Nothing was sent: the budget's own refusal is no answer of Vultr's.
    def refuse() -> None:
        raise RateLimitedError("budget used up", retryable=False)

    client = client_for("v2", events, rate_limiter=refuse)
    with pytest.raises(RateLimitedError, match="budget used up"):
        client.account_info()

    assert events == []


def test_a_failing_hook_does_not_lose_a_created_server(api, caplog):
    def broken(seconds: float | None) -> None:
        raise RuntimeError("budget down")

    api.post(V2 + "instances", status=429, body=RATE_LIMITED_V2, headers={"Retry-After": "1"})
    api.post(V2 + "instances", status=202, json={"instance": {"id": NEW}})
    client = VultrClient(KEY, api_version="v2", on_rate_limited=broken, sleep=lambda s: None)

    with caplog.at_level(logging.ERROR, logger="panel.vultr"):
        assert client.server_create("ewr", "vc2-1c-1gb", "2076") == NEW

    assert "on_rate_limited hook failed" in caplog.text
    assert KEY not in caplog.text


def test_the_hook_is_optional(api):
    api.get(V2 + "account", status=429, body=RATE_LIMITED_V2, headers={"Retry-After": "1"})

    with pytest.raises(RateLimitedError):
        VultrClient(KEY, api_version="v2", max_retries=0).account_info()


def test_server_errors_still_raise_with_a_hook(api, events):
    api.post(V2 + "instances", status=500, json={"error": "Oops", "status": 500})

    with pytest.raises(ServerError):
        client_for("v2", events).server_create("ewr", "vc2-1c-1gb", "2076")
    assert events == []
