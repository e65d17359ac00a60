"""The v2 wire format, with plain requests: auth, content types, codes, cursors (v2 §1, §9)."""

import base64
import ipaddress
import re

import pytest
import requests

from panel.simulator import Simulator, serve

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
# Every instance carries the whole superset, every time (v2 reference §3).
INSTANCE_FIELDS = [
    "id", "os", "ram", "disk", "main_ip", "vcpu_count", "region", "plan", "date_created",
    "status", "allowed_bandwidth", "netmask_v4", "gateway_v4", "power_status", "server_status",
    "v6_network", "v6_main_ip", "v6_network_size", "label", "internal_ip", "kvm", "hostname",
    "tag", "tags", "os_id", "app_id", "image_id", "snapshot_id", "firewall_group_id",
    "features", "user_scheme", "vpc_only", "vpcs", "pending_charges",
]  # fmt: skip
NEW = {"region": "ewr", "plan": "vc2-1c-1gb", "os_id": 387}


def create(account, **body):
    response = account.v2("POST", "instances", json={**NEW, **body})
    assert response.status_code == 202, response.text
    return response.json()["instance"]


def settle(account):
    account.sim.advance(account.sim.config()["provisioning_seconds"] + 1)


def error(response):
    return response.status_code, response.json()


# -- auth, content types, codes ------------------------------------------------------------------


def test_it_wants_a_bearer_key_except_on_public_routes(vultr_account):
    url = f"{vultr_account.url}/v2"
    assert error(requests.get(f"{url}/instances")) == (
        401,
        {"error": "Invalid API token.", "status": 401},
    )
    wrong = requests.get(f"{url}/account", headers={"Authorization": "Bearer nope"})
    assert error(wrong) == (401, {"error": "Invalid API token.", "status": 401})
    # v1's header means nothing to v2.
    assert requests.get(f"{url}/account", headers={"API-Key": vultr_account.key}).status_code == 401
    for public in ("os", "plans", "regions", "regions/ewr/availability", "plans-metal"):
        assert requests.get(f"{url}/{public}").status_code == 200, public
        # Clients send their key anyway, even a bad one.
        with_key = requests.get(f"{url}/{public}", headers={"Authorization": "Bearer x"})
        assert with_key.status_code == 200
    assert vultr_account.v2("GET", "account").status_code == 200


def test_json_is_exactly_application_json_and_compact_with_escaped_slashes(vultr_account):
    response = vultr_account.v2("GET", "instances")
    assert response.headers["Content-Type"] == "application/json"
    assert b'"kvm":"https:\\/\\/my.vultr.com\\/subs\\/vps\\/novnc\\/' in response.content
    assert b": " not in response.content[:200]


def test_actions_answer_204_with_an_empty_html_body(vultr_account):
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    response = vultr_account.v2("POST", f"instances/{web['id']}/reboot")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"


def test_the_codes_of_each_kind_of_call(vultr_empty_account):
    account = vultr_empty_account
    instance = create(account)
    settle(account)
    iid = instance["id"]
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHwirecodestestkey user@host"
    script = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    calls = [
        ("POST", "ssh-keys", {"name": "k", "ssh_key": key}, 201),
        ("POST", "startup-scripts", {"name": "s", "script": script}, 201),
        ("POST", "snapshots", {"instance_id": iid, "description": "d"}, 201),
        ("PATCH", f"instances/{iid}", {"label": "renamed"}, 202),
        ("POST", f"instances/{iid}/ipv4", {"reboot": False}, 202),
        ("POST", f"instances/{iid}/reinstall", {"hostname": "again"}, 202),
        ("GET", f"instances/{iid}", None, 200),
    ]
    for method, path, body, status in calls:
        response = account.v2(method, path, json=body)
        assert response.status_code == status, (method, path, response.text)
    assert account.v2("GET", f"instances/{iid}").json()["instance"]["hostname"] == "again"


