"""The catalogue of a key: regions, plans, operating systems and the account's ISOs, for every
member who sees servers. Against the simulator."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(members, stored_key):
    return reverse("panel:catalog", kwargs={"team": members.team.slug, "key_id": stored_key.pk})


def test_it_sends_anonymous_visitors_to_login(login_as, url):
    response = login_as(None).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_hides_the_team_from_outsiders(members, login_as, url):
    assert login_as(members.outsider).get(url).status_code == 404


def test_another_teams_key_is_not_found(members, login_as, stored_key):
    own = members.outsider.personal_team
    target = reverse("panel:catalog", kwargs={"team": own.slug, "key_id": stored_key.pk})

    assert login_as(members.outsider).get(target).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "auditor", "operator", "admin", "owner"])
def test_every_member_who_sees_servers_sees_it(members, login_as, url, vultr, role):
    page = login_as(members.with_role(role)).get(url).content.decode()

    for region in vultr.get("regions/list").json().values():
        assert region["name"] in page
    for plan in vultr.get("plans/list").json().values():
        assert f"${float(plan['price_per_month']):,.2f}/month" in page
    for system in vultr.get("os/list").json().values():
        assert system["name"] in page
    for iso in vultr.get("iso/list").json().values():
        assert iso["filename"] in page and iso["md5sum"] in page


def test_plans_name_the_regions_they_may_be_deployed_in(members, login_as, url):
    page = login_as(members.viewer).get(url).content.decode()

    assert "Amsterdam, Atlanta, Chicago" in page


def test_one_failed_list_leaves_the_others(members, login_as, url, vultr):
    vultr.sim.inject_fault(status=503, key=vultr.key, path="/v1/plans/list")

    response = login_as(members.viewer).get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "rate limit was reached" in page
    assert "New Jersey" in page and "Ubuntu 20.04 x64" in page


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (403, "Vultr rejected the API key"),
        (500, "Vultr failed: Internal server error"),
        (412, "Vultr refused: Request failed"),
    ],
)
def test_vultrs_errors_are_shown_in_the_page(members, login_as, url, vultr, status, shown):
    vultr.sim.inject_fault(status=status, key=vultr.key, path="/v1/iso/list")

    response = login_as(members.viewer).get(url)

    assert response.status_code == 200
    assert shown in response.content.decode()
