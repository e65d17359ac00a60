"""Servers over simulated time: deploy, power, reinstall, restore, destroy (reference §5-7)."""

import ipaddress
import time

import pytest
import requests

from panel.simulator import Simulator, serve

INVALID_SERVER = (
    "Invalid server.  Check SUBID value and ensure your API key matches the server's account"
)
PLAN_NOT_AVAILABLE = (
    "Plan is not available in the selected datacenter.  This could mean you have chosen the "
    "wrong plan (for example, a 32-bit plan in a 64-bit-only location), or the location you "
    "have selected does not have any more capacity."
)
TOO_SOON = "Unable to destroy server: Servers cannot be destroyed within 5 minutes of being created"


def state(account, subid):
    found = account.server(subid)
    return found["status"], found["power_status"], found["server_state"]


def test_it_deploys_a_server_through_the_recorded_states(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_server(label="web", tag="frontend")
    assert subid.isdigit()

    fresh = account.server(subid)
    assert (fresh["status"], fresh["power_status"], fresh["server_state"]) == (
        "pending",
        "running",
        "none",
    )
    assert fresh["main_ip"] == "0.0.0.0"
    assert fresh["kvm_url"] == ""
    assert (fresh["label"], fresh["tag"]) == ("web", "frontend")

    account.sim.advance(25)  # the address is assigned a third of the way in
    addressed = account.server(subid)
    assert addressed["status"] == "pending"
    assert ipaddress.IPv4Address(addressed["main_ip"]).is_global

    account.sim.advance(10)
    assert state(account, subid) == ("active", "running", "locked")
    assert account.server(subid)["kvm_url"].startswith("https://my.vultr.com/subs/novnc/")

    account.sim.advance(10)
    assert state(account, subid) == ("active", "running", "installingbooting")

    account.sim.advance(20)
    done = account.server(subid)
    assert (done["status"], done["server_state"]) == ("active", "ok")
    assert done["main_ip"] == addressed["main_ip"]
    network = ipaddress.IPv4Network(f"{done['main_ip']}/{done['netmask_v4']}", strict=False)
    assert ipaddress.IPv4Address(done["gateway_v4"]) in network


def test_it_runs_the_clock_at_the_configured_speed_and_provisioning_time():
    sim = Simulator(rate_limit=0, speed=100, provisioning_seconds=10)
    sim.add_account("FAST")
    served = serve(sim)
    try:
        headers = {"API-Key": "FAST"}
        subid = requests.post(
            f"{served.url}/v1/server/create",
            data={"DCID": 1, "VPSPLANID": 201, "OSID": 387},
            headers=headers,
        ).json()["SUBID"]
        time.sleep(0.2)  # 20 simulated seconds: twice the provisioning time
        found = requests.get(
            f"{served.url}/v1/server/list", params={"SUBID": subid}, headers=headers
        ).json()
        assert (found["status"], found["server_state"]) == ("active", "ok")
    finally:
        served.shutdown()


def test_it_refuses_to_destroy_a_server_younger_than_five_minutes(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_server()
    account.sim.advance(290)
    refused = account.post("server/destroy", SUBID=subid)
    assert refused.status_code == 412
    assert refused.text == TOO_SOON
    assert subid in account.get("server/list").json()

    account.sim.advance(15)
    assert account.post("server/destroy", SUBID=subid).status_code == 200
    assert account.get("server/list").text == "[]"
    assert account.get("server/list", SUBID=subid).text == INVALID_SERVER


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ({"DCID": "999"}, "DCID"),
        ({"DCID": "abc"}, "DCID"),
        ({"VPSPLANID": "999"}, "VPSPLANID"),
        ({"OSID": "999"}, "OSID"),
        ({"DCID": "9", "VPSPLANID": "201"}, PLAN_NOT_AVAILABLE),  # Frankfurt only has plan 400
        ({"VPSPLANID": "405"}, PLAN_NOT_AVAILABLE),  # available nowhere
        ({"OSID": "164"}, "SNAPSHOTID"),
        ({"OSID": "164", "SNAPSHOTID": "0123456789abc"}, "SNAPSHOTID"),
        ({"OSID": "159"}, "ISOID"),
        ({"OSID": "159", "ISOID": "999"}, "ISOID"),
        ({"OSID": "186", "APPID": "999"}, "APPID"),
        ({"OSID": "180"}, "restore_backup"),
        ({"SCRIPTID": "999"}, "SCRIPTID"),
        ({"SSHKEYID": "0123456789abc"}, "SSHKEYID"),
    ],
)
def test_it_rejects_a_bad_create_and_leaves_no_server(vultr_empty_account, form, text):
    account = vultr_empty_account
    response = account.post(
        "server/create", **{"DCID": "1", "VPSPLANID": "201", "OSID": "387", **form}
    )
    assert response.status_code == 412
    assert text in response.text
    assert account.get("server/list").text == "[]"


def test_it_deploys_from_a_snapshot_an_iso_an_app_with_scripts_and_keys(vultr_account):
    account = vultr_account
    snapshot = next(iter(account.get("snapshot/list").json()))
    iso = next(iter(account.get("iso/list").json()))
    scripts = list(account.get("startupscript/list").json())
    keys = list(account.get("sshkey/list").json())

    from_snapshot = account.create_server(OSID="164", SNAPSHOTID=snapshot)
    assert account.server(from_snapshot)["OSID"] == "164"
    from_iso = account.create_server(OSID="159", ISOID=iso)
    assert account.server(from_iso)["os"] == "Custom"
    with_app = account.create_server(OSID="186", APPID="17")
    assert account.server(with_app)["APPID"] == "17"
    account.create_server(SCRIPTID=scripts[0], SSHKEYID=",".join(keys))


