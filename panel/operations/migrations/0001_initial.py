"""Operations, their timelines, notices and alerts: adopted from the project app where panel
0003 made their tables, which stay as they are."""

from django.db import migrations

from panel.migration_ops import AdoptModels


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("panel", "0003_operations"),
    ]

    operations = [
        AdoptModels(
            "panel", ["Operation", "OperationStep", "Notice", "AlertTarget", "AlertDelivery"]
        )
    ]
