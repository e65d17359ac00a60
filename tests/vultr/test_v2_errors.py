"""API v2 errors and quirks: every status onto its error class with Vultr's own text, retries
(429 with Retry-After, 500 only for reads), bodies that are not JSON, schema drift, paging,
the 404 right after a create, and the API key kept out of every error, repr and log line
(v2 reference §1.3, §1.4, §1.5, §8)."""

from __future__ import annotations

import json
import logging
import pickle

import pytest
import requests
import responses

from panel.vultr import (
    AuthenticationError,
    ConnectionFailedError,
    MethodNotAllowedError,
    NotFoundError,
    PowerStatus,
    RateLimitedError,
    RequestFailedError,
    ServerError,
    ServerLockedError,
    ServerState,
    ServerStatus,
    UnexpectedResponseError,
    VultrClient,
    VultrError,
)
from tests.vultr.secrecy import assert_key_kept_out, assert_pickle_round_trips

KEY = "V2SECRET0123456789ABCDEFGHIJKLMNOPQRST"
BASE = "https://api.vultr.com/v2/"
ID = "3d9ca35e-1cdd-4e46-9db8-b253756abfc3"
NEW = "be34a66c-3ec0-4ce2-91a5-084462187647"
LOCKED = (
    '{"error":"Unable to destroy server: Unable to remove VM: Server is currently locked",'
    '"status":500}'
)
RATE_LIMITED = '{"status": 429,"error": "rate limit exceeded"}'  # tf#103, verbatim
NO_CONTENT = {"status": 204, "body": "", "content_type": "text/html; charset=UTF-8"}


def page(items: list[dict], next_cursor: str = "", key: str = "instances") -> dict:
    return {key: items, "meta": {"total": 0, "links": {"next": next_cursor, "prev": ""}}}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(sleeps):
    return VultrClient(KEY, api_version="v2", max_retries=3, sleep=sleeps)


# -- status codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error_class", "message"),
    [
        (
            400,
            '{"error":"Invalid plan chosen.","status":400}',
            RequestFailedError,
            "Invalid plan chosen.",
        ),
        (
            400,
            '{"error":"Invalid UUID format.","status":400}',
            RequestFailedError,
            "Invalid UUID format.",
        ),
        (
            401,
            '{"error":"Invalid API token.","status":401}',
            AuthenticationError,
            "Invalid API token.",
        ),
        (
            403,
            '{"error":"Unauthorized IP address","status":403}',
            AuthenticationError,
            "Unauthorized IP address",
        ),
        (404, '{"error":"instance not found","status":404}', NotFoundError, "instance not found"),
        (
            405,
            '{"error":"Method not allowed","status":405}',
            MethodNotAllowedError,
            "Method not allowed",
        ),
        (422, '{"error":"Validation Error","status":422}', RequestFailedError, "Validation Error"),
        (429, RATE_LIMITED, RateLimitedError, "rate limit exceeded"),
        (500, '{"error":"Something broke","status":500}', ServerError, "Something broke"),
        (
            500,
            LOCKED,
            ServerLockedError,
            "Unable to destroy server: Unable to remove VM: Server is currently locked",
        ),
        (418, '{"error":"I am a teapot","status":418}', UnexpectedResponseError, "I am a teapot"),
    ],
)
def test_status_maps_to_error_class_with_vultrs_text(api, status, body, error_class, message):
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.delete(BASE + f"instances/{ID}", status=status, body=body, content_type="application/json")

    with pytest.raises(VultrError) as caught:
        client.server_destroy(ID)

    assert type(caught.value) is error_class
    assert str(caught.value) == message
    assert caught.value.status == status
    assert caught.value.method == "DELETE"
    assert caught.value.path == f"/v2/instances/{ID}"


def test_locked_server_is_recognisable(api):
    # ansible#113: DELETE while the server is still being built (reference §1.3, §8.3).
    client = VultrClient(KEY, api_version="v2", max_retries=3, sleep=lambda s: None)
    api.delete(BASE + f"instances/{ID}", status=500, body=LOCKED, content_type="application/json")

    with pytest.raises(ServerError) as caught:
        client.server_destroy(ID)

    assert caught.value.locked is True
    assert isinstance(caught.value, ServerLockedError)
    # Not repeated at once: a locked server stays locked for minutes, and a change that
    # failed with a 500 is for the caller to look at.
    assert caught.value.retryable is False
    assert len(api.calls) == 1


