"""A database made before the app split (every model in the ``panel`` app, migrations panel
0001-0003) migrates to the new layout without losing a row: the audit, budget and operations
apps take the models over with their tables (their 0001, `panel.migration_ops.AdoptModels`),
and the snapshots' sources move out of the audit log into rows of their own (servers 0001)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from accounts.models import ApiKey
from panel.audit.models import AuditChain, AuditEntry, TeamSettings
from panel.budget.models import KeyBudget
from panel.operations.models import AlertTarget, Notice, Operation, OperationStep
from panel.servers.models import SnapshotSource

# panel as it was, and none of the apps that took its models over (nor the keys' API version,
# which came later: the old state's ApiKey has no such column).
OLD_LAYOUT = [
    ("accounts", "0001_initial"),
    ("panel", "0003_operations"),
    ("servers", None),
    ("audit", None),
    ("budget", None),
    ("operations", None),
]


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_an_old_layout_database_keeps_its_rows():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(OLD_LAYOUT)
    old = executor.loader.project_state([("panel", "0003_operations")]).apps
    applied = MigrationRecorder(connection).applied_migrations()
    assert not {app for app, _ in applied} & {"audit", "budget", "operations", "servers"}

    team = old.get_model("accounts", "Team").objects.create(name="red", slug="red")
    user = old.get_model("accounts", "User").objects.create(username="ann")
    key = old.get_model("accounts", "ApiKey").objects.create(
        team=team, label="main", api_url="https://api.vultr.com", ciphertext="x", last4="ABCD"
    )
    old.get_model("panel", "TeamSettings").objects.create(team=team, require_reason=True)
    old.get_model("panel", "AuditEntry").objects.create(
        team=team, seq=1, actor_name="ann", action="reboot_server", outcome="succeeded"
    )
    old.get_model("panel", "AuditEntry").objects.create(
        team=team,
        seq=2,
        api_key_id=key.pk,
        action="create_snapshot",
        target_type="server",
        target_id="41",
        target_label="web-01",
        params={"description": "x", "snapshot_id": "snap-7"},
        outcome="succeeded",
    )
    old.get_model("panel", "AuditChain").objects.create(key=team.pk, seq=2, head_hash="h")
    old.get_model("panel", "KeyBudget").objects.create(api_key=key, requests_per_second=1.5)
    op = old.get_model("panel", "Operation").objects.create(
        kind="reinstall_server", team=team, api_key_id=key.pk, actor=user, target_id="41"
    )
    old.get_model("panel", "OperationStep").objects.create(operation=op, name="queued", label="Q")
    old.get_model("panel", "Notice").objects.create(user=user, team=team, operation=op, text="hi")
    old.get_model("panel", "AlertTarget").objects.create(
        team=team, channel="email", address="ops@example.com"
    )
    before = _tables()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    # The move creates and drops no table; the new tables are the snapshots' sources and the
    # audit chains' counter and verification records (audit 0002), and the kept v2 root
    # passwords (servers 0002).
    assert _tables() == before | {
        "servers_snapshotsource",
        "servers_serverpassword",
        "audit_auditcounter",
        "audit_auditwitness",
    }
    assert TeamSettings.objects.get(team_id=team.pk).require_reason
    assert list(
        AuditEntry.objects.filter(team_id=team.pk).order_by("seq").values_list("action")
    ) == [
        ("reboot_server",),
        ("create_snapshot",),
    ]
    assert AuditChain.objects.get(key=team.pk).head_hash == "h"
    assert KeyBudget.objects.get(api_key_id=key.pk).requests_per_second == 1.5
    moved = Operation.objects.get(pk=op.pk)
    assert (moved.kind, moved.target_id, moved.actor_id) == ("reinstall_server", "41", user.pk)
    assert list(OperationStep.objects.filter(operation=moved).values_list("name", flat=True)) == [
        "queued"
    ]
    assert Notice.objects.get(operation=moved).text == "hi"
    # Keys stored before the panel knew v2 are v1 keys, whatever the default for new keys.
    assert ApiKey.objects.get(pk=key.pk).api_version == "v1"
    assert AlertTarget.objects.get(team_id=team.pk).address == "ops@example.com"
    # Which server a snapshot came from: out of the audit log, into a row of its own.
    source = SnapshotSource.objects.get(api_key_id=key.pk, snapshot_id="snap-7")
    assert (source.team_id, source.server_id, source.server_label) == (team.pk, "41", "web-01")
