"""Entries written on signals: signing in and out, failed sign-ins, lockouts, and changes to a
team's settings from wherever they are saved. Connected in AuditConfig.ready.

Sign-in events belong to the user's personal team: they are about the account, not about any
one team, and the user can read them there. A failed sign-in for a username that does not exist
goes to the site's own chain (no team), which `audit_verify` checks like the others.
"""

from __future__ import annotations

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from celery.signals import task_postrun, task_prerun
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from panel.audit import scrub
from panel.audit.models import AuditEntry, TeamSettings
from panel.audit.record import account_event, personal_team, record, user_target

# Looked up, not imported: the audit app imports nothing of the apps that write to it. This
# module is loaded by AuditConfig.ready, when every model is.
Team = apps.get_model("accounts", "Team")


@receiver(user_logged_in, dispatch_uid="panel_audit_signed_in")
def signed_in(sender, request, user, **kwargs):
    if getattr(request, "audit_signed_up", False):
        return  # the sign-up's own entry says it
    account_event("signed_in", user, request=request)


@receiver(user_logged_out, dispatch_uid="panel_audit_signed_out")
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        account_event("signed_out", user, request=request)


def _user_named(username: str):
    if not username:
        return None
    return get_user_model()._default_manager.filter(username=username).first()


def _failures(request) -> int:
    return getattr(request, "axes_failures_since_start", 0) or 0


@receiver(user_login_failed, dispatch_uid="panel_audit_sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the username is kept.
    username = str(credentials.get("username") or "")[:150]
    user = _user_named(username)
    # django-axes handled this signal first and counted the failure on the request.
    during_lockout = request is not None and _failures(request) > get_failure_limit(
        request, credentials
    )
    if user is None:
        error = "No user has this username."
    elif during_lockout:
        error = "Refused without checking the password: this user is locked out from here."
    else:
        error = "The password was wrong, or the account is inactive."
    record(
        "sign_in_failed",
        team=personal_team(user),
        target=user_target(user, username),
        params={"username": username},
        outcome=AuditEntry.Outcome.FAILED,
        error=error,
        actor=None,
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="panel_audit_locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    # django-axes sends this on the failure that reaches the limit and again on every attempt
    # during the lockout; only the first is a new event (the others are failed sign-ins).
    if _failures(request) != get_failure_limit(request, getattr(request, "axes_credentials", None)):
        return
    user = _user_named(username or "")
    record(
        "locked_out",
        team=personal_team(user),
        target=user_target(user, username or ""),
        params={"username": username or "", "failures": _failures(request)},
        outcome=AuditEntry.Outcome.DENIED,
        error=f"Too many failed sign-ins from {ip_address}.",
        actor=None,
        request=request,
    )


# Team settings: the fields whose changes are recorded, compared with the stored row.
_TRACKED = {
    Team: ("name", "require_2fa"),
    TeamSettings: ("require_reason", "audit_retention_days"),
}


@receiver(pre_save, sender=Team, dispatch_uid="panel_audit_team_before")
@receiver(pre_save, sender=TeamSettings, dispatch_uid="panel_audit_settings_before")
def remember_settings(sender, instance, raw=False, **kwargs):
    if raw:
        return
    names = _TRACKED[sender]
    if instance.pk is not None:
        stored = sender._default_manager.filter(pk=instance.pk).values(*names).first()
    else:
        stored = None
    if stored is None and sender is TeamSettings:
        # A team without a row had the defaults.
        defaults = TeamSettings(team_id=instance.team_id)
        stored = {name: getattr(defaults, name) for name in names}
    instance._audit_before = stored


@receiver(post_save, sender=Team, dispatch_uid="panel_audit_team_after")
@receiver(post_save, sender=TeamSettings, dispatch_uid="panel_audit_settings_after")
def record_settings(sender, instance, created, raw=False, **kwargs):
    before_all = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if raw or before_all is None:
        return  # a new team: nothing changed
    changed = [n for n in _TRACKED[sender] if before_all[n] != getattr(instance, n)]
    if not changed:
        return
    team = instance if sender is Team else instance.team
    record(
        "team_settings_changed",
        team=team,
        target=("team", str(team.pk), team.name),
        before={name: before_all[name] for name in changed},
        after={name: getattr(instance, name) for name in changed},
    )


@task_prerun.connect(dispatch_uid="panel_audit_task_keys_start")
@task_postrun.connect(dispatch_uid="panel_audit_task_keys_end")
def forget_keys(**kwargs):
    """A Celery task, like a request, forgets the keys it decrypted (panel/audit/scrub.py)."""
    scrub.forget()
