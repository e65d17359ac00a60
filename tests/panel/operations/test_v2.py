"""Operations with a v2 key: what only v2 has (v2 reference §3.1, §8.2, §8.3): the server
"not visible yet" right after create, the locked destroy, the tags list."""

from __future__ import annotations

import time

import pytest

from panel.operations import runner, start
from panel.operations.models import Operation
from tests.panel.helpers import Demo, demo_order

pytestmark = pytest.mark.django_db

Status = Operation.Status


@pytest.fixture
def api_version() -> str:
    return "v2"


@pytest.fixture
def not_found_window(vultr):
    before = vultr.sim.config()["v2_not_found_seconds"]
    vultr.sim.configure(v2_not_found_seconds=60)
    yield 60
    vultr.sim.configure(v2_not_found_seconds=before)


def names(op: Operation) -> list[str]:
    return [step.name for step in op.steps.all()]


def test_a_create_is_ready_when_active_running_ok_with_a_real_ip(op_ctx, drive, vultr):
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, label="v2-made")))
    assert op.status == Status.SUCCEEDED, op.error
    assert "ready" in names(op)
    instance = vultr.v2("GET", f"instances/{op.target_id}").json()["instance"]
    assert (instance["status"], instance["power_status"], instance["server_status"]) == (
        "active",
        "running",
        "ok",
    )
    assert op.result["main_ip"] == instance["main_ip"] != "0.0.0.0"
    assert instance["label"] == "v2-made"


def test_a_404_right_after_create_means_not_visible_yet(op_ctx, drive, vultr, not_found_window):
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, label="late")), tick=5)
    assert op.status == Status.SUCCEEDED, op.error
    assert Demo(vultr).server(op.target_id)["server_state"] == "ok"


def test_the_operation_tag_gives_way_to_the_users_tags(op_ctx, drive, vultr):
    order = demo_order(op_ctx, tag="web", tags=("blue", "eu"))
    op = drive(start.start_create_server(op_ctx, order))
    assert op.status == Status.SUCCEEDED, op.error
    instance = vultr.v2("GET", f"instances/{op.target_id}").json()["instance"]
    assert instance["tags"] == ["web", "blue", "eu"]
    assert op.token not in instance["tags"]


def test_without_tags_of_the_users_the_operation_tag_is_removed(op_ctx, drive, vultr):
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx)))
    assert op.status == Status.SUCCEEDED, op.error
    assert vultr.v2("GET", f"instances/{op.target_id}").json()["instance"]["tags"] == []


def test_a_lost_create_is_found_by_its_tag_among_v2_tags(op_ctx, drive, vultr, settings):
    # Vultr makes the server, but its answer comes after the panel stopped waiting.
    settings.PANEL_VULTR_TIMEOUT = 1
    settings.PANEL_OPERATION_RECONCILE_SECONDS = 30
    vultr.sim.inject_fault(
        count=1, delay=1.5, api="v2", method="POST", path="/v2/instances", key=vultr.key
    )
    before = len(Demo(vultr).servers())
    op = start.start_create_server(op_ctx, demo_order(op_ctx, tag="web"))
    runner.advance(op.pk)  # times out after 1 s; the server appears half a second later
    time.sleep(0.7)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert "found" in names(op)
    assert len(Demo(vultr).servers()) == before + 1
    instance = vultr.v2("GET", f"instances/{op.target_id}").json()["instance"]
    assert instance["tags"] == ["web"]


def test_a_locked_destroy_waits_and_tries_again(op_ctx, drive, vultr):
    server_id = Demo(vultr).id("web-01")
    vultr.sim.inject_fault(count=2, kind="locked", key=vultr.key, method="DELETE")
    op = drive(start.start_destroy_server(op_ctx, server_id), tick=20)
    assert op.status == Status.SUCCEEDED, op.error
    assert "waiting" in names(op)
    assert Demo(vultr).server(server_id) is None


def test_destroying_a_server_still_being_built_waits_until_it_is_unlocked(op_ctx, drive, vultr):
    server_id = vultr.create_server()
    op = start.start_destroy_server(op_ctx, server_id)
    runner.advance(op.pk)  # Vultr: "Server is currently locked"
    assert "waiting" in names(op)
    vultr.sim.advance(vultr.sim.config()["provisioning_seconds"] + 1)
    op = drive(op)
    assert op.status == Status.SUCCEEDED, op.error
    assert Demo(vultr).server(server_id) is None
