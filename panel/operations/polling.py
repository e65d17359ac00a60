"""Coalesced polling: one server_list per API key per tick answers every operation waiting on
that key, however many there are.

Waiting operations are not re-queued one by one. Instead each key with waiting operations has
one *poll chain*: a Celery task (`poll_operations(key_id, chain)`) that fetches the key's
server list once (and its snapshot list, if a snapshot is being watched), hands what it saw to
every waiting operation of the key (`runner.apply_observation`), and re-queues itself after the
key's poll interval while any are still waiting.

Exactly one chain per key is kept with a marker in Redis that names the chain in charge
(`ops:poll:<key>:chain`, set with NX). A task of any other chain exits, so a chain revived by
the resumer (after its worker died holding the next task) replaces the old one instead of
doubling the polls. A lock serializes ticks and the time of the last tick is kept, so two
chains that somehow both ran would still not poll more often than the interval.

Race without a lost poll: an operation enters WAITING (committed), then calls `schedule_poll`;
a chain that is ending deletes its marker, then counts the waiting operations again. Either the
operation saw no marker and started a chain, or the chain's second count sees the operation.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.encryption import DecryptionError
from accounts.models import ApiKey
from panel.budget import tokens as budget
from panel.vultr import VultrError

from . import runner
from .kinds import World, spec_for
from .models import Operation

logger = logging.getLogger("panel.operations")

# Delete the marker only if it is still ours (compare and delete, atomically).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _marker(key_id: int) -> str:
    return f"ops:poll:{key_id}:chain"


def _last(key_id: int) -> str:
    return f"ops:poll:{key_id}:last"


def _lock(key_id: int) -> str:
    return f"ops:poll:{key_id}:lock"


def _marker_ttl(interval: float) -> int:
    # Longer than a tick can take (a budget wait plus a slow server_list), short enough that a
    # chain lost with its worker is noticed by the resumer soon after.
    return int(interval * 2 + 60)


def _release(key: str, value: str) -> None:
    budget.redis_client().eval(_RELEASE, 1, key, value)


def schedule_poll(key_id: int, *, countdown: float | None = None, force: bool = False) -> bool:
    """Make sure a poll chain runs for the key; returns whether a new chain was started.

    `force` replaces the chain in charge (the resumer's way to revive a dead one)."""
    interval = budget.config_for(key_id).poll_seconds
    chain = uuid.uuid4().hex
    client = budget.redis_client()
    if not client.set(_marker(key_id), chain, nx=not force, ex=_marker_ttl(interval)):
        return False
    poll_operations.apply_async(
        (key_id, chain, 0), countdown=interval if countdown is None else countdown
    )
    return True


@dataclasses.dataclass
class PollResult:
    waiting: int  # operations of the key still waiting after this tick
    to_check: list[int] = dataclasses.field(default_factory=list)  # ids to advance now
    polled: bool = False
    error: str = ""


def run_chain(key_id: int, chain: str, tick: int = 0) -> PollResult | None:
    """One tick of a poll chain (the body of the `poll_operations` task); re-queues itself
    as tick + 1. Returns None if this chain is not (or no longer) the key's chain, or if this
    tick already ran (a message delivered twice, after a worker died holding it)."""
    client = budget.redis_client()
    interval = budget.config_for(key_id).poll_seconds
    ttl = _marker_ttl(interval)
    current = client.get(_marker(key_id))
    if current is None:
        if not client.set(_marker(key_id), chain, nx=True, ex=ttl):
            return None
    elif current.decode() != chain:
        return None
    if not client.set(f"ops:poll:{key_id}:{chain}:{tick}", 1, nx=True, ex=ttl):
        return None
    client.expire(_marker(key_id), ttl)

    last = client.get(_last(key_id))
    since = time.time() - float(last) if last else interval
    if since < interval - 0.05 or not client.set(_lock(key_id), chain, nx=True, ex=ttl):
        # Too early (another chain ticked a moment ago), or a tick is running right now.
        poll_operations.apply_async((key_id, chain, tick + 1), countdown=max(0.2, interval - since))
        return PollResult(waiting=-1)
    try:
        client.set(_last(key_id), repr(time.time()), ex=ttl)
        result = poll_key(key_id)
    finally:
        _release(_lock(key_id), chain)

    for operation_id in result.to_check:
        enqueue_advance(operation_id)
    if result.waiting:
        client.expire(_marker(key_id), ttl)
        poll_operations.apply_async((key_id, chain, tick + 1), countdown=interval)
    else:
        _release(_marker(key_id), chain)
        if runner.waiting_count(key_id):
            schedule_poll(key_id)
    return result


def poll_key(key_id: int) -> PollResult:
    """Fetch the key's lists once and let every waiting operation of the key look at them."""
    ops = list(
        Operation.objects.select_related("team", "actor").filter(
            api_key_id=key_id, status=Operation.Status.RUNNING, phase=Operation.Phase.WAITING
        )
    )
    if not ops:
        return PollResult(waiting=0)
    now = timezone.now()
    api_key = ApiKey.objects.filter(pk=key_id).first()
    if api_key is None:
        for op in ops:
            runner.fail(op, runner.key_removed(op))
        return PollResult(waiting=0)

    watches = {spec_for(op).watches for op in ops}
    world = World(now=now)
    try:
        with budget.patience(runner.TASK_PATIENCE_SECONDS), runner.task_client(api_key) as vultr:
            if "servers" in watches:
                world.servers = {server.id: server for server in vultr.server_list()}
            if "snapshots" in watches:
                world.snapshots = {snap.id: snap for snap in vultr.snapshot_list()}
    except (VultrError, DecryptionError) as err:
        logger.warning("poll of key %s failed: %s", key_id, err)
        for op in ops:
            runner.note_poll_failure(op, str(err), now)
        return PollResult(waiting=runner.waiting_count(key_id), polled=True, error=str(err))

    to_check = []
    for op in ops:
        try:
            if runner.apply_observation(op, spec_for(op).observe(op, world), now) == "check":
                to_check.append(op.pk)
        except Exception:
            # One operation's bug must not stop the others from being told.
            logger.exception("operation %s: could not apply the poll", op.pk)
    return PollResult(waiting=runner.waiting_count(key_id), to_check=to_check, polled=True)


# -- queueing steps and polls (the tasks are here, beside what queues them) --------------------


def enqueue_advance(operation_id: int, countdown: float = 0.0) -> str:
    """Queue the next step of an operation once the current transaction commits."""
    task_id = str(uuid.uuid4())
    runner.mark_due(operation_id, countdown, task_id)

    def send() -> None:
        try:
            advance_operation.apply_async((operation_id,), countdown=countdown, task_id=task_id)
        except Exception:
            # The row is committed and overdue soon: the resumer (beat) queues it again.
            logger.exception("could not queue operation %s", operation_id)

    transaction.on_commit(send)
    return task_id


def follow_up(operation_id: int, following: runner.Next) -> None:
    """Queue what `runner.advance` said comes next: the step again later, or the key's poll."""
    if following.again is not None:
        enqueue_advance(operation_id, countdown=following.again)
    if following.poll_key is not None:
        key_id = following.poll_key

        def poll() -> None:
            try:
                schedule_poll(key_id)
            except Exception:  # the resumer starts the poll later
                logger.exception("could not schedule the poll of key %s", key_id)

        transaction.on_commit(poll)


@shared_task(name="panel.tasks.advance_operation", acks_late=True, ignore_result=True)
def advance_operation(operation_id: int) -> None:
    """Run the next step of an operation; then queue the step after, or the key's poll."""
    following = runner.advance(operation_id, task_id=advance_operation.request.id or "")
    follow_up(operation_id, following)


@shared_task(name="panel.tasks.poll_operations", acks_late=True, ignore_result=True)
def poll_operations(api_key_id: int, chain: str, tick: int = 0) -> None:
    """One tick of a key's poll chain: one server_list for every operation waiting on it."""
    run_chain(api_key_id, chain, tick)
