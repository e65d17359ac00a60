"""Every VultrClient method against canned v1 answers (`responses`), checking both what is sent
and what comes back.

Payloads are real recorded v1 answers where they exist (libcloud 3.9.1's fixtures, reference
§10), otherwise the seed's documented examples verbatim, plus the quirks of reference §4.
"""

from __future__ import annotations

import base64
import importlib.resources
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from panel.vultr import (
    Account,
    Backup,
    Bandwidth,
    BandwidthDay,
    ImageStatus,
    InvalidParameterError,
    IpType,
    Ipv4,
    Ipv6,
    Ipv6Network,
    Iso,
    OsChangeOption,
    PowerStatus,
    ReverseDns,
    ScriptType,
    ServerState,
    ServerStatus,
    SshKey,
    StartupScript,
    UnexpectedResponseError,
    VultrClient,
)

KEY = "TESTKEY0123456789ABCDEFGHIJKLMNOPQRS"
BASE = "https://api.vultr.com/v1/"
LIBCLOUD = importlib.resources.files("libcloud") / "test/compute/fixtures/vultr"
# A real public key, so that the client's authorized_keys check accepts it.
ED25519_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB26pKE1H+CWhdXzeqBOwCcyUUhKVgIrU3xWC0ra9GxJ me"

# v1 answers an action with an empty 200 whose content type is text/html (reference §1).
EMPTY_OK = {"body": "", "content_type": "text/html; charset=UTF-8"}


def recorded(name: str) -> str:
    return (LIBCLOUD / name).read_text()


@pytest.fixture
def client():
    return VultrClient(KEY, sleep=lambda seconds: None)


def sent(api: responses.RequestsMock, method: str):
    """The one request made; checks the key went in the header and nowhere else."""
    assert len(api.calls) == 1
    request = api.calls[0].request
    assert request.method == method
    assert request.headers["API-Key"] == KEY
    assert KEY not in request.url
    assert "api_key" not in request.url
    if method == "POST":
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert KEY not in request.body
    return request


def query(api: responses.RequestsMock) -> dict[str, list[str]]:
    request = sent(api, "GET")
    return parse_qs(urlsplit(request.url).query, keep_blank_values=True)


def form(api: responses.RequestsMock) -> dict[str, list[str]]:
    request = sent(api, "POST")
    assert urlsplit(request.url).query == ""
    return parse_qs(request.body, keep_blank_values=True)


# -- account and catalogue ------------------------------------------------------------------------


def test_account_info_parses_money_and_dates(api, client):
    api.get(
        BASE + "account/info",
        json={
            "balance": "-5519.11",
            "pending_charges": "57.03",
            "last_payment_date": "2014-07-18 15:31:01",
            "last_payment_amount": "-1.00",
        },
    )

    assert client.account_info() == Account(
        balance=Decimal("-5519.11"),
        pending_charges=Decimal("57.03"),
        last_payment_date=datetime(2014, 7, 18, 15, 31, 1, tzinfo=UTC),
        last_payment_amount=Decimal("-1.00"),
    )
    assert query(api) == {}


def test_account_info_accepts_empty_list_for_empty_object(api, client):
    # govultr's tests answer account/info with `[]` (reference §4).
    api.get(BASE + "account/info", json=[])

    account = client.account_info()

    assert account.balance == Decimal(0)
    assert account.last_payment_date is None


def test_os_list_parses_recorded_answer_sorted_by_id(api, client):
    api.get(BASE + "os/list", body=recorded("list_images.json"))

    systems = client.os_list()

    assert len(systems) == 26
    ids = [int(s.id) for s in systems]
    assert ids == sorted(ids)
    centos = next(s for s in systems if s.id == "127")
    assert (centos.name, centos.arch, centos.family, centos.windows) == (
        "CentOS 6 x64",
        "x64",
        "centos",
        False,
    )
    assert {"159", "164", "180", "186"} <= {s.id for s in systems}
    sent(api, "GET")


def test_os_list_accepts_osid_as_string(api, client):
    # The docs example has "127" where the 2020 capture has 127 (reference §4).
    api.get(
        BASE + "os/list",
        json={
            "127": {
                "OSID": "127",
                "name": "CentOS 6 x64",
                "arch": "x64",
                "family": "centos",
                "windows": False,
            },
            "148": {
                "OSID": "148",
                "name": "Ubuntu 12.04 i386",
                "arch": "i386",
                "family": "ubuntu",
                "windows": False,
            },
        },
    )

    assert [s.id for s in client.os_list()] == ["127", "148"]


