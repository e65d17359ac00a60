"""The models leave the project app for their own apps (audit, budget, operations), each of
which takes them over in its 0001 with the same tables (`db_table`): only Django's idea of
where they live changes; no table, column or row is touched."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("panel", "0003_operations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="alertdelivery",
                    name="operation",
                ),
                migrations.RemoveField(
                    model_name="alertdelivery",
                    name="target",
                ),
                migrations.RemoveField(
                    model_name="alerttarget",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="alerttarget",
                    name="team",
                ),
                migrations.DeleteModel(
                    name="AuditChain",
                ),
                migrations.RemoveField(
                    model_name="auditentry",
                    name="team",
                ),
                migrations.RemoveField(
                    model_name="keybudget",
                    name="api_key",
                ),
                migrations.RemoveField(
                    model_name="notice",
                    name="operation",
                ),
                migrations.RemoveField(
                    model_name="notice",
                    name="team",
                ),
                migrations.RemoveField(
                    model_name="notice",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="operation",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="operation",
                    name="team",
                ),
                migrations.RemoveField(
                    model_name="operationstep",
                    name="operation",
                ),
                migrations.RemoveField(
                    model_name="teamsettings",
                    name="team",
                ),
                migrations.DeleteModel(
                    name="AlertDelivery",
                ),
                migrations.DeleteModel(
                    name="AlertTarget",
                ),
                migrations.DeleteModel(
                    name="AuditEntry",
                ),
                migrations.DeleteModel(
                    name="KeyBudget",
                ),
                migrations.DeleteModel(
                    name="Notice",
                ),
                migrations.DeleteModel(
                    name="Operation",
                ),
                migrations.DeleteModel(
                    name="OperationStep",
                ),
                migrations.DeleteModel(
                    name="TeamSettings",
                ),
            ],
            # The tables stay where they are, with their rows.
            database_operations=[],
        ),
    ]
