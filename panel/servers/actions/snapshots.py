"""Snapshots: the account's list; take one of a server, restore one onto a server, delete one.

v1's snapshot/list does not say which server a snapshot came from (reference §5); the audit
entry of `create_snapshot` does (target: the server, parameter `snapshot_id`), which is how
the server page finds "snapshots of this server".
"""

from __future__ import annotations

from accounts.permissions import Perm
from panel.servers.models import SnapshotSource
from panel.vultr import Snapshot

from .base import (
    SNAPSHOTS,
    ActionContext,
    Change,
    mutation,
    on_listed,
    perform,
    query,
    read,
    server_target,
)
from .servers import _replace_disk


def _description(snapshot: Snapshot) -> str:
    """A snapshot's name in audit entries: its description, empty or not."""
    return snapshot.description


@query
def list_snapshots(ctx: ActionContext) -> list[Snapshot]:
    return read(ctx, Perm.SUBSCRIPTIONS_VIEW, SNAPSHOTS, "list", lambda v: v.snapshot_list())


@query
def snapshot_ids_taken_from(ctx: ActionContext, server_id: str) -> set[str]:
    """Ids of the snapshots this panel took of the server (`SnapshotSource` rows)."""
    found = SnapshotSource.objects.for_team(ctx.team).filter(
        api_key_id=ctx.api_key_id, server_id=server_id
    )
    return set(found.values_list("snapshot_id", flat=True))


@mutation(Perm.PROVISIONING, invalidates=(SNAPSHOTS,))
def create_snapshot(ctx: ActionContext, server_id: str, description: str = "") -> str:
    """Starts a snapshot of the server (it may keep running); returns the snapshot id. The
    snapshot is `pending` until Vultr has copied the disk."""
    target = server_target(ctx, server_id)
    snapshot_id = perform(
        ctx,
        Change(
            target,
            params={"description": description},
            result_as="snapshot_id",
        ),
        lambda vultr: vultr.snapshot_create(server_id, description or None),
    )
    if snapshot_id:
        # Which server it came from: v1's snapshot/list will not say (reference §5).
        SnapshotSource.objects.update_or_create(
            api_key_id=ctx.api_key_id,
            snapshot_id=str(snapshot_id),
            defaults={"team": ctx.team, "server_id": server_id, "server_label": target.label},
        )
    return snapshot_id


@mutation(Perm.PROVISIONING, invalidates=(SNAPSHOTS,))
def update_snapshot(ctx: ActionContext, snapshot_id: str, description: str) -> None:
    """Changes the snapshot's description: API v2 only (v1 has no such call; the provider
    library refuses it before asking Vultr)."""
    on_listed(
        ctx,
        "snapshot",
        SNAPSHOTS,
        snapshot_id,
        lambda vultr: vultr.snapshot_update(snapshot_id, description),
        params={"description": description},
        label=_description,
    )


@mutation(Perm.PROVISIONING, invalidates=(SNAPSHOTS,))
def destroy_snapshot(ctx: ActionContext, snapshot_id: str) -> None:
    """Deletes the snapshot for good."""
    on_listed(
        ctx,
        "snapshot",
        SNAPSHOTS,
        snapshot_id,
        lambda vultr: vultr.snapshot_destroy(snapshot_id),
        destructive=True,
        label=_description,
    )


@mutation(Perm.PROVISIONING)
def restore_snapshot(ctx: ActionContext, server_id: str, snapshot_id: str) -> None:
    """Overwrites the server's disk with the snapshot: what is on the disk now is lost."""
    _replace_disk(
        ctx,
        server_id,
        lambda vultr: vultr.server_restore_snapshot(server_id, snapshot_id),
        {"snapshot_id": snapshot_id},
        "restored from a snapshot",
    )