def test_iso_list(api, client):
    api.get(
        BASE + "iso/list",
        json={
            "24": {
                "ISOID": 24,
                "date_created": "2014-04-01 14:10:09",
                "filename": "CentOS-6.5-x86_64-minimal.iso",
                "size": 9342976,
                "md5sum": "ec0669895a250f803e1709d0402fc411",
            }
        },
    )

    assert client.iso_list() == [
        Iso(
            id="24",
            filename="CentOS-6.5-x86_64-minimal.iso",
            size_bytes=9342976,
            date_created=datetime(2014, 4, 1, 14, 10, 9, tzinfo=UTC),
            md5sum="ec0669895a250f803e1709d0402fc411",
            sha512sum=None,
            status=None,
        )
    ]
    sent(api, "GET")


def test_plans_list_parses_recorded_answer(api, client):
    api.get(BASE + "plans/list", body=recorded("list_sizes.json"))

    plans = {p.id: p for p in client.plans_list()}

    assert len(plans) == 19
    plan = plans["201"]
    assert plan.name == "1024 MB RAM,25 GB SSD,1.00 TB BW"
    assert (plan.vcpu_count, plan.ram_mb, plan.disk_gb) == (1, 1024, 25)
    assert plan.bandwidth_tb == Decimal("1.00")
    assert plan.price_per_month == Decimal("5.00")
    assert plan.plan_type == "SSD"
    assert plan.available_locations[:3] == ("1", "2", "3")
    assert all(isinstance(p.available_locations, tuple) for p in plans.values())


def test_plans_list_tolerates_seed_example_and_deprecated_flag(api, client):
    api.get(
        BASE + "plans/list",
        json={
            "1": {
                "VPSPLANID": "1",
                "name": "Starter",
                "vcpu_count": "1",
                "ram": "512",
                "disk": "20",
                "bandwidth": "1",
                "price_per_month": "5.00",
                "windows": False,
                "deprecated": True,
            }
        },
    )

    (plan,) = client.plans_list()

    assert plan.available_locations == ()
    assert plan.deprecated is True
    assert plan.ram_mb == 512


def test_regions_list_parses_recorded_answer(api, client):
    api.get(BASE + "regions/list", body=recorded("list_locations.json"))

    regions = {r.id: r for r in client.regions_list()}

    assert len(regions) == 17
    chicago = regions["2"]
    assert (chicago.name, chicago.country, chicago.continent) == (
        "Chicago",
        "US",
        "North America",
    )
    assert (chicago.state, chicago.code) == ("IL", "ORD")
    assert chicago.ddos_protection is True and chicago.block_storage is False
    # Outside the US, state is "" (reference §5).
    assert any(r.state is None for r in regions.values())


def test_regions_availability_returns_plan_ids_as_sorted_strings(api, client):
    api.get(BASE + "regions/availability", json=[40, 11, 45, 29, 41, 61])

    assert client.regions_availability("1") == ["11", "29", "40", "41", "45", "61"]
    assert query(api) == {"DCID": ["1"]}


# -- servers --------------------------------------------------------------------------------------


def test_server_list_parses_recorded_answer_with_its_quirks(api, client):
    api.get(BASE + "server/list", body=recorded("list_nodes.json"))

    servers = client.server_list()

    assert [s.id for s in servers] == ["41306569", "41326859", "41326895"]
    installing, locked, pending = servers
    assert installing.current_bandwidth_gb == 0.026
    assert installing.tag == "Web"
    assert installing.tags == ("Web",)
    assert installing.hostname is None  # v1 does not report it
    assert installing.server_state is ServerState.INSTALLINGBOOTING
    assert locked.tag == "" and locked.tags == ()  # "" means no tag
    assert locked.v6_networks == (
        Ipv6Network(
            main_ip="2001:19f0:6801:1cc8:5400:03ff:fe03:5478",
            network="2001:19f0:6801:1cc8::",
            network_size=64,
        ),
    )
    assert locked.date_created == datetime(2020, 10, 15, 3, 17, 22, tzinfo=UTC)
    assert locked.pending_charges == Decimal("0.04")
    assert locked.cost_per_month == Decimal("5.00")
    assert (locked.ram_mb, locked.disk_gb, locked.vcpu_count) == (1024, 25, 1)
    assert locked.allowed_bandwidth_gb == 1000
    assert locked.auto_backups is True
    # v2's `features`, derived from v1's fields so both versions can be read alike.
    assert locked.features == ("auto_backups", "ipv6")
    assert locked.app_id is None and locked.firewall_group_id is None  # "0" means none
    # The pending server: v6_main_ip is `false`, internal_ip and kvm_url are "" (§4).
    assert pending.status is ServerStatus.PENDING
    assert pending.power_status is PowerStatus.RUNNING
    assert pending.server_state is ServerState.NONE
    assert pending.v6_main_ip is None and pending.v6_networks == ()
    assert pending.internal_ip is None
    assert pending.kvm_url is None
    assert pending.auto_backups is False
    assert pending.features == ()
    assert pending.firewall_group_id == "4e83489b"
    assert pending.ram_mb == 2048 and pending.disk_gb == 55
    assert query(api) == {}


