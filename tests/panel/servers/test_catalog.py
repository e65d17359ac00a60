"""The catalogue of a key: regions, plans, operating systems and the account's ISOs, for every
member who sees servers. Against the simulator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.panel.helpers import inject_fault

pytestmark = pytest.mark.django_db

# Anonymous visitors and outsiders: test_access.py, with every other Vultr page.


@pytest.fixture
def url(members, stored_key):
    return reverse("panel:catalog", kwargs={"team": members.team.slug, "key_id": stored_key.pk})


def test_another_teams_key_is_not_found(members, login_as, stored_key):
    own = members.outsider.personal_team
    target = reverse("panel:catalog", kwargs={"team": own.slug, "key_id": stored_key.pk})

    assert login_as(members.outsider).get(target).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "auditor", "operator", "admin", "owner"])
def test_every_member_who_sees_servers_sees_it(members, login_as, url, vultr, role, api_version):
    page = login_as(members.with_role(role)).get(url).content.decode()

    if api_version == "v2":  # v2 names plans and regions by code (v2 reference §1.6)
        assert "vc2-1c-1gb" in page and '<td data-label="Code">ewr</td>' in page
        assert '<code class="muted">ewr</code>' not in page  # its id is its code: shown once
    else:  # v1's DCID beside the name, its code in a column of its own
        assert '<code class="muted">1</code>' in page and '<td data-label="Code">EWR</td>' in page

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
    inject_fault(vultr, {"status": 503}, v1="/v1/plans/list", v2="/v2/plans")

    response = login_as(members.viewer).get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "rate limit was reached" in page
    assert "New Jersey" in page and "Ubuntu 20.04 x64" in page


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (403, {"v1": "Vultr rejected the API key", "v2": "Invalid API token."}),
        (
            500,
            {
                "v1": "Vultr failed: Internal server error",
                "v2": "Vultr failed: Internal server error.",
            },
        ),
        (412, {"v1": "Vultr refused: Request failed", "v2": "Vultr refused: Bad request."}),
    ],
    ids=["403", "500", "412"],
)
def test_vultrs_errors_are_shown_in_the_page(
    members, login_as, url, vultr, status, shown, api_version
):
    inject_fault(vultr, {"status": status}, v1="/v1/iso/list", v2="/v2/iso")

    response = login_as(members.viewer).get(url)

    assert response.status_code == 200
    assert shown[api_version] in response.content.decode()
