"""Demo accounts look like accounts in real use, and the same key gets the same data."""

import calendar
import secrets
import time
from collections import Counter

import requests

from panel.simulator import Simulator

DAY = 86400


def test_it_fills_a_demo_account_like_a_real_one(vultr_account):
    account = vultr_account
    servers = account.get("server/list").json()
    now = account.sim.now()
    assert len(servers) >= 12

    states = Counter((s["status"], s["power_status"], s["server_state"]) for s in servers.values())
    assert states[("active", "running", "ok")] >= 9
    assert states[("pending", "running", "none")] >= 1
    assert states[("active", "running", "installingbooting")] >= 1
    assert states[("active", "stopped", "ok")] >= 1

    ok = [
        s for s in servers.values() if s["server_state"] == "ok" and s["power_status"] == "running"
    ]
    assert any(s["v6_main_ip"] for s in ok)
    with_backups = [s["SUBID"] for s in ok if s["auto_backups"] == "yes"]
    assert with_backups and account.get("backup/list", SUBID=with_backups[0]).json()

    # Days old, apart from the one just ordered.
    ages = sorted(
        now - calendar.timegm(time.strptime(s["date_created"], "%Y-%m-%d %H:%M:%S"))
        for s in servers.values()
    )
    assert sum(age > DAY for age in ages) >= 12

    snapshots = account.get("snapshot/list").json()
    assert snapshots and all(s["status"] == "complete" for s in snapshots.values())
    assert len(account.get("sshkey/list").json()) >= 1
    assert len(account.get("startupscript/list").json()) >= 1
    oldest = min(servers.values(), key=lambda s: s["date_created"])
    assert len(account.get("server/bandwidth", SUBID=oldest["SUBID"]).json()["incoming_bytes"]) > 1


def test_it_gives_the_same_key_the_same_demo_data():
    def demo(key):
        sim = Simulator()
        account = sim.add_account(key, demo=True)
        return sorted(
            (s.subid, s.label, s.main_ip, s.password, s.v6_prefix) for s in account.servers.values()
        ), sorted(account.snapshots)

    assert demo("SAME") == demo("SAME")
    assert demo("SAME") != demo("OTHER")


def test_it_adds_settled_servers_in_bulk(simulator):
    key = f"bulk-{secrets.token_hex(8)}"
    simulator.sim.add_account(key, servers=50)
    servers = requests.get(f"{simulator.url}/v1/server/list", headers={"API-Key": key}).json()
    assert len(servers) == 50
    assert {(s["status"], s["server_state"]) for s in servers.values()} == {("active", "ok")}
    assert len({s["main_ip"] for s in servers.values()}) == 50
