"""Signing up: a new user gets a personal team at once; sign-up can be closed."""

import pytest
from django.urls import reverse

from accounts.models import Membership, User
from accounts.roles import Role

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
FORM = {
    "username": "newbie",
    "email": "newbie@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def test_it_creates_the_user_signs_them_in_and_opens_their_personal_team(client):
    response = client.post(SIGNUP, FORM, follow=True)

    user = User.objects.get(username="newbie")
    team = user.personal_team
    assert response.redirect_chain[-1][0] == f"/t/{team.slug}/"
    assert response.context["user"] == user
    assert Membership.objects.get(team=team, user=user).role == Role.OWNER
    page = response.content.decode()
    assert "Welcome, newbie! This is your personal team." in page
    assert "Add a key" in page


def test_it_refuses_an_email_address_in_use(client, make_user):
    make_user("ann", email="Ann@Example.com")

    response = client.post(SIGNUP, {**FORM, "email": "ann@example.com"})

    assert "An account with this email address already exists" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_it_refuses_a_weak_password(client):
    response = client.post(SIGNUP, {**FORM, "password1": "12345678", "password2": "12345678"})

    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_it_is_closed_when_the_setting_says_so(client, settings):
    settings.PANEL_ALLOW_SIGNUP = False

    response = client.post(SIGNUP, FORM)

    assert response.status_code == 403
    assert "Sign-up is closed" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_every_user_gets_a_personal_team_however_made(db):
    user = User.objects.create_user("shell", "shell@example.com", "x")

    assert user.personal_team.is_personal
    assert user.memberships.get().role == Role.OWNER


def test_signed_in_users_are_sent_home(login_as, members):
    response = login_as(members.viewer).get(reverse("accounts:signup"))

    assert response["Location"] == "/"
