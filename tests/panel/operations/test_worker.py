"""Every kind of operation runs to success with a real Celery worker on the test Redis: the
start enqueues on commit, the worker sends the request, the key's poll chain watches, and the
simulator's clock is moved forward meanwhile (its servers take 60 simulated seconds). With a v1
and a v2 key."""

from __future__ import annotations

import time

import pytest

from panel.budget.models import KeyBudget
from panel.operations import start
from panel.operations.models import Notice, Operation
from tests.panel.helpers import Demo, demo_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

Status = Operation.Status


@pytest.fixture
def fast_polls(stored_key):
    # The worker reads the key's own poll interval from the shared database.
    KeyBudget.objects.create(
        api_key=stored_key, requests_per_second=1000, burst=10, poll_seconds=0.3
    )


def run_with_worker(op: Operation, vultr, *, tick: float = 5.0, timeout: float = 60) -> Operation:
    """Wait for the worker to finish the operation, moving the simulator's clock meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        op.refresh_from_db()
        if not op.is_active:
            return op
        if op.phase == Operation.Phase.WAITING:
            vultr.sim.advance(tick)
        time.sleep(0.2)
    raise AssertionError(f"not done in {timeout} s: {op.status} {op.phase} {list(op.steps.all())}")


def names(op: Operation) -> list[str]:
    return [step.name for step in op.steps.all()]


def an_os_to_change_to(vultr, server_id: str) -> str:
    """The first OS the server may change to, as the key's API version lists them (v2
    reference §2: `/instances/{id}/upgrades?type=os`)."""
    if vultr.api_version == "v2":
        answer = vultr.v2("GET", f"instances/{server_id}/upgrades", type="os")
        return str(answer.json()["upgrades"]["os"][0]["id"])
    return next(iter(vultr.get("server/os_change_list", SUBID=server_id).json()))


def test_create_server_with_a_worker(celery_worker, fast_polls, op_ctx, vultr):
    op = start.start_create_server(
        op_ctx, demo_order(op_ctx, "1", "201", "387", label="worker-made")
    )
    op = run_with_worker(op, vultr)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[:2] == ["queued", "sent"] and names(op)[-2:] == ["ready", "succeeded"]
    assert op.task_id
    server = Demo(vultr).server(op.target_id)
    assert server["status"] == "active" and server["main_ip"] == op.result["main_ip"]
    assert Notice.objects.get(operation=op).text.startswith("Server worker-made is ready")


@pytest.mark.parametrize(
    "kind",
    [
        "create_snapshot",
        "reinstall_server",
        "change_server_os",
        "restore_snapshot",
        "restore_backup",
        "destroy_server",
        "create_ipv4",
    ],
)
def test_every_kind_with_a_worker(kind, celery_worker, fast_polls, op_ctx, vultr):
    demo = Demo(vultr)
    server_id = demo.id("db-01")
    starters = {
        "create_snapshot": lambda: start.start_create_snapshot(op_ctx, server_id, "w"),
        "reinstall_server": lambda: start.start_reinstall_server(op_ctx, server_id),
        "change_server_os": lambda: start.start_change_server_os(
            op_ctx, server_id, an_os_to_change_to(vultr, server_id)
        ),
        "restore_snapshot": lambda: start.start_restore_snapshot(
            op_ctx, server_id, demo.snapshot_id("db-01 nightly")
        ),
        "restore_backup": lambda: start.start_restore_backup(
            op_ctx, server_id, demo.backup_ids("db-01")[0]
        ),
        "destroy_server": lambda: start.start_destroy_server(op_ctx, server_id),
        "create_ipv4": lambda: start.start_create_ipv4(op_ctx, server_id),
    }
    op = run_with_worker(starters[kind](), vultr, tick=3)
    assert op.status == Status.SUCCEEDED, (op.error, names(op))
    assert names(op)[-1] == "succeeded", names(op)
