"""Snapshots, backups, SSH keys, startup scripts, ISOs and the account (reference §5)."""

import re

HEX13 = re.compile(r"^[0-9a-f]{13}$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtestkeymaterial user@host"


def test_it_takes_a_snapshot_that_completes_over_time(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()
    created = account.post("snapshot/create", SUBID=subid, description="nightly")
    assert created.status_code == 200
    snapshot_id = created.json()["SNAPSHOTID"]
    assert HEX13.match(snapshot_id)

    pending = account.get("snapshot/list").json()[snapshot_id]
    assert (pending["status"], pending["description"]) == ("pending", "nightly")
    assert DATE.match(pending["date_created"])
    assert (pending["OSID"], pending["APPID"]) == ("387", "0")

    account.sim.advance(120)
    complete = account.get("snapshot/list", SNAPSHOTID=snapshot_id).json()
    assert list(complete) == [snapshot_id]
    assert complete[snapshot_id]["status"] == "complete"
    assert int(complete[snapshot_id]["size"]) > 0


def test_it_destroys_snapshots(vultr_account):
    account = vultr_account
    snapshot_id = next(iter(account.get("snapshot/list").json()))
    assert account.post("snapshot/destroy", SNAPSHOTID=snapshot_id).status_code == 200
    assert snapshot_id not in account.get("snapshot/list").json()
    again = account.post("snapshot/destroy", SNAPSHOTID=snapshot_id)
    assert again.status_code == 412
    assert "SNAPSHOTID" in again.text


def test_it_refuses_a_snapshot_of_an_unknown_server(vultr_empty_account):
    response = vultr_empty_account.post("snapshot/create", SUBID="12345")
    assert response.status_code == 412
    assert response.text.startswith("Invalid server.")


def test_it_lists_backups_of_servers_with_auto_backups(vultr_account):
    account = vultr_account
    servers = account.get("server/list").json()
    with_backups = {s for s, server in servers.items() if server["auto_backups"] == "yes"}
    backups = account.get("backup/list").json()
    assert backups
    for backup_id, backup in backups.items():
        assert HEX13.match(backup_id) and backup["BACKUPID"] == backup_id
        assert backup["status"] == "complete"
        assert backup["size"].isdigit()
        assert DATE.match(backup["date_created"])

    subid = next(iter(with_backups))
    own = account.get("backup/list", SUBID=subid).json()
    assert own and set(own) <= set(backups)
    backup_id = next(iter(own))
    assert list(account.get("backup/list", BACKUPID=backup_id).json()) == [backup_id]
    without = next(s for s in servers if s not in with_backups)
    assert account.get("backup/list", SUBID=without).text == "[]"


def test_it_starts_backing_up_a_new_server_after_a_day(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server(auto_backups="yes")
    assert account.server(subid)["auto_backups"] == "yes"
    assert account.get("backup/list").text == "[]"
    account.sim.advance(86400)
    assert len(account.get("backup/list", SUBID=subid).json()) == 1


def test_it_manages_ssh_keys(vultr_empty_account):
    account = vultr_empty_account
    sshkey_id = account.post("sshkey/create", name="laptop", ssh_key=SSH_KEY).json()["SSHKEYID"]
    assert HEX13.match(sshkey_id)
    listed = account.get("sshkey/list").json()
    assert listed[sshkey_id]["name"] == "laptop"
    assert listed[sshkey_id]["ssh_key"] == SSH_KEY

    assert account.post("sshkey/update", SSHKEYID=sshkey_id, name="desk").status_code == 200
    assert account.get("sshkey/list").json()[sshkey_id]["ssh_key"] == SSH_KEY
    assert account.get("sshkey/list").json()[sshkey_id]["name"] == "desk"

    invalid = account.post("sshkey/create", name="bad", ssh_key="hello")
    assert invalid.status_code == 412
    missing = account.post("sshkey/create", name="bad")
    assert missing.status_code == 412 and "ssh_key" in missing.text

    assert account.post("sshkey/destroy", SSHKEYID=sshkey_id).status_code == 200
    assert account.get("sshkey/list").text == "[]"
    assert account.post("sshkey/destroy", SSHKEYID=sshkey_id).status_code == 412


def test_it_manages_startup_scripts(vultr_empty_account):
    account = vultr_empty_account
    created = account.post("startupscript/create", name="hello", script="#!/bin/sh\necho hi")
    script_id = created.json()["SCRIPTID"]
    assert isinstance(script_id, int)  # a number from create, a string in the list (§4)

    listed = account.get("startupscript/list").json()[str(script_id)]
    assert listed["SCRIPTID"] == str(script_id)
    assert listed["type"] == "boot"
    assert listed["date_created"] == listed["date_modified"]

    account.sim.advance(60)
    updated = account.post("startupscript/update", SCRIPTID=script_id, script="#!/bin/sh\n")
    assert updated.status_code == 200
    listed = account.get("startupscript/list").json()[str(script_id)]
    assert (listed["name"], listed["script"]) == ("hello", "#!/bin/sh\n")
    assert listed["date_modified"] > listed["date_created"]

    pxe = account.post("startupscript/create", name="boot", script="#!ipxe", type="pxe")
    assert pxe.status_code == 200
    wrong = account.post("startupscript/create", name="x", script="y", type="cloud")
    assert wrong.status_code == 412

    assert account.post("startupscript/destroy", SCRIPTID=script_id).status_code == 200
    assert str(script_id) not in account.get("startupscript/list").json()
    assert account.post("startupscript/destroy", SCRIPTID=script_id).status_code == 412


def test_it_reports_the_account_in_strings(vultr_account):
    info = vultr_account.get("account/info").json()
    assert all(isinstance(value, str) for value in info.values())
    assert float(info["balance"]) < 0  # negative is credit
    assert float(info["pending_charges"]) > 0
    assert DATE.match(info["last_payment_date"])


def test_it_lists_isos_with_numeric_ids_and_sizes(vultr_account):
    isos = vultr_account.get("iso/list").json()
    for iso_id, iso in isos.items():
        assert iso["ISOID"] == int(iso_id)
        assert isinstance(iso["size"], int)
        assert len(iso["md5sum"]) == 32
