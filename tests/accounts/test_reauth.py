"""Recent authentication (issue 11 item 14): turning on two-factor, new backup codes and a
password change need a password typed in this session within PANEL_REAUTH_MINUTES."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from accounts import reauth
from panel.audit.models import AuditEntry
from tests.accounts.test_two_factor import enrol
from tests.fixtures.accounts import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp_throttle")]

ENROL = "/accounts/2fa/setup/"
CONFIRM = "/accounts/confirm-password/"
BACKUP_CODES = "/accounts/2fa/backup-codes/"


def grow_stale(client) -> None:
    """The session's password was typed longer ago than the window (a session left open)."""
    session = client.session
    session[reauth.SESSION_KEY] = time.time() - settings.PANEL_REAUTH_MINUTES * 60 - 1
    session.save()


def test_signing_in_counts_as_a_recent_password(client, members):
    client.post("/accounts/login/", {"username": "vera", "password": PASSWORD})

    response = client.get(ENROL)

    assert response.status_code == 200
    assert "<svg" in response.content.decode()


def test_an_old_session_confirms_the_password_before_two_factor_set_up(login_as, members):
    client = login_as(members.viewer)
    grow_stale(client)

    response = client.get(ENROL, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{CONFIRM}?next=%2Faccounts%2F2fa%2Fsetup%2F"
    assert "Enter your password to set up two-factor authentication." in page
    assert "<svg" not in page  # the QR code is the secret

    response = client.post(CONFIRM, {"password": "not it", "next": ENROL})
    assert "That is not your password." in response.content.decode()
    assert AuditEntry.objects.filter(action="sign_in_failed").count() == 1

    response = client.post(CONFIRM, {"password": PASSWORD, "next": ENROL}, follow=True)
    assert response.redirect_chain[-1][0] == ENROL
    assert "<svg" in response.content.decode()
    assert AuditEntry.objects.get(action="password_confirmed").actor == members.viewer


def test_an_old_session_cannot_make_new_backup_codes(login_as, members):
    client = login_as(members.viewer)
    enrol(client, members.viewer)
    grow_stale(client)

    response = client.post(BACKUP_CODES)

    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next=%2Faccounts%2F"
    assert not AuditEntry.objects.filter(action="backup_codes_regenerated").exists()

    client.post(CONFIRM, {"password": PASSWORD})
    response = client.post(BACKUP_CODES)
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="backup_codes_regenerated").count() == 1


def test_wrong_passwords_on_the_confirm_page_lock_out_as_at_sign_in(login_as, members):
    client = login_as(members.viewer)
    grow_stale(client)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(CONFIRM, {"password": "guess"})

    response = client.post(CONFIRM, {"password": PASSWORD})

    assert response.status_code == 429
    assert not reauth.is_recent(response.wsgi_request)


def test_guessing_the_current_password_on_the_change_page_locks_out(login_as, members):
    """A stolen session could try passwords on this form without limit (check_password)."""
    client = login_as(members.viewer)
    change = reverse("accounts:password_change")
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            change,
            {"old_password": f"guess {n}", "new_password1": "x" * 20, "new_password2": "x" * 20},
        )
    assert AuditEntry.objects.filter(action="locked_out").count() == 1

    response = client.post(
        change,
        {"old_password": PASSWORD, "new_password1": "y" * 20, "new_password2": "y" * 20},
    )

    assert response.status_code == 429
    members.viewer.refresh_from_db()
    assert members.viewer.check_password(PASSWORD)


def test_a_password_change_with_the_right_password_still_works(login_as, members):
    client = login_as(members.viewer)
    grow_stale(client)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )

    assert response.status_code == 302
    assert reauth.is_recent(response.wsgi_request)