def test_server_list_accepts_seed_example_with_old_single_ipv6_fields(api, client):
    # The docs example predates server_state and v6_networks.
    api.get(
        BASE + "server/list",
        body=(
            '{ "576965": { "SUBID": "576965", "os": "CentOS 6 x64", "ram": "4096 MB", '
            '"disk": "Virtual 60 GB", "main_ip": "123.123.123.123", "vcpu_count": "2", '
            '"location": "New Jersey", "DCID": "1", "default_password": "nreqnusibni", '
            '"date_created": "2013-12-19 14:45:41", "pending_charges": "46.67", '
            '"status": "active", "cost_per_month": "10.05", "current_bandwidth_gb": 131.512, '
            '"allowed_bandwidth_gb": "1000", "netmask_v4": "255.255.255.248", '
            '"gateway_v4": "123.123.123.1", "power_status": "running", "VPSPLANID": "28", '
            '"v6_network": "2001:DB8:1000::", "v6_main_ip": "2001:DB8:1000::100", '
            '"v6_network_size": "64", "label": "my new server", "internal_ip": "10.99.0.10", '
            '"kvm_url": "https://my.vultr.com/subs/novnc/api.php?data=eawxFVZw2mXnhGUV", '
            '"auto_backups": "yes" } }'
        ),
    )

    (server,) = client.server_list()

    assert server.server_state is ServerState.UNKNOWN
    assert server.v6_networks == (
        Ipv6Network(main_ip="2001:DB8:1000::100", network="2001:DB8:1000::", network_size=64),
    )
    assert server.current_bandwidth_gb == 131.512
    assert server.tag == ""
    assert server.default_password == "nreqnusibni"


def test_server_without_address_yet_has_none(api, client):
    node = json.loads(recorded("list_nodes.json"))["41326895"]
    node.update(main_ip="0.0.0.0", gateway_v4="0.0.0.0", netmask_v4="")
    api.get(BASE + "server/list", json={"41326895": node})

    (server,) = client.server_list()

    assert (server.main_ip, server.gateway_v4, server.netmask_v4) == (None, None, None)
    assert not server.is_ready


def test_server_list_empty_is_a_list(api, client):
    api.get(BASE + "server/list", json=[])

    assert client.server_list() == []


def test_server_list_by_subid_normalises_single_object(api, client):
    node = json.loads(recorded("list_nodes.json"))["41326895"]
    node["v2_id"] = "9d6a9d1c-1f2b-4b47-a9b2-000000000000"  # late v1 addition, ignored
    api.get(BASE + "server/list", json=node)

    servers = client.server_list(subid="41326895")

    assert [s.id for s in servers] == ["41326895"]
    assert query(api) == {"SUBID": ["41326895"]}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"tag": "Web"}, {"tag": ["Web"]}),
        ({"label": "my server"}, {"label": ["my server"]}),
        ({"main_ip": "45.76.43.87"}, {"main_ip": ["45.76.43.87"]}),
    ],
)
def test_server_list_sends_one_filter(api, client, kwargs, expected):
    api.get(BASE + "server/list", json=[])

    client.server_list(**kwargs)

    assert query(api) == expected


def test_server_get_returns_the_server(api, client):
    api.get(BASE + "server/list", json=json.loads(recorded("list_nodes.json"))["41306569"])

    server = client.server_get("41306569")

    assert server.label == "libcloud-label"
    assert query(api) == {"SUBID": ["41306569"]}


def test_server_get_without_server_in_answer_is_unexpected(api, client):
    api.get(BASE + "server/list", json=[])

    with pytest.raises(UnexpectedResponseError):
        client.server_get("1")


