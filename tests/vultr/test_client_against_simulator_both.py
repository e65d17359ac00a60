"""VultrClient against the simulator over real HTTP, where v1 and v2 behave alike: each test runs
with a client of each API version to a fresh demo account (one state serves both). What only one
version does is in test_client_against_simulator.py (v1) and its _v2 sibling.
"""

from __future__ import annotations

import re

import pytest

from panel.vultr import ImageStatus, IpType, PowerStatus, ServerState, ServerStatus
from tests.vultr.simulated import ED25519_KEY, by_label, connect, settle

# The ids each version gives SSH keys and backups: 13 hex characters (v1 reference §4), UUIDs.
ID = {
    "v1": re.compile(r"^[0-9a-f]{13}$"),
    "v2": re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
}
# A well-formed id that names nothing.
MISSING = {"v1": "0000000000001", "v2": "00000000-0000-4000-8000-000000000001"}
# The 1 GB plan in New Jersey, as each version names them.
NEW_JERSEY_1GB = {"v1": ("1", "201"), "v2": ("ewr", "vc2-1c-1gb")}


@pytest.fixture(params=["v1", "v2"])
def client(vultr_account, request):
    with connect(vultr_account, request.param) as client:
        yield client


def test_server_details(client):
    web = by_label(client, "web-01")
    assert web.is_ready and web.has_ipv6 and web.internal_ip is not None

    main, private = client.server_list_ipv4(web.id)
    assert (main.ip, main.type, private.type) == (web.main_ip, IpType.MAIN, IpType.PRIVATE)
    (v6,) = client.server_list_ipv6(web.id)
    assert (v6.ip, v6.network_size, v6.type) == (web.v6_main_ip, 64, IpType.MAIN)
    assert client.server_reverse_list_ipv6(web.id) == []

    bandwidth = client.server_bandwidth(web.id)
    assert bandwidth.days and bandwidth.incoming_bytes > 0
    assert [d.day for d in bandwidth.days] == sorted(d.day for d in bandwidth.days)

    assert any(o.windows for o in client.server_os_change_list(web.id))


def test_reverse_dns_ipv4(client):
    web = by_label(client, "web-01")

    client.server_reverse_set_ipv4(web.id, web.main_ip, "www.example.com")
    assert client.server_list_ipv4(web.id)[0].reverse == "www.example.com"
    client.server_reverse_default_ipv4(web.id, web.main_ip)
    assert client.server_list_ipv4(web.id)[0].reverse == f"{web.main_ip}.vultr.com"


def test_power_label_and_reinstall(client, sim):
    subid = by_label(client, "api-eu-02").id

    client.server_halt(subid)
    halted = client.server_get(subid)
    assert (halted.power_status, halted.status) == (PowerStatus.STOPPED, ServerStatus.ACTIVE)
    client.server_start(subid)
    assert client.server_get(subid).power_status is PowerStatus.RUNNING
    client.server_reboot(subid)
    assert client.server_get(subid).server_state is ServerState.INSTALLINGBOOTING
    settle(sim)
    assert client.server_get(subid).is_ready

    client.server_label_set(subid, "api-eu-02 (renamed)")
    assert client.server_get(subid).label == "api-eu-02 (renamed)"

    client.server_reinstall(subid, hostname="api-eu-02.example.com")
    reinstalling = client.server_get(subid)
    assert not reinstalling.is_ready
    # v1 shows no hostname.
    assert reinstalling.hostname == {"v1": None, "v2": "api-eu-02.example.com"}[client.api_version]
    settle(sim)
    assert client.server_get(subid).is_ready


def test_os_change(client, sim):
    web = by_label(client, "web-02")
    target = next(o for o in client.server_os_change_list(web.id) if o.id != web.os_id)

    client.server_os_change(web.id, target.id)

    assert not client.server_get(web.id).is_ready
    settle(sim)
    changed = client.server_get(web.id)
    assert (changed.os_id, changed.os, changed.is_ready) == (target.id, target.name, True)


def test_snapshots(client, sim):
    web = by_label(client, "web-02")
    before = {s.id for s in client.snapshot_list()}

    snapshot_id = client.snapshot_create(web.id, description="before upgrade")
    assert ID[client.api_version].match(snapshot_id)
    (snapshot,) = [s for s in client.snapshot_list() if s.id == snapshot_id]
    assert (snapshot.status, snapshot.description) == (ImageStatus.PENDING, "before upgrade")
    settle(sim)
    (snapshot,) = [s for s in client.snapshot_list() if s.id == snapshot_id]
    assert snapshot.status is ImageStatus.COMPLETE and snapshot.size_bytes > 0
    assert snapshot.os_id == web.os_id

    client.server_restore_snapshot(web.id, snapshot_id)
    assert not client.server_get(web.id).is_ready
    # 164 is v1's OSID for a snapshot; v2 needs no special os_id and leaves it out (§4.1).
    region, plan = NEW_JERSEY_1GB[client.api_version]
    clone = client.server_create(region, plan, "164", snapshot_id=snapshot_id, label="clone")
    settle(sim)
    assert client.server_get(web.id).is_ready
    assert client.server_get(clone).is_ready

    client.snapshot_destroy(snapshot_id)
    assert {s.id for s in client.snapshot_list()} == before


def test_backups(client, sim):
    database = by_label(client, "db-01")

    backups = client.backup_list(subid=database.id)
    assert len(backups) == 2 and all(b.status is ImageStatus.COMPLETE for b in backups)
    assert all(ID[client.api_version].match(b.id) for b in backups)
    assert client.backup_list(backup_id=backups[0].id) == [backups[0]]
    assert client.backup_list(backup_id=MISSING[client.api_version]) == []  # none, no error
    assert len(client.backup_list()) > len(backups)  # ci-runner has backups too

    client.server_restore_backup(database.id, backups[0].id)
    assert not client.server_get(database.id).is_ready
    settle(sim)
    assert client.server_get(database.id).is_ready


def test_ssh_keys(client):
    key_id = client.sshkey_create("deploy", ED25519_KEY)
    assert ID[client.api_version].match(key_id)
    assert any(k.id == key_id and k.ssh_key == ED25519_KEY for k in client.sshkey_list())

    client.sshkey_update(key_id, name="deploy (old)")
    (key,) = [k for k in client.sshkey_list() if k.id == key_id]
    assert key.name == "deploy (old)" and key.date_created is not None
    replacement = ED25519_KEY.replace(" me", " me@new")
    client.sshkey_update(key_id, ssh_key=replacement)
    assert {k.id: (k.name, k.ssh_key) for k in client.sshkey_list()}[key_id] == (
        "deploy (old)",
        replacement,
    )

    client.sshkey_destroy(key_id)
    assert key_id not in {k.id for k in client.sshkey_list()}
