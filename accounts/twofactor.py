"""Optional TOTP two-factor authentication with django-otp (otp_totp and otp_static).

A user has at most one authenticator app (a `TOTPDevice`) and one set of backup codes (a
`StaticDevice`). Enrolment creates the app device unconfirmed; it counts only once a code from
the app has been entered. Backup codes are shown once, right after they are made.

Codes are checked device by device with `django_otp.verify_token`, which locks the row and
applies django-otp's throttling: after n wrong codes in a row the device refuses every code,
right ones too, for OTP_*_THROTTLE_FACTOR * 2**(n-1) seconds (1, 2, 4 ... by default). It says
so only by returning False, so a right code typed a second after a typo looked wrong (issue
13 item 10); we ask the device first and raise `Throttled`, saying when to try again.
"""

from __future__ import annotations

import math
from base64 import b32encode
from datetime import datetime

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from panel.audit import record as audit

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


class Throttled(Exception):
    """Too soon after a wrong code: this one was not checked. `until`: when the next counts."""

    def __init__(self, until: datetime):
        self.until = until
        seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
        wait = "1 second" if seconds == 1 else f"{seconds} seconds"
        super().__init__(
            f"Too soon after a wrong code: this one was not checked. Enter the code your app "
            f"shows in {wait} (at {until:%H:%M:%S} UTC); the wait doubles after each wrong code."
        )


def _throttled_until(devices) -> datetime | None:
    """When the next try counts, if every one of `devices` refuses tries just now."""
    until = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if allowed or not (info or {}).get("locked_until"):
            return None
        until.append(info["locked_until"])
    return min(until) if until else None


def has_two_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def users_with_two_factor(users) -> set[int]:
    """The ids of those of `users` who have two-factor authentication on."""
    ids = [user.pk for user in users]
    return set(
        TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True)
    )


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed app device being set up, made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The key as authenticator apps accept it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URL as an inline SVG, drawn on the server (no script, no style)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, dark="#000", light="#fff", title="QR code for your authenticator app"
    )
    return mark_safe(svg)  # segno escapes the title; the rest is its own markup


@transaction.atomic
def confirm_app_device(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app device with a code from it; returns new backup codes, or None if the
    code is wrong; raises `Throttled` too soon after a wrong one. Any earlier app device and
    backup codes are replaced."""
    until = _throttled_until([device])
    if until is not None:
        raise Throttled(until)
    if not verify_token(device.user, device.persistent_id, code):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.account_event("two_factor_enabled", device.user)
    return new_backup_codes(device.user)


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with fresh ones and return them (to be shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify_code(user, code: str):
    """The confirmed device that accepts `code` (an app code or a backup code), or None.
    Raises `Throttled` when every device it could be for refuses tries just now."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    # Six digits is an app code; anything else can only be a backup code.
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    devices = [d for d in devices_for_user(user, confirmed=True) if isinstance(d, kind)]
    until = _throttled_until(devices)
    if until is not None:
        raise Throttled(until)
    for device in devices:
        if verify_token(user, device.persistent_id, code):
            return device
    return None


@transaction.atomic
def disable(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.account_event("two_factor_disabled", user)