def test_other_server_errors_are_not_locked(api):
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.post(BASE + f"instances/{ID}/reboot", status=500, json={"error": "Oops", "status": 500})

    with pytest.raises(ServerError) as caught:
        client.server_reboot(ID)

    assert caught.value.locked is False


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error_class", "message"),
    [
        # A proxy's error page: a clear description, not a page of markup.
        (
            502,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            ServerError,
            "bad gateway",
        ),
        (503, "", "text/html", ServerError, "unavailable"),
        (401, "", "application/json", AuthenticationError, "Invalid API token."),
        # Plain text is shown as it is (vultr-python README: "Server add failed: ...").
        (
            400,
            "Server add failed: Ubuntu 24.04 LTS x64 requires a plan with at least 1000 MB memory.",
            "text/plain",
            RequestFailedError,
            "requires a plan with at least 1000 MB memory",
        ),
        # JSON, but not v2's error object.
        (404, '["instance not found"]', "application/json", NotFoundError, "Not found."),
        (400, '{"message": "nope"}', "application/json", RequestFailedError, "Bad request."),
        # Deeply nested JSON makes json.loads raise RecursionError.
        (400, "[" * 100_000, "application/json", RequestFailedError, "Bad request."),
    ],
)
def test_error_bodies_that_are_not_v2_errors_still_give_a_clear_error(
    api, status, body, content_type, error_class, message
):
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.get(BASE + "account", status=status, body=body, content_type=content_type)

    with pytest.raises(VultrError) as caught:
        client.account_info()

    assert type(caught.value) is error_class
    assert message in str(caught.value)
    assert len(str(caught.value)) <= 500


@pytest.mark.parametrize(
    "body",
    [
        "<html>Service temporarily unavailable</html>",
        "",
        "[" * 100_000,
        '{"account":' * 100_000 + "{}" + "}" * 100_000,
        '{"account": []}',
        '{"nothing": {}}',
        "null",
    ],
)
def test_success_body_of_the_wrong_shape_is_unexpected(api, body):
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.get(BASE + "account", status=200, body=body, content_type="application/json")

    with pytest.raises(UnexpectedResponseError) as caught:
        client.account_info()

    assert caught.value.status == 200
    assert caught.value.path == "/v2/account"


def test_object_without_an_id_is_unexpected(api):
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.post(BASE + "instances", status=202, json={"instance": {"status": "pending"}})

    with pytest.raises(UnexpectedResponseError):
        client.server_create("ewr", "vc2-1c-1gb", "2076")


def test_redirect_is_not_followed(api):
    # requests would carry the Authorization header along to wherever the redirect points.
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.get(BASE + "account", status=302, headers={"Location": "https://elsewhere.example/"})

    with pytest.raises(UnexpectedResponseError):
        client.account_info()

    assert len(api.calls) == 1


# -- retries --------------------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(api, client, sleeps):
    api.get(BASE + "account", status=429, body=RATE_LIMITED, headers={"Retry-After": "3"})
    api.get(BASE + "account", json={"account": {"balance": 1}})

    assert client.account_info().balance == 1

    assert len(sleeps) == 1
    assert sleeps[0] >= 3


def test_429_is_retried_for_a_create_too(api, client, sleeps):
    # The limiter refuses before doing anything (reference §1.4): repeating cannot bill twice.
    api.post(BASE + "instances", status=429, body=RATE_LIMITED, headers={"Retry-After": "1"})
    api.post(BASE + "instances", status=202, json={"instance": {"id": NEW}})

    assert client.server_create("ewr", "vc2-1c-1gb", "2076") == NEW

    assert len(api.calls) == 2
    assert sleeps[0] >= 1


def test_long_retry_after_goes_to_the_caller(api, client, sleeps):
    # A worker should not sleep through a long pause; the caller's budget can pause instead.
    api.get(BASE + "account", status=429, body=RATE_LIMITED, headers={"Retry-After": "120"})

    with pytest.raises(RateLimitedError) as caught:
        client.account_info()

    assert caught.value.retry_after == 120
    assert caught.value.retryable is True
    assert sleeps == []
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
    ],
)
def test_retry_after_absent_unreadable_or_a_date(api, header, expected):
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.get(BASE + "account", status=429, body=RATE_LIMITED, headers=header)

    with pytest.raises(RateLimitedError) as caught:
        client.account_info()

    assert caught.value.retry_after == expected


def test_server_error_is_retried_for_reads_only(api, client, sleeps):
    api.get(BASE + f"instances/{ID}", status=500, json={"error": "Oops", "status": 500})
    api.get(BASE + f"instances/{ID}", status=503, body="", content_type="text/html")
    api.get(BASE + f"instances/{ID}", json={"instance": {"id": ID}})
    api.post(BASE + f"instances/{ID}/halt", status=500, json={"error": "Oops", "status": 500})

    assert client.server_get(ID).id == ID
    with pytest.raises(ServerError):
        client.server_halt(ID)

    assert len(api.calls) == 4
    assert len(sleeps) == 2


