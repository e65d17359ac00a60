"""The server list: search, filters, sort, pages, fragments, permissions and Vultr's errors."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts import actions as account_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def list_url(members, stored_key):
    return reverse("panel:server_list", kwargs={"team": members.team.slug, "key_id": stored_key.pk})


def _labels(response) -> list[str]:
    return re.findall(
        r'<tr id="server-[\w-]+">.*?<a [^>]*href="[^"]+"[^>]*>([^<]+)</a>',
        response.content.decode(),
        re.S,
    )


def test_it_lists_the_accounts_servers_with_their_badges(members, login_as, list_url, api_version):
    id_shape = r"\d+" if api_version == "v1" else r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
    response = login_as(members.viewer).get(list_url)

    page = response.content.decode()
    assert response.status_code == 200
    assert len(_labels(response)) == 13
    assert "13 of 13 servers" in page
    assert re.search(rf'id="badge-{id_shape}" class="badge status ok">running<', page)
    assert re.search(r'class="badge status stopped">stopped<', page)
    assert re.search(r'class="badge status busy">installing<', page)
    assert 'id="badge-poller"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "web"}, {"web-01", "web-02", "web-03"}),
        ({"q": "database"}, {"db-01", "cache-01"}),  # by tag
        ({"q": "tokyo"}, {"vpn-tokyo"}),  # by location
        ({"q": "windows"}, {"rdp-la"}),  # by OS
        ({"power": "stopped"}, {"staging"}),
        ({"status": "pending"}, {"web-03"}),
    ],
)
def test_it_searches_and_filters(members, login_as, list_url, query, expected):
    response = login_as(members.viewer).get(list_url, query)

    assert set(_labels(response)) == expected


def test_it_shows_each_servers_city_and_monthly_cost(members, login_as, list_url, vultr):
    # v2 instances name only the region and plan codes (v2 reference §3): with a v2 key the
    # list reads the catalogue itself, with nothing else having read it first.
    from tests.panel.helpers import Demo

    server = Demo(vultr).server("mail")
    city = server["location"]
    response = login_as(members.viewer).get(list_url, {"q": "mail"})

    row = re.search(r'<tr id="server-[\w-]+">.*?</tr>', response.content.decode(), re.S)
    assert row is not None
    assert f'<td data-label="Location">{city}</td>' in row.group()
    assert f'<td data-label="Cost">${server["cost_per_month"]}/month</td>' in row.group()
    # ... and finds servers by their city.
    assert city.lower() not in "mail"
    found = login_as(members.viewer).get(list_url, {"q": city.lower()}).content.decode()
    assert 'title="mail">mail</a>' in found


def test_it_searches_by_address(members, login_as, list_url, vultr):
    from tests.panel.helpers import Demo

    ip = Demo(vultr).server("mail")["main_ip"]

    assert _labels(login_as(members.viewer).get(list_url, {"q": ip})) == ["mail"]


def test_it_filters_by_region(members, login_as, list_url, vultr, api_version):
    from tests.panel.helpers import Demo

    region = Demo(vultr).server("web-01")["DCID"]
    if api_version == "v2":  # v2 names regions by code
        instance = vultr.v2("GET", f"instances/{Demo(vultr).id('web-01')}").json()["instance"]
        region = instance["region"]
    labels = _labels(login_as(members.viewer).get(list_url, {"region": region}))

    assert {"web-01", "web-02", "db-01"} <= set(labels)
    assert "vpn-tokyo" not in labels


def test_it_sorts(members, login_as, list_url):
    client = login_as(members.viewer)

    ascending = _labels(client.get(list_url, {"sort": "label"}))
    descending = _labels(client.get(list_url, {"sort": "-label"}))

    assert ascending == sorted(ascending)
    assert descending == list(reversed(ascending))
    assert _labels(client.get(list_url, {"sort": "nonsense"})) == ascending


def test_it_pages_long_lists(members, login_as, simulator):
    key = "C" * 4 + __import__("secrets").token_hex(16).upper()
    simulator.sim.add_account(key, servers=120)
    big = account_actions.add_api_key(members.team, members.owner, "Big", simulator.url, key)
    url = reverse("panel:server_list", kwargs={"team": members.team.slug, "key_id": big.pk})
    client = login_as(members.viewer)

    first, last = client.get(url), client.get(url, {"page": 3})

    assert len(_labels(first)) == 50
    assert "Page 1 of 3" in first.content.decode()
    assert len(_labels(last)) == 20
    assert "page=2" in last.content.decode()


def test_it_answers_htmx_with_the_results_only(members, login_as, list_url):
    response = login_as(members.viewer).get(
        list_url, {"q": "web"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results"')
    assert "<html" not in page
    assert len(_labels(response)) == 3
    assert "HX-Request" in response["Vary"]


def test_a_viewer_gets_no_bulk_buttons(members, login_as, list_url):
    viewer = login_as(members.viewer).get(list_url).content.decode()
    operator = login_as(members.operator).get(list_url).content.decode()

    assert 'name="server"' not in viewer and 'name="op"' not in viewer
    assert 'name="server"' in operator and 'value="reboot"' in operator


def test_it_offers_the_other_keys_of_the_team(members, login_as, list_url, simulator):
    key = __import__("secrets").token_hex(18).upper()
    simulator.sim.add_account(key)
    account_actions.add_api_key(members.team, members.owner, "Staging account", simulator.url, key)

    page = login_as(members.viewer).get(list_url).content.decode()

    assert 'class="key-switcher"' in page
    assert "Staging account" in page


V2_FAULTS = {
    403: ({"status": 401, "body": "Invalid API token."}, "Vultr rejected the API key “Production”"),
    503: ({"kind": "rate_limit"}, "rate limit exceeded"),
    412: ({"status": 400, "body": "Some refusal."}, "Vultr refused: Some refusal."),
}


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"status": 403}, "Vultr rejected the API key “Production”"),
        ({"status": 503}, "Rate limit reached - please try your request again later."),
        ({"status": 412, "body": "Some refusal."}, "Vultr refused: Some refusal."),
        ({"delay": 1.5}, "Vultr did not answer in time."),
    ],
    ids=["403", "503", "412", "timeout"],
)
def test_it_shows_vultrs_error_in_the_page(
    members, login_as, list_url, vultr, settings, fault, words, api_version
):
    settings.PANEL_VULTR_TIMEOUT = 0.5
    if api_version == "v1":
        vultr.sim.inject_fault(key=vultr.key, path="/v1/server/list", **fault)
    else:
        # The same failures as v2 has them (v2 reference §1.3, §1.4).
        fault, words = V2_FAULTS.get(fault.get("status"), (fault, words))
        vultr.sim.inject_fault(key=vultr.key, api="v2", path="/v2/instances", **fault)

    response = login_as(members.viewer).get(list_url)

    assert response.status_code == 200
    assert words in response.content.decode()
