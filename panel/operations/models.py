"""The records of long operations: the operation, its timeline, the actor's notices and the
team's alert addresses with their delivery log.

The tables keep the names they had when these models belonged to the ``panel`` app
(``panel_*``): migration panel 0004 and operations 0001 moved the models, not the rows.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import user_reference
from panel import words

__all__ = ["AlertDelivery", "AlertTarget", "Notice", "Operation", "OperationStep"]


def new_token() -> str:
    """The operation's unique token. A create tags its server with it (Vultr keeps one tag
    per server, reference §6), so that a lost answer can be reconciled with server_list?tag=."""
    return "op-" + secrets.token_hex(12)


class TeamQuerySet(models.QuerySet):
    def for_team(self, team) -> TeamQuerySet:
        """The team's rows only: every lookup made for a team's page goes through this."""
        return self.filter(team=team)


class Operation(models.Model):
    """One long action on Vultr, from "queued" to its end; see panel/operations/__init__.py.

    `phase` is where the worker is in the kind's state machine; `status` is what people see.
    The timeline is `steps` (OperationStep rows, append-only, so that the worker, the poll and
    a person cancelling never overwrite each other's entries).
    """

    class Kind(models.TextChoices):
        # Named as the action each one sends, in that action's words (panel/words.py).
        CREATE_SERVER = "create_server", words.ACTIONS["create_server"]
        CREATE_SNAPSHOT = "create_snapshot", words.ACTIONS["create_snapshot"]
        REINSTALL_SERVER = "reinstall_server", words.ACTIONS["reinstall_server"]
        CHANGE_SERVER_OS = "change_server_os", words.ACTIONS["change_server_os"]
        RESTORE_SNAPSHOT = "restore_snapshot", words.ACTIONS["restore_snapshot"]
        RESTORE_BACKUP = "restore_backup", words.ACTIONS["restore_backup"]
        DESTROY_SERVER = "destroy_server", words.ACTIONS["destroy_server"]
        CREATE_IPV4 = "create_ipv4", words.ACTIONS["create_ipv4"]

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Phase(models.TextChoices):
        START = "start", "Not sent yet"
        # The request may be on its way to Vultr: never send it again without reconciling.
        SENDING = "sending", "Sending"
        WAITING = "waiting", "Watched by the poll"
        CHECK = "check", "Checking"
        DONE = "done", "Done"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="operations")
    # A plain id, as in the audit log: the key may be removed while the operation is kept.
    api_key_id = models.BigIntegerField(db_index=True)
    actor = user_reference(blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    target_type = models.CharField(max_length=32, default="server")
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    target_label = models.CharField(max_length=255, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # The deploy wizard's order (one per filled-in form): an order is placed at most once per
    # key, however often its form is sent (the unique constraint below is the claim).
    order_token = models.CharField(max_length=64, blank=True, default="")
    # Parameters that must reach Vultr but never a page or a log (cloud-init user data may
    # hold passwords): encrypted like API keys, and wiped when the operation ends.
    secret_params = models.TextField(blank=True, editable=False)
    reason = models.TextField(blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.START)
    # False while a request whose answer was lost has not been seen to take effect.
    confirmed = models.BooleanField(default=False)
    # Set by a person's retry: a create whose answer was lost may be sent again, once the
    # tag search has found nothing.
    resend_allowed = models.BooleanField(default=False)
    seen_busy = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    last_state = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # Names of the timeline steps recorded so far, so that writers add each step once
    # without reading the timeline back.
    reached = models.JSONField(default=list, blank=True)

    task_id = models.CharField(max_length=255, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Liveness: when a worker or the poll last touched the row, when the next step is due,
    # and who may run it now (a lease, so that two copies of a task never run one step).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    internal_errors = models.PositiveSmallIntegerField(default=0)

    objects = TeamQuerySet.as_manager()

    # Found by rotate_encryption_key (accounts may not import this app).
    ENCRYPTED_FIELDS = ("secret_params",)

    class Meta:
        db_table = "panel_operation"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="panel_op_team_time"),
            models.Index(fields=["status", "phase"], name="panel_op_status_phase"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["api_key_id", "order_token"],
                condition=~models.Q(order_token=""),
                name="operations_order_once",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target_label or self.target_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def target_name(self) -> str:
        return self.target_label or self.target_id or "(new server)"

    def step_names(self) -> set[str]:
        return {step.name for step in self.steps.all()}


class OperationStep(models.Model):
    """One entry of an operation's timeline: what happened, when."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=32)
    label = models.CharField(max_length=255)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "panel_operationstep"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%H:%M:%S} {self.label}"


class Notice(models.Model):
    """An in-app message to one user, shown until dismissed."""

    class Level(models.TextChoices):
        SUCCESS = "success", "Success"
        ERROR = "error", "Error"
        INFO = "info", "Info"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operation_notices"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    operation = models.ForeignKey(
        Operation, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.INFO)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "panel_notice"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="panel_notice_unread")]

    def __str__(self):
        return self.text


class AlertTarget(models.Model):
    """Where a team wants to hear about servers that are ready and operations that failed."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="alerts")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    address = models.CharField("Email address or URL", max_length=500)
    on_ready = models.BooleanField("When a new server is ready", default=True)
    on_failed = models.BooleanField("When an operation fails", default=True)
    # Webhook bodies are signed with it (X-Panel-Signature: sha256=<hex HMAC of the body>).
    secret = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    created_by = user_reference()
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamQuerySet.as_manager()

    class Meta:
        db_table = "panel_alerttarget"
        ordering = ["channel", "address"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.address}"

    def wants(self, event: str) -> bool:
        return {"ready": self.on_ready, "failed": self.on_failed}.get(event, False)


class AlertDelivery(models.Model):
    """One alert about one operation to one target, with every attempt logged."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    target = models.ForeignKey(AlertTarget, on_delete=models.CASCADE, related_name="deliveries")
    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="alert_deliveries"
    )
    event = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # [{"at": iso time, "status": HTTP status or null, "error": text, "seconds": float}]
    log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "panel_alertdelivery"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.event} of operation {self.operation_id} to {self.target}"

    def record(self, *, status: int | None, error: str, seconds: float) -> dict[str, Any]:
        entry = {
            "at": timezone.now().isoformat(),
            "status": status,
            "error": error[:500],
            "seconds": round(seconds, 3),
        }
        self.log = [*self.log, entry]
        self.attempts += 1
        return entry
