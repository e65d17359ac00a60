"""What each kind of operation sends to Vultr, what it waits for, and how long it may take.

A kind has four parts, used by the runner (runner.py) and the coalesced poll (polling.py):

- `before_send`: reads it needs before the request (the addresses a server has before one is
  added; the snapshots that exist before one is taken), so that a lost answer can still be
  matched to what it did;
- `send`: the one mutating request, made through the action layer (permission check, audit
  entry, cache invalidation) with the operation's actor and request id;
- `observe`: given one poll of the key's server list (or snapshot list), which steps of the
  timeline were reached, whether the request has visibly taken effect, and whether the
  operation is done;
- `check`: per-operation work after the state is reached that the shared poll cannot do
  (set the user's own tag, probe SSH, list a server's IPv4 addresses).

"Ready" follows reference §6: a server is ready when active, running, state ok and with a
real main IP (`Server.is_ready`); power_status alone means nothing while pending.
"""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from accounts import encryption
from accounts.permissions import Perm
from panel import words
from panel.servers import actions
from panel.servers.actions.base import Change, Target, perform, server_scopes
from panel.vultr import (
    ImageStatus,
    RequestFailedError,
    Server,
    ServerLockedError,
    ServerStatus,
    Snapshot,
    VultrClient,
    VultrError,
)
from panel.vultr.domain import NewServer

from .models import Operation

Kind = Operation.Kind


@dataclasses.dataclass
class World:
    """What one poll of a key saw; None for a list that was not fetched."""

    now: datetime
    servers: dict[str, Server] | None = None
    snapshots: dict[str, Snapshot] | None = None


@dataclasses.dataclass
class Observation:
    """What an operation learnt from one poll."""

    steps: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (name, label)
    outcome: str | None = None  # None (keep waiting), "succeeded", "failed" or "check"
    error: str = ""
    state: dict[str, Any] | None = None
    busy: bool = False  # the server is seen doing the work (not ok)
    confirmed: bool = False  # evidence that the request took effect
    target_id: str | None = None  # learnt from a lost answer's evidence
    result: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class CheckResult:
    outcome: str  # "succeeded", "failed", "again" (after `again` seconds) or "wait" (poll)
    steps: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    error: str = ""
    again: float = 0.0
    result: dict[str, Any] = dataclasses.field(default_factory=dict)


def server_state(server: Server) -> dict[str, Any]:
    return {
        "status": server.status.value,
        "power_status": server.power_status.value,
        "server_state": server.server_state.value,
        "main_ip": server.main_ip or "",
        "label": server.label,
    }


def _state_words(server: Server) -> str:
    """What a busy server is doing, in words: "installing or booting"."""
    value = server.server_state.value
    return words.SERVER_STATE.get(value, value)


def describe_state(state: dict[str, Any]) -> str:
    """The last state seen, in words, for a failure message."""
    if not state:
        return "nothing seen yet"
    if "snapshot_status" in state:
        status = str(state["snapshot_status"])
        return f"snapshot {words.IMAGE_STATUS.get(status, status)}"
    if state.get("gone"):
        return "the server was no longer listed"
    ip = state.get("main_ip") or "no IP address yet"
    status = words.server_status(
        str(state.get("status")), str(state.get("power_status")), str(state.get("server_state"))
    )
    return f"{status}, {ip}"


