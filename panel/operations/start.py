"""Starting long operations, and retrying or cancelling them: the only way a long action
(create, snapshot, reinstall, OS change, restore, destroy, an address with a reboot) begins.

    op = start_reinstall_server(ctx, server_id, hostname="web-02")   # queued, returns at once
    op = start_reinstall_server(ctx, server_id, now=True)            # sent in this request
    # ... answer with the operation's panel, or Vultr's words; workers follow it to its end

Queued, a worker sends the request. With `now=True` (a page whose person waits for Vultr's
answer) the request is sent in this process by the same step a worker would run, then workers
follow the operation: Vultr's refusal comes back at once as `ActionError`, with its words.

Starting checks what the action itself would check, so that a refusal comes back at once as
`ActionDenied` (403, with a `denied` audit entry) or `ActionError` (a missing reason, a key of
another team), then writes the `Operation` with its first step and enqueues the task when the
transaction commits (STYLE item 8). The request to Vultr, with its audit entry, is made by the
worker, as the same actor and with the same request id.

Who may retry or cancel: the person who started the operation, or an admin of the team
(`manage_users`), and in both cases only while they still hold the permission of the action.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import encryption
from accounts.models import ApiKey
from accounts.permissions import Perm, may
from accounts.roles import denial
from panel.audit import record as audit
from panel.audit.models import AuditEntry, TeamSettings
from panel.servers import actions
from panel.servers.actions import ActionContext, ActionDenied, ActionError, NotFound
from panel.servers.actions.base import (
    SERVERS,
    Target,
    cache_for,
    check_allowed,
    clean_params,
    order_options,
    server_target,
)
from panel.vultr.domain import NewServer

from . import runner
from .kinds import spec_for
from .models import Operation
from .polling import enqueue_advance, follow_up

logger = logging.getLogger("panel.operations")

Kind = Operation.Kind


def start_operation(
    ctx: ActionContext,
    kind: str,
    target: Target,
    params: dict[str, Any] | None = None,
    *,
    secret_params: dict[str, Any] | None = None,
    order_token: str = "",
    now: bool = False,
) -> Operation:
    """Check, record and enqueue (or, `now`, send) an operation (see the module docstring).

    With an `order_token`, a second operation with the same token for the same key is refused
    by the database (`IntegrityError`): the deploy wizard's order is placed once."""
    spec = spec_for(kind)
    # The action's own check, so that the refusal is recorded under the action's name.
    check_allowed(ctx, spec.action, target)
    if not may(ctx.user, ctx.team, spec.perm):
        raise ActionDenied(denial(ctx.team.name, spec.perm))
    if spec.destructive and not ctx.reason and TeamSettings.for_team(ctx.team).require_reason:
        raise ActionError(f"{ctx.team.name} asks for a written reason for this action.")
    if not ApiKey.objects.filter(pk=ctx.api_key_id, team=ctx.team).exists():
        raise NotFound(f"The API key {ctx.api_key_id} is not one of {ctx.team.name}'s keys.")
    if spec.holds_server and target.type == "server" and target.id:
        # Two long operations on one server would each take the other's work for its own.
        hold = actions.hold_on(ctx, target.id)
        if hold is not None:
            raise actions.ServerHeld(hold.refusal(target.label or target.id), hold)
    secret = {k: v for k, v in (secret_params or {}).items() if v}
    at = timezone.now()
    with transaction.atomic():
        op = Operation.objects.create(
            kind=kind,
            team=ctx.team,
            api_key_id=ctx.api_key_id,
            actor=ctx.user if getattr(ctx.user, "pk", None) else None,
            actor_name=getattr(ctx.user, "username", "") or "",
            target_type=target.type,
            target_id=target.id,
            target_label=target.label[:255],
            params=clean_params(params or {}),
            order_token=order_token,
            secret_params=encryption.encrypt(json.dumps(secret)) if secret else "",
            reason=ctx.reason,
            request_id=ctx.request_id[:64],
            ip=ctx.ip,
            user_agent=ctx.user_agent[:300],
            deadline=at + spec.time_limit,
            heartbeat_at=at,
        )
        runner.save(op, [("queued", f"Queued by {op.actor_name or 'the panel'}")])
        if not now:
            op.task_id = enqueue_advance(op.pk)
    return send_now(op) if now else op


class OrderInDoubt(ActionError):
    """Vultr's answer to a request sent `now` was lost: it may have been carried out. The
    operation is looking for its effect (a create, by its tag), and the request must not be
    made again meanwhile."""

    def __init__(self, message: str, operation: Operation) -> None:
        super().__init__(message)
        self.operation = operation


def send_now(op: Operation) -> Operation:
    """Send a recorded operation's request in this process, for a person waiting for Vultr's
    answer: the step a worker would run (recorded first, reconciled if the answer is lost),
    then workers follow it until it is done.

    Returns the operation once Vultr has accepted the request. Raises `ActionError` when
    nothing was done (Vultr refused, or the request could not go out: it may be made again),
    or `OrderInDoubt` when the answer was lost.
    """
    follow_up(op.pk, runner.advance(op.pk))
    op = Operation.objects.select_related("team", "actor").get(pk=op.pk)
    if op.status == Operation.Status.FAILED:
        raise ActionError(op.error)
    if op.confirmed:
        return op
    if op.sending_at is None:
        # Not sent (a 503, no connection): the person is right here and may try again.
        # Vultr's words: the error of a request to retry later, or the detail of the step
        # that put a refused one off ("waiting").
        last = op.steps.order_by("-at", "-id").first()
        said = op.error or (last.detail if last is not None else "")
        message = said or f"The {spec_for(op).noun} could not be sent to Vultr."
        runner.finish(
            op,
            Operation.Status.CANCELLED,
            steps=[("cancelled", "Not sent; it may be sent again")],
            quiet=True,
        )
        raise ActionError(message)
    if op.kind == Kind.CREATE_SERVER:
        raise OrderInDoubt(
            f"{op.error} The panel is looking for the server by this order's tag: follow it "
            "under Operations before ordering again.",
            op,
        )
    raise OrderInDoubt(op.error, op)


