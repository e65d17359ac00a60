"""Celery tasks of the long operations (autodiscovered by panel/celery.py).

Each takes database ids only (never a key or a secret: DESIGN, "Data that must never leak"),
reloads its rows, returns if the work is already done, and re-queues itself with a countdown
instead of sleeping in a worker. The logic lives in panel/operations/; these wrappers only turn
its answers into Celery calls. Every task is acknowledged late (settings: a worker that dies
mid-task leaves the message to another) and safe to run twice.

The tasks keep the names they had in panel/tasks.py (`panel.tasks.*`): messages already queued
by an older version, and the routes and beat schedule in settings, still find them.
"""

from __future__ import annotations

import logging

from celery import shared_task

from panel.operations import notify, polling, runner
from panel.operations.start import enqueue_advance, follow_up

logger = logging.getLogger("panel.operations")


@shared_task(name="panel.tasks.advance_operation", acks_late=True, ignore_result=True)
def advance_operation(operation_id: int) -> None:
    """Run the next step of an operation; then queue the step after, or the key's poll."""
    following = runner.advance(operation_id, task_id=advance_operation.request.id or "")
    follow_up(operation_id, following)


@shared_task(name="panel.tasks.poll_operations", acks_late=True, ignore_result=True)
def poll_operations(api_key_id: int, chain: str, tick: int = 0) -> None:
    """One tick of a key's poll chain: one server_list for every operation waiting on it."""
    polling.run_chain(api_key_id, chain, tick)


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


@shared_task(name="panel.tasks.deliver_alert", acks_late=True, ignore_result=True)
def deliver_alert(delivery_id: int) -> None:
    """Send one alert (email or webhook); re-queued with backoff while it fails."""
    delay = notify.deliver(delivery_id)
    if delay is not None:
        deliver_alert.apply_async((delivery_id,), countdown=delay)
