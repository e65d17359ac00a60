"""The state machine that drives one operation, step by step, without ever sleeping in a worker.

`advance(operation_id)` runs the next step of an operation and says what should happen next
(`Next`): run again after some seconds, or wait for the key's coalesced poll (polling.py),
which calls `apply_observation` for every operation it watches. tasks.py turns `Next`
into Celery calls; tests call these functions directly.

Phases (Operation.Phase):

- START: nothing sent. `send` first runs the kind's reads (`before_send`), then records
  SENDING durably, and only then makes the request. That order is what makes crashes safe:
- SENDING: the request may have reached Vultr. Whoever finds an operation here (a worker
  that took over from a dead one, or the same worker after a lost answer) reconciles instead
  of sending again: a create looks for the server tagged with the operation's token
  (server_list?tag=); other kinds watch for the change to show. Without evidence within
  PANEL_OPERATION_RECONCILE_SECONDS the operation fails, saying that the request may not have
  happened; only a person's retry may send a create again, and only after one more search.
- WAITING: sent; the key's poll watches it.
- CHECK: the poll saw the state the kind waits for; a per-operation check follows (the
  user's tag, an SSH probe, the new address in server/list_ipv4).

Errors, by what they say about the request (the provider library sets `retryable` per
request, panel/vultr/errors.py): a refusal (412, 403, a bad parameter) fails the operation with
Vultr's words, unless the kind knows it means "not yet"; a request that certainly did not reach
Vultr (a 503 or the panel's own budget, a refused connection) is tried again with capped,
jittered backoff; anything else (a timeout, a dropped connection, a 500) may have happened and
is reconciled as above.

Two copies of a step never run at once: a worker takes a short lease on the row first
(`claim`). Every write is a conditional UPDATE of the fields it owns, and the timeline is
append-only rows, so the poll, a worker and a person cancelling never overwrite each other.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.encryption import DecryptionError
from accounts.models import ApiKey
from panel.audit import scrub
from panel.budget import tokens as budget
from panel.servers.actions import ActionContext, ActionDenied, ActionError
from panel.servers.actions.base import SERVERS, SNAPSHOTS, cache_for, explain, server_scopes
from panel.vultr import (
    AuthenticationError,
    InvalidLocationError,
    InvalidParameterError,
    MethodNotAllowedError,
    RequestFailedError,
    VultrClient,
    VultrError,
)

from . import notify
from . import retry as retries
from .kinds import Observation, describe_state, spec_for
from .models import Operation, OperationStep

logger = logging.getLogger("panel.operations")

Status, Phase = Operation.Status, Operation.Phase

# Automatic tries of a request that certainly did not reach Vultr (503, no connection).
MAX_ATTEMPTS = 8
# Backoff between them: 5 s, 10 s, 20 s, ... capped at 5 minutes, with "equal jitter" (at
# least half the step), so that operations sharing a key do not retry in lockstep.
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 300.0
# A worker waits this long for a token of the key's budget before giving the slot back.
TASK_PATIENCE_SECONDS = 30.0
# Unexpected errors (bugs, a database that went away) tolerated before giving up.
MAX_INTERNAL_ERRORS = 5
# Steps that may appear more than once in a timeline.
REPEATABLE = frozenset({"retrying", "lost_answer", "retried", "waiting", "note", "cancelled"})
# Fields of an operation that may hold text from Vultr's answers.
SCRUBBED = frozenset({"error", "target_label", "result", "last_state"})


@dataclasses.dataclass(frozen=True)
class Next:
    """What the caller should do after a step: run `advance` again after `again` seconds,
    and/or make sure the poll of key `poll_key` is scheduled. Neither: the operation ended
    (or another worker holds it)."""

    again: float | None = None
    poll_key: int | None = None


def backoff(attempt: int, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS):
    return retries.backoff(attempt, base, cap)


# -- context -------------------------------------------------------------------------------


def ctx_for(op: Operation) -> ActionContext:
    """The action context of the person who started the operation (STYLE item 5: tasks carry
    the actor and the request id on)."""
    return ActionContext(
        user=op.actor,
        team=op.team,
        api_key_id=op.api_key_id,
        request_id=op.request_id,
        ip=op.ip,
        user_agent=op.user_agent,
        reason=op.reason,
        operation=op.token,
    )


def key_of(op: Operation) -> ApiKey | None:
    return ApiKey.objects.filter(pk=op.api_key_id, team_id=op.team_id).first()


def key_removed(op: Operation) -> str:
    """Why an operation whose key the team has removed fails (the worker and the poller)."""
    return f"The API key {op.api_key_id} was removed from {op.team.name}."


def key_or_fail(op: Operation) -> ApiKey | None:
    """The operation's key; None, with the operation failed, once the team has removed it."""
    api_key = key_of(op)
    if api_key is None:
        fail(op, key_removed(op))
    return api_key


