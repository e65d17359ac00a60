"""Failures injected through the simulator's fault control end in a clear failed state or in a
retry, as the kind allows, and a create whose answer is lost never makes a second server.

Each test runs with a v1 and a v2 key; each fault is injected as that key's API version gives
it (`ROUTES`, `STATUS`)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey
from panel.audit.models import AuditEntry
from panel.operations import polling, runner, start
from panel.operations.models import Operation
from tests.panel.helpers import Demo, demo_order

pytestmark = pytest.mark.django_db

Status = Operation.Status

# The requests faults are injected into, as (method, path) of each API version (v2 reference §2);
# a v1 path names its method already.
ROUTES = {
    "create": {"v1": (None, "/v1/server/create"), "v2": ("POST", "/v2/instances")},
    "reinstall": {
        "v1": (None, "/v1/server/reinstall"),
        "v2": ("POST", "/v2/instances/{instance-id}/reinstall"),
    },
    "list": {"v1": (None, "/v1/server/list"), "v2": ("GET", "/v2/instances")},
}
# The same failure in each version's status code: a refusal is v1's 412 and v2's 400, the rate
# limit v1's 503 (reference §3) and v2's 429 (v2 reference §1.4), a rejected key v1's 403 and
# v2's 401 (v2 reference §1.3).
STATUS = {
    "refused": {"v1": 412, "v2": 400},
    "rate_limited": {"v1": 503, "v2": 429},
    "rejected_key": {"v1": 403, "v2": 401},
}


def names(op: Operation) -> list[str]:
    return [step.name for step in op.steps.all()]


def tagged(vultr, op: Operation) -> list[str]:
    """The servers that carry the operation's token as a tag, by the ids of the key's version."""
    if vultr.api_version == "v2":
        answer = vultr.v2("GET", "instances", tag=op.token)
        assert answer.status_code == 200, answer.text
        return [instance["id"] for instance in answer.json()["instances"]]
    return list(vultr.get("server/list", tag=op.token).json() or {})


def fault(vultr, route: str, failure: str | None = None, **kwargs) -> None:
    """Make the key's next request(s) to `route` fail; `failure` names a status of `STATUS`."""
    method, path = ROUTES[route][vultr.api_version]
    if failure is not None:
        kwargs["status"] = STATUS[failure][vultr.api_version]
    if kwargs.get("status") == 429:
        kwargs.setdefault("retry_after", 0)  # the test moves on at once, as after a short wait
    vultr.sim.inject_fault(path=path, method=method, key=vultr.key, **kwargs)


def create_tagged(vultr, token: str) -> str:
    """A server made at Vultr with `token` as its tag, through the key's API version."""
    if vultr.api_version == "v2":
        order = {"region": "ewr", "plan": "vc2-1c-1gb", "os_id": 387, "tags": [token]}
        answer = vultr.v2("POST", "instances", json=order)
        assert answer.status_code == 202, answer.text
        return answer.json()["instance"]["id"]
    return vultr.create_server(tag=token)


@pytest.fixture
def new_servers(vultr):
    """new_servers() -> the ids of the servers made since the test began (a v2 create ends
    with the operation's token taken off its tags, so the tag cannot count them)."""
    before = set(Demo(vultr).servers())

    def made() -> list[str]:
        return [vultr.panel_id(s) for s in Demo(vultr).servers() if s not in before]

    return made


def test_a_refused_create_fails_with_vultrs_words(op_ctx, drive, vultr, new_servers):
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "99999", "387")))
    assert op.status == Status.FAILED
    assert op.error.startswith("Vultr refused: Invalid plan")
    assert op.phase == Operation.Phase.START and not new_servers()
    assert names(op) == ["queued", "failed"]


def test_a_refusal_from_the_fault_control_fails_at_once(op_ctx, drive, vultr):
    fault(vultr, "reinstall", "refused", body="Server is locked")
    op = drive(start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01")))
    assert op.status == Status.FAILED and op.error == "Vultr refused: Server is locked"
    assert op.attempts == 1


def test_the_rate_limit_is_retried_and_the_create_made_once(op_ctx, drive, vultr, new_servers):
    fault(vultr, "create", "rate_limited", count=2)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op).count("retrying") == 2 and op.attempts == 3
    assert new_servers() == [op.target_id]


def test_a_rate_limit_that_never_ends_gives_up(op_ctx, drive, vultr, new_servers):
    fault(vultr, "create", "rate_limited", count=50)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.FAILED
    assert "rate limit" in op.error and f"after {runner.MAX_ATTEMPTS} attempts" in op.error
    assert not new_servers()
    vultr.sim.clear_faults(vultr.key)


def test_a_timed_out_create_is_found_by_its_tag_not_sent_again(
    op_ctx, drive, vultr, settings, new_servers
):
    # Vultr makes the server, but its answer comes after the panel stopped waiting.
    settings.PANEL_VULTR_TIMEOUT = 1
    settings.PANEL_OPERATION_RECONCILE_SECONDS = 30
    fault(vultr, "create", delay=1.5)
    op = start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"))
    runner.advance(op.pk)  # times out after 1 s; the server appears half a second later
    time.sleep(0.7)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[:4] == ["queued", "lost_answer", "found", "pending"]
    assert new_servers() == [op.target_id]
    assert tagged(vultr, op) == []  # the token has done its job
    # One request was sent: the audit log has it (failed: no answer) and no second one.
    assert AuditEntry.objects.filter(action="create_server").count() == 1


