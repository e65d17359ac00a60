"""Audit entries are append-only; team settings have defaults without a row."""

import pytest

from panel.audit.models import AppendOnlyError, AuditEntry, TeamSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(members):
    return AuditEntry.objects.create(
        team=members.team,
        actor=members.owner,
        actor_name=members.owner.username,
        action="reboot_server",
        target_type="server",
        target_id="123",
        outcome=AuditEntry.Outcome.SUCCEEDED,
    )


def test_it_refuses_to_change_an_entry(entry):
    entry.outcome = AuditEntry.Outcome.FAILED

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(outcome="failed")
    assert AuditEntry.objects.get().outcome == "succeeded"


def test_it_refuses_to_delete_an_entry(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


def test_entries_outlive_their_actor_and_team(entry, members):
    members.owner.delete()
    members.team.delete()

    kept = AuditEntry.objects.get()
    assert kept.actor is None
    assert kept.actor_name == "olivia"
    assert kept.team_id == entry.team_id


def test_canonical_form_is_stable(entry):
    first = entry.canonical()

    assert list(first) == list(AuditEntry.objects.get().canonical())
    assert first["created_at"].endswith("+00:00")


def test_team_settings_default_without_a_row(members):
    settings = TeamSettings.for_team(members.team)

    assert settings.pk is None
    assert settings.require_reason is False
