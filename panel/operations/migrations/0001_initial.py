"""The operations models as they were in the project app (panel 0001-0003), taken over with
their tables (`db_table`): state only, nothing is created in the database. A new database
gets the tables from panel 0001-0003 first."""

import secrets

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import panel.operations.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("panel", "0004_move_models_to_apps"),
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AlertTarget",
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
                            "channel",
                            models.CharField(
                                choices=[("email", "Email"), ("webhook", "Webhook")], max_length=16
                            ),
                        ),
                        (
                            "address",
                            models.CharField(max_length=500, verbose_name="Email address or URL"),
                        ),
                        (
                            "on_ready",
                            models.BooleanField(
                                default=True, verbose_name="When a new server is ready"
                            ),
                        ),
                        (
                            "on_failed",
                            models.BooleanField(
                                default=True, verbose_name="When an operation fails"
                            ),
                        ),
                        (
                            "secret",
                            models.CharField(
                                default=secrets.token_hex, editable=False, max_length=64
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alerts",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "panel_alerttarget",
                        "ordering": ["channel", "address"],
                    },
                ),
                migrations.CreateModel(
                    name="Operation",
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
                            "token",
                            models.CharField(
                                default=panel.operations.models.new_token,
                                editable=False,
                                max_length=32,
                                unique=True,
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("create_server", "Create server"),
                                    ("create_snapshot", "Take snapshot"),
                                    ("reinstall_server", "Reinstall server"),
                                    ("change_server_os", "Change operating system"),
                                    ("restore_snapshot", "Restore snapshot"),
                                    ("restore_backup", "Restore backup"),
                                    ("destroy_server", "Destroy server"),
                                    ("create_ipv4", "Add IPv4 address"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("api_key_id", models.BigIntegerField(db_index=True)),
                        ("actor_name", models.CharField(blank=True, max_length=150)),
                        ("target_type", models.CharField(default="server", max_length=32)),
                        ("target_id", models.CharField(blank=True, db_index=True, max_length=64)),
                        ("target_label", models.CharField(blank=True, max_length=255)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("secret_params", models.TextField(blank=True, editable=False)),
                        ("reason", models.TextField(blank=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="queued",
                                max_length=16,
                            ),
                        ),
                        (
                            "phase",
                            models.CharField(
                                choices=[
                                    ("start", "Not sent yet"),
                                    ("sending", "Sending"),
                                    ("waiting", "Watched by the poll"),
                                    ("check", "Checking"),
                                    ("done", "Done"),
                                ],
                                default="start",
                                max_length=16,
                            ),
                        ),
                        ("confirmed", models.BooleanField(default=False)),
                        ("resend_allowed", models.BooleanField(default=False)),
                        ("seen_busy", models.BooleanField(default=False)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("error", models.TextField(blank=True)),
                        ("last_state", models.JSONField(blank=True, default=dict)),
                        ("result", models.JSONField(blank=True, default=dict)),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("reached", models.JSONField(blank=True, default=list)),
                        ("task_id", models.CharField(blank=True, max_length=255)),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        ("ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=300)),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("deadline", models.DateTimeField(blank=True, null=True)),
                        ("sending_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("due_at", models.DateTimeField(blank=True, null=True)),
                        ("lease_until", models.DateTimeField(blank=True, null=True)),
                        ("lease_owner", models.CharField(blank=True, max_length=64)),
                        ("internal_errors", models.PositiveSmallIntegerField(default=0)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="operations",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "panel_operation",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Notice",
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
                            "level",
                            models.CharField(
                                choices=[
                                    ("success", "Success"),
                                    ("error", "Error"),
                                    ("info", "Info"),
                                ],
                                default="info",
                                max_length=16,
                            ),
                        ),
                        ("text", models.CharField(max_length=500)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="operation_notices",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "operation",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notices",
                                to="operations.operation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "panel_notice",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="AlertDelivery",
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
                        ("event", models.CharField(max_length=16)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("log", models.JSONField(blank=True, default=list)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "target",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="operations.alerttarget",
                            ),
                        ),
                        (
                            "operation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alert_deliveries",
                                to="operations.operation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "panel_alertdelivery",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="OperationStep",
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
                        ("name", models.CharField(max_length=32)),
                        ("label", models.CharField(max_length=255)),
                        ("detail", models.TextField(blank=True)),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "operation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="steps",
                                to="operations.operation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "panel_operationstep",
                        "ordering": ["at", "id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="operation",
                    index=models.Index(fields=["team", "-created_at"], name="panel_op_team_time"),
                ),
                migrations.AddIndex(
                    model_name="operation",
                    index=models.Index(fields=["status", "phase"], name="panel_op_status_phase"),
                ),
                migrations.AddIndex(
                    model_name="notice",
                    index=models.Index(fields=["user", "read_at"], name="panel_notice_unread"),
                ),
            ],
            # The tables stay where they are, with their rows.
            database_operations=[],
        ),
    ]
