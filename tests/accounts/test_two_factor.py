"""Optional TOTP two-factor authentication: enrolment, sign-in with a code or a backup code,
turning it off, and teams that require it."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from tests.fixtures.accounts import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp_throttle")]

ENROL = "/accounts/2fa/setup/"
LOGIN = "/accounts/login/"
LOGIN_CODE = "/accounts/login/code/"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows (steps_ahead: the next ones; a code works only once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(client, user) -> list[str]:
    """Turn two-factor on for `user` through the pages; returns the backup codes shown."""
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"code": code_for(device)})
    assert response.status_code == 200, response.content
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.fixture
def ann_with_2fa(ann, login_as):
    codes = enrol(login_as(ann), ann)
    return ann, TOTPDevice.objects.get(user=ann), codes


def test_the_enrol_page_draws_the_qr_code_on_the_server(login_as, ann):
    response = login_as(ann).get(ENROL)

    page = response.content.decode()
    device = TOTPDevice.objects.get(user=ann)
    assert device.confirmed is False
    assert '<svg width="' in page
    assert "<title>QR code for your authenticator app</title>" in page
    assert twofactor.secret_for_manual_entry(device) in page
    # A strict CSP comes later: nothing inline.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page


def test_it_refuses_a_wrong_code_when_enrolling(login_as, ann):
    client = login_as(ann)
    client.get(ENROL)

    response = client.post(ENROL, {"code": "000000"})

    assert "That code does not match" in response.content.decode()
    assert not twofactor.has_two_factor(ann)


def test_it_confirms_the_app_and_shows_backup_codes_once(login_as, ann):
    client = login_as(ann)

    codes = enrol(client, ann)

    assert len(codes) == 10
    assert twofactor.has_two_factor(ann)
    assert StaticToken.objects.filter(device__user=ann).count() == 10
    response = client.get(ENROL)
    assert response.status_code == 302
    assert codes[0] not in client.get(reverse("accounts:account")).content.decode()


def test_login_asks_for_the_code_when_the_user_has_two_factor(client, ann_with_2fa):
    ann, device, _ = ann_with_2fa

    response = client.post(LOGIN, {"username": "ann", "password": PASSWORD})

    assert response["Location"] == LOGIN_CODE
    assert "_auth_user_id" not in client.session
    assert "two-factor authentication" in client.get(LOGIN_CODE).content.decode()


def test_login_with_the_app_code(client, ann_with_2fa):
    ann, device, _ = ann_with_2fa
    client.post(LOGIN, {"username": "ann", "password": PASSWORD})

    response = client.post(LOGIN_CODE, {"code": code_for(device, steps_ahead=1)}, follow=True)

    assert response.context["user"] == ann
    assert response.context["user"].is_verified()


def test_login_refuses_a_wrong_code(client, ann_with_2fa):
    client.post(LOGIN, {"username": "ann", "password": PASSWORD})

    response = client.post(LOGIN_CODE, {"code": "123456"})

    assert "That code is not valid" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_refuses_a_code_used_already(client, ann_with_2fa):
    ann, device, _ = ann_with_2fa
    used = code_for(device)  # confirmed the enrolment

    client.post(LOGIN, {"username": "ann", "password": PASSWORD})
    response = client.post(LOGIN_CODE, {"code": used})

    assert "That code is not valid" in response.content.decode()


def test_login_with_a_backup_code_works_once(client, ann_with_2fa):
    ann, _, codes = ann_with_2fa
    client.post(LOGIN, {"username": "ann", "password": PASSWORD})

    response = client.post(LOGIN_CODE, {"code": codes[0]}, follow=True)

    assert response.context["user"] == ann
    assert "You used a backup code; 9 left." in response.content.decode()

    client.post(reverse("accounts:logout"))
    client.post(LOGIN, {"username": "ann", "password": PASSWORD})
    response = client.post(LOGIN_CODE, {"code": codes[0]})
    assert "That code is not valid" in response.content.decode()


def test_the_code_step_expires(client, ann_with_2fa):
    ann, device, _ = ann_with_2fa
    client.post(LOGIN, {"username": "ann", "password": PASSWORD})
    session = client.session
    session["accounts_pending_2fa"]["at"] -= 3600
    session.save()

    response = client.post(LOGIN_CODE, {"code": code_for(device, 1)}, follow=True)

    assert response.redirect_chain[-1][0] == LOGIN
    assert "Your sign-in timed out" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_the_code_step_needs_the_password_step(client):
    response = client.get(LOGIN_CODE)

    assert response["Location"] == LOGIN


def test_turning_off_needs_the_password_and_a_code(login_as, ann_with_2fa):
    ann, device, codes = ann_with_2fa
    client = login_as(ann)
    url = reverse("accounts:2fa_disable")

    response = client.post(url, {"password": "wrong", "code": codes[0]})
    assert "That is not your current password." in response.content.decode()
    response = client.post(url, {"password": PASSWORD, "code": "99999999"})
    assert "That code is not valid" in response.content.decode()
    assert twofactor.has_two_factor(ann)

    response = client.post(url, {"password": PASSWORD, "code": codes[1]})
    assert response.status_code == 302
    assert not twofactor.has_two_factor(ann)
    assert not StaticToken.objects.filter(device__user=ann).exists()


def test_new_backup_codes_replace_the_old_ones(login_as, ann):
    client = login_as(ann)
    old = enrol(client, ann)  # this session passed two-factor by enrolling

    response = client.post(reverse("accounts:2fa_backup_codes"))

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10
    assert not StaticToken.objects.filter(token__in=old).exists()


def test_new_backup_codes_need_a_session_that_passed_two_factor(login_as, ann_with_2fa):
    ann, _, codes = ann_with_2fa

    response = login_as(ann).post(reverse("accounts:2fa_backup_codes"))

    assert response["Location"] == reverse("accounts:verify_session")
    assert StaticToken.objects.filter(token__in=codes).count() == 10


# Teams that require two-factor authentication


@pytest.fixture
def strict_team(members):
    members.team.require_2fa = True
    members.team.save()
    return members


def test_a_member_without_two_factor_is_sent_to_set_it_up(strict_team, login_as):
    home = f"/t/{strict_team.team.slug}/"
    client = login_as(strict_team.viewer)

    response = client.get(home, follow=True)

    assert response.redirect_chain[-1][0] == f"{ENROL}?next={home.replace('/', '%2F')}"
    assert "Acme Ops requires two-factor authentication" in response.content.decode()

    device = TOTPDevice.objects.get(user=strict_team.viewer)
    response = client.post(f"{ENROL}?next={home}", {"code": code_for(device)})
    assert f'href="{home}"' in response.content.decode()
    assert client.get(home).status_code == 200


def test_a_session_that_has_not_passed_two_factor_is_asked_for_a_code(strict_team, login_as):
    viewer = strict_team.viewer
    enrol(login_as(viewer), viewer)
    device = TOTPDevice.objects.get(user=viewer)
    home = f"/t/{strict_team.team.slug}/"
    client = login_as(viewer)  # signed in without a code (force_login)

    response = client.get(home)
    assert response["Location"].startswith(reverse("accounts:verify_session"))

    response = client.post(response["Location"], {"code": code_for(device, 1)})
    assert response["Location"] == home
    assert client.get(home).status_code == 200


def test_teams_without_the_requirement_stay_open(members, login_as):
    assert login_as(members.viewer).get(f"/t/{members.team.slug}/").status_code == 200


def test_requiring_two_factor_needs_it_for_yourself_first(members, login_as):
    client = login_as(members.owner)
    url = reverse("accounts:team_settings", kwargs={"team": members.team.slug})

    response = client.post(url, {"name": "Acme Ops", "require_2fa": "on"})

    assert "Turn on two-factor authentication for yourself first" in response.content.decode()
    members.team.refresh_from_db()
    assert members.team.require_2fa is False

    enrol(client, members.owner)
    client.post(url, {"name": "Acme Ops", "require_2fa": "on"})
    members.team.refresh_from_db()
    assert members.team.require_2fa is True


def test_a_right_code_just_after_a_wrong_one_is_told_to_wait_not_called_wrong(
    client, ann_with_2fa, settings
):
    """Issue 13 item 10: django-otp refuses every code for a second after a wrong one, and
    the right code was answered "That code is not valid"."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    ann, device, _ = ann_with_2fa
    client.post(LOGIN, {"username": "ann", "password": PASSWORD})
    client.post(LOGIN_CODE, {"code": "000000"})

    response = client.post(LOGIN_CODE, {"code": code_for(device, steps_ahead=1)})

    page = response.content.decode()
    assert "Too soon after a wrong code: this one was not checked" in page
    assert "in 1 second" in page
    assert "That code is not valid" not in page
    assert "_auth_user_id" not in client.session

    # When the second is over, the same code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    response = client.post(LOGIN_CODE, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ann.pk)


def test_the_wait_doubles_and_is_said(client, ann_with_2fa, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    client.post(LOGIN, {"username": "ann", "password": PASSWORD})
    TOTPDevice.objects.update(
        throttling_failure_count=3, throttling_failure_timestamp=timezone.now()
    )

    page = client.post(LOGIN_CODE, {"code": "000000"}).content.decode()

    assert "in 4 seconds" in page


def test_enrolling_says_so_too(login_as, ann, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    client = login_as(ann)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=ann, confirmed=False)
    client.post(ENROL, {"code": "000000"})

    page = client.post(ENROL, {"code": code_for(device)}).content.decode()

    assert "Too soon after a wrong code" in page and "does not match" not in page
