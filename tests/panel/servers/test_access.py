"""Every Vultr page and action: anonymous → login, outsider → 404, member without the
permission → 403 (and, for actions, a `denied` audit entry), member with it → served."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import ROLE_PERMISSIONS, Perm, Role
from tests.panel.helpers import Demo, vultr_entries

pytestmark = pytest.mark.django_db

# (URL name, method, permission needed, URL arguments beyond the team: "key", "server", op)
VIEWS = [
    ("panel:dashboard", "get", Perm.SUBSCRIPTIONS_VIEW, ()),
    ("panel:team_safety", "get", Perm.MANAGE_USERS, ()),
    ("panel:servers_home", "get", Perm.SUBSCRIPTIONS_VIEW, ()),
    ("panel:server_list", "get", Perm.SUBSCRIPTIONS_VIEW, ("key",)),
    ("panel:server_badges", "get", Perm.SUBSCRIPTIONS_VIEW, ("key",)),
    ("panel:server_bulk", "post", Perm.SUBSCRIPTIONS, ("key",)),
    ("panel:catalog", "get", Perm.SUBSCRIPTIONS_VIEW, ("key",)),
    ("panel:vultr_account", "get", Perm.BILLING, ("key",)),
    ("panel:server_detail", "get", Perm.SUBSCRIPTIONS_VIEW, ("key", "server")),
    ("panel:server_power", "post", Perm.SUBSCRIPTIONS, ("key", "server", "reboot")),
    ("panel:server_ipv4", "get", Perm.SUBSCRIPTIONS_VIEW, ("key", "server")),
    ("panel:server_ipv4_add", "post", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_ipv4_remove", "get", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_ipv4_remove", "post", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_ipv4_reverse", "get", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_ipv4_reverse", "post", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_ipv4_reverse_default", "post", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_ipv6", "get", Perm.SUBSCRIPTIONS_VIEW, ("key", "server")),
    ("panel:server_ipv6_reverse", "post", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_ipv6_reverse_delete", "post", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_bandwidth", "get", Perm.SUBSCRIPTIONS_VIEW, ("key", "server")),
    ("panel:server_images", "get", Perm.SUBSCRIPTIONS_VIEW, ("key", "server")),
    ("panel:server_snapshot", "post", Perm.PROVISIONING, ("key", "server")),
    ("panel:server_restore_snapshot", "get", Perm.PROVISIONING, ("key", "server")),
    ("panel:server_restore_snapshot", "post", Perm.PROVISIONING, ("key", "server")),
    ("panel:server_restore_backup", "get", Perm.PROVISIONING, ("key", "server")),
    ("panel:server_restore_backup", "post", Perm.PROVISIONING, ("key", "server")),
    ("panel:server_settings", "get", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_label", "post", Perm.SUBSCRIPTIONS, ("key", "server")),
    ("panel:server_reinstall", "post", Perm.PROVISIONING, ("key", "server")),
    ("panel:server_os", "post", Perm.PROVISIONING, ("key", "server")),
    ("panel:server_destroy", "post", Perm.PROVISIONING, ("key", "server")),
]


def _id(view) -> str:
    return f"{view[0].split(':')[1]}-{view[1]}"


@pytest.fixture
def url(members, stored_key, vultr):
    demo = Demo(vultr)
    server = demo.id("web-01")
    # A restore's confirm page names an image that exists (an unknown one is a 404); read
    # now, so that the tests counting requests to Vultr do not count these.
    snapshot = demo.snapshot_id("before upgrade to 20.04")
    backup_server, backup = demo.id("db-01"), demo.backup_ids("db-01")[0]

    def make(name: str, args: tuple) -> str:
        kwargs = {"team": members.team.slug}
        query = ""
        for arg in args:
            if arg == "key":
                kwargs["key_id"] = stored_key.pk
            elif arg == "server":
                kwargs["server_id"] = server
            else:
                kwargs["op"] = arg
        if name == "panel:server_restore_snapshot":
            query = f"?snapshot={snapshot}"
        elif name == "panel:server_restore_backup":
            kwargs["server_id"], query = backup_server, f"?backup={backup}"
        return reverse(name, kwargs=kwargs) + query

    return make


@pytest.mark.parametrize(("name", "method", "perm", "args"), VIEWS, ids=[_id(v) for v in VIEWS])
def test_it_sends_anonymous_visitors_to_login(login_as, url, name, method, perm, args):
    target = url(name, args)

    response = getattr(login_as(None), method)(target)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={quote(target)}"


@pytest.mark.parametrize(("name", "method", "perm", "args"), VIEWS, ids=[_id(v) for v in VIEWS])
def test_it_hides_the_team_from_outsiders(members, login_as, url, name, method, perm, args):
    response = getattr(login_as(members.outsider), method)(url(name, args))

    assert response.status_code == 404
    assert members.team.name not in response.content.decode()
    assert not vultr_entries().exists()


def _roles(perm: Perm, allowed: bool) -> list[str]:
    return [role for role in Role if (perm in ROLE_PERMISSIONS[role]) == allowed]


FORBIDDEN = [(*v, role) for v in VIEWS for role in _roles(v[2], allowed=False)]
ALLOWED = [(*v, role) for v in VIEWS for role in _roles(v[2], allowed=True)]


@pytest.mark.parametrize(
    ("name", "method", "perm", "args", "role"),
    FORBIDDEN,
    ids=[f"{_id(v)}-{v[4]}" for v in FORBIDDEN],
)
def test_it_rejects_members_without_the_permission(
    members, login_as, url, vultr, name, method, perm, args, role
):
    before = vultr.sim.stats()["by_key"].get(vultr.key, 0)

    response = getattr(login_as(members.with_role(role)), method)(url(name, args))

    assert response.status_code == 403
    assert perm.description.lower() in response.content.decode()
    if method == "post":
        entry = vultr_entries().get()
        assert (entry.outcome, entry.actor) == ("denied", members.with_role(role))
    else:
        assert not vultr_entries().exists()
    # Nothing was changed at Vultr (reads to draw the page are fine; POSTs are not). A v2
    # server list also reads the catalogue's regions and plans (for cities and prices).
    posts = [p for p in vultr.sim.stats()["by_path"] if "list" not in p]
    assert vultr.sim.stats()["by_key"].get(vultr.key, 0) - before <= 4, posts


@pytest.mark.parametrize(
    ("name", "method", "perm", "args", "role"),
    ALLOWED,
    ids=[f"{_id(v)}-{v[4]}" for v in ALLOWED],
)
def test_it_serves_members_with_the_permission(
    members, login_as, url, name, method, perm, args, role
):
    response = getattr(login_as(members.with_role(role)), method)(url(name, args))

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert not vultr_entries().filter(outcome="denied").exists()


def test_another_teams_key_is_not_found_under_your_own_team(members, login_as, stored_key):
    own = members.outsider.personal_team
    target = reverse("panel:server_list", kwargs={"team": own.slug, "key_id": stored_key.pk})

    assert login_as(members.outsider).get(target).status_code == 404


def test_a_server_of_another_account_is_not_found(members, login_as, stored_key):
    target = reverse(
        "panel:server_detail",
        kwargs={"team": members.team.slug, "key_id": stored_key.pk, "server_id": "99999999"},
    )

    assert login_as(members.owner).get(target).status_code == 404
