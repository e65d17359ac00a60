"""Every error class from its cause, with Vultr's text as the message, and the API key kept out
of every error, repr and log line."""

from __future__ import annotations

import ast
import importlib.resources
import logging
import pickle
from pathlib import Path

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

import panel.vultr
from panel.vultr import (
    AuthenticationError,
    ConnectionFailedError,
    InvalidLocationError,
    InvalidParameterError,
    MethodNotAllowedError,
    RateLimitedError,
    RequestFailedError,
    ServerError,
    UnexpectedResponseError,
    VultrClient,
    VultrError,
    VultrTimeoutError,
)
from tests.vultr.secrecy import assert_key_kept_out, assert_pickle_round_trips

KEY = "SECRETKEY0123456789ABCDEFGHIJKLMNOPQ"
BASE = "https://api.vultr.com/v1/"
RATE_LIMIT_TEXT = (
    (importlib.resources.files("libcloud") / "test/compute/fixtures/vultr/error_rate_limit.txt")
    .read_text()
    .strip()
)


@pytest.fixture
def client():
    return VultrClient(KEY, max_retries=0)


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (400, "Invalid API endpoint", InvalidLocationError),
        (403, "Invalid API key", AuthenticationError),
        (405, "Invalid HTTP method", MethodNotAllowedError),
        (
            412,
            "Invalid server. Check SUBID value and ensure your API key matches the server's "
            "account",
            RequestFailedError,
        ),
        (500, "Internal server error", ServerError),
        (503, RATE_LIMIT_TEXT, RateLimitedError),
    ],
)
def test_status_maps_to_error_class_with_vultr_text(api, client, status, body, error_class):
    # Plain-text bodies, with the trailing newline a server may add (reference §2).
    api.get(BASE + "server/list", body=body + "\n", status=status, content_type="text/plain")

    with pytest.raises(error_class) as caught:
        client.server_list(subid="576965")

    err = caught.value
    assert isinstance(err, VultrError)
    assert str(err) == err.message == body
    assert (err.status, err.method, err.path) == (status, "GET", "/v1/server/list")


def test_412_on_post_carries_vultr_text(api, client):
    text = "Unable to destroy server: Servers cannot be destroyed within 5 minutes of being created"
    api.post(BASE + "server/destroy", body=text, status=412)

    with pytest.raises(RequestFailedError, match="within 5 minutes") as caught:
        client.server_destroy("576965")

    assert caught.value.retryable is False
    assert caught.value.method == "POST"


def test_empty_error_body_falls_back_to_documented_description(api, client):
    api.get(BASE + "account/info", body="", status=403)

    with pytest.raises(AuthenticationError) as caught:
        client.account_info()

    assert str(caught.value).startswith("Invalid or missing API key")


def test_unknown_status_is_unexpected(api, client):
    api.get(BASE + "account/info", body="I'm a teapot", status=418)

    with pytest.raises(UnexpectedResponseError) as caught:
        client.account_info()

    assert caught.value.status == 418
    assert str(caught.value) == "I'm a teapot"


def test_redirect_is_not_followed(api, client):
    # Following it would send the API-Key header to whatever host the redirect names.
    api.get(BASE + "account/info", status=302, headers={"Location": "https://evil.example/"})

    with pytest.raises(UnexpectedResponseError) as caught:
        client.account_info()

    assert caught.value.status == 302
    assert len(api.calls) == 1


def test_body_that_is_not_json_is_unexpected(api, client):
    api.get(BASE + "server/list", body="<html>maintenance</html>", content_type="text/html")

    with pytest.raises(UnexpectedResponseError) as caught:
        client.server_list()

    assert caught.value.status == 200
    assert caught.value.path == "/v1/server/list"


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_json_is_unexpected_not_a_recursion_error(api, client, body):
    # json.loads raises RecursionError on input nested this deep; it must not escape.
    api.get(BASE + "server/list", body=body, content_type="application/json")

    with pytest.raises(UnexpectedResponseError) as caught:
        client.server_list()

    assert caught.value.status == 200
    assert caught.value.path == "/v1/server/list"
    assert "RecursionError" in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize(
    "body",
    [
        {"576965": {"label": "no SUBID"}},  # a required field missing
        {"576965": {"SUBID": "576965", "auto_backups": "maybe"}},  # a flag that is no flag
        {"576965": {"SUBID": "576965", "pending_charges": "lots"}},  # money that is no number
        "a string",  # not a map at all
    ],
)
def test_json_of_wrong_shape_is_unexpected(api, client, body):
    api.get(BASE + "server/list", json=body)

    with pytest.raises(UnexpectedResponseError):
        client.server_list()


def test_create_answer_without_id_is_unexpected(api, client):
    api.post(BASE + "server/create", json={"v2_id": "x"})

    with pytest.raises(UnexpectedResponseError, match="SUBID"):
        client.server_create("1", "201", "387")


