"""The budget models as they were in the project app (panel 0001-0003), taken over with
their tables (`db_table`): state only, nothing is created in the database. A new database
gets the tables from panel 0001-0003 first."""

import django.core.validators
import django.db.models.deletion
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
                    name="KeyBudget",
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
                            "requests_per_second",
                            models.FloatField(
                                help_text="Vultr v1 allows an average of 2 requests a second per key.",
                                validators=[
                                    django.core.validators.MinValueValidator(0.1),
                                    django.core.validators.MaxValueValidator(100),
                                ],
                            ),
                        ),
                        (
                            "burst",
                            models.PositiveSmallIntegerField(
                                default=1,
                                help_text="How many requests may go out at once after a quiet spell.",
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(20),
                                ],
                            ),
                        ),
                        (
                            "poll_seconds",
                            models.FloatField(
                                blank=True,
                                help_text="Seconds between checks of its operations (empty: the default).",
                                null=True,
                                validators=[
                                    django.core.validators.MinValueValidator(0.2),
                                    django.core.validators.MaxValueValidator(600),
                                ],
                            ),
                        ),
                        (
                            "api_key",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="operations_budget",
                                to="accounts.apikey",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "panel_keybudget",
                    },
                ),
            ],
            # The tables stay where they are, with their rows.
            database_operations=[],
        ),
    ]
