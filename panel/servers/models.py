"""The servers app's own records: only what Vultr does not keep for us.

`SnapshotSource`: v1's snapshot/list does not say which server a snapshot was taken of
(reference §5). The panel knows it for the snapshots it took itself and keeps it here, as data
of its own: the audit log tells the same story, but a team's retention may prune it.

`ServerPassword`: v2 gives a server's root password only in the answer to its create request
(v2 reference §3), so the panel keeps the ones of the servers it creates, encrypted like API
keys (accounts/encryption.py; `rotate_encryption_key` re-encrypts them, see
`ENCRYPTED_FIELDS`), until the server is destroyed (by the panel, or seen gone from a fresh
list). A reinstall gives the server a new password that v2 does not answer with (v2 reference
§2: the reinstall answer is the instance without it): the kept one is then blanked, with why,
so that the reveal can say so.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import encryption


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


class ServerPasswordQuerySet(models.QuerySet):
    def for_server(self, team, api_key_id: int, server_id: str) -> ServerPasswordQuerySet:
        """The one row of this team's key and server: every lookup goes through this."""
        return self.filter(team=team, api_key_id=api_key_id, server_id=server_id)


class ServerPassword(models.Model):
    """The root password Vultr gave in its answer to a create through the panel (v2 only),
    encrypted; only the reveal action decrypts it."""

    # Columns holding ciphertexts under PANEL_ENCRYPTION_KEYS: rotate_encryption_key finds
    # them by this name on every model (accounts may not import this app).
    ENCRYPTED_FIELDS = ("ciphertext",)

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    api_key_id = models.BigIntegerField()
    server_id = models.CharField(max_length=64)
    ciphertext = models.TextField(editable=False)  # "" once the password no longer works
    created_at = models.DateTimeField(default=timezone.now)
    # Why the kept password no longer works ("reinstalled through the panel on ..."), shown on
    # reveal instead of a password that would fail.
    outdated_because = models.CharField(max_length=200, blank=True, default="")

    objects = ServerPasswordQuerySet.as_manager()

    class Meta:
        verbose_name = "server root password"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "api_key_id", "server_id"], name="servers_password_once"
            )
        ]

    def __str__(self):
        return f"Root password of server {self.server_id}"

    @classmethod
    @sensitive_variables()
    def keep(cls, team, api_key_id: int, server_id: str, password: str) -> None:
        cls.objects.update_or_create(
            team=team,
            api_key_id=api_key_id,
            server_id=server_id,
            defaults={"ciphertext": encryption.encrypt(password), "outdated_because": ""},
        )

    @classmethod
    @sensitive_variables()
    def reveal(cls, team, api_key_id: int, server_id: str) -> str | None:
        row = cls.objects.for_server(team, api_key_id, server_id).first()
        return encryption.decrypt(row.ciphertext) if row is not None and row.ciphertext else None

    @classmethod
    def outdated(cls, team, api_key_id: int, server_id: str) -> str:
        """Why the password kept for this server no longer works; "" if it does or none is."""
        row = cls.objects.for_server(team, api_key_id, server_id).first()
        return row.outdated_because if row is not None and not row.ciphertext else ""

    @classmethod
    def outdate(cls, team, api_key_id: int, server_id: str, because: str) -> None:
        """The server has a new root password the panel was not given: forget the kept one,
        keeping only `because` (a phrase: "reinstalled through the panel on ...")."""
        cls.objects.for_server(team, api_key_id, server_id).update(
            ciphertext="", outdated_because=because[:200]
        )

    @classmethod
    def forget(cls, team, api_key_id: int, server_id: str) -> None:
        cls.objects.for_server(team, api_key_id, server_id).delete()

    @classmethod
    def forget_all_but(cls, team, api_key_id: int, server_ids: set[str], *, kept_before) -> int:
        """Forgets the passwords, kept before `kept_before`, of this key's servers that are not
        in `server_ids` (a fresh, complete list of the account: the others were destroyed, here
        or elsewhere). Returns how many were forgotten."""
        kept = cls.objects.filter(team=team, api_key_id=api_key_id, created_at__lt=kept_before)
        # Read first (a few rows), write only when a server is gone: most lists change nothing.
        gone = set(kept.values_list("server_id", flat=True)) - server_ids
        if not gone:
            return 0
        return kept.filter(server_id__in=gone).delete()[0]
