"""IPv4, IPv6, private networking and reverse DNS of servers (reference §5)."""

import ipaddress


def state(account, subid):
    found = account.server(subid)
    return found["status"], found["power_status"], found["server_state"]


def ipv4s(account, subid, **params):
    answer = account.get("server/list_ipv4", SUBID=subid, **params).json()
    assert list(answer) == [subid]
    return answer[subid]


def test_it_adds_a_secondary_ipv4_and_reboots_unless_told_not_to(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()

    assert account.post("server/create_ipv4", SUBID=subid).status_code == 200
    assert state(account, subid)[2] == "installingbooting"
    account.sim.advance(15)
    assert account.post("server/create_ipv4", SUBID=subid, reboot="no").status_code == 200
    assert state(account, subid)[2] == "ok"

    listed = ipv4s(account, subid)
    assert [entry["type"] for entry in listed] == ["main_ip", "secondary_ip", "secondary_ip"]
    assert listed[0]["ip"] == account.server(subid)["main_ip"]
    assert len({entry["ip"] for entry in listed}) == 3
    for entry in listed:
        ipaddress.IPv4Address(entry["ip"])
        assert set(entry) == {"ip", "netmask", "gateway", "type", "reverse"}


def test_it_removes_only_secondary_ipv4s(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()
    account.post("server/create_ipv4", SUBID=subid, reboot="no")
    main, secondary = (entry["ip"] for entry in ipv4s(account, subid))

    refused = account.post("server/destroy_ipv4", SUBID=subid, ip=main)
    assert refused.status_code == 412
    unknown = account.post("server/destroy_ipv4", SUBID=subid, ip="192.0.2.1")
    assert unknown.status_code == 412

    assert account.post("server/destroy_ipv4", SUBID=subid, ip=secondary).status_code == 200
    assert [entry["ip"] for entry in ipv4s(account, subid)] == [main]
    assert state(account, subid)[2] == "installingbooting"  # "hard-restarted"


def test_it_lists_private_addresses_and_the_mac_on_request(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server(enable_private_network="yes")
    internal = account.server(subid)["internal_ip"]
    assert ipaddress.IPv4Address(internal).is_private

    listed = ipv4s(account, subid, public_network="yes")
    assert listed[0]["mac_address"].count(":") == 5
    assert listed[-1] == {
        "ip": internal,
        "netmask": "255.255.240.0",
        "gateway": "",
        "type": "private",
        "reverse": "",
    }
    assert "mac_address" not in ipv4s(account, subid)[0]


def test_it_shows_no_addresses_while_pending(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_server(enable_ipv6="yes")
    assert ipv4s(account, subid) == []
    assert account.get("server/list_ipv6", SUBID=subid).json() == {subid: []}


def test_it_sets_and_resets_ipv4_reverse_dns(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()
    main = ipv4s(account, subid)[0]
    assert main["reverse"].startswith(main["ip"])

    ok = account.post(
        "server/reverse_set_ipv4", SUBID=subid, ip=main["ip"], entry="web.example.com"
    )
    assert ok.status_code == 200
    assert ipv4s(account, subid)[0]["reverse"] == "web.example.com"

    bad = account.post("server/reverse_set_ipv4", SUBID=subid, ip=main["ip"], entry="not valid!")
    assert bad.status_code == 412
    foreign = account.post(
        "server/reverse_set_ipv4", SUBID=subid, ip="192.0.2.1", entry="web.example.com"
    )
    assert foreign.status_code == 412
    missing = account.post("server/reverse_set_ipv4", SUBID=subid, ip=main["ip"])
    assert missing.status_code == 412 and "entry" in missing.text

    assert account.post("server/reverse_default_ipv4", SUBID=subid, ip=main["ip"]).ok
    assert ipv4s(account, subid)[0]["reverse"] == main["reverse"]


def test_it_gives_ipv6_when_asked_and_false_otherwise(vultr_empty_account):
    account = vultr_empty_account
    with_v6 = account.create_active_server(enable_ipv6="yes")
    without = account.create_active_server()

    found = account.server(with_v6)
    network = ipaddress.IPv6Network(f"{found['v6_network']}/{found['v6_network_size']}")
    assert ipaddress.IPv6Address(found["v6_main_ip"]) in network
    assert found["v6_networks"] == [
        {
            "v6_main_ip": found["v6_main_ip"],
            "v6_network_size": "64",
            "v6_network": found["v6_network"],
        }
    ]
    assert account.get("server/list_ipv6", SUBID=with_v6).json() == {
        with_v6: [
            {
                "ip": found["v6_main_ip"],
                "network": found["v6_network"],
                "network_size": "64",
                "type": "main_ip",
            }
        ]
    }

    plain = account.server(without)
    assert plain["v6_main_ip"] is False
    assert account.get("server/list_ipv6", SUBID=without).json() == {without: []}
    assert account.get("server/reverse_list_ipv6", SUBID=without).json() == {without: []}


def test_it_sets_lists_and_deletes_ipv6_reverse_dns(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server(enable_ipv6="yes")
    network = ipaddress.IPv6Network(account.server(subid)["v6_network"] + "/64")
    host = str(network[0x101])

    ok = account.post("server/reverse_set_ipv6", SUBID=subid, ip=host, entry="h1.example.com")
    assert ok.status_code == 200
    listed = account.get("server/reverse_list_ipv6", SUBID=subid).json()
    assert listed == {subid: [{"ip": host, "reverse": "h1.example.com"}]}

    outside = account.post(
        "server/reverse_set_ipv6", SUBID=subid, ip="2001:db8::1", entry="h1.example.com"
    )
    assert outside.status_code == 412

    assert account.post("server/reverse_delete_ipv6", SUBID=subid, ip=host).status_code == 200
    assert account.get("server/reverse_list_ipv6", SUBID=subid).json() == {subid: []}


def test_it_refuses_ipv6_reverse_dns_without_ipv6(vultr_empty_account):
    account = vultr_empty_account
    subid = account.create_active_server()
    response = account.post(
        "server/reverse_set_ipv6", SUBID=subid, ip="2001:db8::1", entry="h.example.com"
    )
    assert response.status_code == 412
    assert "IPv6" in response.text