def test_timeout_error(api, client):
    api.get(BASE + "account/info", body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(VultrTimeoutError) as caught:
        client.account_info()

    assert (caught.value.status, caught.value.path) == (None, "/v1/account/info")
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.__cause__ is None  # the requests exception holds the request headers


def test_connection_error(api, client):
    api.get(BASE + "account/info", body=requests.exceptions.ConnectionError("reset by peer"))

    with pytest.raises(ConnectionFailedError, match="reset by peer"):
        client.account_info()


def test_invalid_parameter_error_is_a_value_error(api, client):
    with pytest.raises(ValueError) as caught:
        client.server_label_set("576965", "")

    assert isinstance(caught.value, InvalidParameterError)
    assert caught.value.parameter == "label"
    assert caught.value.status is None


@pytest.mark.parametrize(
    ("make_error", "method", "retryable"),
    [
        pytest.param(lambda: {"status": 503, "body": RATE_LIMIT_TEXT}, "POST", True, id="503"),
        pytest.param(lambda: {"status": 503, "body": RATE_LIMIT_TEXT}, "GET", True, id="503"),
        pytest.param(lambda: {"status": 500, "body": "oops"}, "GET", True, id="500"),
        pytest.param(lambda: {"status": 500, "body": "oops"}, "POST", False, id="500"),
        pytest.param(lambda: {"status": 412, "body": "Invalid server."}, "GET", False, id="412"),
        pytest.param(lambda: {"status": 403, "body": "Invalid API key"}, "GET", False, id="403"),
        pytest.param(lambda: {"body": requests.ReadTimeout()}, "GET", True, id="timeout"),
        pytest.param(lambda: {"body": requests.ReadTimeout()}, "POST", False, id="timeout"),
        pytest.param(lambda: {"body": requests.ConnectTimeout()}, "POST", True, id="no-connect"),
        pytest.param(lambda: {"body": dropped()}, "GET", True, id="dropped"),
        pytest.param(lambda: {"body": dropped()}, "POST", False, id="dropped"),
        pytest.param(lambda: {"body": refused()}, "POST", True, id="refused"),
    ],
)
def test_retryable_says_whether_repeating_is_safe(api, client, make_error, method, retryable):
    if method == "GET":
        api.get(BASE + "server/bandwidth", **make_error())
        call = client.server_bandwidth
    else:
        api.post(BASE + "server/reboot", **make_error())
        call = client.server_reboot

    with pytest.raises(VultrError) as caught:
        call("576965")

    assert caught.value.retryable is retryable


def dropped() -> requests.exceptions.ConnectionError:
    """What requests raises when the connection closes before an answer: it may have run."""
    return requests.exceptions.ConnectionError(ProtocolError("Connection aborted."))


def refused() -> requests.exceptions.ConnectionError:
    """What requests raises when nothing listens on the port: the request never left."""
    reason = NewConnectionError(None, "Connection refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/", reason))


# -- the API key must not leak --------------------------------------------------------------------


def every_error(api: responses.RequestsMock, client: VultrClient) -> list[VultrError]:
    """Forces one error of each class; the server echoes the key where it can."""
    echo = f"Invalid API key: {KEY}"
    causes = [
        {"status": 400, "body": echo},
        {"status": 403, "body": echo},
        {"status": 405, "body": echo},
        {"status": 412, "body": echo},
        {"status": 500, "body": echo},
        {"status": 503, "body": echo},
        {"status": 418, "body": echo},
        {"status": 200, "body": echo},  # not JSON
        {"body": requests.exceptions.ReadTimeout(f"timed out {KEY}")},
        {"body": requests.exceptions.ConnectionError(f"refused {KEY}")},
    ]
    errors: list[VultrError] = []
    for cause in causes:
        api.get(BASE + "account/info", **cause)
        with pytest.raises(VultrError) as caught:
            client.account_info()
        errors.append(caught.value)
        api.reset()
    with pytest.raises(InvalidParameterError) as caught:
        client.server_label_set(KEY, "")
    errors.append(caught.value)
    return errors


def test_api_key_never_in_errors_reprs_or_logs(api, caplog):
    caplog.set_level(logging.DEBUG)
    client = VultrClient(KEY, max_retries=1, sleep=lambda seconds: None)

    errors = every_error(api, client)

    assert {type(e) for e in errors} == {
        InvalidLocationError,
        AuthenticationError,
        MethodNotAllowedError,
        RequestFailedError,
        ServerError,
        RateLimitedError,
        UnexpectedResponseError,
        VultrTimeoutError,
        ConnectionFailedError,
        InvalidParameterError,
    }
    assert_key_kept_out(KEY, errors, client)
    assert "[redacted]" in str(errors[1])
    assert caplog.records, "the transport logs every attempt"
    assert KEY not in caplog.text
    assert all(r.name == "panel.vultr" for r in caplog.records)


def test_errors_survive_pickling(api):
    # Celery carries exceptions between processes.
    client = VultrClient(KEY, max_retries=0)

    assert_pickle_round_trips(every_error(api, client))
    assert pickle.loads(pickle.dumps(InvalidParameterError("label", "bad"))).parameter == "label"


def test_scrubbing_the_key_from_errors_does_not_touch_data(api):
    # A key that also occurs in field names must not corrupt answers: only errors are scrubbed.
    client = VultrClient("KEY")
    api.get(BASE + "sshkey/list", json={"541b4960f23bd": {"SSHKEYID": "541b4960f23bd"}})
    api.get(BASE + "account/info", body="no such KEY", status=403)

    assert [k.id for k in client.sshkey_list()] == ["541b4960f23bd"]
    assert client.get("account/info").body_text == "no such KEY"
    with pytest.raises(AuthenticationError, match=r"no such \[redacted\]"):
        client.account_info()


def test_key_is_required():
    with pytest.raises(InvalidParameterError):
        VultrClient("")


def test_library_does_not_import_django():
    # The provider library must stay usable outside Django (DESIGN, panel/vultr/).
    package = Path(panel.vultr.__file__).parent
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), source