def test_404_is_not_retried(api, client, sleeps):
    api.get(
        BASE + f"instances/{ID}", status=404, json={"error": "instance not found", "status": 404}
    )

    with pytest.raises(NotFoundError):
        client.server_get(ID)

    assert len(api.calls) == 1


# -- the 404 right after a create (reference §8.2) ------------------------------------------------


def test_new_server_may_be_not_found_for_a_while(api, client):
    api.post(BASE + "instances", status=202, json={"instance": {"id": NEW, "status": "pending"}})
    api.get(
        BASE + f"instances/{NEW}", status=404, json={"error": "instance not found", "status": 404}
    )
    api.get(
        BASE + f"instances/{NEW}",
        json={"instance": {"id": NEW, "status": "pending", "power_status": "running"}},
    )

    new_id = client.server_create("ewr", "vc2-1c-1gb", "2076")
    with pytest.raises(NotFoundError) as caught:
        client.server_get(new_id)
    later = client.server_get(new_id)

    # Distinguishable from every other failure, so a waiting operation can keep waiting.
    assert str(caught.value) == "instance not found"
    assert later.status is ServerStatus.PENDING


# -- paging ---------------------------------------------------------------------------------------


def test_instances_across_several_pages(api, client):
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(5)]
    api.get(BASE + "instances", json=page([{"id": i} for i in ids[:2]], "bmV4dF9fMQ=="))
    api.get(BASE + "instances", json=page([{"id": i} for i in ids[2:4]], "bmV4dF9fMw=="))
    api.get(BASE + "instances", json=page([{"id": ids[4]}]))

    servers = client.server_list()

    assert [s.id for s in servers] == ids
    cursors = [c.request.params.get("cursor") for c in api.calls]
    assert cursors == [None, "bmV4dF9fMQ==", "bmV4dF9fMw=="]
    assert all(c.request.params["per_page"] == "500" for c in api.calls)


def test_a_cursor_that_comes_round_again_is_an_error_not_a_loop(api, client):
    api.get(BASE + "ssh-keys", json=page([{"id": ID}], "bmV4dF9fMQ==", key="ssh_keys"))
    api.get(BASE + "ssh-keys", json=page([{"id": NEW}], "bmV4dF9fMQ==", key="ssh_keys"))

    with pytest.raises(UnexpectedResponseError, match="already sent"):
        client.sshkey_list()


def test_a_page_without_meta_is_the_last(api, client):
    api.get(BASE + "snapshots", json={"snapshots": [{"id": ID}]})

    assert [s.id for s in client.snapshot_list()] == [ID]


def test_an_error_on_a_later_page_is_raised_not_a_short_list(api):
    client = VultrClient(KEY, api_version="v2", max_retries=0)
    api.get(BASE + "instances", json=page([{"id": ID}], "bmV4dF9fMQ=="))
    api.get(BASE + "instances", status=500, json={"error": "Oops", "status": 500})

    with pytest.raises(ServerError):
        client.server_list()


# -- schema drift (reference §8.6) ----------------------------------------------------------------


def test_instance_with_only_an_id_parses_with_defaults(api, client):
    api.get(BASE + f"instances/{ID}", json={"instance": {"id": ID}})

    server = client.server_get(ID)

    assert server.id == ID
    assert server.status is ServerStatus.UNKNOWN
    assert server.power_status is PowerStatus.UNKNOWN
    assert server.server_state is ServerState.UNKNOWN
    assert server.main_ip is None and server.date_created is None
    assert (server.tags, server.tag, server.hostname, server.features) == ((), "", None, ())
    assert (server.ram_mb, server.disk_gb, server.vcpu_count) == (0, 0, 0)
    assert not server.is_ready


def test_extra_and_newer_fields_are_ignored_or_used(api, client):
    api.get(
        BASE + f"instances/{ID}",
        json={
            "instance": {
                "id": ID,
                "status": "resizing",
                "server_status": "locked",
                "power_status": "running",
                "main_ip": "192.0.2.9",
                "features": ["auto_backups", "ipv6", "some_future_feature"],
                "v6_networks": [
                    {"network": "2001:db8::", "main_ip": "2001:db8::5", "network_size": 64}
                ],
                "tags": ["a", "b"],
                "tag": "a",
                "pending_charges": 0.42,
                "job_ids": ["1c5a8d61-9a8a-4b0b-8a43-1d1a7b3d6e1f"],
                "vpcs": [{"id": NEW, "version": 2, "subnet": "10.0.0.0"}],
                "user_scheme": "limited",
                "a_field_from_2030": {"nested": [1, 2, 3]},
            }
        },
    )

    server = client.server_get(ID)

    assert server.status is ServerStatus.RESIZING
    assert server.server_state is ServerState.LOCKED
    assert server.auto_backups is True
    assert server.features == ("auto_backups", "ipv6", "some_future_feature")
    assert server.v6_main_ip is None
    assert [n.main_ip for n in server.v6_networks] == ["2001:db8::5"]
    assert server.tags == ("a", "b")
    assert str(server.pending_charges) == "0.42"


