"""Wrong or missing parameters raise InvalidParameterError naming the parameter, before any
request: the mock below has no URL registered, so a request would fail differently and be
counted."""

from __future__ import annotations

import pytest
import responses

from panel.vultr import InvalidParameterError, VultrClient

KEY = "TESTKEY0123456789ABCDEFGHIJKLMNOPQRS"
RSA_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZYMivN4KqJZ3dNEWeH20PUeB2ZnZRkk91K5SgxWrEotgpX4pMVM/9"
    "oxkh4bKw5CBzT6KAOghzLcBViFpNVjDyyet9wwVcy6cjuUynx63UtbTLB+r4D+bD/+/9rQTeckvGYg9Y8xIKL/oaVeCc"
    "dBM8JhSQZbZ/aARi2K79FWGH61azAqc/JCHT63f3FhspjdVpcVoVOjsZG3WG6Vymys2cXH1PM5qMgBbmp+5LkSv0LvUU"
    "LyxcrtKkUyntPr1BvIFSNbo2lhXLwnM4DXONP6U/yMFte+ZwiajF7pUCdB9HqvXVU+IfswYSDuhHzL9j8+ZLQ2enF/lk"
    "kYxpMHE2t215 tester@test"
)
ED25519_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB26pKE1H+CWhdXzeqBOwCcyUUhKVgIrU3xWC0ra9GxJ"


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client():
    return VultrClient(KEY)


def create(**overrides):
    """server_create arguments: a valid order with `overrides` applied."""
    kwargs = {"region_id": "1", "plan_id": "201", "os_id": "387"}
    kwargs.update(overrides)
    return lambda c: c.server_create(**kwargs)


