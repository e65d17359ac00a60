"""Signing in and out, and where / leads."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_it_sends_anonymous_visitors_from_home_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_it_signs_in_and_opens_the_personal_team(client, make_user):
    user = make_user("ann")

    response = client.post(LOGIN, {"username": "ann", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == f"/t/{user.personal_team.slug}/"
    assert response.context["user"] == user
    assert "ann&#x27;s team" in response.content.decode()


def test_it_opens_the_last_team_after_signing_in(client, members):
    User.objects.filter(pk=members.viewer.pk).update(last_team=members.team)

    response = client.post(LOGIN, {"username": "vera", "password": PASSWORD})
    response = client.get(response["Location"])

    assert response["Location"] == f"/t/{members.team.slug}/"


def test_it_goes_back_to_next_after_signing_in(client, members):
    url = reverse("accounts:members", kwargs={"team": members.team.slug})

    response = client.post(LOGIN, {"username": "olivia", "password": PASSWORD, "next": url})

    assert response["Location"] == url


def test_it_ignores_a_next_to_another_site(client, members):
    response = client.post(
        LOGIN, {"username": "olivia", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_it_names_the_problem_with_a_wrong_password(client, make_user):
    make_user("ann")

    response = client.post(LOGIN, {"username": "ann", "password": "wrong"})

    assert response.status_code == 200
    assert "That username and password do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_signs_out_with_post(login_as, members):
    client = login_as(members.viewer)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_it_does_not_sign_out_with_get(login_as, members):
    client = login_as(members.viewer)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.session["_auth_user_id"] == str(members.viewer.pk)


def test_the_login_page_offers_sign_up_only_when_open(client, settings):
    assert "Create an account" in client.get(LOGIN).content.decode()

    settings.PANEL_ALLOW_SIGNUP = False

    assert "Create an account" not in client.get(LOGIN).content.decode()
