"""Each kind of operation runs to success, synchronously: the step functions the tasks call,
against the simulator with its clock moved forward between polls."""

from __future__ import annotations

import pytest

from panel.audit.models import AuditEntry
from panel.operations import start
from panel.operations.models import Operation
from tests.panel.helpers import Demo, demo_order

pytestmark = pytest.mark.django_db

Status = Operation.Status


def names(op: Operation) -> list[str]:
    return [step.name for step in op.steps.all()]


def test_create_server_runs_until_ready(op_ctx, drive, vultr):
    op = start.start_create_server(
        op_ctx, demo_order(op_ctx, "1", "201", "387", label="made-by-op")
    )
    assert op.status == Status.QUEUED and names(op) == ["queued"]

    op = drive(op)

    assert op.status == Status.SUCCEEDED, op.error
    assert names(op) == [
        "queued",
        "sent",
        "pending",
        "ip_assigned",
        "installing",
        "ready",
        "succeeded",
    ]
    server = Demo(vultr).server(op.target_id)
    assert server["label"] == "made-by-op"
    assert server["status"] == "active" and server["server_state"] == "ok"
    assert op.result["main_ip"] == server["main_ip"]
    assert op.progress == 100
    # The request was made by the worker as the operator, on the record once.
    entry = AuditEntry.objects.get(action="create_server")
    assert (entry.actor_name, entry.outcome, entry.target_id) == (
        "oscar",
        "succeeded",
        op.target_id,
    )


def test_create_server_replaces_its_tag_with_the_users_own(op_ctx, drive, vultr):
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387", tag="web")))
    assert op.status == Status.SUCCEEDED, op.error
    assert "tagged" in names(op)
    assert Demo(vultr).server(op.target_id)["tag"] == "web"


@pytest.mark.parametrize("tag", ["", "web"])
def test_a_new_server_ends_with_the_users_tag_and_the_audit_entry_shows_it(
    tag, op_ctx, drive, vultr
):
    # The operation's token tags the server only until its id is saved (kinds.CreateServer).
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, tag=tag or None)))
    assert op.status == Status.SUCCEEDED, op.error
    assert Demo(vultr).server(op.target_id)["tag"] == tag
    entry = AuditEntry.objects.get(action="create_server")
    assert entry.params.get("tag", "") == tag
    assert op.token not in str(entry.params)


def test_create_server_can_wait_for_ssh(op_ctx, drive, monkeypatch):
    probed = []
    monkeypatch.setattr(
        "panel.operations.kinds.tcp_probe", lambda host, port, timeout: probed.append(port) or True
    )
    op = drive(
        start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"), probe_ssh=True)
    )
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[-2:] == ["ssh", "succeeded"] and probed == [22]


def test_create_snapshot_runs_until_complete(op_ctx, drive, vultr):
    server_id = Demo(vultr).id("web-01")
    op = drive(start.start_create_snapshot(op_ctx, server_id, "before upgrade"), tick=20)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op) == ["queued", "sent", "copying", "complete", "succeeded"]
    snapshot = Demo(vultr).snapshots()[vultr.v1_id(op.result["snapshot_id"])]
    assert snapshot["status"] == "complete" and snapshot["description"] == "before upgrade"


@pytest.mark.parametrize(
    "kind",
    ["reinstall_server", "change_server_os", "restore_snapshot", "restore_backup"],
)
def test_kinds_that_wait_until_ok_again(kind, op_ctx, drive, vultr):
    demo = Demo(vultr)
    server_id = demo.id("db-01")  # the demo server with backups
    starters = {
        "reinstall_server": lambda: start.start_reinstall_server(op_ctx, server_id),
        "change_server_os": lambda: start.start_change_server_os(
            op_ctx,
            server_id,
            next(iter(vultr.get("server/os_change_list", SUBID=vultr.v1_id(server_id)).json())),
        ),
        "restore_snapshot": lambda: start.start_restore_snapshot(
            op_ctx, server_id, vultr.panel_id(next(iter(demo.snapshots())))
        ),
        "restore_backup": lambda: start.start_restore_backup(
            op_ctx, server_id, demo.backup_ids("db-01")[0]
        ),
    }
    op = drive(starters[kind](), tick=5)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op) == ["queued", "sent", "busy", "ready", "succeeded"]
    assert op.seen_busy
    assert demo.server(server_id)["server_state"] == "ok"


def test_destroy_runs_until_gone(op_ctx, drive, vultr):
    demo = Demo(vultr)
    server_id = demo.id("web-01")
    op = drive(start.start_destroy_server(op_ctx, server_id))
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op) == ["queued", "sent", "gone", "succeeded"]
    assert demo.server(server_id) is None


def test_add_ipv4_runs_until_listed_and_ok(op_ctx, drive, vultr):
    demo = Demo(vultr)
    server_id = demo.id("web-01")
    before = {a["ip"] for a in demo.ipv4("web-01")}
    op = drive(start.start_create_ipv4(op_ctx, server_id), tick=2)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op) == ["queued", "sent", "busy", "ready", "listed", "succeeded"]
    assert op.result["ip"] not in before
    assert op.result["ip"] in {a["ip"] for a in demo.ipv4("web-01")}


def test_a_long_action_sent_now_is_followed_by_an_operation(op_ctx, drive, vultr):
    server_id = Demo(vultr).id("web-01")
    start.start_reinstall_server(op_ctx, server_id, now=True)  # as a page sends it
    op = Operation.objects.get()
    assert (op.kind, op.status, op.phase, op.target_id) == (
        "reinstall_server",
        Status.RUNNING,
        Operation.Phase.WAITING,
        server_id,
    )
    assert names(op) == ["queued", "sent"]
    op = drive(op, tick=5)
    assert op.status == Status.SUCCEEDED, op.error
    assert AuditEntry.objects.filter(action="reinstall_server").count() == 1


def test_an_operation_does_not_start_another_to_watch_itself(op_ctx, drive, vultr):
    drive(start.start_create_snapshot(op_ctx, Demo(vultr).id("web-01")), tick=20)
    assert Operation.objects.count() == 1
