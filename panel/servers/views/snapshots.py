"""All snapshots of a key's account: status, size, source server, date; take one of a server,
delete one (typing its name), restore one onto a server of choice or deploy a new server from it.

v1's snapshot/list does not say which server a snapshot was taken of (reference §5); the panel
knows it for the snapshots it took itself (`SnapshotSource`, panel/servers/models.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import Perm, team_view
from panel.operations import start as operations
from panel.servers import actions
from panel.servers.actions.base import Target
from panel.servers.forms.resources import DeleteSnapshotForm, SnapshotForm, TakeSnapshotForm
from panel.servers.forms.server import ActionForm
from panel.servers.models import SnapshotSource
from panel.vultr import Server, ServerStatus, Snapshot

from . import resources
from .common import (
    KeyPage,
    acts,
    done,
    form_again,
    key_page,
    render_page,
    run,
    vultr_page,
)

Bound = dict[str, ActionForm] | None


def _sources(page: KeyPage) -> dict[str, tuple[str, str]]:
    """Snapshot id → (server id, server label then) for the snapshots this panel took with
    this key (`SnapshotSource`). One query for the whole list."""
    rows = SnapshotSource.objects.for_team(page.request.team).filter(api_key_id=page.api_key.pk)
    return {
        snapshot_id: (server_id, label)
        for snapshot_id, server_id, label in rows.values_list(
            "snapshot_id", "server_id", "server_label"
        )
    }


def name_of(snapshot: Snapshot) -> str:
    """What to type to delete a snapshot: its description, or its id without one."""
    return snapshot.description or snapshot.id


SNAPSHOTS = resources.Resource(
    noun="snapshot",
    plural="Snapshots",
    target_type="snapshot",
    folder="snapshots",
    url="snapshot",
    items=actions.list_snapshots,
    destroy=actions.destroy_snapshot,
    update=actions.update_snapshot,
    name_field="description",
    editable_with=("v2",),
    name_of=name_of,
    label_of=lambda snapshot: snapshot.description,
)


def _list_page(request: HttpRequest, page: KeyPage, bound: Bound = None) -> HttpResponse:
    error = ""
    try:
        snapshots = actions.list_snapshots(page.ctx)
    except actions.ActionError as err:
        snapshots, error = [], str(err)
    try:
        servers = {s.id: s for s in actions.list_servers(page.ctx)}
    except actions.ActionError:
        servers = {}  # only used to name and link sources; the list stands without it
    sources = _sources(page)
    rows = []
    for snapshot in sorted(snapshots, key=lambda s: s.date_created or 0, reverse=True):
        server_id, label = sources.get(snapshot.id, ("", ""))
        server = servers.get(server_id)
        rows.append(
            {
                "snapshot": snapshot,
                "size_gb": snapshot.size_bytes / 10**9,
                "source_id": server_id,
                "source_label": server.label if server else label,
                "source_url": page.url("server_detail", server_id=server_id) if server else "",
            }
        )
    take_form = None
    if page.may(Perm.PROVISIONING):
        if bound and "form-takesnapshot" in bound:
            take_form = bound["form-takesnapshot"]
        else:
            take_form = _take_form(page, servers)
    context = {
        **page.context(),
        "rows": rows,
        "error": error,
        "take_form": take_form,
        "may_delete": page.may(Perm.PROVISIONING),
    }
    return render_page(request, "servers/snapshots/list.html", context, {"snapshots": "table"})


def _take_form(
    page: KeyPage, servers: dict[str, Server], data=None, *, only_active: bool = True
) -> TakeSnapshotForm:
    # Vultr snapshots only an active server (a pending one gets a 412): the form offers
    # only those.
    choices = [
        (s.id, f"{s.label or s.id} ({s.main_ip or 'no address yet'}, {s.location})")
        for s in sorted(servers.values(), key=lambda s: (s.label.lower(), s.id))
        if s.status is ServerStatus.ACTIVE or not only_active
    ]
    return TakeSnapshotForm(
        data,
        action=page.url("snapshot_take"),
        servers=choices,
        explanation="The server keeps running; the snapshot is pending until Vultr has "
        "copied its disk. Snapshots are billed by size.",
    )


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_GET
def snapshot_list(request, key_id):
    return _list_page(request, key_page(request, key_id))


@acts(
    actions.create_snapshot,
    target=lambda request, kwargs: Target("server", request.POST.get("server", "")[:64], ""),
)
@require_POST
def snapshot_take(request, key_id):
    page = key_page(request, key_id)
    try:
        servers = {s.id: s for s in actions.list_servers(page.ctx)}
    except actions.ActionError:
        servers = {}  # the form then refuses the server; the list page shows Vultr's words
    # Any server of the account is accepted here, not just the active ones offered: for a
    # server that cannot be snapshotted now, Vultr's own refusal is the best explanation.
    form = _take_form(page, servers, request.POST, only_active=False)
    server = servers.get(request.POST.get("server", ""))
    name = (server.label or server.id) if server else ""
    ok, snapshot_id = run(
        page,
        form,
        lambda ctx, data: operations.start_create_snapshot(
            ctx, data["server"], data["description"], now=True
        ).result.get("snapshot_id"),
    )
    if ok:
        return done(
            request, page.url("snapshot_list"), f"Vultr is taking snapshot {snapshot_id} of {name}."
        )
    return form_again(request, form, lambda bound: _list_page(request, page, bound))


def _edit_form(page: KeyPage, snapshot: Snapshot) -> dict[str, Any]:
    """The edit form's arguments: a snapshot's description, for v2 keys only (v2's PUT
    /snapshots/{id}; v1 has no way to change a snapshot: `editable_with`, no such page)."""
    return {
        "explanation": "The description names the snapshot in lists and when deploying or "
        "restoring it; what is in it does not change."
    }


def _delete_explanation(page: KeyPage, snapshot: Snapshot) -> str:
    source = _sources(page).get(snapshot.id, ("", ""))[1]
    made = f"taken of {source}, " if source else ""
    return (
        f"The snapshot {name_of(snapshot)} ({made}{snapshot.size_bytes / 10**9:.1f} GB) is "
        "deleted at Vultr for good: no server can be restored from it or deployed from it "
        "any more, and billing for it stops. Servers restored from it earlier keep their disks."
    )


snapshot_edit = resources.edit_view(SNAPSHOTS, SnapshotForm, _edit_form)
snapshot_delete = resources.delete_view(SNAPSHOTS, DeleteSnapshotForm, _delete_explanation)


@team_view(Perm.PROVISIONING)
@require_GET
@vultr_page
def snapshot_restore(request, key_id, snapshot_id):
    """Which server to restore a snapshot onto: each links to that server's confirm page."""
    page = key_page(request, key_id)
    snapshot = resources.find(page, SNAPSHOTS, snapshot_id)
    error = ""
    try:
        servers = sorted(actions.list_servers(page.ctx), key=lambda s: (s.label.lower(), s.id))
    except actions.ActionError as err:
        servers, error = [], str(err)
    rows = [
        {
            "server": server,
            # Vultr restores onto an active server only (a pending one is still installing).
            "restore_url": page.url("server_restore_snapshot", server_id=server.id)
            + f"?snapshot={snapshot.id}"
            if server.status is ServerStatus.ACTIVE
            else "",
        }
        for server in servers
    ]
    context = {
        **page.context(),
        "snapshot": snapshot,
        "snapshot_name": name_of(snapshot),
        "rows": rows,
        "error": error,
    }
    return render_page(request, "servers/snapshots/restore.html", context, {})