def test_server_secrets_stay_out_of_repr(api, client):
    api.get(BASE + "server/list", body=recorded("list_nodes.json"))

    text = repr(client.server_list())

    assert "*7j6j6[#q" not in text
    assert "novnc" not in text


def test_server_bandwidth_merges_days(api, client):
    api.get(
        BASE + "server/bandwidth",
        json={
            "incoming_bytes": [
                ["2014-06-10", "81072581"],
                ["2014-06-11", "222387466"],
                ["2014-06-12", "216885232"],
                ["2014-06-13", "117262318"],
            ],
            "outgoing_bytes": [
                ["2014-06-10", "4059610"],
                ["2014-06-11", "13432380"],
                ["2014-06-12", "2455005"],
                ["2014-06-13", "1106963"],
            ],
        },
    )

    bandwidth = client.server_bandwidth("576965")

    assert bandwidth.days[0] == BandwidthDay(
        day=date(2014, 6, 10), incoming_bytes=81072581, outgoing_bytes=4059610
    )
    assert [d.day.day for d in bandwidth.days] == [10, 11, 12, 13]
    assert bandwidth.incoming_bytes == 81072581 + 222387466 + 216885232 + 117262318
    assert bandwidth.outgoing_bytes == 4059610 + 13432380 + 2455005 + 1106963
    assert query(api) == {"SUBID": ["576965"]}


def test_server_bandwidth_empty(api, client):
    api.get(BASE + "server/bandwidth", json=[])

    assert client.server_bandwidth("576965") == Bandwidth(days=())


def test_server_list_ipv4(api, client):
    api.get(
        BASE + "server/list_ipv4",
        json={
            "576965": [
                {
                    "ip": "123.123.123.123",
                    "netmask": "255.255.255.248",
                    "gateway": "123.123.123.1",
                    "type": "main_ip",
                    "reverse": "123.123.123.123.example.com",
                },
                {
                    "ip": "123.123.123.124",
                    "netmask": "255.255.255.248",
                    "gateway": "123.123.123.1",
                    "type": "secondary_ip",
                    "reverse": "123.123.123.124.example.com",
                },
                {
                    "ip": "10.99.0.10",
                    "netmask": "255.255.0.0",
                    "gateway": "",
                    "type": "private",
                    "reverse": "",
                },
            ]
        },
    )

    addresses = client.server_list_ipv4("576965")

    assert [a.type for a in addresses] == [IpType.MAIN, IpType.SECONDARY, IpType.PRIVATE]
    assert addresses[2] == Ipv4(
        ip="10.99.0.10", netmask="255.255.0.0", gateway=None, type=IpType.PRIVATE, reverse=None
    )
    assert query(api) == {"SUBID": ["576965"]}


def test_server_list_ipv6(api, client):
    api.get(
        BASE + "server/list_ipv6",
        json={
            "576965": [
                {
                    "ip": "2001:DB8:1000::100",
                    "network": "2001:DB8:1000::",
                    "network_size": "64",
                    "type": "main_ip",
                }
            ]
        },
    )

    assert client.server_list_ipv6("576965") == [
        Ipv6(ip="2001:DB8:1000::100", network="2001:DB8:1000::", network_size=64, type=IpType.MAIN)
    ]
    assert query(api) == {"SUBID": ["576965"]}


@pytest.mark.parametrize("body", [[], {"576965": []}])
def test_ipv6_lists_are_empty_without_ipv6(api, client, body):
    api.get(BASE + "server/list_ipv6", json=body)
    api.get(BASE + "server/reverse_list_ipv6", json=body)

    assert client.server_list_ipv6("576965") == []
    assert client.server_reverse_list_ipv6("576965") == []


def test_server_reverse_list_ipv6(api, client):
    api.get(
        BASE + "server/reverse_list_ipv6",
        json={
            "576965": [
                {"ip": "2001:DB8:1000::101", "reverse": "host1.example.com"},
                {"ip": "2001:DB8:1000::102", "reverse": "host2.example.com"},
            ]
        },
    )

    assert client.server_reverse_list_ipv6("576965") == [
        ReverseDns(ip="2001:DB8:1000::101", reverse="host1.example.com"),
        ReverseDns(ip="2001:DB8:1000::102", reverse="host2.example.com"),
    ]
    assert query(api) == {"SUBID": ["576965"]}


