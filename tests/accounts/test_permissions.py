"""accounts.permissions: the one answer to "may this user do this in this team"."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.permissions import may, team_view
from accounts.roles import ROLE_PERMISSIONS, Perm, Role, may_grant

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.OWNER: set(Perm),
    Role.ADMIN: set(Perm) - {Perm.OWNERSHIP},
    Role.OPERATOR: {Perm.SUBSCRIPTIONS_VIEW, Perm.SUBSCRIPTIONS, Perm.PROVISIONING},
    Role.VIEWER: {Perm.SUBSCRIPTIONS_VIEW},
    Role.AUDITOR: {Perm.SUBSCRIPTIONS_VIEW, Perm.AUDIT_VIEW},
}


def test_the_roles_bundle_vultrs_acls_as_specified():
    assert {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()} == EXPECTED


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(Perm))
def test_may_follows_the_members_role(members, role, perm):
    assert may(members.with_role(role), members.team, perm) is (perm in EXPECTED[role])


@pytest.mark.parametrize("perm", list(Perm))
def test_may_refuses_outsiders(members, perm):
    assert may(members.outsider, members.team, perm) is False


def test_may_refuses_anonymous_and_inactive_users(members):
    from django.contrib.auth.models import AnonymousUser

    members.owner.is_active = False
    members.owner.save()

    assert may(AnonymousUser(), members.team, Perm.SUBSCRIPTIONS_VIEW) is False
    assert may(members.owner, members.team, Perm.SUBSCRIPTIONS_VIEW) is False


def test_may_accepts_permission_names_as_strings(members):
    assert may(members.operator, members.team, "provisioning") is True


def test_may_rejects_a_misspelt_permission(members):
    with pytest.raises(ValueError):
        may(members.owner, members.team, "manage_key")


def test_team_view_rejects_a_misspelt_permission_when_decorating():
    with pytest.raises(ValueError):
        team_view("provisionning")


def test_may_sees_a_role_change_at_once(members):
    Membership.objects.filter(team=members.team, user=members.viewer).update(role=Role.ADMIN)

    assert may(members.viewer, members.team, Perm.MANAGE_KEYS) is True


@pytest.mark.parametrize(
    ("granter", "role", "allowed"),
    [
        (Role.OWNER, Role.OWNER, True),
        (Role.OWNER, Role.ADMIN, True),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.OWNER, False),
        (Role.ADMIN, Role.OPERATOR, True),
        (Role.OPERATOR, Role.AUDITOR, False),
        (Role.AUDITOR, Role.OPERATOR, False),
        (Role.VIEWER, Role.VIEWER, True),
        (Role.ADMIN, "superuser", False),
    ],
)
def test_nobody_may_grant_a_role_above_their_own(granter, role, allowed):
    assert may_grant(granter, role) is allowed


def test_team_view_puts_the_team_and_membership_on_the_request(members, login_as):
    response = login_as(members.operator).get(
        reverse("accounts:team_home", kwargs={"team": members.team.slug})
    )

    assert response.wsgi_request.team == members.team
    assert response.wsgi_request.membership.role == Role.OPERATOR


def test_team_view_remembers_the_last_team(members, login_as):
    login_as(members.viewer).get(reverse("accounts:team_home", kwargs={"team": members.team.slug}))

    members.viewer.refresh_from_db()
    assert members.viewer.last_team == members.team


def test_team_view_redirects_htmx_requests_with_hx_redirect(members, login_as):
    url = reverse("accounts:key_add", kwargs={"team": members.team.slug})
    page = reverse("accounts:team_home", kwargs={"team": members.team.slug})

    response = login_as(None).get(
        url, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
    )

    # Back to the page the fragment was on, not to the fragment's URL.
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next={page}"


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _patterns(pattern, route)
        else:
            yield route, pattern.callback


def test_every_team_url_is_served_by_a_team_view():
    from django.urls import get_resolver

    team_routes = [
        (route, view) for route, view in _patterns(get_resolver()) if route.startswith("t/")
    ]

    assert len(team_routes) >= 15
    for route, view in team_routes:
        assert route.startswith("t/<slug:team>/"), route
        assert hasattr(view, "team_permission"), f"{route} is not wrapped in team_view"