def test_a_dropped_create_fails_clearly_and_a_retry_makes_exactly_one(
    op_ctx, drive, vultr, new_servers
):
    fault(vultr, "create", drop=True)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.FAILED
    assert "answer to the create request was lost" in op.error and "retry" in op.error
    assert not new_servers()  # the simulator drops before doing anything

    assert start.retry_operation(op_ctx.user, op)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert new_servers() == [op.target_id]
    assert "note" in names(op)  # "No server carries this operation's tag: sending again"


def test_a_dropped_answer_after_the_server_was_made_is_never_sent_twice(
    op_ctx, drive, vultr, new_servers
):
    # The worker died (or the connection broke) after Vultr made the server and before the
    # panel saved its id: the operation is found in SENDING, with nothing else known.
    op = start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"))
    made = create_tagged(vultr, op.token)
    runner.save(op, phase=Operation.Phase.SENDING, sending_at=timezone.now(), attempts=1)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[:3] == ["queued", "found", "pending"]
    assert op.target_id == made and new_servers() == [made]
    assert tagged(vultr, op) == []  # found, the token comes off (the user gave no tag)


def test_a_500_on_a_create_is_reconciled_then_fails_without_a_server(
    op_ctx, drive, vultr, new_servers
):
    fault(vultr, "create", status=500)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert op.status == Status.FAILED
    assert "answer to the create request was lost" in op.error
    assert not new_servers()


def test_a_500_on_a_reinstall_fails_saying_it_may_not_have_happened(op_ctx, drive, vultr):
    fault(vultr, "reinstall", status=500)
    op = drive(start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01")))
    assert op.status == Status.FAILED
    assert "may not have happened" in op.error
    assert "lost_answer" in names(op)


def test_a_timed_out_reinstall_that_happened_is_followed_to_the_end(op_ctx, drive, vultr, settings):
    settings.PANEL_VULTR_TIMEOUT = 1
    settings.PANEL_OPERATION_RECONCILE_SECONDS = 30
    fault(vultr, "reinstall", delay=1.5)
    op = start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))
    runner.advance(op.pk)
    time.sleep(0.7)
    op = drive(op, tick=5)
    assert op.status == Status.SUCCEEDED, op.error
    assert names(op)[:3] == ["queued", "lost_answer", "busy"]


def test_a_failing_poll_fails_nobody(op_ctx, drive, vultr):
    op = start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))
    runner.advance(op.pk)
    fault(vultr, "list", drop=True, count=3)  # the first try and both retries
    result = polling.poll_key(op.api_key_id)
    assert result.error and result.waiting == 1
    op = drive(op, tick=5)
    assert op.status == Status.SUCCEEDED, op.error


def test_destroying_a_new_server_waits_until_vultr_lets_it_go(op_ctx, drive, vultr):
    # v1 refuses a destroy within 5 minutes of creation (reference §7); v2 refuses it while
    # the server is locked, being built (v2 reference §8.3). Either way: wait, then again.
    server_id = vultr.create_server()
    op = start.start_destroy_server(op_ctx, server_id)
    runner.advance(op.pk)
    op.refresh_from_db()
    assert op.status == Status.RUNNING and "waiting" in names(op)
    vultr.sim.advance(301)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert Demo(vultr).server(server_id) is None


def test_a_time_limit_fails_with_the_last_state_seen(op_ctx, drive, vultr, new_servers):
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
    assert op.status == Status.SUCCEEDED and new_servers() == [op.target_id]


def test_a_rejected_key_fails_with_the_reason(op_ctx, drive, vultr):
    fault(vultr, "reinstall", "rejected_key")
    op = drive(start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01")))
    assert op.status == Status.FAILED and op.error.startswith("Vultr rejected the API key")


@pytest.mark.parametrize("removed", ["before it is sent", "while it is watched"])
def test_a_key_the_team_removed_fails_the_operation_and_says_so(op_ctx, drive, vultr, removed):
    op = start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))
    if removed == "while it is watched":
        runner.advance(op.pk)  # sent: Vultr reinstalls
        op.refresh_from_db()
        assert op.status == Status.RUNNING
    ApiKey.objects.filter(pk=op.api_key_id).delete()

    op = drive(op)

    assert op.status == Status.FAILED
    assert op.error == f"The API key {op.api_key_id} was removed from Acme Ops."


def test_a_member_who_lost_the_permission_is_refused_by_the_worker(op_ctx, drive, vultr, members):
    op = start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))
    members.membership(members.operator).__class__.objects.filter(
        user=members.operator, team=members.team
    ).update(role="viewer")
    op = drive(op)
    assert op.status == Status.FAILED and "does not allow" in op.error
    assert AuditEntry.objects.filter(action="reinstall_server", outcome="denied").exists()


def test_cancel_stops_before_anything_is_sent(op_ctx, drive, vultr):
    op = start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"))
    assert start.cancel_operation(op_ctx.user, op)
    assert runner.advance(op.pk) == runner.Next()
    op.refresh_from_db()
    assert op.status == Status.CANCELLED and not tagged(vultr, op)
