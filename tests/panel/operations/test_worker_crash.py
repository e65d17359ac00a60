"""A worker killed (SIGKILL) in the middle of a create-and-wait, at the worst moment: its
server/create has reached Vultr and the answer, with the new server's id, has not come back.
After a new worker starts, the beat job resumes the operation, which finds the server by its
tag instead of ordering another, and finishes: exactly one server exists.

Real processes throughout: a Redis of its own for this test (so that the session's worker
cannot take the task), two worker processes one after the other, and Celery beat.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from django.conf import settings

from panel.budget.models import KeyBudget
from panel.celery import app
from panel.local_stack import child_env, free_port, start_celery, start_redis, stop
from panel.operations import start
from panel.operations.models import Operation
from panel.operations.tasks import advance_operation
from tests.fixtures.database import database_url
from tests.panel.helpers import demo_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def own_redis(tmp_path):
    port = free_port()
    proc = start_redis(port, tmp_path / "redis")
    yield f"redis://127.0.0.1:{port}/0"
    stop([proc])


def wait_until(check, timeout: float, what: str, *, tick=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if tick:
            tick()
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_worker_killed_between_create_and_answer(
    own_redis, tmp_path, op_ctx, stored_key, vultr, monkeypatch
):
    env = child_env(
        DJANGO_SETTINGS_MODULE="tests.settings",
        REDIS_URL=own_redis,
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        # A dead worker's lease and overdue step are noticed within seconds, not minutes.
        PANEL_OPERATION_LEASE_SECONDS="3",
        PANEL_OPERATION_STALE_SECONDS="3",
        PANEL_OPERATION_RESUME_SECONDS="1",
    )
    worker_args = ("--pool=solo", "--without-mingle", "--without-gossip", "--loglevel=WARNING")
    KeyBudget.objects.create(api_key=stored_key, requests_per_second=100, poll_seconds=0.3)
    # Vultr takes 3 s to answer this create: the worker dies while it waits.
    vultr.sim.inject_fault(path="/v1/server/create", key=vultr.key, delay=3)

    procs: list[subprocess.Popen] = []
    with app.connection_for_write(own_redis) as connection:
        send = advance_operation.apply_async
        monkeypatch.setattr(
            advance_operation,
            "apply_async",
            lambda *args, **kwargs: send(*args, connection=connection, **kwargs),
        )
        try:
            first = start_celery(
                env, *worker_args, "--hostname=doomed@%h", stdout=subprocess.DEVNULL
            )
            procs.append(first)
            op = start.start_create_server(
                op_ctx, demo_order(op_ctx, "1", "201", "387", label="survivor")
            )

            def sending():
                op.refresh_from_db()
                return op.phase == Operation.Phase.SENDING

            wait_until(sending, 30, "the worker to send the create")
            time.sleep(1)  # the request is at Vultr, which answers in 2 more seconds
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            time.sleep(2.5)  # Vultr makes the server; nobody hears the answer
            op.refresh_from_db()
            assert (op.status, op.phase, op.target_id) == ("running", "sending", "")
            assert len(vultr.get("server/list", tag=op.token).json() or {}) == 1

            procs.append(
                start_celery(env, *worker_args, "--hostname=heir@%h", stdout=subprocess.DEVNULL)
            )
            procs.append(
                start_celery(
                    env,
                    f"--schedule={tmp_path / 'beat-schedule'}",
                    "--loglevel=WARNING",
                    kind="beat",
                    stdout=subprocess.DEVNULL,
                )
            )

            def done():
                op.refresh_from_db()
                return not op.is_active

            def move_clock():
                if op.phase == Operation.Phase.WAITING:
                    vultr.sim.advance(10)

            wait_until(done, 60, "the operation to finish", tick=move_clock)
        finally:
            stop(procs)

    assert op.status == "succeeded", (op.error, [s.label for s in op.steps.all()])
    steps = [s.name for s in op.steps.all()]
    assert steps[:2] == ["queued", "found"] and steps[-1] == "succeeded"
    # One server, which no longer carries the token once found (the user gave no tag).
    servers = vultr.get("server/list", label="survivor").json()
    assert list(servers) == [op.target_id]
    assert servers[op.target_id]["tag"] == ""
