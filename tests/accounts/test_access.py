"""Every view: anonymous → login page, outsider → 404, member without the permission → 403,
member with it → works."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Invitation
from accounts.roles import ROLE_PERMISSIONS, Perm, Role

pytestmark = pytest.mark.django_db


# (URL name, method, permission needed; None = any member, and the object the URL names)
TEAM_VIEWS = [
    ("accounts:team_home", "get", None, None),
    ("accounts:team_leave", "post", None, None),
    ("accounts:team_settings", "get", Perm.MANAGE_USERS, None),
    ("accounts:team_transfer", "get", Perm.OWNERSHIP, None),
    ("accounts:team_delete", "get", Perm.OWNERSHIP, None),
    ("accounts:members", "get", Perm.MANAGE_USERS, None),
    ("accounts:member_invite", "post", Perm.MANAGE_USERS, None),
    ("accounts:member_role", "post", Perm.MANAGE_USERS, "member"),
    ("accounts:member_remove", "post", Perm.MANAGE_USERS, "member"),
    ("accounts:member_unlock", "post", Perm.MANAGE_USERS, "member"),
    ("accounts:invitation_revoke", "post", Perm.MANAGE_USERS, "invitation"),
    ("accounts:key_add", "get", Perm.MANAGE_KEYS, None),
    ("accounts:key_replace", "get", Perm.MANAGE_KEYS, "key"),
    ("accounts:key_remove", "get", Perm.MANAGE_KEYS, "key"),
    ("accounts:key_check", "post", Perm.MANAGE_KEYS, "key"),
]

ACCOUNT_VIEWS = [
    ("accounts:account", "get"),
    ("accounts:team_create", "get"),
    ("accounts:2fa_enrol", "get"),
    ("accounts:2fa_disable", "get"),
    ("accounts:2fa_backup_codes", "post"),
    ("accounts:verify_session", "get"),
    ("accounts:logout_everywhere", "post"),
]


def _ids(views):
    return [view[0].split(":")[1] for view in views]


@pytest.fixture
def team_url(members, stored_key):
    invitation = Invitation(team=members.team, email="new@example.com", role=Role.VIEWER)
    invitation.new_token()
    invitation.save()
    objects = {
        "member": ("member_id", members.membership(members.viewer).pk),
        "invitation": ("invitation_id", invitation.pk),
        "key": ("key_id", stored_key.pk),
    }

    def url(name: str, obj: str | None) -> str:
        kwargs = {"team": members.team.slug}
        if obj:
            kwargs.update([objects[obj]])
        return reverse(name, kwargs=kwargs)

    return url


def _request(client, method, url):
    return getattr(client, method)(url)


@pytest.mark.parametrize(("name", "method", "perm", "obj"), TEAM_VIEWS, ids=_ids(TEAM_VIEWS))
def test_it_sends_anonymous_visitors_to_login(login_as, team_url, name, method, perm, obj):
    url = team_url(name, obj)
    response = _request(login_as(None), method, url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={url}"


@pytest.mark.parametrize(("name", "method", "perm", "obj"), TEAM_VIEWS, ids=_ids(TEAM_VIEWS))
def test_it_hides_the_team_from_outsiders(members, login_as, team_url, name, method, perm, obj):
    response = _request(login_as(members.outsider), method, team_url(name, obj))

    assert response.status_code == 404
    assert members.team.name not in response.content.decode()


def _roles(perm, allowed):
    return [role for role in Role if (perm is None or perm in ROLE_PERMISSIONS[role]) == allowed]


def _each_role(allowed: bool):
    """Parametrizes a test with each team view and each role that may (`allowed`) or may not
    use it."""
    cases = [
        (name, method, perm, obj, role)
        for name, method, perm, obj in TEAM_VIEWS
        for role in _roles(perm, allowed)
    ]
    ids = [f"{name.split(':')[1]}-{role}" for name, _, _, _, role in cases]
    return pytest.mark.parametrize(("name", "method", "perm", "obj", "role"), cases, ids=ids)


@_each_role(allowed=False)
def test_it_rejects_members_without_the_permission(
    members, login_as, team_url, name, method, perm, obj, role
):
    response = _request(login_as(members.with_role(role)), method, team_url(name, obj))

    assert response.status_code == 403
    assert perm.description.lower() in response.content.decode()


@_each_role(allowed=True)
def test_it_serves_members_with_the_permission(
    members, login_as, team_url, name, method, perm, obj, role
):
    response = _request(login_as(members.with_role(role)), method, team_url(name, obj))

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize(("name", "method"), ACCOUNT_VIEWS, ids=_ids(ACCOUNT_VIEWS))
def test_account_pages_send_anonymous_visitors_to_login(login_as, name, method):
    url = reverse(name)
    response = _request(login_as(None), method, url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={url}"


@pytest.mark.parametrize(("name", "method"), ACCOUNT_VIEWS, ids=_ids(ACCOUNT_VIEWS))
def test_account_pages_serve_signed_in_users(members, login_as, name, method):
    response = _request(login_as(members.viewer), method, reverse(name))

    assert response.status_code in (200, 302)
    if response.status_code == 302 and name != "accounts:logout_everywhere":
        assert not response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_it_gives_404_for_another_teams_object_under_your_own_team(members, login_as, stored_key):
    # The outsider owns their personal team; the key's id belongs to the members' team.
    own = members.outsider.personal_team
    url = reverse("accounts:key_replace", kwargs={"team": own.slug, "key_id": stored_key.pk})

    assert login_as(members.outsider).get(url).status_code == 404


def test_it_gives_404_for_a_team_that_does_not_exist(members, login_as):
    url = reverse("accounts:team_home", kwargs={"team": "no-such-team"})

    assert login_as(members.owner).get(url).status_code == 404
