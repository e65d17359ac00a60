"""Failed logins are throttled per username and address (django-axes), and an owner or admin
can unlock a member."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts import lockout
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


# Per account, across addresses (issue 11 item 7)


@pytest.fixture
def account_limit(settings):
    settings.PANEL_ACCOUNT_FAILURE_LIMIT = 8
    return 8


def from_addresses(username, count, start=0):
    """`count` wrong passwords for `username`, each from its own address and browser."""
    for n in range(start, start + count):
        response = Client().post(
            LOGIN,
            {"username": username, "password": "wrong"},
            REMOTE_ADDR=f"10.9.{n // 250}.{n % 250 + 1}",
        )
    return response


def test_guesses_from_many_addresses_are_slowed_down_per_account(members, account_limit):
    """Axes counts per username and address: with a new address every few tries, a guesser
    had no limit at all."""
    from_addresses("vera", account_limit)  # one each: no address reaches axes' limit

    response = Client().post(
        LOGIN, {"username": "vera", "password": PASSWORD}, REMOTE_ADDR="10.8.0.1"
    )

    assert response.status_code == 429
    assert "many failed sign-ins for “vera”, from different addresses" in response.content.decode()
    assert "next try is possible in 1 second" in response.content.decode()
    refused = AuditEntry.objects.filter(action="sign_in_failed").order_by("-seq").first()
    assert "slowed down" in refused.error and refused.team == members.viewer.personal_team


def test_the_delay_grows_with_each_further_failure(members, account_limit):
    from_addresses("vera", account_limit)
    failures = AuditEntry.objects.filter(action="sign_in_failed").count()
    for n, wait in enumerate([1, 2, 4]):
        # Once the wait is over, a try goes ahead (and fails): the next wait doubles.
        _age_the_last_failure("vera", seconds=wait)
        Client().post(
            LOGIN, {"username": "vera", "password": "wrong"}, REMOTE_ADDR=f"10.7.0.{n + 1}"
        )
    response = Client().post(LOGIN, {"username": "vera", "password": "x"}, REMOTE_ADDR="10.6.0.1")

    assert "possible in 8 seconds" in response.content.decode()
    assert AuditEntry.objects.filter(action="sign_in_failed").count() == failures + 4


def test_a_browser_that_signed_in_before_is_never_slowed_down(client, members, account_limit):
    client.post(LOGIN, {"username": "vera", "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    from_addresses("vera", account_limit + 5)

    response = client.post(LOGIN, {"username": "vera", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(members.viewer.pk)


def test_a_browser_known_for_another_user_is_slowed_down(client, members, account_limit):
    client.post(LOGIN, {"username": "oscar", "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    from_addresses("vera", account_limit)

    response = client.post(LOGIN, {"username": "vera", "password": PASSWORD})

    assert response.status_code == 429


def test_a_forged_device_cookie_does_not_count(client, members, account_limit):
    from_addresses("vera", account_limit)
    client.cookies[lockout.DEVICE_COOKIE] = '["vera"]'

    response = client.post(LOGIN, {"username": "vera", "password": PASSWORD})

    assert response.status_code == 429


def test_a_sign_in_forgets_the_accounts_failures(client, members, account_limit):
    from_addresses("vera", account_limit - 1)
    client.post(LOGIN, {"username": "vera", "password": PASSWORD})

    response = from_addresses("vera", account_limit - 1, start=100)

    assert response.status_code == 200  # a wrong password, answered as such


def _age_the_last_failure(username, seconds):
    key = lockout._key(username)
    client = lockout._redis()
    client.hset(key, "last", float(client.hget(key, "last")) - seconds)
