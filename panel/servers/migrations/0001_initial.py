"""Which server a snapshot was taken of, as rows of their own; filled from the audit log's
successful create_snapshot entries, where the panel kept it until now."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def from_the_audit_log(apps, schema_editor):
    db = schema_editor.connection.alias
    entries = apps.get_model("audit", "AuditEntry").objects.using(db)
    sources = apps.get_model("servers", "SnapshotSource").objects.using(db)
    seen = set()
    rows = entries.filter(action="create_snapshot", outcome="succeeded", api_key_id__isnull=False)
    for entry in rows.exclude(team__isnull=True).order_by("seq", "id").iterator():
        snapshot_id = (entry.params or {}).get("snapshot_id")
        if snapshot_id and (entry.api_key_id, snapshot_id) not in seen:
            seen.add((entry.api_key_id, snapshot_id))
            sources.create(
                team_id=entry.team_id,
                api_key_id=entry.api_key_id,
                snapshot_id=snapshot_id,
                server_id=entry.target_id,
                server_label=entry.target_label,
                created_at=entry.created_at,
            )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SnapshotSource",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("api_key_id", models.BigIntegerField()),
                ("snapshot_id", models.CharField(max_length=64)),
                ("server_id", models.CharField(max_length=64)),
                ("server_label", models.CharField(blank=True, max_length=255)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["team", "api_key_id", "server_id"],
                        name="servers_sna_team_id_b7f40c_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("api_key_id", "snapshot_id"), name="servers_snapshot_source_once"
                    )
                ],
            },
        ),
        migrations.RunPython(from_the_audit_log, migrations.RunPython.noop),
    ]
