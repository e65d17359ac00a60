"""Fixtures for the operations tests: the operator's action context, and `drive`, which runs an
operation synchronously (the same step functions the Celery tasks call) against the session's
simulator, moving its clock instead of waiting."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from panel.budget import tokens as budget
from panel.operations import polling, runner
from panel.operations.models import Operation
from tests.fixtures.accounts import each_api_version

# Every test here runs with a v1 key and with a v2 key to the same simulated account.
api_version = each_api_version


@pytest.fixture(autouse=True)
def _fast_operations(settings):
    # A lost answer is judged at once; the synchronous tests move the simulator's clock
    # rather than waiting, and a request answered by Vultr needs no settling time.
    settings.PANEL_OPERATION_RECONCILE_SECONDS = 0
    settings.PANEL_OPERATION_SETTLE_SECONDS = 0
    budget.forget_config()
    yield
    budget.forget_config()


@pytest.fixture
def op_ctx(ctx_for, members):
    """The operator (who may provision) acting with `stored_key`."""
    return ctx_for(members.operator)


def reload(op: Operation) -> Operation:
    return Operation.objects.select_related("team", "actor").get(pk=op.pk)


@pytest.fixture
def drive(vultr) -> Callable[..., Operation]:
    """drive(op) -> the operation after running it to its end: each step as the task would,
    each poll as the key's poll chain would, the simulator's clock moved `tick` simulated
    seconds between polls."""

    def run(op: Operation, *, tick: float = 10.0, limit: int = 200) -> Operation:
        for _ in range(limit):
            op = reload(op)
            if not op.is_active:
                return op
            following = runner.advance(op.pk)
            op = reload(op)
            if not op.is_active:
                return op
            if following.poll_key is not None or op.phase == Operation.Phase.WAITING:
                vultr.sim.advance(tick)
                for operation_id in polling.poll_key(op.api_key_id).to_check:
                    runner.advance(operation_id)
        raise AssertionError(f"operation {op.pk} did not end: {reload(op).__dict__}")

    return run