def tcp_probe(host: str, port: int, timeout: float) -> bool:
    """Whether something accepts a TCP connection at host:port within `timeout` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def secrets_of(op: Operation) -> dict[str, Any]:
    return json.loads(encryption.decrypt(op.secret_params)) if op.secret_params else {}


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return (now - moment).total_seconds() if moment else 0.0


class KindSpec:
    kind: str
    perm: Perm
    action: Callable[..., Any]
    time_limit = timedelta(minutes=30)
    destructive = False
    watches = "servers"  # or "snapshots"
    # While it runs, conflicting changes to its server wait (panel/operations/holds.py).
    holds_server = True
    planned: tuple[tuple[str, str], ...] = ()
    noun = "request"

    def planned_steps(self, op: Operation) -> tuple[tuple[str, str], ...]:
        return self.planned

    def before_send(self, op: Operation, vultr: VultrClient) -> dict[str, Any]:
        return {}

    def send(self, op: Operation, ctx: actions.ActionContext) -> dict[str, Any]:
        raise NotImplementedError

    def observe(self, op: Operation, world: World) -> Observation:
        raise NotImplementedError

    def check(self, op: Operation, ctx: actions.ActionContext, vultr: VultrClient) -> CheckResult:
        return CheckResult("succeeded")

    def after_sent(self, op: Operation, ctx: actions.ActionContext) -> CheckResult | None:
        """Work right after Vultr's answer (its failure is left for `check`)."""
        return None

    def refusal_retry(self, err: VultrError) -> tuple[float, str] | None:
        """(seconds, explanation) when Vultr's refusal means "not yet" for this kind."""
        return None

    def lost_message(self, op: Operation) -> str:
        return (
            f"Vultr's answer to the {self.noun} was lost and the server showed no sign of it "
            f"within {settings.PANEL_OPERATION_RECONCILE_SECONDS} s: it may not have happened. "
            "Look at the server, then retry to send it again."
        )

    def server(self, op: Operation, world: World) -> Server | None:
        return (world.servers or {}).get(op.target_id)


# -- create ----------------------------------------------------------------------------------


def order_of(op: Operation) -> NewServer:
    """The `NewServer` a create operation was started with (start.start_create_server)."""
    names = {field.name for field in dataclasses.fields(NewServer)}
    options = {name: value for name, value in op.params.items() if name in names}
    for name, value in options.items():
        if isinstance(value, list):
            options[name] = tuple(value)
    options.pop("userdata", None)  # only its length is in the parameters
    userdata = secrets_of(op).get("userdata")
    return NewServer(**options, userdata=userdata.encode() if userdata else None)


class CreateServer(KindSpec):
    kind = Kind.CREATE_SERVER
    perm = Perm.PROVISIONING
    action = staticmethod(actions.create_server)
    time_limit = timedelta(minutes=30)
    noun = "create request"
    planned = (
        ("queued", "Queued"),
        ("sent", "Sent to Vultr"),
        ("pending", "Pending at Vultr"),
        ("ip_assigned", "IP address assigned"),
        ("installing", "Installing and booting"),
        ("ready", "Ready"),
    )

    def planned_steps(self, op):
        if op.params.get("probe_ssh"):
            return (*self.planned, ("ssh", "SSH answers on port 22"))
        return self.planned

    def send(self, op, ctx):
        # The server carries the operation's token as its only tag, so that a create whose
        # answer is lost can be found (server_list?tag=) instead of being sent again. Once the
        # id is saved the user's own tags replace it, or none (`after_sent`, else `check`).
        subid = actions.create_server(ctx, order_of(op), finding_tag=op.token)
        return {"target_id": subid}

    def observe(self, op, world):
        obs = Observation()
        servers = world.servers or {}
        server = servers.get(op.target_id) if op.target_id else None
        if server is None and not op.target_id:
            # The answer was lost: the server, if Vultr made it, carries our token.
            # v1 keeps one tag; v2 has a list (`tags`), which `Server.tags` gives for both.
            tagged = sorted((s for s in servers.values() if op.token in s.tags), key=lambda s: s.id)
            if tagged:
                server = tagged[0]
                obs.target_id, obs.confirmed = server.id, True
                obs.steps.append(("found", f"Found server {server.id} by this operation's tag"))
        if server is None:
            if op.target_id and op.last_state:
                obs.outcome = "failed"
                obs.error = f"Server {op.target_id} is no longer in the server list."
                obs.state = {**op.last_state, "gone": True}
            return obs
        obs.confirmed = True
        obs.state = server_state(server)
        obs.result = {"main_ip": server.main_ip or "", "label": server.label}
        if server.status in (ServerStatus.SUSPENDED, ServerStatus.CLOSED):
            obs.outcome = "failed"
            obs.error = f"Vultr shows the server as {words.SERVER_STATUS[server.status.value]}."
            return obs
        if server.status is ServerStatus.PENDING:
            obs.steps.append(("pending", "Pending at Vultr"))
        if server.main_ip:
            obs.steps.append(("ip_assigned", f"IP address assigned: {server.main_ip}"))
        if server.status is ServerStatus.ACTIVE and not server.is_ready:
            obs.steps.append(("installing", f"Setting up ({_state_words(server)})"))
        if server.is_ready:
            obs.steps.append(("ready", "Ready: active, power on, set up"))
            obs.result["ready_at"] = world.now.isoformat()
            obs.outcome = "check" if self._needs_check(op) else "succeeded"
        return obs

    def _needs_check(self, op: Operation) -> bool:
        # Until the token is off (a failed `after_sent`, or a server found after a lost answer)
        # the check puts the user's tags back.
        return bool(op.params.get("probe_ssh") or not op.result.get("tag_set"))

    def after_sent(self, op, ctx):
        # The token has done its job once the server's id is saved: the user's own tags, or
        # none, replace it at once. If Vultr refuses now, `check` tries again once it is ready.
        tags = _wanted_tags(op)
        _set_tags(ctx, op, tags)
        # Taking the token off (no tags of the user's) is housekeeping, not a step.
        steps = [_tagged_step(tags)] if tags else []
        return CheckResult("succeeded", steps=steps, result={"tag_set": True})

    def check(self, op, ctx, vultr):
        found = CheckResult("succeeded")
        if not op.result.get("tag_set"):
            tags = _wanted_tags(op)
            _set_tags(ctx, op, tags)
            found.result["tag_set"] = True
            if tags:
                found.steps.append(_tagged_step(tags))
        if op.params.get("probe_ssh") and not op.result.get("ssh"):
            ip = op.result.get("main_ip")
            if ip and tcp_probe(ip, 22, timeout=3):
                found.result["ssh"] = True
                found.steps.append(("ssh", "SSH answers on port 22"))
                return found
            ready_at = op.result.get("ready_at")
            waited = _seconds_since(datetime.fromisoformat(ready_at), _now()) if ready_at else 0.0
            limit = settings.PANEL_OPERATION_SSH_PROBE_SECONDS
            if waited >= limit:
                return CheckResult(
                    "failed",
                    steps=found.steps,
                    result=found.result,
                    error=(
                        f"Vultr reports the server ready, but nothing answered on port 22 of "
                        f"{ip} within {limit} s."
                    ),
                )
            return CheckResult("again", steps=found.steps, result=found.result, again=5.0)
        return found


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def _wanted_tags(op: Operation) -> tuple[str, ...]:
    """The tags the user asked for (v1: one `tag`; v2: `tag` and `tags`), in order."""
    wanted = [op.params.get("tag") or "", *(op.params.get("tags") or ())]
    return tuple(dict.fromkeys(t for t in wanted if t))


