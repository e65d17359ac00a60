"""The audit log's models (entries, chain heads, team settings) leave the project app for this
one, with their tables and rows: a change of Django's state only (panel/migration_ops.py)."""

from django.db import migrations

from panel.migration_ops import AdoptModels


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("panel", "0003_operations"),
    ]

    operations = [AdoptModels("panel", ["AuditEntry", "AuditChain", "TeamSettings"])]
