"""Failures injected through the simulator's fault control end in a clear failed state or in a
retry, as the kind allows, and a create whose answer is lost never makes a second server."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from panel.audit.models import AuditEntry
from panel.operations import polling, runner, start
from panel.operations.models import Operation
from tests.panel.helpers import Demo, demo_order

pytestmark = pytest.mark.django_db

Status = Operation.Status
CREATE = "/v1/server/create"


def names(op: Operation) -> list[str]:
    return [step.name for step in op.steps.all()]


@pytest.fixture
def made(vultr):
    """made() -> the ids of the servers created since the test began (the operation's token
    tags a server only until its id is saved, so the server list is what counts)."""
    before = set(Demo(vultr).servers())
    return lambda: [vultr.panel_id(s) for s in Demo(vultr).servers() if s not in before]


def fault(vultr, path: str, **kwargs) -> None:
    vultr.sim.inject_fault(path=path, key=vultr.key, **kwargs)


def test_a_refused_create_fails_with_vultrs_words(op_ctx, drive, vultr, made):
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "99999", "387")))
    assert op.status == Status.FAILED
    assert op.error.startswith("Vultr refused: Invalid plan")
    assert op.phase == Operation.Phase.START and not made()
    assert names(op) == ["queued", "failed"]


def test_a_412_from_the_fault_control_fails_at_once(op_ctx, drive, vultr):
    fault(vultr, "/v1/server/reinstall", status=412, body="Server is locked")
    op = drive(start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01")))
    assert op.status == Status.FAILED and op.error == "Vultr refused: Server is locked"
    assert op.attempts == 1


def test_a_503_is_retried_and_the_create_made_once(op_ctx, drive, vultr, made):
    fault(vultr, CREATE, status=503, count=2)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op).count("retrying") == 2 and op.attempts == 3
    assert made() == [op.target_id]


def test_a_503_that_never_ends_gives_up(op_ctx, drive, vultr, made):
    fault(vultr, CREATE, status=503, count=50)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.FAILED
    assert "rate limit" in op.error and f"after {runner.MAX_ATTEMPTS} attempts" in op.error
    assert not made()
    vultr.sim.clear_faults(vultr.key)


def test_a_timed_out_create_is_found_by_its_tag_not_sent_again(
    op_ctx, drive, vultr, settings, made
):
    # Vultr makes the server, but its answer comes after the panel stopped waiting.
    settings.PANEL_VULTR_TIMEOUT = 1
    settings.PANEL_OPERATION_RECONCILE_SECONDS = 30
    fault(vultr, CREATE, delay=1.5)
    op = start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"))
    runner.advance(op.pk)  # times out after 1 s; the server appears half a second later
    time.sleep(0.7)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[:4] == ["queued", "lost_answer", "found", "pending"]
    assert made() == [op.target_id]
    assert Demo(vultr).server(op.target_id)["tag"] == ""  # the token has done its job
    # One request was sent: the audit log has it (failed: no answer) and no second one.
    assert AuditEntry.objects.filter(action="create_server").count() == 1


def test_a_dropped_create_fails_clearly_and_a_retry_makes_exactly_one(op_ctx, drive, vultr, made):
    fault(vultr, CREATE, drop=True)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.FAILED
    assert "answer to the create request was lost" in op.error and "retry" in op.error
    assert not made()  # the simulator drops before doing anything

    assert start.retry_operation(op_ctx.user, op)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert made() == [op.target_id]
    assert "note" in names(op)  # "No server carries this operation's tag: sending again"


def test_a_dropped_answer_after_the_server_was_made_is_never_sent_twice(op_ctx, drive, vultr, made):
    # The worker died (or the connection broke) after Vultr made the server and before the
    # panel saved its id: the operation is found in SENDING, with nothing else known.
    op = start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"))
    vultr.create_server(tag=op.token)
    runner.save(op, phase=Operation.Phase.SENDING, sending_at=timezone.now(), attempts=1)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[:3] == ["queued", "found", "pending"]
    assert len(made()) == 1
    assert Demo(vultr).server(op.target_id)["tag"] == ""


def test_a_500_on_a_create_is_reconciled_then_fails_without_a_server(op_ctx, drive, vultr, made):
    fault(vultr, CREATE, status=500)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.FAILED
    assert "answer to the create request was lost" in op.error
    assert not made()


def test_a_500_on_a_reinstall_fails_saying_it_may_not_have_happened(op_ctx, drive, vultr):
    fault(vultr, "/v1/server/reinstall", status=500)
    op = drive(start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01")))
    assert op.status == Status.FAILED
    assert "may not have happened" in op.error
    assert "lost_answer" in names(op)


def test_a_timed_out_reinstall_that_happened_is_followed_to_the_end(op_ctx, drive, vultr, settings):
    settings.PANEL_VULTR_TIMEOUT = 1
    settings.PANEL_OPERATION_RECONCILE_SECONDS = 30
    fault(vultr, "/v1/server/reinstall", delay=1.5)
    op = start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))
    runner.advance(op.pk)
    time.sleep(0.7)
    op = drive(op, tick=5)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[:3] == ["queued", "lost_answer", "busy"]


def test_a_failing_poll_fails_nobody(op_ctx, drive, vultr):
    op = start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))
    runner.advance(op.pk)
    fault(vultr, "/v1/server/list", drop=True, count=3)  # the first try and both retries
    result = polling.poll_key(op.api_key_id)
    assert result.error and result.waiting == 1
    op = drive(op, tick=5)
    assert op.status == Status.SUCCEEDED, op.error


def test_destroy_waits_out_vultrs_first_five_minutes(op_ctx, drive, vultr):
    server_id = vultr.create_server()
    op = start.start_destroy_server(op_ctx, server_id)
    runner.advance(op.pk)
    op.refresh_from_db()
    assert op.status == Status.RUNNING and "waiting" in names(op)
    vultr.sim.advance(301)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert Demo(vultr).server(server_id) is None


def test_a_time_limit_fails_with_the_last_state_seen(op_ctx, drive, vultr, made):
    op = start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"))
    runner.advance(op.pk)
    vultr.sim.advance(25)  # pending, the address assigned
    polling.poll_key(op.api_key_id)
    Operation.objects.filter(pk=op.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    polling.poll_key(op.api_key_id)
    op.refresh_from_db()
    assert op.status == Status.FAILED
    assert op.error.startswith("Did not finish within 30 minutes; last seen: installing, ")
    assert op.result["main_ip"] in op.error

    # Retried, it carries on watching the same server, which is ready by now.
    assert start.retry_operation(op_ctx.user, op)
    op = drive(op)
    assert op.status == Status.SUCCEEDED and len(made()) == 1


def test_a_rejected_key_fails_with_the_reason(op_ctx, drive, vultr):
    fault(vultr, "/v1/server/reinstall", status=403)
    op = drive(start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01")))
    assert op.status == Status.FAILED and op.error.startswith("Vultr rejected the API key")


def test_a_member_who_lost_the_permission_is_refused_by_the_worker(op_ctx, drive, vultr, members):
    op = start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))
    members.membership(members.operator).__class__.objects.filter(
        user=members.operator, team=members.team
    ).update(role="viewer")
    op = drive(op)
    assert op.status == Status.FAILED and "does not allow" in op.error
    assert AuditEntry.objects.filter(action="reinstall_server", outcome="denied").exists()


def test_cancel_stops_before_anything_is_sent(op_ctx, drive, vultr, made):
    op = start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"))
    assert start.cancel_operation(op_ctx.user, op)
    assert runner.advance(op.pk) == runner.Next()
    op.refresh_from_db()
    assert op.status == Status.CANCELLED and not made()
