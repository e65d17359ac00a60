"""Backups: Vultr takes them automatically for servers with auto backups; the panel lists
them and restores one onto its server."""

from __future__ import annotations

from accounts.permissions import Perm
from panel.vultr import Backup

from .base import (
    ActionContext,
    mutation,
    query,
    read,
    read_server,
)
from .servers import _replace_disk


@query
def list_backups(ctx: ActionContext, server_id: str | None = None) -> list[Backup]:
    """All backups of the account, or those of one server."""
    if server_id is None:
        return read(ctx, Perm.SUBSCRIPTIONS_VIEW, "backups", "list", lambda v: v.backup_list())
    return read_server(ctx, server_id, "backups", lambda vultr: vultr.backup_list(subid=server_id))


@mutation(Perm.PROVISIONING)
def restore_backup(ctx: ActionContext, server_id: str, backup_id: str) -> None:
    """Overwrites the server's disk with the backup: what is on the disk now is lost."""
    _replace_disk(
        ctx,
        server_id,
        lambda vultr: vultr.server_restore_backup(server_id, backup_id),
        {"backup_id": backup_id},
        "restored from a backup",
    )