def test_server_os_change_list(api, client):
    api.get(
        BASE + "server/os_change_list",
        json={
            "148": {
                "OSID": "148",
                "name": "Ubuntu 12.04 i386",
                "arch": "i386",
                "family": "ubuntu",
                "windows": False,
                "surcharge": "0.00",
            },
            "127": {
                "OSID": "127",
                "name": "CentOS 6 x64",
                "arch": "x64",
                "family": "centos",
                "windows": False,
                "surcharge": "0.00",
            },
        },
    )

    options = client.server_os_change_list("576965")

    assert options[0] == OsChangeOption(
        id="127",
        name="CentOS 6 x64",
        arch="x64",
        family="centos",
        windows=False,
        surcharge=Decimal("0.00"),
    )
    assert [o.id for o in options] == ["127", "148"]
    assert query(api) == {"SUBID": ["576965"]}


# -- snapshots, backups, keys, scripts ------------------------------------------------------------


def test_snapshot_list(api, client):
    api.get(
        BASE + "snapshot/list",
        json={
            "5359435dc1df3": {
                "SNAPSHOTID": "5359435dc1df3",
                "date_created": "2014-04-22 16:11:46",
                "description": "",
                "size": "10000000",
                "status": "pending",
            },
            "5359435d28b9a": {
                "SNAPSHOTID": "5359435d28b9a",
                "date_created": "2014-04-18 12:40:40",
                "description": "Test snapshot",
                "size": "42949672960",
                "status": "complete",
                "OSID": "387",
                "APPID": "0",
                "v2_id": "5aa9b41e-1111-2222-3333-444444444444",
            },
        },
    )

    done, pending = client.snapshot_list()

    assert done.id == "5359435d28b9a"
    assert done.size_bytes == 42949672960
    assert done.status is ImageStatus.COMPLETE
    assert (done.os_id, done.app_id) == ("387", None)
    assert pending.status is ImageStatus.PENDING
    assert pending.description == ""
    sent(api, "GET")


def test_backup_list_with_filters(api, client):
    api.get(
        BASE + "backup/list",
        json={
            "543d34149403a": {
                "BACKUPID": "543d34149403a",
                "date_created": "2014-10-14 12:40:40",
                "description": "Automatic server backup",
                "size": "42949672960",
                "status": "complete",
            }
        },
    )

    backups = client.backup_list(subid="576965", backup_id="543d34149403a")

    assert backups == [
        Backup(
            id="543d34149403a",
            description="Automatic server backup",
            size_bytes=42949672960,
            status=ImageStatus.COMPLETE,
            date_created=datetime(2014, 10, 14, 12, 40, 40, tzinfo=UTC),
        )
    ]
    assert query(api) == {"SUBID": ["576965"], "BACKUPID": ["543d34149403a"]}


def test_backup_list_empty(api, client):
    api.get(BASE + "backup/list", json=[])

    assert client.backup_list() == []
    assert query(api) == {}


def test_sshkey_list_parses_recorded_answer(api, client):
    api.get(BASE + "sshkey/list", body=recorded("list_key_pairs.json"))

    (key,) = client.sshkey_list()

    assert key.id == "5806a8ef2a0c6"
    assert key.name == "test-key-pair"
    assert key.ssh_key.startswith("ssh-rsa AAAAB3NzaC1yc2E")
    assert key.date_created == datetime(2016, 10, 18, 18, 57, 51, tzinfo=UTC)


def test_sshkey_list_null_date(api, client):
    api.get(
        BASE + "sshkey/list",
        json={
            "541b4960f23bd": {
                "SSHKEYID": "541b4960f23bd",
                "date_created": None,
                "name": "test",
                "ssh_key": "ssh-rsa AA... test@example.com",
            }
        },
    )

    assert client.sshkey_list() == [
        SshKey(
            id="541b4960f23bd",
            name="test",
            ssh_key="ssh-rsa AA... test@example.com",
            date_created=None,
        )
    ]


def test_startupscript_list(api, client):
    api.get(
        BASE + "startupscript/list",
        json={
            "5": {
                "SCRIPTID": "5",
                "date_created": "2014-08-22 15:27:18",
                "date_modified": "2014-09-22 15:27:18",
                "name": "test ",
                "type": "pxe",
                "script": "#!ipxe\necho Hello World\nshell",
            },
            "3": {
                "SCRIPTID": "3",
                "date_created": "2014-05-21 15:27:18",
                "date_modified": "2014-05-21 15:27:18",
                "name": "test ",
                "type": "boot",
                "script": "#!/bin/bash echo Hello World > /root/hello",
            },
        },
    )

    boot, pxe = client.startupscript_list()

    assert boot == StartupScript(
        id="3",
        name="test ",
        type=ScriptType.BOOT,
        script="#!/bin/bash echo Hello World > /root/hello",
        date_created=datetime(2014, 5, 21, 15, 27, 18, tzinfo=UTC),
        date_modified=datetime(2014, 5, 21, 15, 27, 18, tzinfo=UTC),
    )
    assert pxe.type is ScriptType.PXE
    assert pxe.date_modified == datetime(2014, 9, 22, 15, 27, 18, tzinfo=UTC)