# -- one function per long action -------------------------------------------------------------


def _server(ctx: ActionContext, server_id: str) -> Target:
    """The server as a target, named by its label in the server list: `NotFound` before
    anything is recorded or queued when the key's account has no such server (an id of
    another account must not become an operation, whatever Vultr would answer later).

    The cached list may predate a server created seconds ago: a miss is checked once more
    against a fresh list. A Vultr that cannot be reached now is no reason to refuse: the
    request itself will tell."""
    try:
        try:
            server = actions.get_server(ctx, server_id)
        except NotFound:
            cache_for(ctx).invalidate([SERVERS])
            server = actions.get_server(ctx, server_id)
    except NotFound:
        raise
    except ActionError:
        return server_target(ctx, server_id)
    return Target("server", server.id, server.label)


def start_create_server(
    ctx: ActionContext,
    order: NewServer,
    *,
    probe_ssh: bool = False,
    order_token: str = "",
    now: bool = False,
) -> Operation:
    """Create a server and wait until it is ready (and, with `probe_ssh`, answers on 22).

    `order` is stored whole in the operation's parameters (its cloud-init user data encrypted
    apart, `secret_params`) and sent as it is by `kinds.CreateServer`."""
    options = order_options(order)
    userdata = options.pop("userdata", None)
    params = {name: list(v) if isinstance(v, tuple) else v for name, v in options.items()}
    if probe_ssh:
        params["probe_ssh"] = True
    if userdata:
        text = userdata.decode() if isinstance(userdata, bytes) else userdata
        params["userdata"] = text  # clean_params keeps only its length
    else:
        text = None
    return start_operation(
        ctx,
        Kind.CREATE_SERVER,
        Target("server", "", order.label or ""),
        params,
        secret_params={"userdata": text},
        order_token=order_token,
        now=now,
    )


def start_create_snapshot(
    ctx: ActionContext, server_id: str, description: str = "", *, now: bool = False
) -> Operation:
    return start_operation(
        ctx, Kind.CREATE_SNAPSHOT, _server(ctx, server_id), {"description": description}, now=now
    )


def start_reinstall_server(
    ctx: ActionContext, server_id: str, hostname: str | None = None, *, now: bool = False
) -> Operation:
    params = {"hostname": hostname} if hostname else {}
    return start_operation(ctx, Kind.REINSTALL_SERVER, _server(ctx, server_id), params, now=now)


def start_change_server_os(
    ctx: ActionContext, server_id: str, os_id: str, *, now: bool = False
) -> Operation:
    return start_operation(
        ctx, Kind.CHANGE_SERVER_OS, _server(ctx, server_id), {"os_id": str(os_id)}, now=now
    )


def start_restore_snapshot(
    ctx: ActionContext, server_id: str, snapshot_id: str, *, now: bool = False
) -> Operation:
    return start_operation(
        ctx, Kind.RESTORE_SNAPSHOT, _server(ctx, server_id), {"snapshot_id": snapshot_id}, now=now
    )


def start_restore_backup(
    ctx: ActionContext, server_id: str, backup_id: str, *, now: bool = False
) -> Operation:
    return start_operation(
        ctx, Kind.RESTORE_BACKUP, _server(ctx, server_id), {"backup_id": backup_id}, now=now
    )


def start_destroy_server(ctx: ActionContext, server_id: str, *, now: bool = False) -> Operation:
    return start_operation(ctx, Kind.DESTROY_SERVER, _server(ctx, server_id), now=now)


def start_create_ipv4(ctx: ActionContext, server_id: str, *, now: bool = False) -> Operation:
    """Add an IPv4 address with a reboot, and wait until it is listed and the server is ok.
    (Without a reboot there is nothing to wait for: call `actions.create_ipv4`.)"""
    return start_operation(
        ctx, Kind.CREATE_IPV4, _server(ctx, server_id), {"reboot": True}, now=now
    )


# -- retry and cancel ---------------------------------------------------------------------------


def may_manage(user, op: Operation) -> bool:
    """The starter or an admin, holding the action's permission either way."""
    if not may(user, op.team, spec_for(op).perm):
        return False
    return op.actor_id == getattr(user, "pk", None) or may(user, op.team, Perm.MANAGE_USERS)


def retry_operation(user, op: Operation) -> bool:
    """Queue a failed or cancelled operation again; False if it is not in such a state."""
    with transaction.atomic():
        done = runner.retry(op, user.username)
        if done:
            op.task_id = enqueue_advance(op.pk)
        _record_change("operation_retried", user, op, done, "it had not failed or been cancelled")
    return done


def cancel_operation(user, op: Operation) -> bool:
    """Stop an operation that has not ended; False if it already had."""
    with transaction.atomic():
        done = runner.cancel(op, user.username)
        _record_change("operation_cancelled", user, op, done, "it had already ended")
    return done


def _record_change(action: str, user, op: Operation, done: bool, why_not: str) -> None:
    label = op.target_label or op.target_id
    audit.record(
        action,
        team=op.team,
        actor=user,
        api_key_id=op.api_key_id,
        target=("operation", str(op.pk), f"{op.get_kind_display()} {label}"),
        params={"kind": op.kind, "server": op.target_id},
        outcome=AuditEntry.Outcome.SUCCEEDED if done else AuditEntry.Outcome.FAILED,
        error="" if done else f"Nothing to do: {why_not}.",
    )
