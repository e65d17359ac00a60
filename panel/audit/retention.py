"""Retention: a team may keep its log for N days (TeamSettings.audit_retention_days).

Pruning deletes a prefix of the chain, every entry up to the newest one older than N days, and
leaves a checkpoint on the chain's head: the number and hash of the last deleted entry, signed
with the site's key. The first remaining entry links to that hash, so the rest of the chain
still verifies, and nobody without the key can move the checkpoint to hide other deletions.
The pruning itself is the next entry of the chain. Run daily by `manage.py audit_prune` or the
daily Celery task `panel.audit.tasks.audit_daily` (prune, then verify).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import router, transaction
from django.utils import timezone

from panel.audit.chain import checkpoint_parts, encode_time, lock_head, sign
from panel.audit.models import AuditChain, AuditEntry, TeamSettings
from panel.audit.record import record


@dataclass(frozen=True)
class Pruned:
    removed: int
    through_seq: int
    checkpoint_hash: str
    entry: AuditEntry


def prune(team, days: int | None = None, *, now: datetime | None = None) -> Pruned | None:
    """Delete `team`'s entries older than `days` (default: the team's setting); None if there
    is nothing to delete or the team keeps everything."""
    days = days if days is not None else TeamSettings.for_team(team).audit_retention_days
    if not days:
        return None
    cutoff = (now or timezone.now()) - timedelta(days=days)
    using = router.db_for_write(AuditEntry)
    entries = AuditEntry._base_manager.using(using).filter(team_id=team.pk)
    with transaction.atomic(using=using):
        head = lock_head(team.pk, using)
        last = (
            entries.filter(created_at__lt=cutoff, seq__gt=head.checkpoint_seq)
            .order_by("-seq")
            .values("seq", "hash", "created_at")
            .first()
        )
        if last is None:
            return None
        # A prefix of the chain, whatever the clocks said: the checkpoint must be one link.
        removed, _ = entries.filter(seq__lte=last["seq"]).delete()
        AuditChain.objects.using(using).filter(key=head.key).update(
            checkpoint_seq=last["seq"],
            checkpoint_hash=last["hash"],
            checkpoint_created_at=last["created_at"],
            checkpoint_signature=sign(
                *checkpoint_parts(head.key, last["seq"], last["hash"], last["created_at"])
            ),
        )
        entry = record(
            "audit_pruned",
            team=team,
            target=("audit_log", str(team.pk), team.name),
            params={
                "retention_days": days,
                "older_than": encode_time(cutoff),
                "removed": removed,
                "through_seq": last["seq"],
                "checkpoint_hash": last["hash"],
            },
            actor=None,
            actor_name="retention",
            request_id="",
        )
    return Pruned(removed, last["seq"], last["hash"], entry)


def prune_all(now: datetime | None = None) -> dict[int, Pruned]:
    """Prune every team that keeps its log for a limited time."""
    done = {}
    for settings in TeamSettings.objects.filter(audit_retention_days__isnull=False).select_related(
        "team"
    ):
        pruned = prune(settings.team, settings.audit_retention_days, now=now)
        if pruned is not None:
            done[settings.team_id] = pruned
    return done
