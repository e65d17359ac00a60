"""The team dashboard: servers by state per key, money for billing members only, key health,
recent operations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from panel.servers import actions
from panel.vultr import ServerStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard_url(members, stored_key):
    return reverse("panel:dashboard", kwargs={"team": members.team.slug})


def test_it_counts_servers_by_state(members, login_as, dashboard_url):
    page = login_as(members.viewer).get(dashboard_url).content.decode()

    assert "Production" in page
    assert "13 servers" in page
    assert ">running</span> 10" in page
    assert ">stopped</span> 1" in page
    assert ">installing</span> 1" in page
    assert "key working" in page


def test_only_billing_members_see_the_money(members, login_as, dashboard_url):
    owner = login_as(members.owner).get(dashboard_url).content.decode()
    operator = login_as(members.operator).get(dashboard_url).content.decode()

    assert "Balance" in owner and "Pending charges" in owner and " this month" in owner
    assert "Balance" not in operator and "credit" not in operator


def test_it_shows_recent_operations(members, login_as, dashboard_url, ctx_for):
    # An active server: Vultr refuses to reboot one still being deployed, and the demo
    # account's server ids (hence the list's order) differ from key to key.
    servers = actions.list_servers(ctx_for(members.viewer))
    subid = next(s.id for s in servers if s.status is ServerStatus.ACTIVE)
    actions.reboot_server(ctx_for(members.operator), subid)

    auditor = login_as(members.auditor).get(dashboard_url).content.decode()
    operator = login_as(members.operator).get(dashboard_url).content.decode()
    viewer = login_as(members.viewer).get(dashboard_url).content.decode()

    assert "Recent operations" in auditor and "Reboot server" in auditor and "oscar" in auditor
    assert "Your recent operations" in operator and "Reboot server" in operator
    assert "Reboot server" not in viewer


def test_a_rejected_key_shows_as_failing(members, login_as, dashboard_url, vultr):
    vultr.sim.inject_fault(status=403, key=vultr.key, count=3)

    page = login_as(members.owner).get(dashboard_url).content.decode()

    assert "key failing" in page
    assert "Vultr rejected the API key “Production”" in page


def test_a_team_without_keys_is_told_how_to_add_one(make_user, login_as):
    user = make_user("newbie")
    team = user.personal_team

    page = login_as(user).get(reverse("panel:dashboard", kwargs={"team": team.slug}))

    assert "No Vultr API keys yet" in page.content.decode()


def test_the_servers_link_goes_to_the_first_key(members, login_as, stored_key):
    response = login_as(members.viewer).get(
        reverse("panel:servers_home", kwargs={"team": members.team.slug})
    )

    assert response["Location"].endswith(f"/k/{stored_key.pk}/servers/")


def test_the_nav_links_the_dashboard_and_servers(members, login_as, dashboard_url):
    page = login_as(members.viewer).get(dashboard_url).content.decode()

    assert f'href="/t/{members.team.slug}/dashboard/"' in page
    assert f'href="/t/{members.team.slug}/servers/"' in page