def test_unknown_routes_and_wrong_methods_answer_json_errors(vultr_account):
    assert error(vultr_account.v2("GET", "nothing/here")) == (
        404,
        {"error": "Not found.", "status": 404},
    )
    assert error(vultr_account.v2("PUT", "instances")) == (
        405,
        {"error": "Method not allowed.", "status": 405},
    )


def test_ids_must_be_uuids(vultr_account):
    v1_subid = next(iter(vultr_account.get("server/list").json()))
    for path in (f"instances/{v1_subid}", "ssh-keys/abc", "snapshots/5f0c0d3e1e0f1"):
        assert error(vultr_account.v2("GET", path)) == (
            400,
            {"error": "Invalid UUID format.", "status": 400},
        )
    missing = "2d7c1b52-1d59-4c1f-9e7c-6a0d7a7c9a11"
    assert error(vultr_account.v2("GET", f"instances/{missing}")) == (
        404,
        {"error": "instance not found", "status": 404},
    )


# -- instances -----------------------------------------------------------------------------------


def test_every_instance_has_the_full_superset_and_no_password(vultr_account):
    instances = vultr_account.v2("GET", "instances").json()["instances"]
    assert len(instances) == 13
    for instance in instances:
        assert list(instance) == INSTANCE_FIELDS
        assert UUID.match(instance["id"]) and ISO_DATE.match(instance["date_created"])
    one = vultr_account.v2("GET", f"instances/{instances[0]['id']}").json()["instance"]
    assert list(one) == INSTANCE_FIELDS


def test_create_answers_pending_with_the_password_once(vultr_empty_account):
    account = vultr_empty_account
    instance = create(account, label="new", tags=["bird", "cats"])
    assert list(instance) == [*INSTANCE_FIELDS, "default_password"]
    assert instance["default_password"]
    assert (instance["status"], instance["power_status"], instance["server_status"]) == (
        "pending",
        "running",
        "none",
    )
    assert (instance["main_ip"], instance["disk"], instance["kvm"]) == ("0.0.0.0", 0, "")
    assert (instance["hostname"], instance["tag"], instance["tags"]) == (
        "vultr.guest",
        "bird",
        ["bird", "cats"],
    )
    assert (instance["region"], instance["plan"], instance["os_id"]) == ("ewr", "vc2-1c-1gb", 387)


def test_the_state_machine_after_create(vultr_empty_account):
    account = vultr_empty_account
    iid = create(account)["id"]
    length = account.sim.config()["provisioning_seconds"]
    seen = []
    for _ in range(6):
        instance = account.v2("GET", f"instances/{iid}").json()["instance"]
        assert "default_password" not in instance
        assert instance["power_status"] == "running"
        seen.append((instance["status"], instance["server_status"]))
        account.sim.advance(length / 5)
    assert seen[0] == ("pending", "none")
    assert ("active", "locked") in seen and ("active", "installingbooting") in seen
    assert seen[-1] == ("active", "ok")
    settled = account.v2("GET", f"instances/{iid}").json()["instance"]
    assert settled["main_ip"] != "0.0.0.0" and settled["disk"] == 25 and settled["kvm"]


