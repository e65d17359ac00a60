"""Shapes match the real v1 answers that libcloud recorded in Oct 2020 (reference §10).

The fixtures are read by path: importing ``libcloud.test`` would need requests_mock.
"""

import json
from importlib.resources import files

import pytest
import requests

RECORDED = files("libcloud") / "test/compute/fixtures/vultr"


def recorded(name):
    return json.loads((RECORDED / name).read_text())


def json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def allowed_types(objects):
    """Per field, the JSON types the recorded objects use (v6_main_ip: string or false)."""
    allowed = {}
    for obj in objects:
        for field, value in obj.items():
            allowed.setdefault(field, set()).add(json_type(value))
    return allowed


def assert_same_shape(ours, theirs):
    allowed = allowed_types(theirs.values())
    for obj in ours.values():
        assert list(obj) == list(next(iter(theirs.values()))), "same fields, same order"
        for field, value in obj.items():
            assert json_type(value) in allowed[field], (field, value)


def test_it_lists_servers_shaped_like_the_recorded_ones(vultr_account):
    servers = vultr_account.get("server/list").json()
    assert_same_shape(servers, recorded("list_nodes.json"))
    # Both forms of v6_main_ip and v6_networks appear in a demo account.
    assert {json_type(s["v6_main_ip"]) for s in servers.values()} == {"string", "boolean"}
    for server in servers.values():
        assert server["SUBID"].isdigit()
        if server["v6_main_ip"] is False:
            assert (server["v6_network"], server["v6_network_size"]) == ("", "")
            assert server["v6_networks"] == []
        else:
            assert list(server["v6_networks"][0]) == ["v6_main_ip", "v6_network_size", "v6_network"]


def test_it_shows_a_pending_server_like_the_recorded_one(vultr_account):
    servers = vultr_account.get("server/list").json()
    pending = next(s for s in servers.values() if s["status"] == "pending")
    assert pending["power_status"] == "running"
    assert pending["server_state"] == "none"
    assert pending["kvm_url"] == ""
    assert pending["current_bandwidth_gb"] == 0


@pytest.mark.parametrize(
    ("path", "fixture"),
    [
        ("os/list", "list_images.json"),
        ("plans/list", "list_sizes.json"),
        ("regions/list", "list_locations.json"),
    ],
)
def test_it_serves_the_recorded_catalog(simulator, path, fixture):
    answer = requests.get(f"{simulator.url}/v1/{path}").json()
    assert answer == recorded(fixture)
    assert_same_shape(answer, recorded(fixture))


def test_it_keeps_availability_and_plan_locations_consistent(simulator):
    plans = requests.get(f"{simulator.url}/v1/plans/list").json()
    for dcid in requests.get(f"{simulator.url}/v1/regions/list").json():
        available = requests.get(
            f"{simulator.url}/v1/regions/availability", params={"DCID": dcid}
        ).json()
        assert all(isinstance(plan, int) for plan in available)
        expected = {int(p) for p, plan in plans.items() if int(dcid) in plan["available_locations"]}
        assert set(available) == expected


def test_it_creates_key_pairs_like_the_recorded_answer(vultr_empty_account):
    created = vultr_empty_account.post(
        "sshkey/create", name="k", ssh_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample k@h"
    ).json()
    assert_same_shape({"x": created}, {"x": recorded("create_key_pair.json")})
    assert len(created["SSHKEYID"]) == 13
    int(created["SSHKEYID"], 16)
    listed = vultr_empty_account.get("sshkey/list").json()
    assert_same_shape(listed, recorded("list_key_pairs.json"))


def test_it_answers_server_create_like_the_recorded_answer(vultr_empty_account):
    created = vultr_empty_account.post("server/create", DCID=1, VPSPLANID=201, OSID=387).json()
    assert_same_shape({"x": created}, {"x": recorded("create_node.json")})
