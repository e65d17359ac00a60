"""Deviations from the v1 reference found by going through it line by line (§1-§5), each
checked over real HTTP."""

import requests


def test_every_public_endpoint_of_the_reference_is_served_without_a_key(simulator):
    # reference §1: the public endpoints, each answering JSON without a key.
    url = f"{simulator.url}/v1"
    vc2 = requests.get(f"{url}/regions/availability_vc2", params={"DCID": 1})
    assert vc2.status_code == 200 and vc2.headers["Content-Type"] == "application/json"
    assert 201 in vc2.json() and 115 not in vc2.json()  # vc2 plans only
    vdc2 = requests.get(f"{url}/regions/availability_vdc2", params={"DCID": 1}).json()
    assert 115 in vdc2 and 201 not in vdc2
    # No bare metal and no object storage here: empty lists, sent as [] (reference §4).
    for path, params in (
        ("regions/availability_baremetal", {"DCID": 1}),
        ("plans/list_baremetal", {}),
        ("objectstorage/list_cluster", {}),
    ):
        response = requests.get(f"{url}/{path}", params=params)
        assert (response.status_code, response.text) == (200, "[]"), path
    bad = requests.get(f"{url}/regions/availability_vc2", params={"DCID": 99})
    assert bad.status_code == 412 and bad.text.startswith("Invalid DCID.")
    assert requests.get(f"{url}/regions/availability_vdc2").status_code == 412


def test_python_vultr_reaches_every_server_method_it_has(vultr_empty_account):
    # python-vultr 1.0.1 calls these reference §8 endpoints; they answered 400 "Invalid API
    # location" before.
    from tests.simulator.test_third_party_clients import python_vultr

    account = vultr_empty_account
    client = python_vultr(account)
    subid = client.server.create(1, 201, 387, {"userdata": "I2Nsb3VkLWNvbmZpZw=="})["SUBID"]
    account.sim.advance(400)
    assert client.server.get_user_data(subid) == {"userdata": "I2Nsb3VkLWNvbmZpZw=="}
    assert client.server.set_user_data(subid, "ZWNobyBoaQ==") == {}
    assert client.server.get_user_data(subid) == {"userdata": "ZWNobyBoaQ=="}
    assert client.server.neighbors(subid) == []
    upgrades = client.server.upgrade_plan_list(subid)
    assert 202 in upgrades and 201 not in upgrades and all(isinstance(p, int) for p in upgrades)
    assert client.server.upgrade_plan(subid, 202) == {}
    assert client.server.list(subid)["VPSPLANID"] == "202"
    iso_id = client.iso.create_from_url("https://example.com/images/alpine.iso")["ISOID"]
    assert isinstance(iso_id, int)
    assert client.iso.list()[str(iso_id)]["filename"] == "alpine.iso"


def test_iso_backup_schedule_and_snapshot_from_url(vultr_empty_account):
    account = vultr_empty_account
    subid = account.v1_id(account.create_active_server())
    iso = account.post("iso/create_from_url", url="https://example.com/a.iso").json()["ISOID"]
    assert account.get("server/iso_status", SUBID=subid).json() == {"state": "ready", "ISOID": "0"}
    assert account.post("server/iso_attach", SUBID=subid, ISOID=iso).status_code == 200
    status = account.get("server/iso_status", SUBID=subid).json()
    assert status == {"state": "isomounted", "ISOID": str(iso)}
    again = account.post("server/iso_attach", SUBID=subid, ISOID=iso)
    assert again.status_code == 412 and again.headers["Content-Type"].startswith("text/html")
    assert account.post("server/iso_detach", SUBID=subid).text == ""

    assert account.post("server/backup_enable", SUBID=subid).status_code == 200
    assert account.post(
        "server/backup_set_schedule", SUBID=subid, cron_type="weekly", hour=8, dow=6
    ).ok
    schedule = account.post("server/backup_get_schedule", SUBID=subid).json()
    assert list(schedule) == [
        "enabled",
        "cron_type",
        "next_scheduled_time_utc",
        "hour",
        "dow",
        "dom",
    ]
    assert (schedule["enabled"], schedule["cron_type"], schedule["hour"]) == (True, "weekly", 8)
    assert schedule["next_scheduled_time_utc"].endswith(" 08:00:00")
    assert account.server(subid)["auto_backups"] == "yes"

    made = account.post("snapshot/create_from_url", url="https://example.com/disk.raw").json()
    assert set(made) == {"SNAPSHOTID"} and len(made["SNAPSHOTID"]) == 13
    assert account.get("snapshot/list").json()[made["SNAPSHOTID"]]["status"] == "pending"
    assert account.post("iso/destroy", ISOID=iso).status_code == 200
    assert account.get("iso/list_public").text == "[]"


def test_the_hostname_given_to_v1_create_and_reinstall_is_the_servers(vultr_empty_account):
    account = vultr_empty_account
    subid = account.v1_id(account.create_server(hostname="web1.example.com"))
    uuid = account.sim.ids(account.key, subid)["v2"]
    assert account.v2("GET", f"instances/{uuid}").json()["instance"]["hostname"] == (
        "web1.example.com"
    )
    account.sim.advance(400)
    assert account.post("server/reinstall", SUBID=subid, hostname="web2").status_code == 200
    assert account.v2("GET", f"instances/{uuid}").json()["instance"]["hostname"] == "web2"


def test_a_v1_tag_set_replaces_the_v2_tags(vultr_empty_account):
    account = vultr_empty_account
    uuid = account.create_active_server()
    uuid = account.sim.ids(account.key, uuid)["v2"]
    subid = account.v1_id(uuid)
    assert account.v2("PATCH", f"instances/{uuid}", json={"tags": ["a", "b"]}).ok
    assert account.post("server/tag_set", SUBID=subid, tag="c").status_code == 200
    instance = account.v2("GET", f"instances/{uuid}").json()["instance"]
    assert (instance["tag"], instance["tags"]) == ("c", ["c"])
    assert account.v2("GET", "instances", tag="c").json()["meta"]["total"] == 1
    assert account.v2("GET", "instances", tag="a").json()["meta"]["total"] == 0
