"""Appending to a team's hash chain: numbering, links, hashes, time, and no forks."""

from __future__ import annotations

import threading
from datetime import UTC

import pytest
from django.db import connection, transaction

from panel.audit import record as audit
from panel.audit.chain import entry_hash, head_parts, signed, values_of
from panel.audit.models import AppendOnlyError, AuditChain, AuditCounter, AuditEntry
from panel.audit.verify import verify

pytestmark = pytest.mark.django_db


def test_each_entry_links_to_the_one_before(chain):
    stored = list(AuditEntry.objects.filter(team=chain[0].team).order_by("seq"))

    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == ""
    for before, entry in zip(stored, stored[1:], strict=False):
        assert entry.prev_hash == before.hash
    for entry in stored:
        assert entry.hash == entry_hash(values_of(entry), entry.prev_hash)


def test_the_head_is_the_newest_entry_and_is_signed(chain, members):
    head = AuditChain.objects.get(key=members.team.pk)

    assert (head.seq, head.head_hash) == (5, chain[-1].hash)
    assert signed(
        head.head_signature, *head_parts(head.key, head.seq, head.head_hash, head.counter)
    )
    # The site's counter counted every entry, and the head names its value.
    assert AuditCounter.objects.get().value == head.counter == 5


def test_the_hash_covers_the_entry_as_stored(chain):
    for written in chain:
        stored = AuditEntry.objects.get(pk=written.pk)
        assert values_of(stored) == values_of(written)
        assert stored.canonical() == written.canonical()


def test_each_team_has_its_own_chain(write, members, make_user):
    from accounts.actions import create_team

    other = create_team(members.owner, "Other")

    write()
    mine = write(team=other)
    write()

    assert mine.seq == 1
    assert list(AuditEntry.objects.filter(team=members.team).values_list("seq", flat=True)) == [
        2,
        1,
    ]


def test_time_is_utc_and_runs_forward_along_the_chain(chain):
    times = [e.created_at for e in AuditEntry.objects.filter(team=chain[0].team).order_by("seq")]

    assert all(t.tzinfo is not None and t.utcoffset().total_seconds() == 0 for t in times)
    assert times == sorted(times)
    assert chain[0].created_at.astimezone(UTC) == times[0]


def test_it_refuses_every_way_of_changing_or_deleting(chain):
    entry = AuditEntry.objects.get(pk=chain[0].pk)
    entry.reason = "rewritten"

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["reason"])
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "planned"
    assert verify(entry.team_id).ok


def test_deleting_the_actor_or_the_team_changes_nothing(chain, members):
    members.operator.delete()
    members.team.delete()

    entry = AuditEntry.objects.get(pk=chain[0].pk)
    assert entry.actor is None
    assert (entry.actor_id, entry.actor_name) == (chain[0].actor_id, "oscar")
    assert verify(chain[0].team_id).ok


def test_entries_without_a_team_form_the_sites_chain(members):
    first = audit.record("sign_in_failed", team=None, actor=None, params={"username": "nobody"})
    second = audit.record("sign_in_failed", team=None, actor=None, params={"username": "ghost"})

    assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
    assert AuditChain.objects.get(key=0).head_hash == second.hash
    assert verify(0).ok


def test_secrets_are_removed_at_any_depth(write):
    entry = write(
        params={
            "label": "web-01",
            "password": "hunter2",
            "nested": {"api_key": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "ok": 1},
            "list": [{"root_password": "swordfish"}],
            "script": "[removed, 12 characters]",
        },
        before={"token": "s3cr3t"},
        after={"token": None},
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    text = str(values_of(stored))
    for secret in ("hunter2", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "swordfish", "s3cr3t"):
        assert secret not in text
    assert stored.params["password"] == "[removed, 7 characters]"
    assert stored.params["nested"] == {"api_key": "[removed, 36 characters]", "ok": 1}
    assert stored.params["script"] == "[removed, 12 characters]"
    assert stored.params["label"] == "web-01"
    assert stored.after == {"token": None}


def test_long_values_are_cut_to_fit_and_still_verify(write, members):
    entry = write(target=("server", "1" * 100, "x" * 400), actor_name="n" * 300)

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (len(stored.target_id), len(stored.target_label), len(stored.actor_name)) == (
        64,
        255,
        150,
    )
    assert verify(members.team.pk).ok


def test_an_entry_written_in_a_transaction_that_fails_leaves_no_trace(write, members):
    write()
    with pytest.raises(RuntimeError), transaction.atomic():
        write(action="destroy_server")
        raise RuntimeError

    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["reboot_server"]
    assert AuditChain.objects.get(key=members.team.pk).seq == 1
    assert verify(members.team.pk).ok


@pytest.mark.django_db(transaction=True)
def test_writers_at_the_same_time_do_not_fork_the_chain(members):
    writers, each = 4, 15
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(each):
                audit.record(
                    "reboot_server", team=members.team, actor=None, params={"w": n, "i": i}
                )
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = sorted(AuditEntry.objects.filter(team=members.team).values_list("seq", flat=True))
    assert seqs == list(range(1, writers * each + 1))
    assert verify(members.team.pk).ok
