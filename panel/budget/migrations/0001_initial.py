"""A key's budget settings (KeyBudget) move here from the project app, table and rows as
they are; Django's state alone changes."""

from django.db import migrations

from panel.migration_ops import AdoptModels


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("panel", "0003_operations"),
    ]

    operations = [AdoptModels("panel", ["KeyBudget"])]
