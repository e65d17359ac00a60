"""A server's web console and root password: who sees them, the audit entry of each opening
or reveal, the team's reason and switch, and that the password is never kept."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache

from panel.audit import denials
from panel.audit.models import AuditEntry, TeamSettings

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true", "HX-Target": "root-password"}


@pytest.fixture
def server_url(url, demo):
    def make(name: str) -> str:
        return url(name, server_id=demo.id("web-01"))

    return make


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_see_console_and_password_buttons(members, login_as, server_url, role):
    page = login_as(getattr(members, role)).get(server_url("server_detail")).content.decode()

    assert "Open web console" in page
    assert "Reveal root password" in page


@pytest.mark.parametrize("role", ["operator", "auditor", "viewer"])
def test_other_roles_neither_see_nor_use_them(members, login_as, server_url, role, one_minute):
    client = login_as(getattr(members, role))

    page = client.get(server_url("server_detail")).content.decode()
    assert "Open web console" not in page and "Reveal root password" not in page
    assert client.post(server_url("server_password"), headers=HX).status_code == 403
    assert client.post(server_url("server_console")).status_code == 403
    # The first refusal is written at once; the repeat within the minute is counted.
    (first,) = AuditEntry.objects.filter(outcome=AuditEntry.Outcome.DENIED)
    assert (first.action, first.actor) == ("reveal_root_password", getattr(members, role))
    assert denials.flush(before=denials._window() + 2) == 1


def test_outsider_gets_404(members, login_as, server_url):
    client = login_as(members.outsider)

    assert client.post(server_url("server_password"), headers=HX).status_code == 404
    assert client.post(server_url("server_console")).status_code == 404


def test_v1_reveal_shows_the_password_once_and_audits_it(
    members, login_as, server_url, demo, stored_key, api_version
):
    password = demo.server("web-01")["default_password"]
    client = login_as(members.owner)
    client.get(server_url("server_detail"))  # the server list is now cached

    answer = client.post(server_url("server_password"), headers=HX)
    shown = answer.content.decode()

    entry = AuditEntry.objects.get(action="reveal_root_password")
    assert entry.target_id == demo.id("web-01")
    assert entry.actor == members.owner
    if api_version == "v1":
        assert entry.outcome == AuditEntry.Outcome.SUCCEEDED
        assert password in shown
        assert "hidden again in 30 seconds" in shown
        assert "no-store" in answer["Cache-Control"]
    else:
        # v2 lists no password (only the create call answers with it).
        assert entry.outcome == AuditEntry.Outcome.FAILED
        assert password not in shown
        assert "not available through the API" in shown
    assert password not in json.dumps(list(AuditEntry.objects.values()), default=str)
    # Hidden again: the same URL by GET answers the button, not the password.
    hidden = client.get(server_url("server_password"), headers=HX).content.decode()
    assert password not in hidden and "Reveal root password" in hidden
    # Not in the cache (the server lists and everything else) either.
    redis = cache._cache.get_client(None, write=False)
    stored = b"".join(redis.get(k) or b"" for k in redis.keys("*") if redis.type(k) == b"string")
    assert stored and password.encode() not in stored


def test_console_redirects_to_vultrs_console_and_audits_it(
    members, login_as, server_url, demo, api_version
):
    answer = login_as(members.admin).post(server_url("server_console"))

    # The console of this very server (both versions carry the same token in their URL).
    token = demo.server("web-01")["kvm_url"].rsplit("=", 1)[-1]
    shown = answer.content.decode()
    assert 'http-equiv="refresh"' in shown
    assert re.search(rf'href="https://my\.vultr\.com/subs/[^"]*{token}"', shown)
    assert "no-store" in answer["Cache-Control"]
    entry = AuditEntry.objects.get(action="open_console")
    assert entry.outcome == AuditEntry.Outcome.SUCCEEDED
    assert entry.target_id == demo.id("web-01")
    assert token not in json.dumps(entry.params)


def test_a_team_that_asks_for_reasons_gets_one(members, login_as, server_url, api_version):
    TeamSettings.objects.create(team=members.team, require_reason=True)
    client = login_as(members.owner)

    refused = client.post(server_url("server_password"), headers=HX).content.decode()
    assert "This field is required" in refused
    assert not AuditEntry.objects.filter(action="reveal_root_password").exists()

    client.post(server_url("server_password"), {"password-reason": "locked out of ssh"}, headers=HX)
    assert AuditEntry.objects.get(action="reveal_root_password").reason == "locked out of ssh"

    client.post(server_url("server_console"), {"console-reason": "boot is stuck"})
    assert AuditEntry.objects.get(action="open_console").reason == "boot is stuck"


def test_a_team_can_switch_it_off(members, login_as, server_url, demo, api_version):
    TeamSettings.objects.create(team=members.team, console_access=False)
    client = login_as(members.owner)

    page = client.get(server_url("server_detail")).content.decode()
    assert "switched console and password access off" in page
    assert "Reveal root password" not in page
    answer = client.post(server_url("server_password"), headers=HX).content.decode()
    assert demo.server("web-01")["default_password"] not in answer
    assert "switched console and password access off" in answer
    client.post(server_url("server_console"))
    assert not AuditEntry.objects.filter(
        action__in=["open_console", "reveal_root_password"]
    ).exists()
