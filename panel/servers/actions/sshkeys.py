"""SSH keys stored at Vultr, for new installs. Public keys are not secret: the audit entry
keeps the key text, so that a review can see which key was added."""

from __future__ import annotations

from accounts.permissions import Perm
from panel.vultr import SshKey

from .base import SSHKEYS, ActionContext, add_listed, mutation, on_listed, query, read


@query
def list_sshkeys(ctx: ActionContext) -> list[SshKey]:
    return read(ctx, Perm.SUBSCRIPTIONS_VIEW, SSHKEYS, "list", lambda v: v.sshkey_list())


@mutation(Perm.PROVISIONING, invalidates=(SSHKEYS,))
def create_sshkey(ctx: ActionContext, name: str, ssh_key: str) -> str:
    """Stores a public key (one authorized_keys line); returns its id."""
    return add_listed(
        ctx,
        "sshkey",
        name,
        {"name": name, "ssh_key": ssh_key},
        lambda vultr: vultr.sshkey_create(name, ssh_key),
    )


@mutation(Perm.PROVISIONING, invalidates=(SSHKEYS,))
def update_sshkey(
    ctx: ActionContext, sshkey_id: str, name: str | None = None, ssh_key: str | None = None
) -> None:
    """Renames and/or replaces a key; servers installed earlier keep the old key."""
    on_listed(
        ctx,
        "sshkey",
        SSHKEYS,
        sshkey_id,
        lambda vultr: vultr.sshkey_update(sshkey_id, name, ssh_key),
        params={"name": name, "ssh_key": ssh_key},
    )


@mutation(Perm.PROVISIONING, invalidates=(SSHKEYS,))
def destroy_sshkey(ctx: ActionContext, sshkey_id: str) -> None:
    """Deletes the key at Vultr; servers that have it keep it."""
    on_listed(
        ctx,
        "sshkey",
        SSHKEYS,
        sshkey_id,
        lambda vultr: vultr.sshkey_destroy(sshkey_id),
        destructive=True,
    )
