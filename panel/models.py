"""The panel's own records: the audit log of every action, and per-team safety settings.

`AuditEntry` is append-only. Rows are written by the action layer (panel/actions/base.py) and
never changed: `save()` refuses an existing row, and `delete()`/`update()` refuse everywhere
this model's manager is used. The audit issue makes the log tamper-evident by chaining hashes;
the fields are chosen for that already: each row is self-contained (actor and team names are
kept as text, the API key as a plain id), `created_at` is UTC with microseconds, `params` is
JSON with secrets removed, and `canonical()` gives the fields in a fixed order to hash.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Somebody tried to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEntry(models.Model):
    """One user action on a Vultr resource, whatever came of it."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DENIED = "denied", "Denied"

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # No database constraint and no cascade: entries outlive the team, and deleting a team must
    # not delete (or rewrite) its history. The id stays as written.
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    api_key_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    target_label = models.CharField(max_length=255, blank=True)
    params = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["team", "-created_at"], name="panel_audit_team_time")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    @property
    def action_display(self) -> str:
        return self.action.replace("_", " ")

    def canonical(self) -> dict[str, Any]:
        """The entry's content in a fixed order, as JSON-ready values (for hashing)."""
        return {
            "created_at": self.created_at.isoformat(),
            "team_id": self.team_id,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "api_key_id": self.api_key_id,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "params": self.params,
            "outcome": self.outcome,
            "error": self.error,
            "request_id": self.request_id,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "reason": self.reason,
        }


class TeamSettings(models.Model):
    """How careful a team wants its members to be with destructive actions.

    Kept here rather than on `accounts.Team` because only the panel's actions use it; a team
    without a row has the defaults (`for_team`).
    """

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="panel_settings"
    )
    require_reason = models.BooleanField(
        "Require a written reason for destructive actions",
        default=False,
        help_text=(
            "Destroying, reinstalling or restoring a server, changing its OS, removing an IP "
            "address, and deleting snapshots, SSH keys or scripts then ask for a reason, "
            "which is kept in the audit log."
        ),
    )

    class Meta:
        verbose_name_plural = "team settings"

    def __str__(self):
        return f"Settings of {self.team}"

    @classmethod
    def for_team(cls, team) -> TeamSettings:
        """The team's settings; unsaved defaults if it has none yet."""
        found = cls.objects.filter(team=team).first()
        return found if found is not None else cls(team=team)
