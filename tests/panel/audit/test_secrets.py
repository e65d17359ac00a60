"""Secrets (API keys, passwords, TOTP secrets, invitation tokens, startup scripts) never appear
in an entry, an export or an entry's page, whatever the flow that wrote it."""

from __future__ import annotations

from base64 import b32encode

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey
from accounts.roles import Role
from panel.audit.models import AuditEntry
from panel.servers import actions
from tests.accounts.test_two_factor import code_for, enrol
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.simulator import new_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp_throttle")]

LOGIN = "/accounts/login/"
SCRIPT_SECRET = "s3cret-in-a-script"


@pytest.fixture
def secrets_used(login_as, members, vultr_key, simulator, client, mailoutbox, ctx_for):
    """Runs every flow that handles a secret; returns the secrets."""
    admin = login_as(members.admin)
    slug = members.team.slug
    admin.post(
        reverse("accounts:key_add", args=[slug]),
        {"label": "Production", "api_url": vultr_key.url, "key": vultr_key.key},
    )
    api_key = ApiKey.objects.get()
    replacement = new_key()
    simulator.sim.add_account(replacement)
    admin.post(reverse("accounts:key_replace", args=[slug, api_key.pk]), {"key": replacement})
    rejected = new_key()
    admin.post(
        reverse("accounts:key_add", args=[slug]),
        {"label": "Bad", "api_url": vultr_key.url, "key": rejected},
    )
    call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))

    client.post(LOGIN, {"username": "vera", "password": "wrong-password-123"})
    client.post(LOGIN, {"username": "nobody", "password": "another-password-456"})
    client.post(LOGIN, {"username": "vera", "password": PASSWORD})

    viewer = login_as(members.viewer)
    enrol(viewer, members.viewer)
    device = TOTPDevice.objects.get(user=members.viewer)
    viewer.post(
        "/accounts/2fa/disable/",
        {"password": PASSWORD, "code": code_for(device, steps_ahead=1)},
    )

    admin.post(
        reverse("accounts:member_invite", args=[slug]),
        {"email": "new@example.com", "role": Role.VIEWER},
    )
    token = mailoutbox[-1].body.split("/invitations/")[1].split("/")[0]

    actions.create_startupscript(
        ctx_for(members.operator, key=api_key), "boot", f"#!/bin/sh\nPASS={SCRIPT_SECRET}\n"
    )
    return {
        "api key": vultr_key.key,
        "replacement key": replacement,
        "rejected key": rejected,
        "password": PASSWORD,
        "wrong password": "wrong-password-123",
        "unknown user's password": "another-password-456",
        "TOTP key (hex)": device.key,
        "TOTP key (base32)": b32encode(device.bin_key).decode().rstrip("="),
        "invitation token": token,
        "startup script": SCRIPT_SECRET,
    }


def assert_absent(secrets: dict[str, str], text: str, where: str) -> None:
    for name, secret in secrets.items():
        assert secret not in text, f"the {name} is in {where}"


def test_no_entry_holds_a_secret(secrets_used):
    actions_seen = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "api_key_added",
        "api_key_replaced",
        "api_key_rotated",
        "signed_in",
        "sign_in_failed",
        "two_factor_enabled",
        "two_factor_disabled",
        "invitation_sent",
        "create_startupscript",
    } <= actions_seen
    for entry in AuditEntry.objects.all():
        assert_absent(secrets_used, repr(entry.canonical()), f"entry {entry.action}")
        assert_absent(secrets_used, entry.prev_hash + entry.hash, "a hash")


def test_no_export_holds_a_secret(secrets_used, login_as, members):
    client = login_as(members.owner)
    for fmt in ("csv", "jsonl"):
        response = client.get(reverse("panel:audit_export", args=[members.team.slug, fmt]))
        text = b"".join(response.streaming_content).decode()
        assert "api_key_added" in text
        assert_absent(secrets_used, text, f"the {fmt} export")


def test_no_entry_page_shows_a_secret(secrets_used, login_as, members):
    for user in (members.owner, members.viewer):
        client = login_as(user)
        team = user.personal_team if user == members.viewer else members.team
        for entry in AuditEntry.objects.filter(team=team):
            page = client.get(reverse("panel:audit_entry", args=[team.slug, entry.pk]))
            assert page.status_code == 200
            assert_absent(secrets_used, page.content.decode(), f"the page of {entry.action}")


def test_a_yes_or_no_is_shown_as_chosen_whatever_its_name(login_as, members, ctx_for):
    """`enable_private_network` names no secret: the entry says what was ordered."""
    from tests.panel.helpers import demo_order

    ctx = ctx_for(members.owner)
    actions.create_server(ctx, demo_order(ctx, label="web-09", enable_private_network=True))

    entry = AuditEntry.objects.get(action="create_server")
    assert entry.params["enable_private_network"] is True
    page = login_as(members.owner).get(
        reverse("panel:audit_entry", args=[members.team.slug, entry.pk])
    )
    text = page.content.decode()
    assert "<code>enable_private_network</code>: True" in text
    assert "[removed" not in text


def test_secrets_are_found_by_name_and_by_look(login_as, members):
    from panel.audit import record as audit

    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END"
    entry = audit.record(
        "team_settings_changed",
        team=members.team,
        actor=members.owner,
        params={
            "ssh_private_key": "plain text",
            "rootPassword": "hunter22",
            "private_network_id": "net-1",
            "note": pem,
            "label": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        },
    )

    entry.refresh_from_db()
    assert entry.params == {
        "ssh_private_key": "[removed, 10 characters]",
        "rootPassword": "[removed, 8 characters]",
        "private_network_id": "net-1",
        "note": f"[removed, {len(pem)} characters]",
        "label": "[removed, 36 characters]",
    }
