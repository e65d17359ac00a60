"""The audit app's records: the audit log of every action, its chain heads, and per-team
safety settings (a written reason for destructive actions, how long entries are kept).

The tables keep the names they had when these models belonged to the ``panel`` app
(``panel_*``): migration panel 0004 and audit 0001 moved the models, not the rows.

`AuditEntry` is append-only: `save()` refuses an existing row, and `delete()`/`update()` refuse
everywhere this model's manager is used. Each team's entries form a hash chain whose head is an
`AuditChain` row; the logic (appending, verifying, pruning, review, export) is in panel/audit/.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from panel.audit import chain
from panel.audit.events import action_words


class AppendOnlyError(Exception):
    """Somebody tried to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def for_team(self, team) -> AuditEntryQuerySet:
        """The team's entries only: every lookup made for a team's page goes through this."""
        return self.filter(team=team)

    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEntry(models.Model):
    """One thing that happened in a team (an action on a Vultr resource, a sign-in, a change of
    role or setting, an export of this log), whatever came of it.

    Saving a new entry appends it to its team's hash chain (`panel.audit.chain.append`), which
    fills `seq`, `created_at`, `prev_hash` and `hash`. The actor is kept as an id and a name
    rather than a foreign key: deleting a user must not change (or null) a hashed field.
    """

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DENIED = "denied", "Denied"

    # Position in the team's chain, 1, 2, 3, ...; unique per team, so two writers that somehow
    # got past the chain's lock could still not fork it.
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # No database constraint and no cascade: entries outlive the team, and deleting a team must
    # not delete (or rewrite) its history. The id stays as written. No team: sign-in attempts
    # for usernames that do not exist (the site's own chain).
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_entries",
    )
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    api_key_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # Where a setting changed: its values before and after, {"field": value}.
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        db_table = "panel_auditentry"
        verbose_name_plural = "audit entries"
        constraints = [
            models.UniqueConstraint(fields=["team", "seq"], name="panel_audit_team_seq"),
        ]
        # Every review query is one team's entries, newest (highest seq) first, narrowed by
        # one of these; see panel/audit/queries.py and bench/audit.py.
        indexes = [
            models.Index(fields=["team", "-created_at"], name="panel_audit_team_time"),
            models.Index(fields=["team", "actor_name", "seq"], name="panel_audit_team_actor"),
            models.Index(fields=["team", "action", "seq"], name="panel_audit_team_action"),
            models.Index(
                fields=["team", "target_type", "target_id", "seq"], name="panel_audit_team_target"
            ),
            models.Index(fields=["team", "request_id"], name="panel_audit_team_request"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        chain.append(self, using=kwargs.get("using"))

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    @property
    def actor(self):
        """The user who acted, or None if there was none or the user has been deleted."""
        if not hasattr(self, "_actor"):
            from django.contrib.auth import get_user_model

            found = None
            if self.actor_id is not None:
                found = get_user_model()._default_manager.filter(pk=self.actor_id).first()
            self._actor = found
        return self._actor

    @actor.setter
    def actor(self, user) -> None:
        self._actor = user
        self.actor_id = getattr(user, "pk", None)

    @property
    def action_display(self) -> str:
        """What the entry records, in words (the name itself is in the entry's detail)."""
        return action_words(self.action)

    def canonical(self) -> dict[str, Any]:
        """The hashed content in a fixed order, as JSON-ready values (panel.audit.chain)."""
        return chain.canonical(self)


class AuditChain(models.Model):
    """The head of one team's chain: its newest entry, signed; the checkpoint left by the last
    pruning; and the outcome of the last verification.

    Appending locks this row (panel.audit.chain), which is what keeps two writers from forking
    the chain. The signatures are HMACs with a key derived from SECRET_KEY, so that someone who
    can write to the database but not read the settings cannot rewrite the chain and its head
    together, nor forge a checkpoint to hide deleted entries.
    """

    # The team's id; 0 for the site's own chain (entries without a team).
    key = models.BigIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    # The site's AuditCounter when this head was last written; covered by the signature.
    counter = models.PositiveBigIntegerField(default=0)
    head_signature = models.CharField(max_length=64, blank=True)
    # Entries up to checkpoint_seq were pruned; the next one links to checkpoint_hash.
    checkpoint_seq = models.PositiveBigIntegerField(default=0)
    checkpoint_hash = models.CharField(max_length=64, blank=True)
    checkpoint_created_at = models.DateTimeField(null=True, blank=True)
    checkpoint_signature = models.CharField(max_length=64, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_ok = models.BooleanField(null=True)
    verified_seq = models.PositiveBigIntegerField(null=True, blank=True)
    verified_hash = models.CharField(max_length=64, blank=True)
    verify_message = models.TextField(blank=True)

    class Meta:
        db_table = "panel_auditchain"

    def __str__(self):
        return f"Audit chain {self.key} at {self.seq}"


class AuditCounter(models.Model):
    """How many entries were ever appended, to any chain: one signed row (pk 1).

    It equals the sum of the chains' `seq` (pruning deletes entries but never lowers a seq).
    Deleting the newest entries and putting back an older head, or deleting a team's entries
    and head together, lowers that sum while the counter stays: `audit_verify` says so. Putting
    back an older counter too would need a copy taken when it matched every chain then, and
    the newest head would still name a higher value (see panel/audit/chain.py).
    """

    value = models.PositiveBigIntegerField(default=0)
    signature = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"Audit counter at {self.value}"


class AuditWitness(models.Model):
    """The head one chain had when it was last verified intact, signed: the next verification
    refuses a head that went backwards, a different entry at that number, or a chain that had
    entries and has none. A row of its own, not the head's: putting back an old head row does
    not put back this one."""

    key = models.BigIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    seen_at = models.DateTimeField()
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name_plural = "audit witnesses"

    def __str__(self):
        return f"Audit chain {self.key} seen at {self.seq}"


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
    console_access = models.BooleanField(
        "Offer servers' web console and root password",
        default=True,
        help_text=(
            "Members whose role allows it can open a server's web console and reveal its root "
            "password; each time is kept in the audit log."
        ),
    )
    audit_retention_days = models.PositiveIntegerField(
        "Keep audit entries for (days)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=(
            "Older entries are deleted once a day, leaving a signed checkpoint so that the rest "
            "of the log still verifies. Empty: keep every entry forever."
        ),
    )

    class Meta:
        db_table = "panel_teamsettings"
        verbose_name_plural = "team settings"

    def __str__(self):
        return f"Settings of {self.team}"

    @classmethod
    def for_team(cls, team) -> TeamSettings:
        """The team's settings; unsaved defaults if it has none yet."""
        found = cls.objects.filter(team=team).first()
        return found if found is not None else cls(team=team)
