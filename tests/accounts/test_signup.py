"""Signing up: a new user gets a personal team at once; sign-up can be closed."""

import re

import pytest
from django.test import Client
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


def link_in(email) -> str:
    return re.search(r"http://testserver(/accounts/signup/\S+/)", email.body).group(1)


def test_it_emails_a_link_that_creates_the_user_signs_them_in_and_opens_their_team(
    client, mailoutbox
):
    response = client.post(SIGNUP, FORM)

    assert "We sent a message to <strong>newbie@example.com</strong>" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    (email,) = mailoutbox
    assert email.to == ["newbie@example.com"]
    assert email.subject == "Finish creating your account on the Vultr panel"
    link = link_in(email)

    assert "Create the account <strong>newbie</strong>" in client.get(link).content.decode()
    response = client.post(link, follow=True)

    user = User.objects.get(username="newbie")
    team = user.personal_team
    assert user.check_password(FORM["password1"])
    assert response.redirect_chain[-1][0] == f"/t/{team.slug}/"
    assert response.context["user"] == user
    assert Membership.objects.get(team=team, user=user).role == Role.OWNER
    page = response.content.decode()
    assert "Welcome, newbie! This is your personal team." in page
    assert "Add a key" in page
    assert FORM["password1"] not in email.body


def test_the_link_works_once(client, mailoutbox):
    client.post(SIGNUP, FORM)
    link = link_in(mailoutbox[0])
    client.post(link)

    response = Client().post(link)

    assert response.status_code == 410
    assert "expired or was used already" in response.content.decode()
    assert User.objects.filter(username="newbie").count() == 1


def test_the_page_does_not_tell_which_accounts_exist(client, make_user, mailoutbox):
    """Issue 11 item 12: "A user with that username already exists" and "An account with this
    email address already exists" told anyone which accounts there are."""
    make_user("ann", email="Ann@Example.com")
    answers = [
        client.post(SIGNUP, {**FORM, "username": "ann", "email": "free@example.com"}),
        client.post(SIGNUP, {**FORM, "username": "free", "email": "ann@example.com"}),
        client.post(SIGNUP, {**FORM, "username": "also-free", "email": "also@example.com"}),
    ]

    def page(answer) -> str:
        text = answer.content.decode()
        # Leaving out what differs anyway: the address typed, CSRF tokens and CSP nonces.
        return re.sub(
            r'[\w.+-]+@example\.com|"X-CSRFToken": "\w+"|value="\w+"|nonce="\S+"', "", text
        )

    assert {a.status_code for a in answers} == {200}
    assert page(answers[0]) == page(answers[1]) == page(answers[2])
    assert "already" not in page(answers[0])
    # The mailboxes learn it instead: each message is for the address's owner only.
    taken, exists, new = mailoutbox
    assert "That username is already taken" in taken.body and "/accounts/signup/" in taken.body
    assert 'its username is "ann"' in exists.body and "/accounts/password/reset/" in exists.body
    assert link_in(new)
    assert User.objects.count() == 1


def test_a_username_taken_after_the_link_was_sent(client, make_user, mailoutbox):
    client.post(SIGNUP, FORM)
    make_user("newbie", email="other@example.com")

    response = client.post(link_in(mailoutbox[0]))

    assert response.status_code == 409
    assert "The username newbie was taken after the link was sent" in response.content.decode()


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


def test_a_mail_server_that_refuses_is_said(client, settings):
    # Nothing listens on port 9 of loopback: the SMTP connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9

    response = client.post(SIGNUP, FORM)

    assert "could not be sent" in response.content.decode()
    assert "Check your email" not in response.content.decode()
