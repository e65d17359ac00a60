"""Permissions and the roles that bundle them: plain data, no database.

The permission names are Vultr's own sub-user ACLs, so that people who know Vultr recognise
them (DESIGN.md, "Permissions"). `OWNERSHIP` is ours: giving the team away or deleting it,
which Vultr has no ACL for because a Vultr account has exactly one owner.

`accounts.permissions` is the module to import from; this one exists so that models can use the
role choices without importing the permission checks (which import the models).
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Perm(StrEnum):
    """What a member may do in a team. Members compare equal to their string value."""

    SUBSCRIPTIONS_VIEW = "subscriptions_view"  # read servers
    SUBSCRIPTIONS = "subscriptions"  # power, label, IPs, reverse DNS
    PROVISIONING = "provisioning"  # create, destroy, reinstall, OS, restore, snapshots, scripts
    BILLING = "billing"  # account balance and charges
    MANAGE_USERS = "manage_users"  # members, invitations, roles, team settings
    MANAGE_KEYS = "manage_keys"  # add, replace, remove API keys
    AUDIT_VIEW = "audit_view"  # read the audit log
    CONSOLE = "console"  # open a server's web console, reveal its root password
    OWNERSHIP = "ownership"  # transfer or delete the team

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DESCRIPTIONS = {
    Perm.SUBSCRIPTIONS_VIEW: "See servers",
    Perm.SUBSCRIPTIONS: "Manage servers: power, label, IP addresses, reverse DNS",
    Perm.PROVISIONING: "Create, destroy and reinstall servers; snapshots, scripts, SSH keys",
    Perm.BILLING: "See the account balance and charges",
    Perm.MANAGE_USERS: "Invite and remove members, change roles, team settings",
    Perm.MANAGE_KEYS: "Add, replace and remove Vultr API keys",
    Perm.AUDIT_VIEW: "Read the audit log",
    Perm.CONSOLE: "Open a server's web console and reveal its root password",
    Perm.OWNERSHIP: "Transfer or delete the team",
}


class Role(models.TextChoices):
    # Listed from most to least powerful; forms offer them in this order.
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    AUDITOR = "auditor", "Auditor"
    VIEWER = "viewer", "Viewer"


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.ADMIN: frozenset(Perm) - {Perm.OWNERSHIP},
    Role.OPERATOR: frozenset({Perm.SUBSCRIPTIONS_VIEW, Perm.SUBSCRIPTIONS, Perm.PROVISIONING}),
    Role.AUDITOR: frozenset({Perm.SUBSCRIPTIONS_VIEW, Perm.AUDIT_VIEW}),
    Role.VIEWER: frozenset({Perm.SUBSCRIPTIONS_VIEW}),
}


def permissions_of(role: str) -> frozenset[Perm]:
    """The permissions of a role; an unknown role has none (a row edited by hand, say)."""
    return ROLE_PERMISSIONS.get(role, frozenset())


def may_grant(granter_role: str, role: str) -> bool:
    """Whether a member with `granter_role` may give someone `role` (or take it away).

    "Not above your own" means every permission of `role` is one the granter has: an admin can
    make admins but not owners; an operator and an auditor are not comparable, and neither
    may manage members anyway.
    """
    return role in ROLE_PERMISSIONS and permissions_of(role) <= permissions_of(granter_role)


def denial(team_name: str, perm: Perm, role_label: str = "") -> str:
    """The one message for a member whose role lacks `perm`, wherever the refusal happens
    (a page, an action, an operation)."""
    role = f" ({role_label})" if role_label else ""
    return f"Your role in {team_name}{role} does not allow this: {perm.description.lower()}."
