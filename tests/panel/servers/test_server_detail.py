"""A server's tabs: full pages and HTMX fragments, what each shows, and which buttons whom."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

TABS = [
    "server_detail",
    "server_ipv4",
    "server_ipv6",
    "server_bandwidth",
    "server_images",
    "server_settings",
]


@pytest.fixture
def tab_url(server_url):
    """A tab of a server (conftest.server_url)."""
    return server_url


@pytest.mark.parametrize("tab", TABS)
def test_each_tab_is_a_page_and_a_fragment(members, login_as, tab_url, tab):
    client = login_as(members.owner)

    page = client.get(tab_url(tab)).content.decode()
    fragment = client.get(
        tab_url(tab), headers={"HX-Request": "true", "HX-Target": "tab-panel"}
    ).content.decode()

    assert "<html" in page and 'id="tab-panel"' in page
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<nav class="tabs"')
    assert 'aria-current="page"' in fragment


def test_the_overview_shows_every_field_with_units(members, login_as, tab_url, demo):
    # v2 gives a region code and a plan code, no city and no cost: the panel reads them from
    # the catalogue itself, with nothing else having read it first.
    server = demo.server("web-01")

    page = login_as(members.viewer).get(tab_url("server_detail")).content.decode()

    for text in [
        demo.id("web-01"),  # the SUBID for v1, the UUID for v2
        server["main_ip"],
        server["v6_main_ip"],
        server["internal_ip"],
        server["location"],
        server["os"],
        "1 GB RAM (1024 MB)",
        "25 GB disk",
        f"${server['cost_per_month']} per month",
        f"of {server['allowed_bandwidth_gb']} GB",
        "255.255.254.0",
    ]:
        assert text in page, text
    assert server["default_password"] not in page


def test_the_ipv4_tab_lists_addresses_with_reverse_dns(members, login_as, tab_url, demo):
    secondary = demo.add_secondary_ip("web-01")

    page = login_as(members.operator).get(tab_url("server_ipv4")).content.decode()

    assert demo.server("web-01")["main_ip"] in page and secondary in page
    assert "secondary" in page
    assert page.count("Remove…") == 1  # only the secondary address can go
    assert "Add an IPv4 address" in page


def test_the_ipv6_tab_lists_addresses_and_reverse_entries(members, login_as, tab_url, demo):
    v6 = demo.server("web-01")["v6_main_ip"]
    demo.vultr.post(
        "server/reverse_set_ipv6", SUBID=demo.v1_id("web-01"), ip=v6, entry="six.example.com"
    )

    page = login_as(members.operator).get(tab_url("server_ipv6")).content.decode()

    assert "six.example.com" in page
    assert "Set reverse DNS" in page
    assert "Delete" in page


def test_the_ipv6_tab_says_when_ipv6_is_off(members, login_as, tab_url):
    page = login_as(members.operator).get(tab_url("server_ipv6", "web-02")).content.decode()

    assert "IPv6 is off for this server." in page
    assert "Set reverse DNS" not in page


def test_the_bandwidth_tab_draws_incoming_and_outgoing_bars(members, login_as, tab_url):
    page = login_as(members.viewer).get(tab_url("server_bandwidth")).content.decode()

    assert '<svg class="chart"' in page
    # One pair of bars per day since the server was created, at most the last 30 days.
    bars = page.count('class="bar-in"')
    assert 1 <= bars <= 30
    assert page.count('class="bar-out"') == bars
    assert "incoming" in page and "outgoing" in page
    assert " GB" in page or " MB" in page
    assert "style=" not in page


def test_the_images_tab_lists_snapshots_and_this_servers_backups(members, login_as, tab_url, demo):
    page = login_as(members.owner).get(tab_url("server_images", "db-01")).content.decode()

    assert "db-01 nightly" in page and "before upgrade to 20.04" in page
    for backup_id in demo.backup_ids("db-01"):
        assert backup_id in page
    assert "Take a snapshot" in page
    assert "Restore…" in page


def test_the_settings_tab_offers_label_reinstall_os_change_and_destroy(members, login_as, tab_url):
    page = login_as(members.owner).get(tab_url("server_settings")).content.decode()

    for title in ["Label", "Reinstall", "Change the operating system", "Destroy"]:
        assert f"<h3>{title}</h3>" in page
    assert "Type “web-01” to confirm" in page
    assert 'data-confirm="web-01"' in page
    assert "Debian 10 x64" in page  # from os_change_list
    assert "are gone for good" in page


@pytest.mark.parametrize("role", ["viewer", "auditor"])
@pytest.mark.parametrize("tab", TABS[:-1])
def test_viewers_find_no_buttons(members, login_as, tab_url, role, tab):
    page = login_as(members.with_role(role)).get(tab_url(tab)).content.decode()

    assert 'method="post"' not in page.split("<main>")[1]
    for word in ["Reboot", "Halt", "Remove…", "Restore…", "Reverse DNS…", "Settings</a>"]:
        assert word not in page


def test_an_operator_gets_the_power_buttons_that_fit(members, login_as, tab_url):
    client = login_as(members.operator)

    running = client.get(tab_url("server_detail", "web-01")).content.decode()
    stopped = client.get(tab_url("server_detail", "staging")).content.decode()

    assert 'data-op="reboot"' in running and 'data-op="halt"' in running
    assert 'data-op="start"' not in running
    assert 'data-op="start"' in stopped and 'data-op="reboot"' not in stopped
    assert 'hx-confirm="Reboot web-01 now?' in running


# The same reads in v2 (v2 reference §2), whose rate limit answers 429 "rate limit exceeded".
V2_PATHS = {
    "/v1/server/list_ipv4": "/v2/instances/{instance-id}/ipv4",
    "/v1/server/list_ipv6": "/v2/instances/{instance-id}/ipv6",
    "/v1/server/bandwidth": "/v2/instances/{instance-id}/bandwidth",
    "/v1/server/reverse_list_ipv6": "/v2/instances/{instance-id}/ipv6/reverse",
    "/v1/snapshot/list": "/v2/snapshots",
    "/v1/server/os_change_list": "/v2/instances/{instance-id}/upgrades",
}


@pytest.mark.parametrize(
    ("tab", "path", "words"),
    [
        ("server_ipv4", "/v1/server/list_ipv4", "Rate limit reached"),
        # The addresses come with the server list; the reverse entries are the tab's read.
        ("server_ipv6", "/v1/server/reverse_list_ipv6", "Rate limit reached"),
        ("server_bandwidth", "/v1/server/bandwidth", "Rate limit reached"),
        ("server_images", "/v1/snapshot/list", "Rate limit reached"),
        ("server_settings", "/v1/server/os_change_list", "Rate limit reached"),
    ],
)
def test_a_tab_shows_vultrs_error_in_place(
    members, login_as, tab_url, vultr, tab, path, words, api_version
):
    url = tab_url(tab)
    if api_version == "v1":
        vultr.sim.inject_fault(status=503, key=vultr.key, path=path)
    else:
        vultr.sim.inject_fault(kind="rate_limit", key=vultr.key, path=V2_PATHS[path])
        words = "rate limit exceeded"

    response = login_as(members.owner).get(url)

    assert response.status_code == 200
    assert words in response.content.decode()


def test_a_page_shows_vultrs_error_when_the_server_list_fails(
    members, login_as, tab_url, vultr, api_version
):
    url = tab_url("server_detail")
    if api_version == "v1":
        vultr.sim.inject_fault(status=403, key=vultr.key, path="/v1/server/list")
    else:
        vultr.sim.inject_fault(status=401, key=vultr.key, path="/v2/instances")

    response = login_as(members.owner).get(url)

    assert response.status_code == 200
    assert "Vultr rejected the API key" in response.content.decode()