INVALID = [
    # Ids: v1 SUBIDs and friends are decimal; no id may be empty, a bool or contain spaces.
    ("subid", lambda c: c.server_destroy("abc")),
    ("subid", lambda c: c.server_halt("")),
    ("subid", lambda c: c.server_start(True)),
    ("subid", lambda c: c.server_reboot("12 34")),
    ("subid", lambda c: c.server_list(subid="5806ab4970aba")),
    ("subid", lambda c: c.server_bandwidth(None)),
    ("region_id", lambda c: c.regions_availability("ewr")),
    ("os_id", lambda c: c.server_os_change("576965", "ubuntu")),
    ("snapshot_id", lambda c: c.snapshot_destroy("")),
    ("backup_id", lambda c: c.server_restore_backup("576965", "has space")),
    ("sshkey_id", lambda c: c.sshkey_destroy(None)),
    ("script_id", lambda c: c.startupscript_destroy("five")),
    # Filters: v1 takes only one at a time (reference §4).
    ("server_list", lambda c: c.server_list(tag="Web", label="web1")),
    ("main_ip", lambda c: c.server_list(main_ip="not-an-ip")),
    ("tag", lambda c: c.server_list(tag="")),
    # Text.
    ("label", lambda c: c.server_label_set("576965", "")),
    ("label", lambda c: c.server_label_set("576965", "   ")),
    ("description", lambda c: c.snapshot_create("576965", description="")),
    ("name", lambda c: c.sshkey_create("", ED25519_KEY)),
    ("name", lambda c: c.startupscript_create("", "#!/bin/sh")),
    ("script", lambda c: c.startupscript_create("x", "")),
    ("type", lambda c: c.startupscript_create("x", "#!/bin/sh", type="cron")),
    ("name", lambda c: c.sshkey_update("541b4960f23bd")),
    ("name", lambda c: c.startupscript_update("5")),
    # Addresses and reverse DNS.
    ("ip", lambda c: c.server_reverse_set_ipv4("576965", "2001:db8::1", "host.example.com")),
    ("ip", lambda c: c.server_reverse_set_ipv4("576965", "300.1.1.1", "host.example.com")),
    ("entry", lambda c: c.server_reverse_set_ipv4("576965", "10.0.0.1", "")),
    ("entry", lambda c: c.server_reverse_set_ipv4("576965", "10.0.0.1", "bad host")),
    ("entry", lambda c: c.server_reverse_set_ipv6("576965", "2001:db8::1", "-x.example.com")),
    ("ip", lambda c: c.server_reverse_set_ipv6("576965", "10.0.0.1", "host.example.com")),
    ("ip", lambda c: c.server_reverse_delete_ipv6("576965", "")),
    ("ip", lambda c: c.server_reverse_default_ipv4("576965", "::1")),
    ("ip", lambda c: c.server_destroy_ipv4("576965", "123.123.123")),
    ("hostname", lambda c: c.server_reinstall("576965", hostname="under score!")),
    ("reboot", lambda c: c.server_create_ipv4("576965", reboot="no")),
    # SSH keys must be one public key line.
    ("ssh_key", lambda c: c.sshkey_create("k", "")),
    ("ssh_key", lambda c: c.sshkey_create("k", "ssh-rsa AA... test@example.com")),
    ("ssh_key", lambda c: c.sshkey_create("k", "-----BEGIN OPENSSH PRIVATE KEY-----")),
    ("ssh_key", lambda c: c.sshkey_create("k", ED25519_KEY + "\n" + ED25519_KEY)),
    ("ssh_key", lambda c: c.sshkey_create("k", ED25519_KEY[:-8])),
    ("ssh_key", lambda c: c.sshkey_create("k", ED25519_KEY.replace("ssh-ed25519", "ssh-rsa"))),
    ("ssh_key", lambda c: c.sshkey_update("541b4960f23bd", ssh_key="not a key")),
    # server/create (reference §7).
    ("region_id", create(region_id="ewr")),
    ("plan_id", create(plan_id="vc2-1c-1gb")),
    ("os_id", create(os_id=None)),
    ("label", create(label="")),
    ("hostname", create(hostname="bad_host name")),
    ("ssh_key_ids", create(ssh_key_ids="541b4960f23bd")),
    ("ssh_key_ids", create(ssh_key_ids=["541b4960f23bd", ""])),
    ("network_ids", create(network_ids="net539626f0798d7")),
    ("enable_ipv6", create(enable_ipv6="yes")),
    ("notify_activate", create(notify_activate=None)),
    ("reserved_ip_v4", create(reserved_ip_v4="2001:db8::1")),
    ("ipxe_chain_url", create(os_id="159", ipxe_chain_url="ftp://x/chain")),
    ("userdata", create(userdata=123)),
    ("iso_id", create(os_id="164", snapshot_id="544e52f31c706", iso_id="24")),
    ("ipxe_chain_url", create(os_id="159", iso_id="24", ipxe_chain_url="https://x/c")),
    ("snapshot_id", create(snapshot_id="544e52f31c706")),
    ("snapshot_id", create(os_id="164")),
    ("iso_id", create(iso_id="24")),
    ("ipxe_chain_url", create(ipxe_chain_url="https://boot.example.com/chain")),
    ("app_id", create(app_id="1")),
    ("app_id", create(os_id="186")),
    ("script_id", create(os_id="159", iso_id="24", script_id="5")),
    ("iso_id", create(os_id="159", iso_id="CentOS.iso")),
    ("enable_private_network", create(enable_private_network=True, network_ids=["net1"])),
]


@pytest.mark.parametrize(("parameter", "call"), INVALID)
def test_invalid_parameter_is_refused_before_any_request(api, client, parameter, call):
    with pytest.raises(InvalidParameterError) as caught:
        call(client)

    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(f"{parameter}: ")
    assert len(api.calls) == 0


@pytest.mark.parametrize("ssh_key", [RSA_KEY, ED25519_KEY, ED25519_KEY + " me@laptop\n"])
def test_real_public_keys_are_accepted(api, client, ssh_key):
    api.post("https://api.vultr.com/v1/sshkey/create", json={"SSHKEYID": "541b4960f23bd"})

    assert client.sshkey_create("k", ssh_key) == "541b4960f23bd"


def test_ids_may_be_given_as_ints(api, client):
    api.post("https://api.vultr.com/v1/server/halt", body="")

    client.server_halt(576965)

    assert api.calls[0].request.body == "SUBID=576965"


@pytest.mark.parametrize("max_retries", [-1, 1.5, True])
def test_client_settings_are_checked(max_retries):
    with pytest.raises(InvalidParameterError, match="max_retries"):
        VultrClient(KEY, max_retries=max_retries)


def test_base_url_must_be_http():
    with pytest.raises(InvalidParameterError, match="base_url"):
        VultrClient(KEY, base_url="api.vultr.com")
