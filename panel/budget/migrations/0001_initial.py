"""The budget models, taken over from the project app (panel 0001-0003) with their tables and
rows: state only, nothing is created or changed in the database (panel/migration_ops.py). A
new database gets the tables from panel 0001-0003 first."""

from django.db import migrations

from panel.migration_ops import AdoptModels


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("panel", "0003_operations"),
    ]

    operations = [AdoptModels("panel", ["KeyBudget"])]
