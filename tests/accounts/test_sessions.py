"""Sessions: log out everywhere, a password change ends the other sessions, cookie flags."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:account")).status_code == 200


def test_log_out_everywhere_ends_every_session_of_the_user(members):
    laptop, phone = signed_in("vera"), signed_in("vera")
    someone_else = signed_in("oscar")

    response = phone.post(reverse("accounts:logout_everywhere"), follow=True)

    assert "You are signed out on every device" in response.content.decode()
    assert not is_signed_in(phone)
    assert not is_signed_in(laptop)
    assert is_signed_in(someone_else)


def test_signing_in_again_after_log_out_everywhere_works(members):
    laptop = signed_in("vera")
    laptop.post(reverse("accounts:logout_everywhere"))

    assert is_signed_in(signed_in("vera"))


def test_a_password_change_keeps_this_session_and_ends_the_others(members):
    laptop, phone = signed_in("vera"), signed_in("vera")

    response = phone.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new and long passphrase",
            "new_password2": "a new and long passphrase",
        },
    )

    assert response["Location"] == reverse("accounts:password_change_done")
    assert is_signed_in(phone)
    assert not is_signed_in(laptop)


def test_cookies_are_secure_outside_debug_and_sessions_expire(settings):
    # tests.settings runs with DEBUG off, like production.
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 3600


def test_the_session_cookie_carries_the_flags(members):
    client = Client()
    client.post("/accounts/login/", {"username": "vera", "password": PASSWORD})

    cookie = client.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) > 0
