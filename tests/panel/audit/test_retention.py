"""Retention: pruning deletes a prefix of the chain behind a signed checkpoint, the rest still
verifies, the pruning is an entry itself, and only owners choose how long to keep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from panel.audit.models import AuditChain, AuditEntry, TeamSettings
from panel.audit.retention import prune, prune_all
from panel.audit.verify import verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def aged(chain):
    """The five entries of `chain`; pruning "now" as of a day after the fourth was written
    keeps one day and so removes the first three."""
    return chain, chain[3].created_at + timedelta(days=1)


def test_pruning_leaves_a_chain_that_verifies(aged, members):
    chain, now = aged

    pruned = prune(members.team, days=1, now=now)

    assert (pruned.removed, pruned.through_seq, pruned.checkpoint_hash) == (3, 3, chain[2].hash)
    left = list(AuditEntry.objects.filter(team=members.team).order_by("seq"))
    assert [e.seq for e in left] == [4, 5, 6]
    assert left[0].prev_hash == chain[2].hash
    head = AuditChain.objects.get(key=members.team.pk)
    assert (head.checkpoint_seq, head.checkpoint_hash) == (3, chain[2].hash)
    assert head.checkpoint_created_at == chain[2].created_at
    result = verify(members.team.pk)
    assert result.ok, result.message
    assert result.checked == 3


def test_the_pruning_is_an_entry(aged, members):
    chain, now = aged

    prune(members.team, days=1, now=now)

    entry = AuditEntry.objects.get(action="audit_pruned")
    assert (entry.seq, entry.prev_hash) == (6, chain[-1].hash)
    assert (entry.actor_id, entry.actor_name, entry.target_type) == (None, "retention", "audit_log")
    assert entry.params["removed"] == 3
    assert entry.params["through_seq"] == 3
    assert entry.params["retention_days"] == 1
    assert entry.params["checkpoint_hash"] == chain[2].hash


def test_pruning_again_moves_the_checkpoint(aged, members, write):
    chain, now = aged
    prune(members.team, days=1, now=now)
    later = write()

    prune(members.team, days=1, now=later.created_at + timedelta(days=1, microseconds=1))

    assert list(AuditEntry.objects.filter(team=members.team).values_list("seq", flat=True)) == [8]
    assert AuditChain.objects.get(key=members.team.pk).checkpoint_seq == 7
    assert verify(members.team.pk).ok


def test_nothing_old_enough_means_nothing_pruned(chain, members):
    assert prune(members.team, days=30) is None
    assert AuditEntry.objects.filter(team=members.team).count() == 5


def test_teams_keep_everything_by_default(chain, members):
    assert TeamSettings.for_team(members.team).audit_retention_days is None
    assert prune(members.team, now=chain[-1].created_at + timedelta(days=3650)) is None
    assert prune_all(now=chain[-1].created_at + timedelta(days=3650)) == {}


def test_prune_all_uses_each_teams_setting(aged, members):
    chain, now = aged
    TeamSettings.objects.create(team=members.team, audit_retention_days=1)

    done = prune_all(now=now)

    assert done[members.team.pk].removed == 3
    assert verify(members.team.pk).ok


def test_a_forged_checkpoint_is_found(aged, members):
    chain, now = aged
    prune(members.team, days=1, now=now)
    # Hide the deletion of entry 4 by moving the checkpoint past it (no key to sign it).
    AuditEntry._base_manager.filter(team=members.team, seq=4).delete()
    AuditChain.objects.filter(key=members.team.pk).update(
        checkpoint_seq=4, checkpoint_hash=chain[3].hash
    )

    result = verify(members.team.pk)

    assert not result.ok
    assert "checkpoint" in result.message


def test_deleting_right_after_the_checkpoint_is_found(aged, members):
    chain, now = aged
    prune(members.team, days=1, now=now)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [chain[3].pk])

    result = verify(members.team.pk)

    assert not result.ok
    assert "number 4 before it are missing" in result.message


def test_the_command_prunes_teams_with_a_retention(aged, members, capsys, monkeypatch):
    chain, now = aged
    TeamSettings.objects.create(team=members.team, audit_retention_days=1)
    monkeypatch.setattr("panel.audit.retention.timezone.now", lambda: now)

    call_command("audit_prune")

    out = capsys.readouterr().out
    assert f"Acme Ops: removed 3 entries, up to number 3; checkpoint {chain[2].hash}." in out
    call_command("audit_verify", "--team", members.team.slug)


def test_the_daily_task_prunes_then_verifies(aged, members, monkeypatch):
    from panel.audit.tasks import audit_daily

    chain, now = aged
    TeamSettings.objects.create(team=members.team, audit_retention_days=1)
    monkeypatch.setattr("panel.audit.retention.timezone.now", lambda: now)

    assert audit_daily() == {"removed": 3, "broken": 0}
    assert AuditChain.objects.get(key=members.team.pk).verified_ok is True


# -- the setting -----------------------------------------------------------------------------


def retention_url(members) -> str:
    return reverse("panel:audit_retention", kwargs={"team": members.team.slug})


def test_an_owner_sets_the_retention_and_it_is_recorded(login_as, members):
    response = login_as(members.owner).post(retention_url(members), {"audit_retention_days": "90"})

    assert response.status_code == 302
    assert TeamSettings.for_team(members.team).audit_retention_days == 90
    entry = AuditEntry.objects.get(action="team_settings_changed")
    assert (entry.actor, entry.before, entry.after) == (
        members.owner,
        {"audit_retention_days": None},
        {"audit_retention_days": 90},
    )


def test_an_owner_goes_back_to_keeping_everything(login_as, members):
    TeamSettings.objects.create(team=members.team, audit_retention_days=30)

    login_as(members.owner).post(retention_url(members), {"audit_retention_days": ""})

    assert TeamSettings.for_team(members.team).audit_retention_days is None


def test_the_retention_is_at_least_a_day(login_as, members):
    response = login_as(members.owner).post(retention_url(members), {"audit_retention_days": "0"})

    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()


@pytest.mark.parametrize("role", ["admin", "auditor", "operator", "viewer"])
def test_only_owners_set_the_retention(login_as, members, role):
    response = login_as(members.with_role(role)).post(
        retention_url(members), {"audit_retention_days": "1"}
    )

    assert response.status_code == 403
    assert TeamSettings.for_team(members.team).audit_retention_days is None


def test_beat_runs_the_daily_task(settings):
    from panel.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["audit-daily"]["task"] == "panel.audit.tasks.audit_daily"
    assert "panel.audit.tasks.audit_daily" in app.tasks
