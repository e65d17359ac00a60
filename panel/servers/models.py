"""The servers app's own records: only what Vultr does not keep for us.

`SnapshotSource`: v1's snapshot/list does not say which server a snapshot was taken of
(reference §5). The panel knows it for the snapshots it took itself and keeps it here, as data
of its own: the audit log tells the same story, but a team's retention may prune it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SnapshotSourceQuerySet(models.QuerySet):
    def for_team(self, team) -> SnapshotSourceQuerySet:
        """The team's rows only: every lookup made for a team's page goes through this."""
        return self.filter(team=team)


class SnapshotSource(models.Model):
    """The server a snapshot was taken of, written when the panel takes one."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    # A plain id, as in the audit log: the key may be removed while the snapshot is kept.
    api_key_id = models.BigIntegerField()
    snapshot_id = models.CharField(max_length=64)
    server_id = models.CharField(max_length=64)
    server_label = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SnapshotSourceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key_id", "snapshot_id"], name="servers_snapshot_source_once"
            )
        ]
        indexes = [models.Index(fields=["team", "api_key_id", "server_id"])]

    def __str__(self):
        return f"Snapshot {self.snapshot_id} of server {self.server_id}"