def _tagged_step(tags: tuple[str, ...]) -> tuple[str, str]:
    return ("tagged", "Tag set to " + ", ".join(f"“{t}”" for t in tags))


def _set_tags(ctx: actions.ActionContext, op: Operation, tags: tuple[str, ...]) -> None:
    """v1: server/tag_set (reference §8), one tag, "" for none (as Ansible's vultr_server sends
    to clear it); v2: `PATCH /instances/{id}` with the list of tags, [] for none (v2 reference
    §4.2). Neither has a client library method: through its raw escape hatch, audited like any
    other change."""

    def call(vultr: VultrClient) -> None:
        if vultr.api_version == "v2":
            answer = vultr.patch(f"instances/{op.target_id}", tags=list(tags))
            ok = answer.status in (200, 202, 204)
        else:
            answer = vultr.post("server/tag_set", SUBID=op.target_id, tag=tags[0] if tags else "")
            ok = answer.status == 200
        if not ok:
            said = answer.body_text.strip()
            try:
                said = json.loads(said).get("error") or said
            except (ValueError, AttributeError):
                pass
            raise RequestFailedError(said or f"HTTP {answer.status}", status=answer.status)

    perform(
        ctx,
        Change(
            Target("server", op.target_id, op.target_label),
            params={"tag": ", ".join(tags), "operation": op.token},
            invalidates=server_scopes(op.target_id),
            action="set_server_tag",
            perm=Perm.PROVISIONING,
        ),
        call,
    )


# -- snapshot --------------------------------------------------------------------------------


