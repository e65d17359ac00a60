"""Coalesced polling: one server_list per key per tick answers every waiting operation; one
poll chain per key; the resumer finds what a dead worker left behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from panel.budget import tokens as budget
from panel.operations import polling, runner, start
from panel.operations.models import Operation
from panel.operations.tasks import poll_operations
from tests.panel.helpers import demo_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch, stored_key):
    """The poll tasks that would have been sent to Celery: [(args, countdown)]."""
    client = budget.redis_client()
    for name in client.scan_iter(f"ops:poll:{stored_key.pk}:*"):
        client.delete(name)
    sent: list[tuple[tuple, float]] = []
    monkeypatch.setattr(
        poll_operations, "apply_async", lambda args, countdown=0: sent.append((args, countdown))
    )
    return sent


def key_calls(vultr, path: str | None = None) -> int:
    path = path or {"v1": "/v1/server/list", "v2": "GET /v2/instances"}[vultr.api_version]
    stats = vultr.sim.stats()
    return stats["by_key"].get(vultr.key, 0), stats["by_path"].get(path, 0)


def test_one_server_list_answers_every_waiting_operation(op_ctx, vultr):
    ops = [
        start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")) for _ in range(5)
    ]
    for op in ops:
        runner.advance(op.pk)
    vultr.sim.advance(25)
    before = key_calls(vultr)

    result = polling.poll_key(op_ctx.api_key_id)

    assert key_calls(vultr) == (before[0] + 1, before[1] + 1)
    assert result.polled and result.waiting == 5
    for op in ops:
        op.refresh_from_db()
        assert op.reached[-2:] == ["pending", "ip_assigned"]


def test_one_chain_per_key(queued, stored_key):
    assert polling.schedule_poll(stored_key.pk)
    assert not polling.schedule_poll(stored_key.pk)
    assert len(queued) == 1
    (key_id, chain, tick), countdown = queued[0]
    assert tick == 0
    assert key_id == stored_key.pk and countdown == budget.config_for(stored_key.pk).poll_seconds

    # The resumer replaces a chain it believes dead; the old chain's next task then exits.
    assert polling.schedule_poll(stored_key.pk, countdown=0, force=True)
    assert polling.run_chain(stored_key.pk, chain) is None


def test_a_chain_polls_while_operations_wait_and_ends_after(queued, op_ctx, vultr, stored_key):
    op = start.start_reinstall_server(op_ctx, vultr.create_active_server())
    runner.advance(op.pk)
    polling.schedule_poll(stored_key.pk, countdown=0)
    (_, chain, _), _ = queued.pop()

    result = polling.run_chain(stored_key.pk, chain, 0)
    assert result.polled and result.waiting == 1
    interval = budget.config_for(stored_key.pk).poll_seconds
    assert queued.pop() == ((stored_key.pk, chain, 1), interval)
    # The same tick delivered twice (its worker died holding it) runs once.
    assert polling.run_chain(stored_key.pk, chain, 0) is None

    # The next tick called at once (another chain ticked a moment ago): no poll, just later.
    before = key_calls(vultr)
    assert polling.run_chain(stored_key.pk, chain, 1).polled is False
    assert key_calls(vultr) == before
    assert queued.pop()[0] == (stored_key.pk, chain, 2)

    runner.fail(Operation.objects.get(pk=op.pk), "stop")
    budget.redis_client().delete(f"ops:poll:{stored_key.pk}:last")
    assert polling.run_chain(stored_key.pk, chain, 2).waiting == 0
    assert queued == [] and budget.redis_client().get(f"ops:poll:{stored_key.pk}:chain") is None


def test_the_resumer_finds_steps_and_polls_left_by_a_dead_worker(op_ctx, vultr, settings):
    settings.PANEL_OPERATION_STALE_SECONDS = 60
    long_ago = timezone.now() - timedelta(minutes=5)
    overdue = start.start_reinstall_server(op_ctx, vultr.create_active_server())
    Operation.objects.filter(pk=overdue.pk).update(due_at=long_ago)
    leased = start.start_reinstall_server(op_ctx, vultr.create_active_server())
    Operation.objects.filter(pk=leased.pk).update(
        due_at=long_ago, lease_until=timezone.now() + timedelta(seconds=30)
    )
    fresh = start.start_reinstall_server(op_ctx, vultr.create_active_server())

    to_advance, keys = runner.stale_operations()
    assert to_advance == [overdue.pk] and keys == set()

    runner.advance(fresh.pk)  # now waiting for the poll
    Operation.objects.filter(pk=fresh.pk).update(heartbeat_at=long_ago)
    assert runner.stale_operations()[1] == {op_ctx.api_key_id}
    assert fresh.pk not in runner.stale_operations()[0]