# -- creates --------------------------------------------------------------------------------------


def test_server_create_minimal(api, client):
    api.post(BASE + "server/create", body=recorded("create_node.json"))

    assert client.server_create("1", "201", "387") == "41326859"
    assert form(api) == {
        "DCID": ["1"],
        "VPSPLANID": ["201"],
        "OSID": ["387"],
        "enable_ipv6": ["no"],
        "enable_private_network": ["no"],
        "auto_backups": ["no"],
        "ddos_protection": ["no"],
        "notify_activate": ["yes"],
    }


def test_server_create_with_every_option(api, client):
    api.post(BASE + "server/create", json={"SUBID": "1312965"})

    subid = client.server_create(
        1,
        201,
        387,
        label="web 1",
        hostname="web1.example.com",
        tag="Web",
        ssh_key_ids=["541b4960f23bd", "5806ab4970aba"],
        script_id="5",
        userdata="#cloud-config\npackages: [nginx]\n",
        enable_ipv6=True,
        network_ids=["net539626f0798d7", "net539626f0798d8"],
        auto_backups=True,
        ddos_protection=True,
        notify_activate=False,
        firewall_group_id="4e83489b",
        reserved_ip_v4="45.76.43.87",
    )

    assert subid == "1312965"
    assert form(api) == {
        "DCID": ["1"],
        "VPSPLANID": ["201"],
        "OSID": ["387"],
        "label": ["web 1"],
        "hostname": ["web1.example.com"],
        "tag": ["Web"],
        "SSHKEYID": ["541b4960f23bd,5806ab4970aba"],
        "SCRIPTID": ["5"],
        "userdata": [base64.b64encode(b"#cloud-config\npackages: [nginx]\n").decode()],
        "enable_ipv6": ["yes"],
        "enable_private_network": ["no"],
        "NETWORKID[]": ["net539626f0798d7", "net539626f0798d8"],
        "auto_backups": ["yes"],
        "ddos_protection": ["yes"],
        "notify_activate": ["no"],
        "FIREWALLGROUPID": ["4e83489b"],
        "reserved_ip_v4": ["45.76.43.87"],
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"tags": ["Web"]}, ["Web"]),
        ({"tag": "Web", "tags": ["Web"]}, ["Web"]),
    ],
)
def test_server_create_v2_style_tags_give_v1_its_one_tag(api, client, kwargs, expected):
    api.post(BASE + "server/create", json={"SUBID": "1312965"})

    client.server_create("1", "201", "387", **kwargs)

    assert form(api)["tag"] == expected


@pytest.mark.parametrize(
    "kwargs", [{"tags": ["web", "db"]}, {"tag": "web", "tags": ["db"]}, {"tags": "web"}]
)
def test_server_create_more_than_one_tag_is_refused_by_v1(api, client, kwargs):
    with pytest.raises(InvalidParameterError, match="tag"):
        client.server_create("1", "201", "387", **kwargs)

    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("os_id", "kwargs", "expected"),
    [
        ("164", {"snapshot_id": "544e52f31c706"}, {"SNAPSHOTID": ["544e52f31c706"]}),
        ("159", {"iso_id": "24"}, {"ISOID": ["24"]}),
        (
            "159",
            {"ipxe_chain_url": "https://boot.example.com/chain.ipxe"},
            {"ipxe_chain_url": ["https://boot.example.com/chain.ipxe"]},
        ),
        ("186", {"app_id": "1"}, {"APPID": ["1"]}),
        ("159", {"enable_private_network": True}, {"enable_private_network": ["yes"]}),
    ],
)
def test_server_create_image_sources(api, client, os_id, kwargs, expected):
    api.post(BASE + "server/create", json={"SUBID": "1312965"})

    client.server_create("1", "201", os_id, **kwargs)

    body = form(api)
    assert body["OSID"] == [os_id]
    assert {name: body[name] for name in expected} == expected