def test_it_only_acts_on_active_servers(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_server()
    for action in ("reboot", "halt", "start", "reinstall"):
        response = account.post(f"server/{action}", SUBID=subid)
        assert response.status_code == 412, action
    assert state(account, subid)[0] == "pending"


def test_it_halts_starts_and_reboots(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()

    assert account.post("server/halt", SUBID=subid).status_code == 200
    assert state(account, subid) == ("active", "stopped", "ok")

    assert account.post("server/start", SUBID=subid).status_code == 200
    assert state(account, subid) == ("active", "running", "installingbooting")
    account.sim.advance(15)
    assert state(account, subid) == ("active", "running", "ok")

    # "If the machine is already running, it will be restarted."
    assert account.post("server/start", SUBID=subid).status_code == 200
    assert state(account, subid)[2] == "installingbooting"
    account.sim.advance(15)

    assert account.post("server/reboot", SUBID=subid).status_code == 200
    assert state(account, subid) == ("active", "running", "installingbooting")
    account.sim.advance(15)
    assert state(account, subid) == ("active", "running", "ok")


def test_it_reinstalls_through_locked_and_installingbooting(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()
    before = account.server(subid)
    assert account.post("server/reinstall", SUBID=subid, hostname="web").status_code == 200
    assert state(account, subid) == ("active", "running", "locked")
    account.sim.advance(20)
    assert state(account, subid) == ("active", "running", "installingbooting")
    account.sim.advance(20)
    after = account.server(subid)
    assert after["server_state"] == "ok"
    assert after["main_ip"] == before["main_ip"]  # "the IP address will remain the same"


def test_it_changes_the_os_only_to_one_on_the_change_list(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()
    choices = account.get("server/os_change_list", SUBID=subid).json()
    assert "352" in choices and "164" not in choices
    assert choices["352"]["surcharge"] == "0.00"
    assert choices["240"]["surcharge"] != "0.00"  # Windows carries a licence

    refused = account.post("server/os_change", SUBID=subid, OSID="164")
    assert refused.status_code == 412
    assert "OSID" in refused.text

    assert account.post("server/os_change", SUBID=subid, OSID="352").status_code == 200
    changed = account.server(subid)
    assert (changed["OSID"], changed["os"]) == ("352", "Debian 10 x64 (buster)")
    assert changed["server_state"] == "locked"


def test_it_restores_a_complete_snapshot(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()
    snapshot = account.post("snapshot/create", SUBID=subid, description="before").json()
    snapshot_id = snapshot["SNAPSHOTID"]

    pending = account.post("server/restore_snapshot", SUBID=subid, SNAPSHOTID=snapshot_id)
    assert pending.status_code == 412

    account.sim.advance(120)
    restored = account.post("server/restore_snapshot", SUBID=subid, SNAPSHOTID=snapshot_id)
    assert restored.status_code == 200
    assert state(account, subid)[2] == "locked"
    missing = account.post("server/restore_snapshot", SUBID=subid, SNAPSHOTID="0123456789abc")
    assert missing.status_code == 412


def test_it_restores_a_backup_of_the_same_server(vultr_account):
    account = vultr_account
    servers = account.get("server/list").json()
    backed_up = [s for s in servers.values() if s["auto_backups"] == "yes"]
    other = next(s for s in servers.values() if s["auto_backups"] == "no")
    subid = backed_up[0]["SUBID"]
    backup_id = next(iter(account.get("backup/list", SUBID=subid).json()))

    wrong = account.post("server/restore_backup", SUBID=other["SUBID"], BACKUPID=backup_id)
    assert wrong.status_code == 412
    assert account.post("server/restore_backup", SUBID=subid, BACKUPID=backup_id).ok
    assert state(account, subid)[2] == "locked"


def test_it_sets_label_and_tag_and_filters_the_list(vultr_empty_account):
    account = vultr_empty_account
    first = account.create_active_server(tag="web", label="one")
    second = account.create_active_server(tag="db", label="two")

    assert account.post("server/label_set", SUBID=first, label="uno").status_code == 200
    assert account.post("server/tag_set", SUBID=second, tag="web").status_code == 200
    listed = account.get("server/list").json()  # the cached answer follows the change
    assert listed[first]["label"] == "uno"
    assert listed[second]["tag"] == "web"

    assert set(account.get("server/list", tag="web").json()) == {first, second}
    assert set(account.get("server/list", label="uno").json()) == {first}
    main_ip = listed[second]["main_ip"]
    assert set(account.get("server/list", main_ip=main_ip).json()) == {second}
    assert account.get("server/list", tag="none-such").text == "[]"


def test_it_keeps_accounts_apart(vultr_account, vultr_empty_account):
    subid = next(iter(vultr_account.get("server/list").json()))
    response = vultr_empty_account.get("server/list", SUBID=subid)
    assert response.status_code == 412
    assert response.text == INVALID_SERVER
    assert vultr_empty_account.post("server/halt", SUBID=subid).status_code == 412


def test_it_reports_bandwidth_one_day_at_a_time(vultr_account):
    servers = vultr_account.get("server/list").json()
    oldest = min(servers.values(), key=lambda s: s["date_created"])
    history = vultr_account.get("server/bandwidth", SUBID=oldest["SUBID"]).json()
    assert set(history) == {"incoming_bytes", "outgoing_bytes"}
    days = [day for day, _ in history["incoming_bytes"]]
    assert days[0] == oldest["date_created"][:10]
    assert days == sorted(set(days))
    assert len(days) >= 2
    assert all(isinstance(n, str) and n.isdigit() for _, n in history["outgoing_bytes"])
    assert [d for d, _ in history["outgoing_bytes"]] == days