def task_client(api_key: ApiKey) -> VultrClient:
    """A client for a worker's own reads, on the key's budget."""
    return budget.client(
        api_key,
        timeout=(min(5, settings.PANEL_VULTR_TIMEOUT), settings.PANEL_VULTR_TIMEOUT),
        max_retries=2,
    )


# -- writing -------------------------------------------------------------------------------


def progress_of(op: Operation, reached: Iterable[str]) -> int:
    names = [name for name, _ in spec_for(op).planned_steps(op)]
    done = [names.index(name) for name in reached if name in names]
    if not done or len(names) < 2:
        return 0
    return round(100 * max(done) / (len(names) - 1))


def save(
    op: Operation,
    steps: Iterable[tuple[str, str]] = (),
    *,
    detail: str = "",
    only_if: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Update `fields` of the row (if it still matches `only_if`) and append the steps not
    yet in its timeline. Returns whether the row was updated."""
    now = timezone.now()
    new = []
    reached = list(op.reached)
    # Texts may quote Vultr's answers: no key in use goes into the row (panel/audit/scrub.py).
    detail = scrub.text(detail)
    fields = {
        name: scrub.value(value) if name in SCRUBBED else value for name, value in fields.items()
    }
    for name, label in steps:
        if name in reached and name not in REPEATABLE:
            continue
        if name not in reached:
            reached.append(name)
        label = scrub.text(label)
        new.append(OperationStep(operation=op, name=name, label=label[:255], detail=detail, at=now))
    if new:
        fields["reached"] = reached
        if "progress" not in fields:
            fields["progress"] = max(op.progress, progress_of(op, reached))
    if not fields:
        return True
    # One transaction: a row that says "succeeded" never lacks the steps that led there (a
    # failed insert after a committed update left timelines ending in an earlier step).
    with transaction.atomic():
        updated = Operation.objects.filter(pk=op.pk, **(only_if or {})).update(**fields)
        if not updated:
            return False
        if new:
            OperationStep.objects.bulk_create(new)
    for name, value in fields.items():
        setattr(op, name, value)
    if new:
        _forget_cached_state(op)
    return True


def _forget_cached_state(op: Operation) -> None:
    """A step reached means Vultr shows something new (the poll saw it, or the request was
    answered): the pages that refresh when an operation moves must not read the key's cached
    lists of a moment ago (panel/servers/cache.py), or they would show the old state until
    the next move, which may never come."""
    scopes = {SERVERS, SNAPSHOTS, *(server_scopes(op.target_id) if op.target_id else ())}
    try:
        cache_for(ctx_for(op)).invalidate(scopes)
    except ActionError:  # the key is gone: nothing of it is shown any more
        pass


def finish(
    op: Operation,
    status: str,
    *,
    error: str = "",
    steps: Iterable[tuple[str, str]] = (),
    only_if: dict[str, Any] | None = None,
    quiet: bool = False,
    **fields: Any,
) -> bool:
    """End the operation (if nobody ended it first), then tell the people who want to know
    (unless `quiet`: the person is looking at the outcome already)."""
    steps = list(steps)
    if status == Status.SUCCEEDED:
        fields.update(phase=Phase.DONE, progress=100, secret_params="")
        steps.append(("succeeded", "Done"))
    elif status == Status.FAILED:
        steps.append(("failed", f"Failed: {error}" if error else "Failed"))
    ended = save(
        op,
        steps,
        detail=error if status == Status.FAILED else "",
        only_if={"status__in": Operation.ACTIVE, **(only_if or {})},
        status=status,
        error=error,
        finished_at=timezone.now(),
        lease_until=None,
        lease_owner="",
        **fields,
    )
    if ended and not quiet:
        logger.info("operation %s (%s) %s %s", op.pk, op.kind, status, error)
        notify.operation_ended(op)
    return ended


def fail(op: Operation, error: str, **fields: Any) -> bool:
    return finish(op, Status.FAILED, error=error, **fields)


def time_out(op: Operation) -> bool:
    limit = spec_for(op).time_limit
    minutes = int(limit.total_seconds() // 60)
    return fail(
        op,
        f"Did not finish within {minutes} minutes; last seen: {describe_state(op.last_state)}.",
    )


# -- leases --------------------------------------------------------------------------------


def claim(op: Operation, owner: str) -> bool:
    """Take the row for one step; False if another worker is running a step of it."""
    now = timezone.now()
    taken = (
        Operation.objects.filter(pk=op.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(
            lease_until=now + timedelta(seconds=settings.PANEL_OPERATION_LEASE_SECONDS),
            lease_owner=owner,
            heartbeat_at=now,
        )
    )
    return bool(taken)


def release(op: Operation, owner: str) -> None:
    Operation.objects.filter(pk=op.pk, lease_owner=owner).update(lease_until=None, lease_owner="")


# -- one step ------------------------------------------------------------------------------


def advance(operation_id: int, *, task_id: str = "") -> Next:
    """Run the next step of the operation; see the module docstring."""
    op = Operation.objects.select_related("team", "actor").filter(pk=operation_id).first()
    if op is None or not op.is_active:
        return Next()
    owner = f"{task_id or 'sync'}:{uuid.uuid4().hex[:8]}"
    if not claim(op, owner):
        return Next()
    try:
        return _advance(op)
    except Exception:
        logger.exception("operation %s: step failed unexpectedly", op.pk)
        return _internal_error(op)
    finally:
        release(op, owner)


def _internal_error(op: Operation) -> Next:
    count = op.internal_errors + 1
    try:
        if count >= MAX_INTERNAL_ERRORS:
            fail(op, "The panel failed internally while running this operation; see the log.")
            return Next()
        save(op, internal_errors=count)
    except Exception:
        logger.exception("operation %s: could not record an internal error", op.pk)
    return Next(again=backoff(count))


def _advance(op: Operation) -> Next:
    now = timezone.now()
    if op.status == Status.QUEUED:
        started = save(
            op,
            only_if={"status": Status.QUEUED},
            status=Status.RUNNING,
            started_at=op.started_at or now,
        )
        if not started:  # cancelled in the meantime
            return Next()
    if op.deadline and now >= op.deadline:
        time_out(op)
        return Next()
    if op.phase == Phase.START:
        return send(op)
    if op.phase == Phase.SENDING:
        return reconcile(op)
    if op.phase == Phase.WAITING:
        return Next(poll_key=op.api_key_id)
    if op.phase == Phase.CHECK:
        return check(op)
    return Next()


def _certainly_not_done(err: VultrError) -> bool:
    """Vultr refused the request, or it never reached Vultr: nothing happened."""
    refused = (
        RequestFailedError,
        AuthenticationError,
        InvalidParameterError,
        MethodNotAllowedError,
        InvalidLocationError,
    )
    # v2's "Server is currently locked" (a 500): refused, nothing done (v2 reference §8.3).
    return isinstance(err, refused) or err.retryable or getattr(err, "locked", False)


def _retry_later(op: Operation, message: str) -> Next:
    """A request that did not reach Vultr (or a read that failed): again, with backoff."""
    if op.attempts >= MAX_ATTEMPTS:
        fail(op, f"{message} (gave up after {op.attempts} attempts)")
        return Next()
    delay = backoff(op.attempts or 1)
    save(op, [("retrying", f"{message}; trying again in {delay:.0f} s")], error=message)
    return Next(again=delay)


def send(op: Operation) -> Next:
    spec = spec_for(op)
    api_key = key_or_fail(op)
    if api_key is None:
        return Next()
    try:
        with budget.patience(TASK_PATIENCE_SECONDS), task_client(api_key) as vultr:
            found = spec.before_send(op, vultr)
    except VultrError as err:
        save(op, attempts=op.attempts + 1)
        return _retry_later(op, explain(err, api_key, change=False))
    except DecryptionError as err:
        fail(op, str(err))
        return Next()

    # Durable before the request: from here on the request may have reached Vultr, and
    # whoever finds the operation in this phase reconciles instead of sending again.
    save(
        op,
        phase=Phase.SENDING,
        sending_at=timezone.now(),
        confirmed=False,
        attempts=op.attempts + 1,
        result={**op.result, **found},
    )
    try:
        with budget.patience(TASK_PATIENCE_SECONDS):
            sent = spec.send(op, ctx_for(op))
    except ActionDenied as err:
        save(op, phase=Phase.START, sending_at=None)
        fail(op, str(err))
        return Next()
    except ActionError as err:
        vultr_error = err.vultr_error
        if vultr_error is None or _certainly_not_done(vultr_error):
            save(op, phase=Phase.START, sending_at=None)
            if vultr_error is not None and vultr_error.retryable:
                return _retry_later(op, err.message)
            later = spec.refusal_retry(vultr_error) if vultr_error is not None else None
            if later is not None:
                seconds, why = later
                save(op, [("waiting", f"{why} in {seconds:.0f} s")], detail=err.message)
                return Next(again=seconds)
            fail(op, err.message)
            return Next()
        save(
            op,
            [("lost_answer", "Vultr's answer was lost: looking for the result")],
            detail=err.message,
            error=err.message,
        )
        return reconcile(op)

    fields: dict[str, Any] = {
        "phase": Phase.WAITING,
        "confirmed": True,
        "sent_at": timezone.now(),
        "error": "",
        # Needed only to send; a request that Vultr has answered is never sent again.
        "secret_params": "",
    }
    label = "Sent to Vultr"
    if sent.get("target_id"):
        fields["target_id"] = sent["target_id"]
        label = f"Sent to Vultr: server {sent['target_id']}"
    if sent.get("result"):
        fields["result"] = {**op.result, **sent["result"]}
    save(op, [("sent", label)], **fields)
    try:
        with budget.patience(TASK_PATIENCE_SECONDS):
            after = spec.after_sent(op, ctx_for(op))
    except (ActionError, VultrError) as err:
        logger.info("operation %s: after sending: %s (left for later)", op.pk, err)
        after = None
    if after is not None:
        save(op, after.steps, result={**op.result, **after.result})
    return Next(poll_key=op.api_key_id)


def reconcile(op: Operation) -> Next:
    """The request may or may not have reached Vultr: look before doing anything else."""
    if op.kind == Operation.Kind.CREATE_SERVER and not op.target_id:
        api_key = key_or_fail(op)
        if api_key is None:
            return Next()
        try:
            with budget.patience(TASK_PATIENCE_SECONDS), task_client(api_key) as vultr:
                tagged = vultr.server_list(tag=op.token)
        except VultrError as err:
            save(op, [("retrying", f"Could not look for the server: {err}")])
            return Next(again=backoff(2))
        if tagged:
            server = sorted(tagged, key=lambda s: s.id)[0]
            save(
                op,
                [("found", f"Found server {server.id} by this operation's tag")],
                phase=Phase.WAITING,
                confirmed=True,
                target_id=server.id,
                sent_at=op.sending_at,
                resend_allowed=False,
                error="",
                secret_params="",
            )
            return Next(poll_key=op.api_key_id)
        if op.resend_allowed and _grace_over(op):
            # A person asked to retry, long after the lost request, and Vultr has no server
            # with this token: the request never created one, so sending it is no duplicate.
            save(
                op,
                [("note", "No server carries this operation's tag: sending the request again")],
                phase=Phase.START,
                sending_at=None,
                resend_allowed=False,
            )
            return send(op)
    if op.resend_allowed:
        save(op, resend_allowed=False)
    save(op, phase=Phase.WAITING, confirmed=False, sent_at=op.sending_at)
    return Next(poll_key=op.api_key_id)


def _grace_over(op: Operation, now=None) -> bool:
    now = now or timezone.now()
    if op.sending_at is None:
        return True
    return (now - op.sending_at).total_seconds() >= settings.PANEL_OPERATION_RECONCILE_SECONDS


def check(op: Operation) -> Next:
    spec = spec_for(op)
    api_key = key_or_fail(op)
    if api_key is None:
        return Next()
    try:
        with budget.patience(TASK_PATIENCE_SECONDS), task_client(api_key) as vultr:
            found = spec.check(op, ctx_for(op), vultr)
    except ActionDenied as err:
        fail(op, str(err))
        return Next()
    except ActionError as err:
        save(op, attempts=op.attempts + 1)
        if err.vultr_error is not None and not isinstance(err.vultr_error, RequestFailedError):
            return _retry_later(op, err.message)  # the checks' changes are safe to repeat
        fail(op, err.message)
        return Next()
    except VultrError as err:
        save(op, attempts=op.attempts + 1)
        return _retry_later(op, explain(err, api_key, change=False))
    fields: dict[str, Any] = {}
    if found.result:
        fields["result"] = {**op.result, **found.result}
    if found.outcome == "succeeded":
        finish(op, Status.SUCCEEDED, steps=found.steps, **fields)
        return Next()
    if found.outcome == "failed":
        if found.steps or fields:
            save(op, found.steps, **fields)
        fail(op, found.error)
        return Next()
    save(op, found.steps, **fields)
    if found.outcome == "wait":
        if not op.confirmed and _grace_over(op):
            fail(op, spec.lost_message(op))
            return Next()
        save(op, phase=Phase.WAITING)
        return Next(poll_key=op.api_key_id)
    return Next(again=found.again)


# -- what the poll saw ---------------------------------------------------------------------


def apply_observation(op: Operation, obs: Observation, now=None) -> str | None:
    """Record what one poll saw of a WAITING operation; returns "check" when a per-operation
    check should run next, else None."""
    spec = spec_for(op)
    now = now or timezone.now()
    fields: dict[str, Any] = {"heartbeat_at": now}
    if obs.state is not None:
        fields["last_state"] = obs.state
    if obs.busy and not op.seen_busy:
        fields["seen_busy"] = True
    if obs.confirmed and not op.confirmed:
        fields.update(confirmed=True, sent_at=op.sent_at or op.sending_at, secret_params="")
    if obs.target_id and not op.target_id:
        fields["target_id"] = obs.target_id
    if obs.result:
        fields["result"] = {**op.result, **obs.result}
    if obs.state and obs.state.get("label") and not op.target_label:
        fields["target_label"] = obs.state["label"][:255]
    waiting = {"status": Status.RUNNING, "phase": Phase.WAITING}

    if obs.outcome == "succeeded":
        finish(op, Status.SUCCEEDED, steps=obs.steps, only_if=waiting, **fields)
        return None
    if obs.outcome == "failed":
        if obs.steps:
            save(op, obs.steps, only_if=waiting, **fields)
            fields = {}
        fail(op, obs.error, only_if=waiting, **fields)
        return None
    if obs.outcome == "check":
        if save(op, obs.steps, only_if=waiting, phase=Phase.CHECK, **fields):
            return "check"
        return None
    if not save(op, obs.steps, only_if=waiting, **fields):
        return None
    if not op.confirmed and _grace_over(op, now):
        fail(op, spec.lost_message(op), only_if=waiting)
    elif op.deadline and now >= op.deadline:
        time_out(op)
    return None


def note_poll_failure(op: Operation, message: str, now=None) -> None:
    """A poll that failed fails nobody (the next tick tries again), but deadlines still hold."""
    now = now or timezone.now()
    save(op, heartbeat_at=now)
    if op.deadline and now >= op.deadline:
        time_out(op)


# -- people: retry and cancel --------------------------------------------------------------


def cancel(op: Operation, by_name: str) -> bool:
    sent = op.sending_at is not None
    label = f"Cancelled by {by_name}"
    if sent:
        label += "; Vultr carries on with what it was asked, the panel stops watching"
    return finish(op, Status.CANCELLED, steps=[("cancelled", label)])


def retry(op: Operation, by_name: str) -> bool:
    """Start a failed or cancelled operation again from where it stopped. Returns whether it
    was queued; the caller enqueues it (`polling.enqueue_advance`) on commit."""
    if op.status not in (Status.FAILED, Status.CANCELLED):
        return False
    fields: dict[str, Any] = {}
    phase = op.phase
    lost = op.sending_at is not None and not op.confirmed
    if lost or phase == Phase.SENDING:
        if op.kind == Operation.Kind.CREATE_SERVER and op.sending_at is not None:
            # One more tag search first; only if it finds nothing is the request sent again.
            phase, fields["resend_allowed"] = Phase.SENDING, True
        else:
            phase, fields["sending_at"] = Phase.START, None
    if phase == Phase.CHECK and "ready_at" in op.result:
        fields["result"] = {**op.result, "ready_at": timezone.now().isoformat()}
    return save(
        op,
        [("retried", f"Retried by {by_name}")],
        only_if={"status__in": (Status.FAILED, Status.CANCELLED)},
        status=Status.QUEUED,
        phase=phase,
        error="",
        finished_at=None,
        deadline=timezone.now() + spec_for(op).time_limit,
        internal_errors=0,
        attempts=0 if phase == Phase.START else op.attempts,
        **fields,
    )


# -- the resumer ---------------------------------------------------------------------------


def stale_operations(now=None) -> tuple[list[int], set[int]]:
    """Operations whose worker seems to have died: (ids to advance again, keys to poll again).

    A step that is overdue and not leased was lost with its worker (or its Celery message
    was); a WAITING operation whose heartbeat stopped lost its key's poll chain. Resuming one
    that was merely slow is harmless: steps are idempotent and leased.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.PANEL_OPERATION_STALE_SECONDS)
    active = Operation.objects.filter(status__in=Operation.ACTIVE)
    unleased = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    overdue = Q(due_at__lt=stale) | Q(due_at__isnull=True, created_at__lt=stale)
    to_advance = list(
        active.exclude(phase=Phase.WAITING).filter(unleased & overdue).values_list("pk", flat=True)
    )
    keys = set()
    waiting = active.filter(phase=Phase.WAITING).values_list("api_key_id", "heartbeat_at")
    for key_id, heartbeat in waiting:
        poll = budget.config_for(key_id).poll_seconds
        limit = now - timedelta(seconds=settings.PANEL_OPERATION_STALE_SECONDS + 2 * poll)
        if heartbeat is None or heartbeat < limit:
            keys.add(key_id)
    return to_advance, keys


def mark_due(operation_id: int, countdown: float, task_id: str) -> None:
    Operation.objects.filter(pk=operation_id).update(
        due_at=timezone.now() + timedelta(seconds=countdown), task_id=task_id
    )


def waiting_count(key_id: int) -> int:
    return Operation.objects.filter(
        api_key_id=key_id, status=Status.RUNNING, phase=Phase.WAITING
    ).count()