def test_snapshot_create_returns_id_and_ignores_v2_id(api, client):
    api.post(
        BASE + "snapshot/create",
        json={"SNAPSHOTID": "544e52f31c706", "v2_id": "5aa9b41e-1111-2222-3333-444444444444"},
    )

    assert client.snapshot_create("1312965", description="before upgrade") == "544e52f31c706"
    assert form(api) == {"SUBID": ["1312965"], "description": ["before upgrade"]}


def test_snapshot_create_without_description(api, client):
    api.post(BASE + "snapshot/create", json={"SNAPSHOTID": "544e52f31c706"})

    client.snapshot_create("1312965")

    assert form(api) == {"SUBID": ["1312965"]}


def test_sshkey_create_parses_recorded_answer(api, client):
    api.post(BASE + "sshkey/create", body=recorded("create_key_pair.json"))

    assert client.sshkey_create("laptop", ED25519_KEY) == "5806ab4970aba"
    assert form(api) == {"name": ["laptop"], "ssh_key": [ED25519_KEY]}


def test_startupscript_create_turns_numeric_id_into_string(api, client):
    # SCRIPTID is a number here, a string in startupscript/list (reference §4).
    api.post(BASE + "startupscript/create", json={"SCRIPTID": 5})

    script_id = client.startupscript_create("hello", "#!/bin/bash\necho hello > /root/hello")

    assert script_id == "5"
    assert form(api) == {
        "name": ["hello"],
        "script": ["#!/bin/bash\necho hello > /root/hello"],
        "type": ["boot"],
    }


def test_startupscript_create_pxe(api, client):
    api.post(BASE + "startupscript/create", json={"SCRIPTID": 6})

    client.startupscript_create("chain", "#!ipxe\nshell", type="pxe")

    assert form(api)["type"] == ["pxe"]


# -- actions (empty 200 answers) ------------------------------------------------------------------

V4 = "123.123.123.124"
V6 = "2001:DB8:1000::101"

ACTIONS = [
    (lambda c: c.server_destroy("576965"), "server/destroy", {"SUBID": ["576965"]}),
    (lambda c: c.server_start("576965"), "server/start", {"SUBID": ["576965"]}),
    (lambda c: c.server_halt("576965"), "server/halt", {"SUBID": ["576965"]}),
    (lambda c: c.server_reboot("576965"), "server/reboot", {"SUBID": ["576965"]}),
    (lambda c: c.server_reinstall("576965"), "server/reinstall", {"SUBID": ["576965"]}),
    (
        lambda c: c.server_reinstall("576965", hostname="web1"),
        "server/reinstall",
        {"SUBID": ["576965"], "hostname": ["web1"]},
    ),
    (
        lambda c: c.server_label_set("576965", "my new server"),
        "server/label_set",
        {"SUBID": ["576965"], "label": ["my new server"]},
    ),
    (
        lambda c: c.server_destroy_ipv4("576965", V4),
        "server/destroy_ipv4",
        {"SUBID": ["576965"], "ip": [V4]},
    ),
    (
        lambda c: c.server_os_change("576965", "127"),
        "server/os_change",
        {"SUBID": ["576965"], "OSID": ["127"]},
    ),
    (
        lambda c: c.server_restore_backup("576965", "543d34149403a"),
        "server/restore_backup",
        {"SUBID": ["576965"], "BACKUPID": ["543d34149403a"]},
    ),
    (
        lambda c: c.server_restore_snapshot("576965", "5359435d28b9a"),
        "server/restore_snapshot",
        {"SUBID": ["576965"], "SNAPSHOTID": ["5359435d28b9a"]},
    ),
    (
        lambda c: c.server_reverse_default_ipv4("576965", V4),
        "server/reverse_default_ipv4",
        {"SUBID": ["576965"], "ip": [V4]},
    ),
    (
        lambda c: c.server_reverse_set_ipv4("576965", V4, "host.example.com"),
        "server/reverse_set_ipv4",
        {"SUBID": ["576965"], "ip": [V4], "entry": ["host.example.com"]},
    ),
    (
        lambda c: c.server_reverse_set_ipv6("576965", V6, "host1.example.com"),
        "server/reverse_set_ipv6",
        {"SUBID": ["576965"], "ip": [V6], "entry": ["host1.example.com"]},
    ),
    (
        lambda c: c.server_reverse_delete_ipv6("576965", V6),
        "server/reverse_delete_ipv6",
        {"SUBID": ["576965"], "ip": [V6]},
    ),
    (
        lambda c: c.snapshot_destroy("5359435d28b9a"),
        "snapshot/destroy",
        {"SNAPSHOTID": ["5359435d28b9a"]},
    ),
    (
        lambda c: c.sshkey_update("541b4960f23bd", name="new key name"),
        "sshkey/update",
        {"SSHKEYID": ["541b4960f23bd"], "name": ["new key name"]},
    ),
    (
        lambda c: c.sshkey_update("541b4960f23bd", ssh_key=ED25519_KEY),
        "sshkey/update",
        {"SSHKEYID": ["541b4960f23bd"], "ssh_key": [ED25519_KEY]},
    ),
    (
        lambda c: c.sshkey_destroy("541b4960f23bd"),
        "sshkey/destroy",
        {"SSHKEYID": ["541b4960f23bd"]},
    ),
    (
        lambda c: c.startupscript_update("5", name="renamed", script="#!/bin/sh\ntrue"),
        "startupscript/update",
        {"SCRIPTID": ["5"], "name": ["renamed"], "script": ["#!/bin/sh\ntrue"]},
    ),
    (lambda c: c.startupscript_destroy("5"), "startupscript/destroy", {"SCRIPTID": ["5"]}),
]


