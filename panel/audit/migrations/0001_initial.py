"""The audit models as they were in the project app (panel 0001-0003), taken over with
their tables (`db_table`): state only, nothing is created in the database. A new database
gets the tables from panel 0001-0003 first."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("panel", "0004_move_models_to_apps"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditChain",
                    fields=[
                        ("key", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("seq", models.PositiveBigIntegerField(default=0)),
                        ("head_hash", models.CharField(blank=True, max_length=64)),
                        ("head_signature", models.CharField(blank=True, max_length=64)),
                        ("checkpoint_seq", models.PositiveBigIntegerField(default=0)),
                        ("checkpoint_hash", models.CharField(blank=True, max_length=64)),
                        ("checkpoint_created_at", models.DateTimeField(blank=True, null=True)),
                        ("checkpoint_signature", models.CharField(blank=True, max_length=64)),
                        ("verified_at", models.DateTimeField(blank=True, null=True)),
                        ("verified_ok", models.BooleanField(null=True)),
                        ("verified_seq", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("verified_hash", models.CharField(blank=True, max_length=64)),
                        ("verify_message", models.TextField(blank=True)),
                    ],
                    options={
                        "db_table": "panel_auditchain",
                    },
                ),
                migrations.CreateModel(
                    name="TeamSettings",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "require_reason",
                            models.BooleanField(
                                default=False,
                                help_text="Destroying, reinstalling or restoring a server, changing its OS, removing an IP address, and deleting snapshots, SSH keys or scripts then ask for a reason, which is kept in the audit log.",
                                verbose_name="Require a written reason for destructive actions",
                            ),
                        ),
                        (
                            "audit_retention_days",
                            models.PositiveIntegerField(
                                blank=True,
                                help_text="Older entries are deleted once a day, leaving a signed checkpoint so that the rest of the log still verifies. Empty: keep every entry forever.",
                                null=True,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="Keep audit entries for (days)",
                            ),
                        ),
                        (
                            "team",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="panel_settings",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "team settings",
                        "db_table": "panel_teamsettings",
                    },
                ),
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("seq", models.PositiveBigIntegerField(default=0, editable=False)),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("actor_id", models.BigIntegerField(blank=True, null=True)),
                        ("actor_name", models.CharField(blank=True, max_length=150)),
                        ("api_key_id", models.BigIntegerField(blank=True, null=True)),
                        ("action", models.CharField(max_length=64)),
                        ("target_type", models.CharField(blank=True, max_length=32)),
                        ("target_id", models.CharField(blank=True, max_length=64)),
                        ("target_label", models.CharField(blank=True, max_length=255)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                    ("denied", "Denied"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        ("ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=300)),
                        ("reason", models.TextField(blank=True)),
                        ("prev_hash", models.CharField(blank=True, editable=False, max_length=64)),
                        ("hash", models.CharField(blank=True, editable=False, max_length=64)),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="audit_entries",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "audit entries",
                        "db_table": "panel_auditentry",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["team", "-created_at"], name="panel_audit_team_time"
                            ),
                            models.Index(
                                fields=["team", "actor_name", "seq"], name="panel_audit_team_actor"
                            ),
                            models.Index(
                                fields=["team", "action", "seq"], name="panel_audit_team_action"
                            ),
                            models.Index(
                                fields=["team", "target_type", "target_id", "seq"],
                                name="panel_audit_team_target",
                            ),
                            models.Index(
                                fields=["team", "request_id"], name="panel_audit_team_request"
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("team", "seq"), name="panel_audit_team_seq"
                            )
                        ],
                    },
                ),
            ],
            # The tables stay where they are, with their rows.
            database_operations=[],
        ),
    ]
