"""pyvultr 0.1.5 (luxiaba) runs unmodified against the v2 simulator (v2 reference §7).

Its base URL is a hard-coded property, so it is aimed here by replacing that property on
``BaseVultrAPI`` (no source edited), and ``VULTR_API_KEY`` is removed from the environment
because it would override the ``api_key`` argument. pyvultr reads every object into strict
dataclasses (dacite), so a missing field such as ``hostname`` or ``tags`` breaks it; it pages
with ``meta.links.next``.
"""

import base64

import pytest
from pyvultr import VultrV2
from pyvultr.base_api import BaseVultrAPI
from pyvultr.exception import APIException
from pyvultr.v2 import ReqInstance

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHpyvultrclientkeyxxxxxx user@host"


@pytest.fixture
def aim(monkeypatch):
    def aim_at(account, key=None):
        monkeypatch.delenv("VULTR_API_KEY", raising=False)
        url = account.url
        monkeypatch.setattr(
            BaseVultrAPI, "base_url", property(lambda self: f"{url}/{self.api_version.value}/")
        )
        return VultrV2(api_key=key or account.key)

    return aim_at


def settle(account):
    account.sim.advance(account.sim.config()["provisioning_seconds"] + 1)


def test_it_lists_instances_and_the_catalog(aim, vultr_account):
    client = aim(vultr_account)
    instances = list(client.instance.list())
    assert len(instances) == 13
    web = next(i for i in instances if i.label == "web-01")
    assert (web.region, web.plan, web.hostname, web.tag) == (
        "ewr",
        "vc2-1c-1gb",
        "vultr.guest",
        "web",
    )
    assert client.instance.get(web.id).main_ip == web.main_ip
    # A small page size makes it follow the cursor.
    assert len(list(client.instance.list(per_page=4))) == 13
    assert {"ewr", "ams"} <= {region.id for region in client.region.list()}
    assert "vc2-1c-1gb" in {plan.id for plan in client.plan.list()}
    assert 387 in {os.id for os in client.operating_system.list()}
    assert "vc2-1c-1gb" in client.region.list_in_region("ewr")
    account = client.account.get()
    assert account.email.endswith("@example.com") and account.balance < 0


def test_it_creates_operates_and_deletes_an_instance(aim, vultr_empty_account):
    account = vultr_empty_account
    client = aim(account)
    created = client.instance.create(
        ReqInstance(region="ams", plan="vc2-1c-1gb", os_id=387, label="pyv", hostname="pyv.example")
    )
    assert (created.status, created.server_status, created.main_ip) == (
        "pending",
        "none",
        "0.0.0.0",
    )
    with pytest.raises(APIException) as locked:
        client.instance.delete(created.id)
    assert locked.value.code == 500 and "Server is currently locked" in locked.value.msg
    settle(account)
    client.instance.halt(created.id)
    assert client.instance.get(created.id).power_status == "stopped"
    client.instance.start(created.id)
    client.instance.reboot(created.id)
    client.instance.batch_halt([created.id])
    client.instance.batch_start([created.id])
    settle(account)
    updated = client.instance.update(created.id, label="pyv-renamed", tags=["x"])
    assert (updated.label, updated.tag) == ("pyv-renamed", "x")
    assert client.instance.get(created.id).hostname == "pyv.example"
    client.instance.delete(created.id)
    assert list(client.instance.list()) == []


def test_it_manages_keys_scripts_and_snapshots(aim, vultr_empty_account):
    account = vultr_empty_account
    client = aim(account)
    key = client.ssh_key.create(name="laptop", ssh_key=SSH_KEY)
    client.ssh_key.update(key.id, name="desk")
    assert client.ssh_key.get(key.id).name == "desk"
    assert [k.name for k in client.ssh_key.list()] == ["desk"]
    client.ssh_key.delete(key.id)
    assert list(client.ssh_key.list()) == []

    body = base64.b64encode(b"#!/bin/sh\necho pyvultr\n").decode()
    script = client.startup_script.create(name="hello", script=body)
    assert client.startup_script.get(script.id).script == body
    assert [s.name for s in client.startup_script.list()] == ["hello"]
    client.startup_script.delete(script.id)

    server = client.instance.create(ReqInstance(region="ewr", plan="vc2-1c-1gb", os_id=387))
    settle(account)
    snapshot = client.snapshot.create(server.id, description="pyv snap")
    assert snapshot.status == "pending"
    settle(account)
    assert client.snapshot.get(snapshot.id).status == "complete"
    client.snapshot.update(snapshot.id, description="renamed")
    assert [s.description for s in client.snapshot.list()] == ["renamed"]
    client.snapshot.delete(snapshot.id)


def test_it_surfaces_vultr_errors(aim, vultr_account):
    with pytest.raises(APIException) as denied:
        aim(vultr_account, key="NOT-A-KEY").account.get()
    assert denied.value.code == 401 and "Invalid API token." in denied.value.msg
    with pytest.raises(APIException) as bad:
        aim(vultr_account).instance.create(
            ReqInstance(region="ewr", plan="vc2-24c-96gb", os_id=387)
        )
    assert bad.value.code == 400 and "Invalid plan chosen." in bad.value.msg


def test_it_reads_sub_resources_into_its_strict_dataclasses(aim, vultr_account):
    from pyvultr.v2.enums import BackupScheduleType, InstanceUpgradeType

    client = aim(vultr_account)
    web = next(i for i in client.instance.list() if i.label == "web-01")
    # Its AvailableUpgrade needs all three keys even when one type is asked for.
    upgrades = client.instance.list_upgrades(web.id, InstanceUpgradeType.OS)
    assert upgrades.os and upgrades.plans == [] and upgrades.applications == []
    assert client.instance.list_upgrades(web.id, InstanceUpgradeType.PLANS).plans
    schedule = client.instance.set_backup_schedule(web.id, BackupScheduleType.WEEKLY, hour=4)
    assert (schedule.type, schedule.hour) == ("weekly", 4)
    assert client.instance.get_backup_schedule(web.id).type == "weekly"
    iso = next(iter(client.iso.list()))
    client.instance.attach_iso(web.id, iso.id)
    assert client.instance.get_iso_status(web.id).iso_id == iso.id
    client.instance.detach_iso(web.id)
    client.instance.create_ipv4_reverse(web.id, web.main_ip, "web.example.com")
    client.instance.set_default_reverse_dns_entry(web.id, web.main_ip)
    assert client.instance.get_user_date(web.id).data == ""
    assert list(client.instance.list_private_networks(web.id)) == []
