"""The /_sim/ control endpoints and injected faults (not part of v1)."""

import secrets
import time

import pytest
import requests

from panel.simulator import Simulator, serve


def key():
    return f"ctl-{secrets.token_hex(8)}"


def test_it_adds_accounts_over_http(simulator):
    new = key()
    added = requests.post(f"{simulator.url}/_sim/accounts", data={"key": new, "servers": "3"})
    assert added.status_code == 200
    assert added.json() == {"key": new, "servers": 3}
    listed = requests.get(f"{simulator.url}/v1/server/list", headers={"API-Key": new}).json()
    assert len(listed) == 3

    demo = key()
    added = requests.post(f"{simulator.url}/_sim/accounts", data={"key": demo, "demo": "yes"})
    assert added.json()["servers"] >= 12

    again = requests.post(f"{simulator.url}/_sim/accounts", data={"key": demo})
    assert again.status_code == 409
    assert requests.post(f"{simulator.url}/_sim/accounts", data={}).status_code == 400


def test_it_reads_and_advances_the_clock(simulator):
    before = requests.get(f"{simulator.url}/_sim/clock").json()
    after = requests.post(f"{simulator.url}/_sim/clock", data={"advance": "3600"}).json()
    assert after["now"] - before["now"] >= 3600
    assert after["advanced"] - before["advanced"] == 3600
    assert len(after["date"]) == len("2020-10-15 03:17:22")
    assert requests.post(f"{simulator.url}/_sim/clock", data={"advance": "-1"}).status_code == 400
    assert requests.post(f"{simulator.url}/_sim/clock", data={"advance": "x"}).status_code == 400


def test_it_injects_a_status_fault_for_the_next_requests(vultr_account):
    url = vultr_account.url
    injected = requests.post(
        f"{url}/_sim/faults",
        data={"count": "2", "status": "500", "path": "/v1/server/list", "key": vultr_account.key},
    )
    assert injected.status_code == 200
    assert vultr_account.get("sshkey/list").status_code == 200  # other paths are spared
    first, second, third = (vultr_account.get("server/list") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (500, 500, 200)
    assert first.text.startswith("Internal server error")


def test_it_injects_a_fault_with_a_custom_body(vultr_account):
    vultr_account.sim.inject_fault(status=503, body="API v1 Gone", key=vultr_account.key)
    response = vultr_account.get("account/info")
    assert (response.status_code, response.text) == (503, "API v1 Gone")


def test_it_delays_a_request_and_then_serves_it(vultr_account):
    vultr_account.sim.inject_fault(delay=0.3, key=vultr_account.key)
    started = time.monotonic()
    response = vultr_account.get("account/info")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_it_drops_the_connection(vultr_account):
    requests.post(
        f"{vultr_account.url}/_sim/faults", data={"drop": "yes", "key": vultr_account.key}
    )
    with pytest.raises(requests.ConnectionError):
        vultr_account.get("server/list")
    assert vultr_account.get("server/list").status_code == 200
    assert vultr_account.sim.stats()["dropped"] >= 1


def test_it_counts_requests():
    # Counters are simulator-wide, so this test has a simulator of its own.
    sim = Simulator(rate_limit=0)
    sim.add_account("COUNTED")
    served = serve(sim)
    try:
        url, headers = served.url, {"API-Key": "COUNTED"}
        requests.get(f"{url}/v1/server/list", headers=headers)
        for dcid in (1, 999):
            form = {"DCID": dcid, "VPSPLANID": 201, "OSID": 387}
            requests.post(f"{url}/v1/server/create", data=form, headers=headers)
        requests.get(f"{url}/v1/nothing/here")
        requests.get(f"{url}/v1/os/list", headers={"API-Key": "unknown"})
        stats = requests.get(f"{url}/_sim/stats").json()
        assert stats == {
            "total": 5,
            "by_path": {
                "/v1/server/list": 1,
                "/v1/server/create": 2,
                "(other)": 1,
                "/v1/os/list": 1,
            },
            "by_status": {"200": 3, "412": 1, "400": 1},
            "by_key": {"COUNTED": 3, "(none)": 1, "(invalid)": 1},
            "rate_limited": 0,
            "dropped": 0,
            "server_create": 1,
        }
        reset = requests.post(f"{url}/_sim/stats/reset").json()
        assert reset["total"] == 0 and reset["by_path"] == {}
    finally:
        served.shutdown()


def test_it_changes_configuration(simulator):
    original = requests.get(f"{simulator.url}/_sim/config").json()
    try:
        changed = requests.post(
            f"{simulator.url}/_sim/config", data={"provisioning_seconds": "5", "speed": "2"}
        ).json()
        assert changed == {**original, "provisioning_seconds": 5.0, "speed": 2.0}
    finally:
        simulator.sim.configure(**original)


def test_it_rejects_unknown_control_calls(simulator):
    assert requests.get(f"{simulator.url}/_sim/nothing").status_code == 404
    assert requests.get(f"{simulator.url}/_sim/accounts").status_code == 405