class CreateSnapshot(KindSpec):
    kind = Kind.CREATE_SNAPSHOT
    perm = Perm.PROVISIONING
    action = staticmethod(actions.create_snapshot)
    time_limit = timedelta(hours=2)
    watches = "snapshots"
    # Vultr copies the disk of a running server: power and the rest may go on meanwhile.
    holds_server = False
    noun = "snapshot request"
    planned = (
        ("queued", "Queued"),
        ("sent", "Sent to Vultr"),
        ("copying", "Copying the disk"),
        ("complete", "Snapshot complete"),
    )

    def before_send(self, op, vultr):
        # Snapshots do not name their server in v1; knowing which existed before lets a lost
        # answer be matched to the one new snapshot with our description.
        return {"before": sorted(s.id for s in vultr.snapshot_list())}

    def send(self, op, ctx):
        snapshot_id = actions.create_snapshot(ctx, op.target_id, op.params.get("description", ""))
        return {"result": {"snapshot_id": snapshot_id}}

    def observe(self, op, world):
        obs = Observation()
        snapshots = world.snapshots or {}
        snapshot_id = op.result.get("snapshot_id")
        snapshot = snapshots.get(snapshot_id) if snapshot_id else None
        if snapshot is None and not snapshot_id:
            before = set(op.result.get("before", ()))
            wanted = op.params.get("description", "")
            new = [s for s in snapshots.values() if s.id not in before and s.description == wanted]
            if len(new) == 1:
                snapshot = new[0]
                obs.result["snapshot_id"] = snapshot.id
                obs.steps.append(("found", f"Found snapshot {snapshot.id} after the lost answer"))
        if snapshot is None:
            if snapshot_id:
                obs.outcome, obs.error = "failed", f"Snapshot {snapshot_id} is no longer listed."
            return obs
        obs.confirmed = True
        obs.state = {"snapshot_status": snapshot.status.value, "snapshot_id": snapshot.id}
        if snapshot.status is ImageStatus.COMPLETE:
            obs.steps.append(("complete", "Snapshot complete"))
            obs.result["size_bytes"] = snapshot.size_bytes
            obs.outcome = "succeeded"
        else:
            obs.steps.append(("copying", "Copying the disk"))
        return obs

    def lost_message(self, op):
        return (
            "Vultr's answer to the snapshot request was lost and no new snapshot with its "
            f"description appeared within {settings.PANEL_OPERATION_RECONCILE_SECONDS} s. "
            "Look at the snapshots, then retry to send it again."
        )


# -- reinstall, OS change, restores: "until ok again" ----------------------------------------


class BusyThenOk(KindSpec):
    """Kinds after which the server goes through locked/installingbooting and is ok again."""

    perm = Perm.PROVISIONING
    destructive = True
    busy_label = "Working"

    @property
    def planned(self):  # type: ignore[override]
        return (
            ("queued", "Queued"),
            ("sent", "Sent to Vultr"),
            ("busy", self.busy_label),
            ("ready", "Running again"),
        )

    def observe(self, op, world):
        obs = Observation()
        server = self.server(op, world)
        if server is None:
            obs.outcome = "failed"
            obs.error = f"Server {op.target_id} is no longer in the server list."
            obs.state = {**op.last_state, "gone": True}
            return obs
        obs.state = server_state(server)
        if not server.is_ready:
            obs.busy = obs.confirmed = True
            obs.steps.append(("busy", f"{self.busy_label} ({_state_words(server)})"))
            return obs
        # Ok again: after having been seen busy, or, if the work was too quick for the poll,
        # once a request Vultr did answer has had time to start.
        settled = (
            op.confirmed
            and _seconds_since(op.sent_at, world.now) >= settings.PANEL_OPERATION_SETTLE_SECONDS
        )
        if op.seen_busy or settled:
            obs.steps.append(("ready", "Running again: active, power on, ready"))
            obs.outcome = self.when_ok
        return obs

    when_ok = "succeeded"
    # The operation's parameter the action takes after the server's id, for kinds whose
    # request is just that (an OS change, a restore).
    param = ""

    def send(self, op, ctx):
        self.action(ctx, op.target_id, op.params[self.param])
        return {}


class ReinstallServer(BusyThenOk):
    kind = Kind.REINSTALL_SERVER
    action = staticmethod(actions.reinstall_server)
    busy_label = "Reinstalling"
    noun = "reinstall request"

    def send(self, op, ctx):
        actions.reinstall_server(ctx, op.target_id, op.params.get("hostname") or None)
        return {}


class ChangeServerOs(BusyThenOk):
    kind = Kind.CHANGE_SERVER_OS
    action = staticmethod(actions.change_server_os)
    param = "os_id"
    busy_label = "Installing the new operating system"
    noun = "OS change"


