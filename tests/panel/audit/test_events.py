"""Every auth and account event writes exactly one entry with the right fields: who (id and
name), from where (address, browser), under which request id, on what, and how it went."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey, Invitation
from accounts.roles import Role
from panel.audit.events import EVENTS, vultr_actions
from panel.audit.models import AuditEntry, TeamSettings
from panel.audit.verify import verify
from tests.accounts.test_two_factor import code_for, enrol
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.simulator import new_key as new_vultr_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp_throttle")]

BROWSER = {"User-Agent": "Mozilla/5.0 (audit test)"}
LOGIN = "/accounts/login/"


def only(action: str, **lookup) -> AuditEntry:
    """The one entry of `action` (it fails if there are none or several)."""
    found = list(AuditEntry.objects.filter(action=action, **lookup))
    assert len(found) == 1, [(e.action, e.team_id, e.actor_name) for e in found]
    return found[0]


def from_request(entry: AuditEntry, response) -> None:
    """The entry carries the request's id, the client's address and browser."""
    assert entry.request_id == response["X-Request-ID"]
    assert entry.ip == "127.0.0.1"
    assert entry.user_agent == BROWSER["User-Agent"]
    assert entry.created_at.utcoffset().total_seconds() == 0


def url(name: str, members, **kwargs) -> str:
    return reverse(f"accounts:{name}", kwargs={"team": members.team.slug, **kwargs})


# -- signing in and out ----------------------------------------------------------------------


def test_signing_in(client, members):
    response = client.post(LOGIN, {"username": "vera", "password": PASSWORD}, headers=BROWSER)

    entry = only("signed_in")
    assert entry.team == members.viewer.personal_team
    assert (entry.actor, entry.actor_name) == (members.viewer, "vera")
    assert (entry.target_type, entry.target_id) == ("user", str(members.viewer.pk))
    assert entry.outcome == "succeeded"
    from_request(entry, response)


def test_signing_out(login_as, members):
    client = login_as(members.viewer)

    response = client.post("/accounts/logout/", headers=BROWSER)

    entry = only("signed_out")
    assert (entry.team, entry.actor) == (members.viewer.personal_team, members.viewer)
    from_request(entry, response)


def test_a_wrong_password(client, members):
    response = client.post(LOGIN, {"username": "vera", "password": "not it"}, headers=BROWSER)

    entry = only("sign_in_failed")
    assert entry.team == members.viewer.personal_team
    assert (entry.actor_id, entry.actor_name) == (None, "")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "user",
        str(members.viewer.pk),
        "vera",
    )
    assert (entry.outcome, entry.params) == ("failed", {"username": "vera"})
    assert "password was wrong" in entry.error
    from_request(entry, response)
    assert "not it" not in str(entry.canonical())


def test_an_unknown_username_goes_to_the_sites_chain(client, db):
    client.post(LOGIN, {"username": "mallory", "password": "guess"}, headers=BROWSER)

    entry = only("sign_in_failed")
    assert entry.team_id is None
    assert (entry.target_label, entry.error) == ("mallory", "No user has this username.")
    assert verify(0).ok


def test_a_lockout_is_one_entry_when_it_begins(client, members):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit + 1):
        response = client.post(LOGIN, {"username": "vera", "password": "wrong"}, headers=BROWSER)

    assert response.status_code == 429
    locked = only("locked_out")
    assert locked.team == members.viewer.personal_team
    assert (locked.outcome, locked.params) == ("denied", {"username": "vera", "failures": limit})
    assert "127.0.0.1" in locked.error
    failed = list(AuditEntry.objects.filter(action="sign_in_failed").order_by("seq"))
    assert len(failed) == limit + 1
    assert "locked out" in failed[-1].error and "locked out" not in failed[-2].error
    assert locked.request_id == failed[limit - 1].request_id  # the failure that locked it


def test_unlocking_a_member(client, login_as, members):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "vera", "password": "wrong"})

    response = login_as(members.admin).post(
        url("member_unlock", members, member_id=members.membership(members.viewer).pk),
        headers=BROWSER,
    )

    entry = only("member_unlocked")
    assert (entry.team, entry.actor, entry.target_label) == (members.team, members.admin, "vera")
    from_request(entry, response)


# -- two-factor authentication ---------------------------------------------------------------


def test_turning_two_factor_on_and_off(login_as, members):
    client = login_as(members.viewer)

    enrol(client, members.viewer)
    entry = only("two_factor_enabled")
    assert (entry.team, entry.actor) == (members.viewer.personal_team, members.viewer)
    assert entry.ip == "127.0.0.1" and entry.request_id

    response = client.post(
        "/accounts/2fa/disable/",
        {
            "password": PASSWORD,
            "code": code_for(TOTPDevice.objects.get(user=members.viewer), steps_ahead=1),
        },
        headers=BROWSER,
    )
    assert response.status_code == 302
    entry = only("two_factor_disabled")
    assert (entry.team, entry.actor) == (members.viewer.personal_team, members.viewer)
    from_request(entry, response)


def test_a_wrong_code_at_sign_in(client, login_as, members):
    enrol(login_as(members.viewer), members.viewer)
    client.post(LOGIN, {"username": "vera", "password": PASSWORD})

    response = client.post("/accounts/login/code/", {"code": "000000"}, headers=BROWSER)

    entry = only("sign_in_failed")
    assert (entry.actor_id, entry.target_label) == (None, "vera")
    assert entry.error == "Wrong two-factor code."
    from_request(entry, response)


def test_signing_out_everywhere(login_as, members):
    response = login_as(members.viewer).post("/accounts/logout-everywhere/", headers=BROWSER)

    entry = only("signed_out_everywhere")
    assert (entry.team, entry.actor) == (members.viewer.personal_team, members.viewer)
    from_request(entry, response)
    assert only("signed_out").request_id == entry.request_id


# -- API keys --------------------------------------------------------------------------------


def test_adding_a_key(login_as, members, vultr_key):
    response = login_as(members.admin).post(
        url("key_add", members),
        {"label": "Production", "api_url": vultr_key.url, "key": vultr_key.key},
        headers=BROWSER,
    )

    api_key = ApiKey.objects.get()
    entry = only("api_key_added")
    assert (entry.team, entry.actor) == (members.team, members.admin)
    assert (entry.target_type, entry.target_id) == ("api_key", str(api_key.pk))
    assert entry.target_label == f"Production (…{vultr_key.key[-4:]})"
    assert entry.params == {"label": "Production", "api_url": vultr_key.url, "api_version": "v2"}
    from_request(entry, response)


def test_replacing_a_key(login_as, members, stored_key, simulator):
    old_last4 = stored_key.last4
    new_key = new_vultr_key()
    simulator.sim.add_account(new_key)

    response = login_as(members.admin).post(
        url("key_replace", members, key_id=stored_key.pk), {"key": new_key}, headers=BROWSER
    )

    entry = only("api_key_replaced")
    assert (entry.team, entry.actor, entry.target_id) == (
        members.team,
        members.admin,
        str(stored_key.pk),
    )
    assert (entry.before, entry.after) == (
        {"masked": f"…{old_last4}", "api_version": "v1"},
        {"masked": f"…{new_key[-4:]}", "api_version": "v1"},
    )
    from_request(entry, response)


def test_removing_a_key(login_as, members, stored_key):
    response = login_as(members.admin).post(
        url("key_remove", members, key_id=stored_key.pk), headers=BROWSER
    )

    entry = only("api_key_removed")
    assert (entry.team, entry.actor, entry.target_id) == (
        members.team,
        members.admin,
        str(stored_key.pk),
    )
    from_request(entry, response)


def test_re_encrypting_the_keys(members, stored_key):
    call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))

    entry = only("api_key_rotated")
    assert (entry.team, entry.target_id) == (members.team, str(stored_key.pk))
    assert (entry.actor_id, entry.actor_name) == (None, "manage.py rotate_encryption_key")


# -- invitations and members -----------------------------------------------------------------


def test_an_invitation_sent_accepted_and_one_revoked(login_as, members, make_user, mailoutbox):
    admin = login_as(members.admin)
    response = admin.post(
        url("member_invite", members),
        {"email": "new@example.com", "role": Role.OPERATOR},
        headers=BROWSER,
    )
    sent = only("invitation_sent")
    invitation = Invitation.objects.get(email="new@example.com")
    assert (sent.team, sent.actor, sent.target_id) == (
        members.team,
        members.admin,
        str(invitation.pk),
    )
    assert sent.params["role"] == "operator" and sent.params["email"] == "new@example.com"
    from_request(sent, response)
    link = mailoutbox[-1].body.split("http://testserver")[1].split()[0]
    assert link.split("/")[2] not in str(sent.canonical())  # the token is the credential

    newbie = make_user("newbie", email="new@example.com")
    login_as(newbie).post(link, headers=BROWSER)
    accepted = only("invitation_accepted")
    assert (accepted.team, accepted.actor, accepted.target_label) == (
        members.team,
        newbie,
        "newbie",
    )
    assert accepted.params["role"] == "operator"

    admin.post(url("member_invite", members), {"email": "late@example.com", "role": Role.VIEWER})
    late = Invitation.objects.get(email="late@example.com")
    response = admin.post(url("invitation_revoke", members, invitation_id=late.pk), headers=BROWSER)
    revoked = only("invitation_revoked")
    assert (revoked.target_id, revoked.target_label) == (str(late.pk), "late@example.com")
    from_request(revoked, response)


def test_a_role_change(login_as, members):
    response = login_as(members.admin).post(
        url("member_role", members, member_id=members.membership(members.viewer).pk),
        {"role": Role.OPERATOR},
        headers=BROWSER,
    )

    entry = only("member_role_changed")
    assert (entry.team, entry.actor, entry.target_label) == (members.team, members.admin, "vera")
    assert (entry.before, entry.after) == ({"role": "viewer"}, {"role": "operator"})
    from_request(entry, response)


def test_a_refused_role_change_leaves_no_entry(login_as, members):
    login_as(members.admin).post(
        url("member_role", members, member_id=members.membership(members.owner).pk),
        {"role": Role.VIEWER},
    )

    assert not AuditEntry.objects.filter(action="member_role_changed").exists()


def test_removing_a_member_and_leaving(login_as, members):
    login_as(members.admin).post(
        url("member_remove", members, member_id=members.membership(members.viewer).pk)
    )
    removed = only("member_removed")
    assert (removed.actor, removed.target_label, removed.params) == (
        members.admin,
        "vera",
        {"role": "viewer"},
    )

    login_as(members.operator).post(url("team_leave", members))
    left = only("member_left")
    assert (left.actor, left.target_label, left.team) == (members.operator, "oscar", members.team)


def test_transferring_ownership(login_as, members):
    new_owner = members.membership(members.operator)

    login_as(members.owner).post(url("team_transfer", members), {"member": new_owner.pk})

    entry = only("ownership_transferred")
    assert (entry.actor, entry.target_label) == (members.owner, "oscar")
    assert entry.before == {"owner": "olivia", "role_of_new_owner": "operator"}
    assert entry.after == {"owner": "oscar", "role_of_old_owner": "admin"}


# -- settings and permissions ----------------------------------------------------------------


def test_team_settings(login_as, members):
    response = login_as(members.admin).post(
        url("team_settings", members), {"name": "Acme Platform"}, headers=BROWSER
    )

    entry = only("team_settings_changed")
    assert (entry.team, entry.actor) == (members.team, members.admin)
    assert (entry.before, entry.after) == ({"name": "Acme Ops"}, {"name": "Acme Platform"})
    from_request(entry, response)


def test_saving_settings_unchanged_writes_nothing(login_as, members):
    login_as(members.admin).post(url("team_settings", members), {"name": "Acme Ops"})

    assert not AuditEntry.objects.filter(action="team_settings_changed").exists()


def test_panel_settings_from_anywhere(members):
    settings_row = TeamSettings.objects.create(team=members.team, require_reason=True)
    settings_row.audit_retention_days = 90
    settings_row.save()

    first, second = AuditEntry.objects.filter(action="team_settings_changed").order_by("seq")
    assert (first.before, first.after) == ({"require_reason": False}, {"require_reason": True})
    assert (second.before, second.after) == (
        {"audit_retention_days": None},
        {"audit_retention_days": 90},
    )
    assert (second.actor_id, second.actor_name) == (None, "")  # the shell: nobody signed in


def test_a_permission_denial(login_as, members):
    response = login_as(members.viewer).get(url("members", members), headers=BROWSER)

    assert response.status_code == 403
    entry = only("permission_denied")
    assert (entry.team, entry.actor, entry.outcome) == (members.team, members.viewer, "denied")
    assert (entry.target_type, entry.target_id) == ("page", "accounts:members")
    assert entry.params == {"permission": "manage_users", "method": "GET"}
    assert "does not allow this" in entry.error
    from_request(entry, response)


def test_an_outsider_leaves_no_trace_in_the_team(login_as, members):
    response = login_as(members.outsider).get(url("members", members))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(team=members.team, action="permission_denied").exists()


# -- the catalogue ---------------------------------------------------------------------------


def test_every_vultr_action_is_audited_by_the_action_layer():
    """tests/panel/test_actions.py runs each of these and checks its one entry; this checks
    that the list it runs is every mutating action there is."""
    from tests.panel.servers.test_actions import CASES

    assert set(vultr_actions()) == set(CASES)


def test_event_names_do_not_clash_with_vultr_actions():
    assert not set(EVENTS) & set(vultr_actions())


def test_every_event_here_leaves_the_chains_intact(login_as, members, client):
    client.post(LOGIN, {"username": "vera", "password": PASSWORD})
    login_as(members.admin).post(url("team_settings", members), {"name": "Renamed"})
    login_as(members.viewer).get(url("members", members))

    for team_id in set(AuditEntry.objects.values_list("team_id", flat=True)):
        assert verify(team_id or 0).ok


# -- what issue 11 item 5 found missing --------------------------------------------------------


def test_signing_up(client, db, mailoutbox):
    import re

    form = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password1": "a long passphrase here",
        "password2": "a long passphrase here",
    }
    client.post("/accounts/signup/", form, headers=BROWSER)
    assert AuditEntry.objects.count() == 0  # only an email: nothing changed yet
    link = re.search(r"http://testserver(/accounts/signup/\S+/)", mailoutbox[0].body).group(1)

    response = client.post(link, headers=BROWSER)

    assert response.status_code == 302
    entry = only("signed_up")
    newbie = entry.actor
    assert newbie.username == "newbie" and entry.team == newbie.personal_team
    assert entry.params == {"email": "newbie@example.com"}
    assert "a long passphrase" not in str(entry.canonical())
    from_request(entry, response)
    # One entry for the request: the personal team and the first sign-in are part of it.
    assert AuditEntry.objects.count() == 1


def test_signing_up_from_an_invitation(client, login_as, members, mailoutbox):
    login_as(members.admin).post(
        url("member_invite", members), {"email": "new@example.com", "role": Role.OPERATOR}
    )
    client.get(mailoutbox[-1].body.split("http://testserver")[1].split()[0])
    before = AuditEntry.objects.count()

    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "new@example.com",
            "password1": "a long passphrase here",
            "password2": "a long passphrase here",
        },
        headers=BROWSER,
    )

    newbie = only("signed_up").actor
    accepted = only("invitation_accepted")
    assert (accepted.team, accepted.actor, accepted.params["role"]) == (
        members.team,
        newbie,
        "operator",
    )
    from_request(accepted, response)
    # One entry in each chain: the new user's own and the team's.
    assert AuditEntry.objects.count() == before + 2
    assert verify(members.team.pk).ok and verify(newbie.personal_team.pk).ok


def test_changing_the_password(login_as, members):
    response = login_as(members.viewer).post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
        headers=BROWSER,
    )

    assert response.status_code == 302
    entry = only("password_changed")
    assert (entry.team, entry.actor) == (members.viewer.personal_team, members.viewer)
    assert "another long passphrase" not in str(entry.canonical())
    from_request(entry, response)


def test_resetting_the_password_by_email(client, members, mailoutbox):
    import re

    client.post("/accounts/password/reset/", {"email": members.viewer.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mailoutbox[0].body)
    form_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]

    response = client.post(
        form_url,
        {"new_password1": "brand new passphrase", "new_password2": "brand new passphrase"},
        headers=BROWSER,
    )

    assert response.status_code == 302
    entry = only("password_reset")
    assert (entry.team, entry.actor, entry.target_id) == (
        members.viewer.personal_team,
        members.viewer,
        str(members.viewer.pk),
    )
    from_request(entry, response)


def test_new_backup_codes(login_as, members):
    client = login_as(members.viewer)
    enrol(client, members.viewer)

    response = client.post(reverse("accounts:2fa_backup_codes"), headers=BROWSER)

    entry = only("backup_codes_regenerated")
    assert (entry.team, entry.actor, entry.params) == (
        members.viewer.personal_team,
        members.viewer,
        {"count": 10},
    )
    from_request(entry, response)


def test_creating_and_deleting_a_team(login_as, members):
    from accounts.models import Team

    client = login_as(members.owner)
    response = client.post(
        reverse("accounts:team_create"), {"name": "Night Shift"}, headers=BROWSER
    )
    team = Team.objects.get(name="Night Shift")
    created = only("team_created")
    assert (created.team, created.actor, created.target_label) == (
        team,
        members.owner,
        "Night Shift",
    )
    from_request(created, response)

    response = client.post(
        reverse("accounts:team_delete", kwargs={"team": team.slug}),
        {"confirm_name": "Night Shift"},
        headers=BROWSER,
    )
    assert not Team.objects.filter(pk=team.pk).exists()
    deleted = only("team_deleted")
    assert (deleted.team_id, deleted.actor, deleted.target_label) == (
        team.pk,
        members.owner,
        "Night Shift",
    )
    assert deleted.params["members"] == 1
    from_request(deleted, response)
    assert verify(team.pk).ok  # the chain outlives the team


def test_adding_and_removing_an_alert_address(login_as, members):
    from panel.operations.models import AlertTarget

    client = login_as(members.admin)
    alerts = reverse("operations:alerts", args=[members.team.slug])
    response = client.post(
        alerts,
        {"channel": "email", "address": "ops@example.com", "on_failed": "on"},
        headers=BROWSER,
    )
    target = AlertTarget.objects.get()
    added = only("alert_target_added")
    assert (added.team, added.actor, added.target_id, added.target_label) == (
        members.team,
        members.admin,
        str(target.pk),
        "ops@example.com",
    )
    assert added.params == {"channel": "email", "on_ready": False, "on_failed": True}
    from_request(added, response)

    response = client.post(
        reverse("operations:alert_delete", args=[members.team.slug, target.pk]), headers=BROWSER
    )
    removed = only("alert_target_removed")
    assert (removed.target_id, removed.target_label) == (str(target.pk), "ops@example.com")
    from_request(removed, response)


def test_changing_and_resetting_a_keys_budget(login_as, members, stored_key):
    client = login_as(members.admin)
    url = reverse("operations:budget_set", args=[members.team.slug, stored_key.pk])
    prefix = f"key{stored_key.pk}-"

    response = client.post(
        url, {prefix + "requests_per_second": "1.5", prefix + "burst": "1"}, headers=BROWSER
    )
    changed = only("api_budget_changed")
    assert (changed.team, changed.actor, changed.target_id) == (
        members.team,
        members.admin,
        str(stored_key.pk),
    )
    assert changed.before is None
    assert changed.after["requests_per_second"] == 1.5 and changed.after["burst"] == 1
    from_request(changed, response)

    response = client.post(url, {"reset": "1"}, headers=BROWSER)
    reset = only("api_budget_reset")
    assert reset.before["requests_per_second"] == 1.5
    from_request(reset, response)


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_cancelling_and_retrying_an_operation(login_as, members, ctx_for, vultr):
    from panel.operations import start
    from tests.panel.helpers import Demo

    op = start.start_reinstall_server(ctx_for(members.operator), Demo(vultr).id("web-01"))
    client = login_as(members.operator)

    response = client.post(
        reverse("operations:cancel", args=[members.team.slug, op.pk]), headers=BROWSER
    )
    cancelled = only("operation_cancelled")
    assert (cancelled.team, cancelled.actor, cancelled.outcome) == (
        members.team,
        members.operator,
        "succeeded",
    )
    assert (cancelled.target_type, cancelled.target_id) == ("operation", str(op.pk))
    assert op.target_id == Demo(vultr).id("web-01")  # the key's version's id (v2: a UUID)
    from_request(cancelled, response)

    response = client.post(
        reverse("operations:retry", args=[members.team.slug, op.pk]), headers=BROWSER
    )
    retried = only("operation_retried")
    assert (retried.actor, retried.outcome) == (members.operator, "succeeded")
    from_request(retried, response)


# -- every URL that changes something is on the record -------------------------------------------

# What a POST to each URL of the panel writes: the entries it may write (one per request; the
# pages of the action layer one per server acted on), or why it writes none. A refusal writes
# `permission_denied` or the action's name, outcome denied (test_denials.py), on any URL.
# A new URL fails test_every_url_is_classified until it is added here.
READS = "changes nothing (a page, a fragment or a read)"
POSTS: dict[str, list[str] | str] = {
    "accounts:2fa_backup_codes": ["backup_codes_regenerated"],
    "accounts:2fa_disable": ["two_factor_disabled"],
    "accounts:2fa_enrol": ["two_factor_enabled"],
    "accounts:account": READS,
    "accounts:confirm_password": ["password_confirmed", "sign_in_failed", "locked_out"],
    "accounts:home": READS,
    "accounts:invitation": ["invitation_accepted"],
    "accounts:invitation_revoke": ["invitation_revoked"],
    "accounts:key_add": ["api_key_added"],
    "accounts:key_check": "asks Vultr whether the key still works; the key is unchanged",
    "accounts:key_remove": ["api_key_removed"],
    "accounts:key_replace": ["api_key_replaced"],
    "accounts:login": ["signed_in", "sign_in_failed", "locked_out"],
    "accounts:login_code": ["signed_in", "sign_in_failed"],
    "accounts:logout": ["signed_out"],
    "accounts:logout_everywhere": ["signed_out_everywhere"],
    "accounts:member_invite": ["invitation_sent"],
    "accounts:member_remove": ["member_removed"],
    "accounts:member_role": ["member_role_changed"],
    "accounts:member_unlock": ["member_unlocked"],
    "accounts:members": READS,
    "accounts:password_change": ["password_changed"],
    "accounts:password_change_done": READS,
    "accounts:password_reset": (
        "anyone may ask, for any address: it emails a link and changes nothing (using the link "
        "is password_reset)"
    ),
    "accounts:password_reset_complete": READS,
    "accounts:password_reset_confirm": ["password_reset"],
    "accounts:password_reset_done": READS,
    # Without an invitation it only emails a link (signup_finish makes the account); from an
    # invitation it makes the account at once and joins the team: one entry in each chain.
    "accounts:signup": ["signed_up", "invitation_accepted"],
    "accounts:signup_finish": ["signed_up"],
    "accounts:team_create": ["team_created"],
    "accounts:team_delete": ["team_deleted"],
    "accounts:team_home": READS,
    "accounts:team_leave": ["member_left"],
    "accounts:team_settings": ["team_settings_changed"],
    "accounts:team_transfer": ["ownership_transferred"],
    "accounts:verify_session": ["session_verified", "sign_in_failed"],
    "favicon": READS,
    "healthz": READS,
    "operations:alert_delete": ["alert_target_removed"],
    "operations:alerts": ["alert_target_added"],
    "operations:budget": READS,
    "operations:budget_set": ["api_budget_changed", "api_budget_reset"],
    "operations:cancel": ["operation_cancelled"],
    "operations:detail": READS,
    "operations:list": READS,
    "operations:notice_dismiss": "marks the user's own notice read (their inbox, not the team)",
    "operations:notices": READS,
    "operations:notices_dismiss_all": "marks the user's own notices of the team read",
    "operations:retry": ["operation_retried"],
    "operations:server": READS,
    "operations:snapshots": READS,
    "panel:audit": READS,
    "panel:audit_entry": READS,
    "panel:audit_export": ["audit_exported"],
    "panel:audit_retention": ["team_settings_changed"],
    "panel:catalog": READS,
    "panel:dashboard": READS,
    "panel:deploy": "a step of the order wizard; the order is placed by deploy_create",
    "panel:deploy_create": ["create_server"],
    "panel:deploy_done": READS,
    "panel:deploy_order": READS,
    "panel:script_add": ["create_startupscript"],
    "panel:script_delete": ["destroy_startupscript"],
    "panel:script_edit": ["update_startupscript"],
    "panel:script_list": READS,
    "panel:server_badges": READS,
    "panel:server_bandwidth": READS,
    "panel:server_console": ["open_console"],
    "panel:server_bulk": ["start_server", "halt_server", "reboot_server", "destroy_server"],
    "panel:server_destroy": ["destroy_server"],
    "panel:server_detail": READS,
    "panel:server_images": READS,
    "panel:server_ipv4": READS,
    "panel:server_ipv4_add": ["create_ipv4"],
    "panel:server_ipv4_remove": ["destroy_ipv4"],
    "panel:server_ipv4_reverse": ["set_reverse_ipv4"],
    "panel:server_ipv4_reverse_default": ["default_reverse_ipv4"],
    "panel:server_ipv6": READS,
    "panel:server_ipv6_reverse": ["set_reverse_ipv6"],
    "panel:server_ipv6_reverse_delete": ["delete_reverse_ipv6"],
    "panel:server_label": ["set_server_label"],
    "panel:server_list": READS,
    "panel:server_os": ["change_server_os"],
    "panel:server_password": ["reveal_root_password"],
    "panel:server_power": ["start_server", "halt_server", "reboot_server"],
    "panel:server_reinstall": ["reinstall_server"],
    "panel:server_restore_backup": ["restore_backup"],
    "panel:server_restore_snapshot": ["restore_snapshot"],
    "panel:server_settings": READS,
    "panel:server_snapshot": ["create_snapshot"],
    "panel:servers_home": READS,
    "panel:snapshot_delete": ["destroy_snapshot"],
    "panel:snapshot_edit": ["update_snapshot"],
    "panel:snapshot_list": READS,
    "panel:snapshot_restore": READS,
    "panel:snapshot_take": ["create_snapshot"],
    "panel:sshkey_add": ["create_sshkey"],
    "panel:sshkey_delete": ["destroy_sshkey"],
    "panel:sshkey_edit": ["update_sshkey"],
    "panel:sshkey_list": READS,
    "panel:team_safety": ["team_settings_changed"],
    "panel:vultr_account": READS,
}


def url_names() -> set[str]:
    from django.urls import get_resolver

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name:
                yield namespace + pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_url_is_classified():
    names = url_names()
    assert sorted(names - set(POSTS)) == [], "say what a POST to these writes"
    assert sorted(set(POSTS) - names) == []


def test_every_entry_named_is_one_the_log_knows():
    known = set(EVENTS) | set(vultr_actions())
    named = {
        action for actions in POSTS.values() if isinstance(actions, list) for action in actions
    }
    assert sorted(named - known) == []


def test_every_event_is_written_somewhere():
    """Each event of the catalogue is named by a URL here, or written outside a request."""
    outside = {"api_key_rotated", "audit_pruned", "permission_denied"}
    named = {
        action for actions in POSTS.values() if isinstance(actions, list) for action in actions
    }
    assert sorted(set(EVENTS) - named - outside) == []
    assert sorted(set(vultr_actions()) - named) == []


def test_a_code_for_a_signed_in_session(login_as, members):
    enrol(login_as(members.viewer), members.viewer)
    client = login_as(members.viewer)  # a session that has not passed two-factor

    response = client.post("/accounts/verify/", {"code": "000000"}, headers=BROWSER)
    failed = only("sign_in_failed")
    assert (failed.actor, failed.outcome) == (members.viewer, "failed")
    assert "signed-in session" in failed.error
    from_request(failed, response)

    device = TOTPDevice.objects.get(user=members.viewer)
    response = client.post(
        "/accounts/verify/", {"code": code_for(device, steps_ahead=1)}, headers=BROWSER
    )
    assert response.status_code == 302
    verified = only("session_verified")
    assert (verified.team, verified.actor) == (members.viewer.personal_team, members.viewer)
    from_request(verified, response)