@pytest.mark.parametrize(("call", "action", "expected"), ACTIONS, ids=[a[1] for a in ACTIONS])
def test_action_posts_form_and_accepts_empty_answer(api, client, call, action, expected):
    api.post(BASE + action, **EMPTY_OK)

    assert call(client) is None
    assert form(api) == expected


@pytest.mark.parametrize(("reboot", "sent_value"), [(True, "yes"), (False, "no")])
def test_server_create_ipv4_sends_reboot_flag(api, client, reboot, sent_value):
    api.post(BASE + "server/create_ipv4", **EMPTY_OK)

    assert client.server_create_ipv4("576965", reboot=reboot) is None
    assert form(api) == {"SUBID": ["576965"], "reboot": [sent_value]}


def test_server_create_ipv4_returns_address_when_given(api, client):
    # govultr expects {"ipv4": ...} (reference §5).
    api.post(BASE + "server/create_ipv4", json={"ipv4": "123.123.123.125"})

    assert client.server_create_ipv4("576965") == "123.123.123.125"


# -- raw escape hatch -----------------------------------------------------------------------------


def test_raw_get_returns_errors_without_raising(api, client):
    api.get(BASE + "server/list", body="Invalid server.", status=412)

    response = client.get("server/list", SUBID="1")

    assert (response.status, response.body_text) == (412, "Invalid server.")
    assert query(api) == {"SUBID": ["1"]}


def test_raw_post_sends_form_and_parses_json(api, client):
    api.post(BASE + "sshkey/create", json={"SSHKEYID": "541b4960f23bd"})

    response = client.post("sshkey/create", name="k", ssh_key="whatever")

    assert response.status == 200
    assert response.json() == {"SSHKEYID": "541b4960f23bd"}
    assert response.headers["content-type"] == "application/json"
    assert form(api) == {"name": ["k"], "ssh_key": ["whatever"]}


def test_raw_absolute_path_is_used_as_is(api, client):
    api.get("https://api.vultr.com/v2/account", json={"account": {}})

    assert client.get("/v2/account").status == 200


def test_raw_refuses_key_in_parameters(api, client):
    with pytest.raises(InvalidParameterError) as caught:
        client.get("account/info", api_key=KEY)

    assert caught.value.parameter == "api_key"
    assert KEY not in str(caught.value)
    assert len(api.calls) == 0


# -- the client object ----------------------------------------------------------------------------


def test_custom_base_url_and_repr(api):
    api.get("http://127.0.0.1:8080/v1/account/info", json=[])
    client = VultrClient(KEY, base_url="http://127.0.0.1:8080/")

    client.account_info()

    assert repr(client) == "VultrClient(base_url='http://127.0.0.1:8080', api_version='v1')"


def test_one_session_for_all_requests(api):
    api.get(BASE + "account/info", json=[])
    api.get(BASE + "os/list", json=[])
    session = requests.Session()
    with VultrClient(KEY, session=session) as client:
        client.account_info()
        client.os_list()
    # A session passed in belongs to the caller and stays open; it carries no key.
    assert "API-Key" not in session.headers
    assert len(api.calls) == 2


def test_timeout_is_sent_with_every_request(api):
    api.get(BASE + "account/info", json=[])
    client = VultrClient(KEY, timeout=(1.5, 7.0))

    client.account_info()

    assert api.calls[0].request.req_kwargs["timeout"] == (1.5, 7.0)