def test_a_locked_server_cannot_be_destroyed(vultr_empty_account):
    account = vultr_empty_account
    iid = create(account)["id"]
    assert error(account.v2("DELETE", f"instances/{iid}")) == (
        500,
        {
            "error": "Unable to destroy server: Unable to remove VM: Server is currently locked",
            "status": 500,
        },
    )
    settle(account)
    deleted = account.v2("DELETE", f"instances/{iid}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert account.v2("GET", f"instances/{iid}").status_code == 404


def test_halt_start_and_reboot_one_and_in_bulk(vultr_empty_account):
    account = vultr_empty_account
    ids = [create(account, label=f"n{n}")["id"] for n in range(3)]
    settle(account)

    def power():
        listed = account.v2("GET", "instances").json()["instances"]
        return {i["id"]: i["power_status"] for i in listed}

    assert account.v2("POST", "instances/halt", json={"instance_ids": ids[:2]}).status_code == 204
    assert power() == {ids[0]: "stopped", ids[1]: "stopped", ids[2]: "running"}
    assert account.v2("POST", f"instances/{ids[0]}/start").status_code == 204
    assert account.v2("POST", "instances/start", json={"instance_ids": [ids[1]]}).status_code == 204
    assert set(power().values()) == {"running"}
    assert account.v2("POST", "instances/reboot", json={"instance_ids": ids}).status_code == 204
    assert account.v2("POST", f"instances/{ids[2]}/halt").status_code == 204
    assert power()[ids[2]] == "stopped"


def test_a_plan_not_in_the_region_is_refused(vultr_empty_account):
    account = vultr_empty_account
    available = requests.get(f"{account.url}/v2/regions/ewr/availability").json()
    assert "vc2-24c-96gb" not in available["available_plans"]  # only in sjc
    body = {**NEW, "plan": "vc2-24c-96gb"}
    assert error(account.v2("POST", "instances", json=body)) == (
        400,
        {"error": "Invalid plan chosen.", "status": 400},
    )
    assert create(account, region="sjc", plan="vc2-24c-96gb")["plan"] == "vc2-24c-96gb"
    assert error(account.v2("POST", "instances", json={**NEW, "plan": "vbm-4c-32gb"}))[0] == 400
    assert error(account.v2("POST", "instances", json={"plan": "vc2-1c-1gb", "os_id": 387})) == (
        400,
        {"error": "Bad request.", "status": 400},
    )
    assert len(account.v2("GET", "instances").json()["instances"]) == 1  # only the good one


def test_patch_changes_label_tags_and_plan(vultr_empty_account):
    account = vultr_empty_account
    iid = create(account, tag="old")["id"]
    settle(account)
    patched = account.v2("PATCH", f"instances/{iid}", json={"label": "web", "tags": ["a", "b"]})
    assert patched.status_code == 202
    instance = patched.json()["instance"]
    assert (instance["label"], instance["tags"], instance["tag"]) == ("web", ["a", "b"], "a")
    resized = account.v2("PATCH", f"instances/{iid}", json={"plan": "vc2-2c-4gb"}).json()
    assert resized["instance"]["plan"] == "vc2-2c-4gb"
    assert (resized["instance"]["status"], resized["instance"]["server_status"]) == (
        "resizing",
        "locked",
    )
    settle(account)
    upgrades = account.v2("GET", f"instances/{iid}/upgrades", type="plans").json()
    # All three keys, those not asked for empty (pyvultr needs each of them).
    assert set(upgrades) == {"upgrades"}
    assert upgrades["upgrades"]["os"] == upgrades["upgrades"]["applications"] == []
    assert "vc2-4c-8gb" in upgrades["upgrades"]["plans"]


# -- pagination ----------------------------------------------------------------------------------


def test_lists_page_with_base64_cursors(vultr_account):
    first = vultr_account.v2("GET", "instances", per_page=5).json()
    assert first["meta"]["total"] == 13 and len(first["instances"]) == 5
    assert first["meta"]["links"]["prev"] == ""
    assert base64.b64decode(first["meta"]["links"]["next"]).startswith(b"next__")
    seen = [i["id"] for i in first["instances"]]
    page = first
    while page["meta"]["links"]["next"]:
        cursor = page["meta"]["links"]["next"]
        page = vultr_account.v2("GET", "instances", per_page=5, cursor=cursor).json()
        seen += [i["id"] for i in page["instances"]]
    assert len(seen) == len(set(seen)) == 13
    assert base64.b64decode(page["meta"]["links"]["prev"]).startswith(b"prev__")
    back = vultr_account.v2("GET", "instances", per_page=5, cursor=page["meta"]["links"]["prev"])
    assert [i["id"] for i in back.json()["instances"]] == seen[5:10]


def test_addresses_and_backups_page_with_cursors_too(vultr_account):
    # Lists kept in their own order (addresses, backups) page like the others (§1.5).
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    (db,) = vultr_account.v2("GET", "instances", label="db-01").json()["instances"]
    for path, name, params in (
        (f"instances/{web['id']}/ipv4", "ipv4s", {}),
        (f"instances/{web['id']}/ipv6", "ipv6s", {}),
        ("backups", "backups", {}),
        ("backups", "backups", {"instance_id": db["id"]}),
    ):
        whole = vultr_account.v2("GET", path, **params).json()[name]
        seen, cursor = [], None
        while cursor != "":
            page = vultr_account.v2("GET", path, per_page=1, cursor=cursor, **params)
            assert page.status_code == 200, (path, page.text)
            seen += page.json()[name]
            cursor = page.json()["meta"]["links"]["next"]
        assert seen == whole, path


def test_per_page_defaults_to_100_and_stops_at_500(simulator):
    sim, key = simulator.sim, "PAGES-" + "X" * 30
    sim.add_account(key, servers=620)
    headers = {"Authorization": f"Bearer {key}"}
    url = f"{simulator.url}/v2/instances"
    assert len(requests.get(url, headers=headers).json()["instances"]) == 100
    big = requests.get(url, params={"per_page": 1000}, headers=headers).json()
    assert len(big["instances"]) == 500 and big["meta"]["total"] == 620


def test_routes_that_do_not_page_have_no_meta_and_ignore_per_page(vultr_account):
    iid = vultr_account.v2("GET", "instances").json()["instances"][0]["id"]
    for path in (
        "account",
        f"instances/{iid}",
        f"instances/{iid}/bandwidth",
        "regions/ewr/availability",
    ):
        body = vultr_account.v2("GET", path, per_page=2, cursor="x").json()
        assert "meta" not in body, path


def test_a_bad_cursor_is_a_400(vultr_account):
    assert vultr_account.v2("GET", "instances", cursor="!!!").status_code == 400


# -- one state, two APIs -------------------------------------------------------------------------


def test_a_v2_server_is_a_v1_server_and_back(vultr_empty_account):
    account = vultr_empty_account
    instance = create(account, region="ams", plan="vc2-1c-2gb", label="both")
    (subid,) = account.get("server/list").json()
    v1 = account.server(subid)
    assert (v1["label"], v1["DCID"], v1["VPSPLANID"], v1["OSID"]) == ("both", "7", "202", "387")
    ids = requests.get(f"{account.url}/_sim/ids", params={"key": account.key, "id": subid})
    assert ids.json() == {"kind": "server", "v1": subid, "v2": instance["id"]}

    v1_subid = account.create_server(DCID=12, VPSPLANID=208, label="from-v1", tag="t")
    listed = account.v2("GET", "instances", label="from-v1").json()["instances"]
    assert [(i["region"], i["plan"], i["tags"]) for i in listed] == [("sjc", "vc2-24c-96gb", ["t"])]
    assert account.v2("GET", "instances").json()["meta"]["total"] == 2
    account.post("server/label_set", SUBID=v1_subid, label="renamed-in-v1")
    assert account.v2("GET", f"instances/{listed[0]['id']}").json()["instance"]["label"] == (
        "renamed-in-v1"
    )


def test_keys_scripts_snapshots_and_isos_are_shared(vultr_account):
    account = vultr_account
    v1_keys = account.get("sshkey/list").json()
    v2_keys = account.v2("GET", "ssh-keys").json()["ssh_keys"]
    assert sorted(k["name"] for k in v1_keys.values()) == sorted(k["name"] for k in v2_keys)
    scripts = account.v2("GET", "startup-scripts").json()["startup_scripts"]
    docker = next(s for s in scripts if s["name"] == "install-docker")
    assert base64.b64decode(docker["script"]).startswith(b"#!/bin/bash\n")
    snapshots = account.v2("GET", "snapshots").json()
    assert snapshots["meta"]["total"] == len(account.get("snapshot/list").json()) == 3
    isos = account.v2("GET", "iso").json()["isos"]
    assert [i["filename"] for i in isos] == ["debian-10.6.0-amd64-netinst.iso"]
    backups = account.v2("GET", "backups").json()
    assert backups["meta"]["total"] == len(account.get("backup/list").json())

    body = base64.b64encode(b"echo from v2").decode()
    created = account.v2("POST", "startup-scripts", json={"name": "v2", "script": body}).json()
    v1_scripts = account.get("startupscript/list").json().values()
    assert {"v2": "echo from v2"}.items() <= {s["name"]: s["script"] for s in v1_scripts}.items()
    assert (
        account.v2("DELETE", f"startup-scripts/{created['startup_script']['id']}").status_code
        == 204
    )


# -- quirks of real clients (v2 reference §7) ----------------------------------------------------


def test_it_tolerates_what_real_clients_send(vultr_empty_account):
    account = vultr_empty_account
    headers = {"Authorization": f"Bearer {account.key}", "Content-Type": "application/json"}
    url = f"{account.url}/v2"
    # govultr/Ansible: nulls for unset fields; vultr-node: numbers as strings, unknown keys.
    body = {**NEW, "os_id": "387", "tags": None, "iso_id": None, "block_devices": None,
            "instance-id": "ignored", "label": "quirky", "enable_ipv6": "true"}  # fmt: skip
    created = requests.post(f"{url}/instances?per_page=500", json=body, headers=headers)
    assert created.status_code == 202, created.text
    iid = created.json()["instance"]["id"]
    assert created.json()["instance"]["features"] == ["ipv6"]
    settle(account)
    # An empty body with a JSON content type, on an action and on a GET.
    empty = requests.post(f"{url}/instances/{iid}/reboot", data=b"", headers=headers)
    assert empty.status_code == 204
    assert requests.get(f"{url}/instances/{iid}", data=b"", headers=headers).status_code == 200
    # Ansible's "?&per_page=" form; libcloud's per_page on DELETE.
    ansible = requests.get(f"{url}/instances?&per_page=100", headers=headers)
    assert ansible.json()["meta"]["total"] == 1
    # vultr-node's alias path for deleting a reverse IPv6 entry.
    v6 = account.v2("GET", f"instances/{iid}/ipv6").json()["ipv6s"][0]["ip"]
    assert (
        account.v2(
            "POST", f"instances/{iid}/ipv6/reverse", json={"ip": v6, "reverse": "host.example"}
        ).status_code
        == 204
    )
    (entry,) = account.v2("GET", f"instances/{iid}/ipv6/reverse").json()["reverse_ipv6s"]
    assert ipaddress.ip_address(entry["ip"]) == ipaddress.ip_address(v6)
    assert entry["reverse"] == "host.example"
    alias = requests.delete(f"{url}/instances/{iid}/ipv6/{v6}?per_page=500", headers=headers)
    assert alias.status_code == 204
    assert account.v2("GET", f"instances/{iid}/ipv6/reverse").json()["reverse_ipv6s"] == []
    gone = requests.delete(f"{url}/instances/{iid}?per_page=500", headers=headers)
    assert gone.status_code == 204
    assert requests.post(f"{url}/instances", data=b"{not json", headers=headers).status_code == 400


# -- rate limit and faults -----------------------------------------------------------------------


@pytest.fixture
def limited():
    sim = Simulator(rate_limit=0, v2_rate_limit=5)
    sim.add_account("LIMITED")
    served = serve(sim)
    yield sim, served.url
    served.shutdown()


def test_the_rate_limit_is_per_ip_and_answers_429_with_retry_after(limited):
    sim, url = limited
    session = requests.Session()
    headers = {"Authorization": "Bearer LIMITED"}
    responses = [session.get(f"{url}/v2/instances", headers=headers) for _ in range(12)]
    codes = [r.status_code for r in responses]
    assert codes[:5] == [200] * 5 and 429 in codes
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.content == b'{"status": 429,"error": "rate limit exceeded"}'
    assert refused.headers["Content-Type"] == "application/json"
    assert int(refused.headers["Retry-After"]) >= 1
    # Per source IP: another key from the same address shares the bucket; public routes too.
    sim.add_account("OTHER")
    other = session.get(f"{url}/v2/account", headers={"Authorization": "Bearer OTHER"})
    assert other.status_code == 429
    assert sim.stats("v2")["rate_limited"] >= 2 and sim.stats("v1")["total"] == 0
    # v1 keeps its own limit (here off).
    assert session.get(f"{url}/v1/account/info", headers={"API-Key": "LIMITED"}).status_code == 200
    sim.configure(v2_rate_limit=0)
    assert session.get(f"{url}/v2/account", headers=headers).status_code == 200


def test_a_not_found_window_after_create(vultr_empty_account):
    account = vultr_empty_account
    sim = account.sim
    original = sim.config()
    try:
        requests.post(f"{account.url}/_sim/config", data={"v2_not_found_seconds": "20"})
        iid = create(account)["id"]
        assert error(account.v2("GET", f"instances/{iid}")) == (
            404,
            {"error": "instance not found", "status": 404},
        )
        assert account.v2("GET", "instances").json()["meta"]["total"] == 1
        sim.advance(21)
        assert account.v2("GET", f"instances/{iid}").status_code == 200
    finally:
        sim.configure(**original)


def test_injected_v2_faults(vultr_account):
    account = vultr_account
    url = account.url
    iid = account.v2("GET", "instances").json()["instances"][0]["id"]
    injected = requests.post(
        f"{url}/_sim/faults",
        data={"kind": "locked", "path": "/v2/instances/{instance-id}", "method": "DELETE",
              "key": account.key},
    )  # fmt: skip
    assert injected.status_code == 200
    assert account.v2("GET", f"instances/{iid}").status_code == 200  # other methods spared
    locked = account.v2("DELETE", f"instances/{iid}")
    assert error(locked) == (
        500,
        {
            "error": "Unable to destroy server: Unable to remove VM: Server is currently locked",
            "status": 500,
        },
    )

    requests.post(
        f"{url}/_sim/faults", data={"kind": "rate_limit", "retry_after": "3", "key": account.key}
    )
    limited = account.v2("GET", "account")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert limited.content == b'{"status": 429,"error": "rate limit exceeded"}'

    requests.post(f"{url}/_sim/faults", data={"kind": "not_found", "key": account.key})
    assert error(account.v2("GET", f"instances/{iid}"))[0] == 404

    # api=v2 spares v1; a plain status gets v2's JSON error body.
    account.sim.inject_fault(status=503, body="maintenance", api="v2", key=account.key)
    assert account.get("account/info").status_code == 200
    assert error(account.v2("GET", "account")) == (503, {"error": "maintenance", "status": 503})
    stats = requests.get(f"{url}/_sim/stats", params={"api": "v2"}).json()
    assert stats["by_path"]["DELETE /v2/instances/{instance-id}"] >= 1


def test_addresses_and_reverse_dns(vultr_empty_account):
    account = vultr_empty_account
    iid = create(account, enable_ipv6=True)["id"]
    settle(account)
    added = account.v2("POST", f"instances/{iid}/ipv4", json={"reboot": False})
    ip = added.json()["ipv4"]["ip"]
    assert added.json()["ipv4"]["type"] == "secondary_ip"
    body = {"ip": ip, "reverse": "mail.example"}
    assert account.v2("POST", f"instances/{iid}/ipv4/reverse", json=body).status_code == 204
    listed = account.v2("GET", f"instances/{iid}/ipv4", public_network="true").json()
    assert [(i["type"], i["reverse"]) for i in listed["ipv4s"]][1] == (
        "secondary_ip",
        body["reverse"],
    )
    assert "mac_address" in listed["ipv4s"][0] and listed["meta"]["total"] == 2
    default = account.v2("POST", f"instances/{iid}/ipv4/reverse/default", json={"ip": ip})
    assert default.status_code == 204
    assert account.v2("DELETE", f"instances/{iid}/ipv4/{ip}").status_code == 204
    ipv6s = account.v2("GET", f"instances/{iid}/ipv6").json()["ipv6s"]
    assert ipv6s[0]["network_size"] == 64 and ipv6s[0]["type"] == "main_ip"
    # The same addresses through v1.
    (subid,) = account.get("server/list").json()
    assert [a["type"] for a in account.get("server/list_ipv4", SUBID=subid).json()[subid]] == [
        "main_ip"
    ]


def test_power_actions_wait_for_setup_and_restores_reinstall(vultr_account):
    account = vultr_account
    iid = create(account)["id"]
    assert error(account.v2("POST", f"instances/{iid}/halt")) == (
        500,
        {"error": "Server is currently locked", "status": 500},
    )
    settle(account)
    (db,) = account.v2("GET", "instances", label="db-01").json()["instances"]
    backups = account.v2("GET", "backups", instance_id=db["id"]).json()["backups"]
    restored = account.v2(
        "POST", f"instances/{db['id']}/restore", json={"backup_id": backups[0]["id"]}
    )
    assert restored.status_code == 202
    assert restored.json() == {
        "status": {
            "restore_type": "backup_id",
            "restore_id": backups[0]["id"],
            "status": "inprogress",
        }
    }
    assert (
        account.v2("GET", f"instances/{db['id']}").json()["instance"]["server_status"] == "locked"
    )
    settle(account)
    changed = account.v2("PATCH", f"instances/{db['id']}", json={"os_id": "352"}).json()
    assert (changed["instance"]["os_id"], changed["instance"]["os"]) == (
        352,
        "Debian 10 x64 (buster)",
    )
    settle(account)
    missing = account.v2("POST", f"instances/{db['id']}/restore", json={"snapshot_id": iid})
    assert error(missing) == (404, {"error": "snapshot not found", "status": 404})


def test_power_actions_are_refused_while_locked_too(vultr_empty_account):
    # §8.3: power actions while server_status is none *or locked* give the 500.
    account = vultr_empty_account
    iid = create(account)["id"]
    account.sim.advance(account.sim.config()["provisioning_seconds"] * 0.55)
    assert account.v2("GET", f"instances/{iid}").json()["instance"]["server_status"] == "locked"
    locked = (500, {"error": "Server is currently locked", "status": 500})
    for action in ("halt", "start", "reboot"):
        assert error(account.v2("POST", f"instances/{iid}/{action}")) == locked, action
        bulk = account.v2("POST", f"instances/{action}", json={"instance_ids": [iid]})
        assert error(bulk) == locked, action
    assert account.v2("GET", f"instances/{iid}").json()["instance"]["power_status"] == "running"
    settle(account)
    assert account.v2("POST", f"instances/{iid}/halt").status_code == 204


def test_the_ids_control_endpoint(vultr_account):
    url, key = vultr_account.url, vultr_account.key
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    both = requests.get(f"{url}/_sim/ids", params={"key": key, "id": web["id"]}).json()
    assert both["kind"] == "server" and both["v2"] == web["id"]
    assert vultr_account.server(both["v1"])["label"] == "web-01"
    (sshkey, *_) = vultr_account.get("sshkey/list").json()
    assert requests.get(f"{url}/_sim/ids", params={"key": key, "id": sshkey}).json()["kind"] == (
        "sshkey"
    )
    assert requests.get(f"{url}/_sim/ids", params={"key": key, "id": "nope"}).status_code == 400
    # v1 numbers scripts and ISOs alike: the demo's script 1 and ISO 1 need a kind.
    ambiguous = requests.get(f"{url}/_sim/ids", params={"key": key, "id": "1"})
    assert ambiguous.status_code == 400 and "give kind" in ambiguous.json()["error"]
    (iso,) = vultr_account.v2("GET", "iso").json()["isos"]
    assert requests.get(
        f"{url}/_sim/ids", params={"key": key, "id": "1", "kind": "iso"}
    ).json() == {"kind": "iso", "v1": "1", "v2": iso["id"]}
    script = requests.get(
        f"{url}/_sim/ids", params={"key": key, "id": "1", "kind": "startupscript"}
    )
    assert script.json()["kind"] == "startupscript" and script.json()["v2"] != iso["id"]
