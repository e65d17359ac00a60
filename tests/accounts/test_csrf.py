"""A form sent without its CSRF token changes nothing and says what happened."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey, Invitation, Membership, Team
from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client(login_as, members):
    return login_as(members.owner, enforce_csrf_checks=True)


def assert_refused(response):
    assert response.status_code == 403
    assert "That form could not be accepted" in response.content.decode()
    assert "nothing was changed" in response.content.decode()


def test_adding_a_key_without_the_token_is_refused(csrf_client, members, vultr_key):
    response = csrf_client.post(
        reverse("accounts:key_add", kwargs={"team": members.team.slug}),
        {"label": "Production", "api_url": vultr_key.url, "key": vultr_key.key},
    )

    assert_refused(response)
    assert not ApiKey.objects.exists()


def test_changing_a_role_without_the_token_is_refused(csrf_client, members):
    viewer = members.membership(members.viewer)

    response = csrf_client.post(
        reverse("accounts:member_role", args=[members.team.slug, viewer.pk]),
        {"role": Role.ADMIN},
        headers={"HX-Request": "true"},
    )

    assert_refused(response)
    assert members.membership(members.viewer).role == Role.VIEWER


def test_inviting_without_the_token_is_refused(csrf_client, members, mailoutbox):
    response = csrf_client.post(
        reverse("accounts:member_invite", kwargs={"team": members.team.slug}),
        {"email": "new@example.com", "role": Role.VIEWER},
    )

    assert_refused(response)
    assert not Invitation.objects.exists() and mailoutbox == []


def test_deleting_a_team_without_the_token_is_refused(csrf_client, members):
    response = csrf_client.post(
        reverse("accounts:team_delete", kwargs={"team": members.team.slug}),
        {"confirm_name": "Acme Ops"},
    )

    assert_refused(response)
    assert Team.objects.filter(pk=members.team.pk).exists()


def test_signing_in_without_the_token_is_refused(login_as, members):
    client = login_as(None, enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "vera", "password": "x"})

    assert_refused(response)


def test_forms_with_the_token_work(csrf_client, members):
    page = csrf_client.get(reverse("accounts:members", kwargs={"team": members.team.slug}))
    token = page.cookies["csrftoken"].value

    response = csrf_client.post(
        reverse(
            "accounts:member_remove",
            args=[members.team.slug, members.membership(members.viewer).pk],
        ),
        {"csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(team=members.team, user=members.viewer).exists()


def test_htmx_requests_carry_the_token_from_the_body(csrf_client, members):
    page = csrf_client.get(reverse("accounts:team_home", kwargs={"team": members.team.slug}))

    assert 'hx-headers=\'{"X-CSRFToken": "' in page.content.decode()