def test_unknown_states_do_not_break_a_list(api, client):
    api.get(
        BASE + "instances",
        json=page(
            [{"id": ID, "status": "frozen", "power_status": "sleeping", "server_status": "odd"}]
        ),
    )

    (server,) = client.server_list()

    assert server.status is ServerStatus.UNKNOWN
    assert server.power_status is PowerStatus.UNKNOWN


def test_null_lists_and_values_count_as_empty(api, client):
    api.get(BASE + "instances", json={"instances": None, "meta": None})
    api.get(
        BASE + f"instances/{ID}",
        json={"instance": {"id": ID, "tags": None, "features": None, "label": None, "os_id": None}},
    )

    assert client.server_list() == []
    server = client.server_get(ID)
    assert (server.tags, server.features, server.label, server.os_id) == ((), (), "", "")


def test_dates_with_offsets_become_utc(api, client):
    api.get(
        BASE + f"instances/{ID}",
        json={"instance": {"id": ID, "date_created": "2021-09-01T15:25:48+02:00"}},
    )

    created = client.server_get(ID).date_created

    assert created.utcoffset().total_seconds() == 0
    assert (created.hour, created.minute) == (13, 25)


# -- the API key ----------------------------------------------------------------------------------


def every_error(api: responses.RequestsMock, client: VultrClient) -> list[VultrError]:
    """One of each kind, provoked by answers that echo the key back."""
    echo = {"error": f"Invalid API token {KEY}", "status": 401}
    cases = [
        (400, {"error": f"bad {KEY}", "status": 400}),
        (401, echo),
        (404, {"error": f"no {KEY}", "status": 404}),
        (429, {"error": f"slow down {KEY}", "status": 429}),
        (500, {"error": f"Server is currently locked {KEY}", "status": 500}),
        (503, f"<html>{KEY}</html>"),
        (418, f"teapot {KEY}"),
    ]
    errors: list[VultrError] = []
    for status, body in cases:
        kwargs = {"json": body} if isinstance(body, dict) else {"body": body}
        api.delete(BASE + f"instances/{ID}", status=status, **kwargs)
        with pytest.raises(VultrError) as caught:
            client.server_destroy(ID)
        errors.append(caught.value)
    api.get(BASE + "account", body=requests.ConnectionError(f"refused with {KEY}"))
    with pytest.raises(ConnectionFailedError) as caught:
        client.account_info()
    errors.append(caught.value)
    api.get(BASE + "account", status=200, body=f"not json {KEY}")
    with pytest.raises(UnexpectedResponseError) as caught:
        client.account_info()
    errors.append(caught.value)
    return errors


def test_api_key_never_in_errors_reprs_or_logs(api, caplog):
    caplog.set_level(logging.DEBUG)
    client = VultrClient(KEY, api_version="v2", max_retries=1, sleep=lambda seconds: None)

    errors = every_error(api, client)

    assert {type(e) for e in errors} == {
        RequestFailedError,
        AuthenticationError,
        NotFoundError,
        RateLimitedError,
        ServerLockedError,
        ServerError,
        UnexpectedResponseError,
        ConnectionFailedError,
    }
    assert_key_kept_out(KEY, errors, client)
    assert str(errors[1]) == "Invalid API token [redacted]"
    assert caplog.records
    assert KEY not in caplog.text


def test_errors_survive_pickling(api):
    client = VultrClient(KEY, api_version="v2", max_retries=0)

    assert_pickle_round_trips(every_error(api, client))
    api.get(BASE + "account", status=429, body=RATE_LIMITED, headers={"Retry-After": "60"})
    with pytest.raises(RateLimitedError) as caught:
        client.account_info()
    assert pickle.loads(pickle.dumps(caught.value)).retry_after == 60


def test_204_with_html_content_type_and_no_body(api, client):
    # A real 204 (reference §1.2): nothing to parse, nothing to complain about.
    api.post(BASE + f"instances/{ID}/start", **NO_CONTENT)

    assert client.server_start(ID) is None
    assert json.loads(api.calls[0].request.body or "{}") == {}