class RestoreSnapshot(BusyThenOk):
    kind = Kind.RESTORE_SNAPSHOT
    action = staticmethod(actions.restore_snapshot)
    param = "snapshot_id"
    time_limit = timedelta(minutes=45)
    busy_label = "Restoring the snapshot"
    noun = "restore request"


class RestoreBackup(BusyThenOk):
    kind = Kind.RESTORE_BACKUP
    action = staticmethod(actions.restore_backup)
    param = "backup_id"
    time_limit = timedelta(minutes=45)
    busy_label = "Restoring the backup"
    noun = "restore request"


class CreateIpv4(BusyThenOk):
    """Adds an IPv4 address with a reboot: done when the server is ok again and the new
    address is listed (server/list_ipv4, which only answers for active servers)."""

    kind = Kind.CREATE_IPV4
    perm = Perm.SUBSCRIPTIONS
    action = staticmethod(actions.create_ipv4)
    time_limit = timedelta(minutes=20)
    destructive = False
    busy_label = "Rebooting"
    noun = "request for an address"
    when_ok = "check"

    @property
    def planned(self):  # type: ignore[override]
        return (*super().planned, ("listed", "New address listed"))

    def before_send(self, op, vultr):
        return {"before_ips": sorted(a.ip for a in vultr.server_list_ipv4(op.target_id))}

    def send(self, op, ctx):
        ip = actions.create_ipv4(ctx, op.target_id, reboot=True)
        return {"result": {"ip": ip}} if ip else {}

    def check(self, op, ctx, vultr):
        listed = [a.ip for a in vultr.server_list_ipv4(op.target_id)]
        wanted = op.result.get("ip")
        if "before_ips" not in op.result and not wanted:
            # Recorded before the addresses were read (an operation of an older version); Vultr
            # did not say which is new, so report the secondary ones.
            extra = listed[1:]
            if not extra:
                return CheckResult("wait")
            return CheckResult(
                "succeeded",
                steps=[("listed", f"Secondary addresses listed: {', '.join(extra)}")],
                result={"ips": extra},
            )
        before = set(op.result.get("before_ips", ()))
        new = [ip for ip in listed if ip not in before]
        found = wanted if wanted in listed else (None if wanted else (new[0] if new else None))
        if found is None:
            return CheckResult("wait")
        return CheckResult(
            "succeeded",
            steps=[("listed", f"Address {found} listed")],
            result={"ip": found},
        )


# -- destroy ---------------------------------------------------------------------------------


class DestroyServer(KindSpec):
    kind = Kind.DESTROY_SERVER
    perm = Perm.PROVISIONING
    action = staticmethod(actions.destroy_server)
    time_limit = timedelta(minutes=20)
    destructive = True
    noun = "destroy request"
    planned = (("queued", "Queued"), ("sent", "Sent to Vultr"), ("gone", "Gone"))

    def send(self, op, ctx):
        actions.destroy_server(ctx, op.target_id)
        return {}

    def observe(self, op, world):
        obs = Observation()
        server = self.server(op, world)
        if server is None:
            obs.confirmed = True
            obs.state = {**op.last_state, "gone": True}
            obs.steps.append(("gone", "Gone from the server list"))
            obs.outcome = "succeeded"
        else:
            obs.state = server_state(server)
        return obs

    def refusal_retry(self, err):
        # reference §7: no destroy within 5 minutes of creation. Not an error for an operation
        # whose job is to see it gone: try again once the 5 minutes are over.
        if "within 5 minutes" in str(err):
            return 60.0, "Vultr destroys a server only once it is 5 minutes old: trying again"
        # v2 (reference §8.3): no destroy while the server is being built or changed. Nothing
        # was done; the same request works once it is unlocked (the kind's time limit holds).
        if isinstance(err, ServerLockedError) or getattr(err, "locked", False):
            return 15.0, "Vultr says the server is locked while it is set up: trying again"
        return None


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        CreateServer(),
        CreateSnapshot(),
        ReinstallServer(),
        ChangeServerOs(),
        RestoreSnapshot(),
        RestoreBackup(),
        DestroyServer(),
        CreateIpv4(),
    )
}


def spec_for(op_or_kind: Operation | str) -> KindSpec:
    kind = op_or_kind.kind if isinstance(op_or_kind, Operation) else op_or_kind
    return KINDS[kind]
