"""Request ids (a sane X-Request-ID is kept from a trusted proxy only), the client's address,
and no caching of what a signed-in user is shown."""

import re

import pytest
from django.test import RequestFactory

from panel.middleware import client_ip, request_id_from


@pytest.mark.django_db
def test_it_gives_each_request_an_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_it_keeps_the_id_a_trusted_proxy_assigned(client, settings):
    settings.PANEL_PROXY_COUNT = 1
    settings.PANEL_PROXY_REQUEST_ID = True
    response = client.get("/accounts/login/", headers={"X-Request-ID": "edge-1234abcd"})

    assert response["X-Request-ID"] == "edge-1234abcd"


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy", [False, True])
def test_a_clients_own_request_id_is_replaced(client, settings, members, behind_proxy):
    # Without a proxy that sets the id, a member could file their actions under the request
    # id of someone else's (the audit page groups a request's entries by it).
    settings.PANEL_PROXY_COUNT = 1 if behind_proxy else 0
    client.force_login(members.operator)

    response = client.get("/accounts/", headers={"X-Request-ID": "victims-request-0001"})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.parametrize(
    "value", ["", "short", "has spaces in it", "<script>alert(1)</script>", "x" * 65, "é" * 10]
)
def test_it_replaces_ids_that_are_not_sane(value):
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_from(value))


def test_it_accepts_uuids_with_dashes():
    value = "0f8fad5b-d9cb-469f-a165-70867728950e"

    assert request_id_from(value) == value


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "198.51.100.9", "10.0.0.2"),  # no proxy configured: the header is the client's own
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # a forged entry stands to the left
        (2, "198.51.100.9, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (1, "", "10.0.0.2"),  # reached directly, not through the proxy
        (2, "203.0.113.7", "10.0.0.2"),  # fewer entries than proxies: not through them
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:DB8::1", "2001:db8::1"),
    ],
)
def test_client_ip_counts_the_proxies_from_the_right(settings, proxies, forwarded, expected):
    settings.PANEL_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/t/{team}/audit/export.csv", "/t/{team}/operations/alerts/", "/t/{team}/", "/accounts/"],
)
def test_pages_of_a_signed_in_user_are_never_stored_by_a_cache(login_as, members, url):
    # The alerts page shows webhook signing secrets; the export is the team's whole log.
    url = url.format(team=members.team.slug)
    response = login_as(members.owner).get(url)

    assert response.status_code == 200, url
    assert _no_store(response), response.get("Cache-Control")
