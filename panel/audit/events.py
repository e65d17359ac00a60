"""The names of what the log records besides the Vultr actions, for filters and for tests.

Vultr actions are named after their function in panel.servers.actions (``reboot_server``); these are
the rest. Where each is written is noted, so that a reader can find it.
"""

from __future__ import annotations

from panel import words

EVENTS: dict[str, str] = {
    # panel/audit/receivers.py (Django's and django-axes' signals); in the user's personal team
    "signed_in": "Signed in",
    "signed_out": "Signed out",
    "sign_in_failed": "Sign-in failed",
    "locked_out": "Locked out after failed sign-ins",
    # accounts/twofactor.py, accounts/actions.py; in the user's personal team
    "two_factor_enabled": "Two-factor authentication turned on",
    "two_factor_disabled": "Two-factor authentication turned off",
    "signed_out_everywhere": "Signed out everywhere",
    # accounts/views/auth.py, accounts/views/account.py; in the user's personal team
    "signed_up": "Account created (sign-up)",
    "password_changed": "Password changed",
    "password_reset": "Password reset by email link",
    "backup_codes_regenerated": "Two-factor backup codes replaced",
    "session_verified": "Two-factor code entered for a signed-in session",
    "password_confirmed": "Password entered again (for two-factor set-up, backup codes)",
    # accounts/actions.py, accounts/views/members.py, rotate_encryption_key
    "api_key_added": "API key added",
    "api_key_replaced": "API key replaced",
    "api_key_removed": "API key removed",
    "api_key_rotated": "API key re-encrypted under a new encryption key",
    "invitation_sent": "Invitation sent",
    "invitation_accepted": "Invitation accepted",
    "invitation_revoked": "Invitation revoked",
    "member_role_changed": "Role changed",
    "member_removed": "Member removed",
    "member_left": "Member left",
    "member_unlocked": "Member's sign-in unlocked",
    "ownership_transferred": "Ownership transferred",
    # accounts/actions.py (in the team's own chain, which outlives the team)
    "team_created": "Team created",
    "team_deleted": "Team deleted",
    # panel/operations/views.py, panel/operations/start.py
    "alert_target_added": "Alert address added",
    "alert_target_removed": "Alert address removed",
    "api_budget_changed": "API budget of a key changed",
    "api_budget_reset": "API budget of a key reset to the default",
    "operation_cancelled": "Operation cancelled",
    "operation_retried": "Operation retried",
    # panel/audit/receivers.py (Team and TeamSettings saves)
    "team_settings_changed": "Team settings changed",
    # accounts/permissions.py (team_view), panel/audit/denials.py (any other 403; repeats)
    "permission_denied": "Permission denied",
    # panel/audit/
    "audit_exported": "Audit log exported",
    "audit_pruned": "Old audit entries pruned",
}


# What happened to one user's account: written in the user's personal team, and shown there
# only to that user, whoever else is a member (panel.audit.queries.team_entries).
ACCOUNT_EVENTS = frozenset(
    {
        "signed_in",
        "signed_out",
        "sign_in_failed",
        "locked_out",
        "two_factor_enabled",
        "two_factor_disabled",
        "signed_out_everywhere",
        "signed_up",
        "password_changed",
        "password_reset",
        "backup_codes_regenerated",
        "session_verified",
        "password_confirmed",
    }
)


# The names of the action layer's mutating functions, registered by its `@mutation` decorator
# (panel/servers/actions/base.py) when the action modules load (ServersConfig.ready): the audit
# app imports nothing above it.
_ACTIONS: set[str] = set()


def register_action(name: str) -> None:
    """Make a Vultr action's name known to the log's filters."""
    _ACTIONS.add(name)


def vultr_actions() -> list[str]:
    """The names of every mutating function of the action layer."""
    return sorted(_ACTIONS)


def action_words(name: str) -> str:
    """An action's name in words: the panel's events here, the Vultr actions in panel/words.py."""
    return EVENTS.get(name) or words.action(name)


def action_choices() -> list[tuple[str, str]]:
    vultr = sorted(((name, words.action(name)) for name in vultr_actions()), key=lambda c: c[1])
    others = sorted(EVENTS.items(), key=lambda item: item[1])
    return [("", "Any action"), ("Vultr", vultr), ("Panel", others)]
