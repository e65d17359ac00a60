"""The v1 transport: methods, authentication, status codes, error texts (reference §1-2)."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
import requests

from panel.simulator import Simulator, serve

PUBLIC = ["os/list", "plans/list", "regions/list", "regions/availability?DCID=1", "app/list"]


def test_it_accepts_the_api_key_header(vultr_account):
    response = requests.get(
        f"{vultr_account.url}/v1/account/info", headers={"API-Key": vultr_account.key}
    )
    assert response.status_code == 200
    assert set(response.json()) == {
        "balance",
        "pending_charges",
        "last_payment_date",
        "last_payment_amount",
    }


def test_it_accepts_the_api_key_query_parameter_on_get_and_post(vultr_empty_account):
    url, key = vultr_empty_account.url, vultr_empty_account.key
    assert requests.get(f"{url}/v1/sshkey/list", params={"api_key": key}).status_code == 200
    # python-vultr's way: the key in the query string, the parameters in the body.
    created = requests.post(
        f"{url}/v1/startupscript/create",
        params={"api_key": key},
        data={"name": "hello", "script": "#!/bin/sh\necho hi"},
    )
    assert created.status_code == 200
    assert isinstance(created.json()["SCRIPTID"], int)


def test_it_lets_the_header_win_over_the_query_parameter(vultr_empty_account):
    url, key = vultr_empty_account.url, vultr_empty_account.key
    wrong_header = requests.get(
        f"{url}/v1/sshkey/list", params={"api_key": key}, headers={"API-Key": "nope"}
    )
    assert wrong_header.status_code == 403
    right_header = requests.get(
        f"{url}/v1/sshkey/list", params={"api_key": "nope"}, headers={"API-Key": key}
    )
    assert right_header.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"API-Key": "not-a-key"}])
def test_it_rejects_a_missing_or_wrong_key_with_plain_text(simulator, headers):
    response = requests.get(f"{simulator.url}/v1/server/list", headers=headers)
    assert response.status_code == 403
    assert response.text == "Invalid API key"
    assert response.headers["Content-Type"].startswith("text/")


@pytest.mark.parametrize("path", PUBLIC)
def test_it_serves_public_endpoints_without_a_key(simulator, path):
    response = requests.get(f"{simulator.url}/v1/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()


def test_it_rejects_an_unknown_path(simulator, vultr_account):
    for path in ("/v1/server/explode", "/"):
        response = requests.get(simulator.url + path, headers={"API-Key": vultr_account.key})
        assert response.status_code == 400
        assert response.text.startswith("Invalid API location")


def test_a_v1_only_simulator_knows_no_v2_path():
    # With both versions on (the default) /v2/... is v2's: see test_v2_wire.py.
    sim = Simulator(rate_limit=0, api="v1")
    sim.add_account("V1ONLY")
    served = serve(sim)
    try:
        response = requests.get(f"{served.url}/v2/instances", headers={"API-Key": "V1ONLY"})
        assert response.status_code == 400
        assert response.text.startswith("Invalid API location")
    finally:
        served.shutdown()


def test_it_rejects_wrong_method(vultr_account):
    response = requests.post(
        f"{vultr_account.url}/v1/server/list", headers={"API-Key": vultr_account.key}
    )
    assert response.status_code == 405
    assert response.text.startswith("Invalid HTTP method")
    assert requests.get(f"{vultr_account.url}/v1/server/reboot").status_code == 405
    assert requests.delete(f"{vultr_account.url}/v1/os/list").status_code == 405


def test_it_answers_failed_requests_with_412_and_vultr_text(vultr_account):
    response = vultr_account.post("server/reboot", SUBID="1")
    assert response.status_code == 412
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.text == (
        "Invalid server.  Check SUBID value and ensure your API key matches the server's account"
    )


def test_it_names_a_missing_parameter(vultr_empty_account):
    response = vultr_empty_account.post("server/create", DCID="1", OSID="387")
    assert response.status_code == 412
    assert "VPSPLANID" in response.text


def test_it_answers_actions_with_an_empty_html_body(vultr_account):
    subid = next(iter(vultr_account.get("server/list").json()))
    response = vultr_account.post("server/label_set", SUBID=subid, label="renamed")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == "0"
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"


@pytest.mark.parametrize(
    "path", ["server/list", "snapshot/list", "sshkey/list", "startupscript/list", "backup/list"]
)
def test_it_sends_an_empty_map_as_an_empty_array(vultr_empty_account, path):
    response = vultr_empty_account.get(path)
    assert response.status_code == 200
    assert response.text == "[]"
    assert response.headers["Content-Type"] == "application/json"


def test_it_keeps_connections_alive(vultr_account):
    parts = urlsplit(vultr_account.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", "/v1/os/list")
    first = conn.getresponse()
    first.read()
    sock = conn.sock
    # Errors and empty bodies must not break the framing of the next response either.
    conn.request("POST", "/v1/server/reboot", body="SUBID=1", headers={
        "API-Key": vultr_account.key,
        "Content-Type": "application/x-www-form-urlencoded",
    })  # fmt: skip
    failed = conn.getresponse()
    assert failed.status == 412 and failed.read()
    conn.request("GET", "/v1/server/list", headers={"API-Key": vultr_account.key})
    listed = conn.getresponse()
    assert listed.status == 200
    assert len(json.loads(listed.read())) >= 12
    assert conn.sock is sock
    conn.close()
