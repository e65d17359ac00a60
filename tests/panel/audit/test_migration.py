"""Migration 0002 puts the entries written before the chain existed into it, team by team, in
the order they were written, so that they verify like any other."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from panel.audit.models import AuditChain, AuditCounter, AuditEntry
from panel.audit.verify import verify, verify_counter

BEFORE = [("panel", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_existing_entries_join_the_chain():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Team = old.get_model("accounts", "Team")
    Entry = old.get_model("panel", "AuditEntry")
    teams = [Team.objects.create(name=name, slug=name) for name in ("red", "blue")]
    for n, team in enumerate([teams[0], teams[1], teams[0], teams[0]]):
        Entry.objects.create(
            team=team,
            actor_name="ann",
            action="reboot_server",
            target_type="server",
            target_id=str(n),
            params={"n": n},
            outcome="succeeded",
            ip="192.0.2.1",
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    red, blue = (t.pk for t in teams)
    assert list(
        AuditEntry.objects.filter(team_id=red).order_by("seq").values_list("seq", "target_id")
    ) == [(1, "0"), (2, "2"), (3, "3")]
    assert AuditChain.objects.get(key=blue).seq == 1
    assert verify(red).ok and verify(blue).ok
    # Audit 0002 counted the existing entries and signed the heads again with the counter.
    assert verify_counter().ok
    assert AuditCounter.objects.get().value == 4
