"""Celery tasks of the long operations (autodiscovered by panel/celery.py).

Each takes database ids only (never a key or a secret: DESIGN, "Data that must never leak"),
reloads its rows, returns if the work is already done, and re-queues itself with a countdown
instead of sleeping in a worker. The logic lives in panel/operations/; these wrappers only turn
its answers into Celery calls. Every task is acknowledged late (settings: a worker that dies
mid-task leaves the message to another) and safe to run twice.

The step and poll tasks live in polling.py and the alert's in notify.py, beside the code that
queues them (so that nothing imports this module back); they are gathered here for Celery's
autodiscovery. The tasks keep the names they had in panel/tasks.py (`panel.tasks.*`): messages
already queued by an older version, and the routes and beat schedule in settings, still find
them.
"""

from __future__ import annotations

import logging

from celery import shared_task

from panel.operations import polling, runner
from panel.operations.notify import deliver_alert
from panel.operations.polling import advance_operation, enqueue_advance, poll_operations

__all__ = ["advance_operation", "deliver_alert", "poll_operations", "resume_operations"]

logger = logging.getLogger("panel.operations")


@shared_task(name="panel.tasks.resume_operations", acks_late=True, ignore_result=True)
def resume_operations() -> None:
    """Beat job: resume operations whose worker died (stale heartbeat, lost poll chain)."""
    to_advance, keys = runner.stale_operations()
    for operation_id in to_advance:
        logger.warning("resuming operation %s", operation_id)
        enqueue_advance(operation_id)
    for key_id in keys:
        logger.warning("restarting the poll of key %s", key_id)
        polling.schedule_poll(key_id, countdown=0, force=True)
