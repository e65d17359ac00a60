"""Failed logins are throttled per username and address (django-axes), and an owner or admin
can unlock a member."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from panel.audit.models import AuditEntry
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def fail_logins(client, username, times, **extra):
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)
    return response


def test_it_locks_out_after_the_failure_limit_and_says_for_how_long(client, members):
    response = fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts for “vera” from your address" in page
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"paused for {minutes} minutes" in page


def test_it_refuses_the_right_password_while_locked_out(client, members):
    fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT)

    response = client.post(LOGIN, {"username": "vera", "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_counts_each_address_separately(client, members):
    fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT)

    response = client.post(
        LOGIN, {"username": "vera", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(members.viewer.pk)


def test_it_counts_each_username_separately(client, members):
    fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT)

    response = client.post(LOGIN, {"username": "oscar", "password": PASSWORD})

    assert response.status_code == 302


def test_it_forgets_failures_after_a_successful_login(client, members):
    fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT - 1)
    client.post(LOGIN, {"username": "vera", "password": PASSWORD})
    client.post(reverse("accounts:logout"))

    response = fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT - 1)

    assert response.status_code == 200


def test_owners_see_locked_out_members_and_unlock_them(client, members, login_as):
    fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT)
    owner = login_as(members.owner)
    members_url = reverse("accounts:members", kwargs={"team": members.team.slug})
    membership = members.membership(members.viewer)

    page = owner.get(members_url).content.decode()
    assert "locked out" in page
    assert reverse("accounts:member_unlock", args=[members.team.slug, membership.pk]) in page

    response = owner.post(
        reverse("accounts:member_unlock", args=[members.team.slug, membership.pk]), follow=True
    )
    assert "vera can sign in again." in response.content.decode()
    assert "locked out" not in response.content.decode()

    response = client.post(LOGIN, {"username": "vera", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(members.viewer.pk)


def test_the_team_home_shows_locked_out_members_to_admins(client, members, login_as):
    fail_logins(client, "oscar", settings.AXES_FAILURE_LIMIT)

    page = login_as(members.admin).get(f"/t/{members.team.slug}/").content.decode()

    assert "locked out" in page


def test_members_without_manage_users_cannot_unlock(client, members, login_as):
    fail_logins(client, "vera", settings.AXES_FAILURE_LIMIT)
    membership = members.membership(members.viewer)

    response = login_as(members.operator).post(
        reverse("accounts:member_unlock", args=[members.team.slug, membership.pk])
    )

    assert response.status_code == 403
    assert client.post(LOGIN, {"username": "vera", "password": PASSWORD}).status_code == 429


def test_owners_cannot_unlock_people_outside_their_team(client, members, login_as):
    fail_logins(client, "otto", settings.AXES_FAILURE_LIMIT)
    otto = members.outsider.memberships.get()

    response = login_as(members.owner).post(
        reverse("accounts:member_unlock", args=[members.team.slug, otto.pk])
    )

    assert response.status_code == 404
    assert client.post(LOGIN, {"username": "otto", "password": PASSWORD}).status_code == 429


def test_an_admin_cannot_lift_the_owners_lockout(client, members, login_as):
    """Issue 11 item 6: unlocking follows the rule of granting roles, so that an admin cannot
    lift the owner's lockout again and again and keep guessing a stronger account."""
    fail_logins(client, "olivia", settings.AXES_FAILURE_LIMIT)
    admin = login_as(members.admin)
    owner_row = members.membership(members.owner)
    unlock = reverse("accounts:member_unlock", args=[members.team.slug, owner_row.pk])

    page = admin.get(reverse("accounts:members", args=[members.team.slug])).content.decode()
    assert "locked out" in page
    assert unlock not in page

    response = admin.post(unlock)

    assert response.status_code == 403
    assert "you cannot unlock someone above you" in response.content.decode()
    assert client.post(LOGIN, {"username": "olivia", "password": PASSWORD}).status_code == 429
    entry = AuditEntry.objects.get(action="permission_denied")
    assert (entry.actor, entry.team, entry.outcome) == (members.admin, members.team, "denied")
    assert "cannot unlock someone above you" in entry.error
    assert not AuditEntry.objects.filter(action="member_unlocked").exists()


def test_an_admin_can_lift_the_lockout_of_another_admin(client, members, login_as, make_user):
    other = make_user("alex")
    row = Membership.objects.create(team=members.team, user=other, role=Role.ADMIN)
    fail_logins(client, "alex", settings.AXES_FAILURE_LIMIT)

    response = login_as(members.admin).post(
        reverse("accounts:member_unlock", args=[members.team.slug, row.pk])
    )

    assert response.status_code == 302
    assert client.post(LOGIN, {"username": "alex", "password": PASSWORD}).status_code == 302
