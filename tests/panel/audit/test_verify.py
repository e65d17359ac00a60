"""audit_verify finds any change to any field of any entry, deleted entries, and a rewritten
chain; it names the first broken entry and exits non-zero."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from panel.audit.chain import entry_hash, values_of
from panel.audit.models import AuditChain, AuditEntry
from panel.audit.verify import verify

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", TABLE), params)


def column(name: str) -> str:
    return connection.ops.quote_name(AuditEntry._meta.get_field(name).column)


def tampered_value(entry: AuditEntry, name: str):
    """A different value for the field, of the right type, as the database takes it."""
    field = AuditEntry._meta.get_field(name)
    value = getattr(entry, field.attname)
    kind = field.get_internal_type()
    if kind == "JSONField":
        return json.dumps({"tampered": True})
    if kind == "DateTimeField":
        return field.get_db_prep_value(value - timedelta(seconds=1), connection)
    if kind == "GenericIPAddressField":
        return "198.51.100.66"
    if kind in ("BigAutoField", "BigIntegerField", "PositiveBigIntegerField", "ForeignKey"):
        return (value or 0) + 1000
    if name == "outcome":
        return "denied"
    if not value:
        return "x"
    # Same length: a hash stays 64 characters.
    return value[:-1] + ("y" if value.endswith("x") else "x")


FIELDS = [f.name for f in AuditEntry._meta.concrete_fields]


def test_an_untouched_chain_verifies(chain, members):
    result = verify(members.team.pk)

    assert result.ok, result.message
    assert (result.checked, result.head_seq, result.head_hash) == (5, 5, chain[-1].hash)
    head = AuditChain.objects.get(key=members.team.pk)
    assert head.verified_ok is True and head.verified_at is not None
    assert head.verified_hash == chain[-1].hash


@pytest.mark.parametrize("name", FIELDS)
def test_changing_any_field_of_an_entry_is_found(chain, members, name):
    victim = chain[2]
    value = tampered_value(victim, name)
    raw(f"UPDATE {{table}} SET {column(name)} = %s WHERE id = %s", [value, victim.pk])

    result = verify(members.team.pk)

    assert not result.ok
    if name == "id":
        assert result.broken_entry_id == victim.pk + 1000
    elif name == "team":
        # The entry left the chain: the next one says what is missing before it.
        assert result.broken_entry_id == chain[3].pk
        assert "number 3 before it are missing" in result.message
    else:
        assert result.broken_entry_id == victim.pk, result.message
        assert f"entry #{victim.pk}" in result.message


@pytest.mark.parametrize("position", [0, 2, 4], ids=["first", "middle", "last"])
def test_deleting_an_entry_is_found(chain, members, position):
    raw("DELETE FROM {table} WHERE id = %s", [chain[position].pk])

    result = verify(members.team.pk)

    assert not result.ok
    assert f"number {position + 1}" in result.message
    assert "missing" in result.message


def test_rewriting_an_entry_with_a_matching_hash_is_found_and_named(chain, members):
    victim = chain[1]
    victim.reason = "nothing to see"
    new_hash = entry_hash(values_of(victim), victim.prev_hash)
    raw(
        "UPDATE {table} SET reason = %s, hash = %s WHERE id = %s",
        ["nothing to see", new_hash, victim.pk],
    )

    result = verify(members.team.pk)

    assert not result.ok
    assert result.broken_entry_id == victim.pk
    assert "changed" in result.message


def test_rewriting_the_whole_chain_and_its_head_is_found_by_the_signature(chain, members):
    prev = ""
    for entry in AuditEntry.objects.filter(team=members.team).order_by("seq"):
        entry.reason = "rewritten"
        entry.prev_hash = prev
        entry.hash = entry_hash(values_of(entry), prev)
        raw(
            "UPDATE {table} SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            ["rewritten", entry.prev_hash, entry.hash, entry.pk],
        )
        prev = entry.hash
    AuditChain.objects.filter(key=members.team.pk).update(head_hash=prev)

    result = verify(members.team.pk)

    assert not result.ok
    assert "head is not signed" in result.message


def test_other_teams_are_not_affected(chain, members, write):
    from accounts.actions import create_team

    other = create_team(members.owner, "Other")
    write(team=other)
    raw("DELETE FROM {table} WHERE id = %s", [chain[2].pk])

    assert verify(other.pk).ok
    assert not verify(members.team.pk).ok


def test_the_command_says_ok_and_shows_the_head(chain, members, capsys):
    call_command("audit_verify", "--team", members.team.slug)

    out = capsys.readouterr().out
    assert "OK" in out and "Acme Ops" in out and chain[-1].hash in out


def test_the_command_names_the_first_broken_entry_and_fails(chain, members, capsys):
    raw(f"UPDATE {{table}} SET {column('error')} = %s WHERE id = %s", ["", chain[2].pk])
    raw(f"UPDATE {{table}} SET {column('reason')} = %s WHERE id = %s", ["x", chain[3].pk])

    with pytest.raises(CommandError) as failed:
        call_command("audit_verify")

    assert failed.value.returncode == 1
    err = capsys.readouterr().err
    assert f"BROKEN  Acme Ops ({members.team.slug}): entry #{chain[2].pk} (number 3" in err
    assert "destroy_server" in err
    assert AuditChain.objects.get(key=members.team.pk).verified_ok is False


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_from_the_shell(chain, members, tmp_path):
    """The real exit status, through manage.py (CommandError's returncode)."""
    import subprocess
    import sys

    from django.conf import settings

    raw("DELETE FROM {table} WHERE id = %s", [chain[1].pk])
    from tests.fixtures.database import database_url

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "panel.settings"}
    env.update({"DATABASE_URL": database_url(), "PANEL_DATA_DIR": str(tmp_path)})
    env["SECRET_KEY"] = settings.SECRET_KEY

    result = subprocess.run(
        [sys.executable, "manage.py", "audit_verify", "--team", members.team.slug],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "number 2 before it are missing" in result.stderr


def test_an_unknown_team_is_an_error():
    with pytest.raises(CommandError, match="No team"):
        call_command("audit_verify", "--team", "nope")


# -- rollback and wipe (issue 11 item 2) ---------------------------------------------------


def row_of(model, pk) -> dict:
    """A row as someone with database access would copy it, to put it back later."""
    return model.objects.filter(pk=pk).values().get()


def put_back(model, row: dict) -> None:
    model.objects.filter(pk=row[model._meta.pk.attname]).update(**row)


def delete_newest(members, count: int) -> None:
    newest = AuditEntry.objects.filter(team=members.team).order_by("-seq")[:count]
    for entry in list(newest):
        raw("DELETE FROM {table} WHERE id = %s", [entry.pk])


def test_deleting_the_newest_entries_and_putting_back_an_older_head_is_found(
    chain, members, write, capsys
):
    older_head = row_of(AuditChain, members.team.pk)
    write("destroy_server")
    write("destroy_server")
    delete_newest(members, 2)
    put_back(AuditChain, older_head)
    # The chain itself is consistent again: 5 entries, its signed head of then.
    assert _walk_only(members.team.pk).ok

    with pytest.raises(CommandError):
        call_command("audit_verify")

    err = capsys.readouterr().err
    assert "BROKEN  the chains' counter: 7 entries were appended in all" in err
    assert "account for 5" in err


def test_a_head_older_than_the_last_verification_saw_is_refused(chain, members, write):
    older_head = row_of(AuditChain, members.team.pk)
    write("destroy_server")
    assert verify(members.team.pk).ok  # sees number 6
    delete_newest(members, 1)
    put_back(AuditChain, older_head)

    result = verify(members.team.pk)

    assert not result.ok
    assert "went backwards: it is at number 5" in result.message
    assert "saw number 6" in result.message


def test_a_rewritten_tail_under_the_last_verified_number_is_refused(chain, members, write):
    """Deleting the newest entry and writing new ones up to the same number again."""
    assert verify(members.team.pk).ok  # sees number 5
    delete_newest(members, 1)
    fourth = AuditEntry.objects.get(team=members.team, seq=4)
    AuditChain.objects.filter(key=members.team.pk).update(seq=4, head_hash=fourth.hash)
    # Re-signing needs the key; without it the head fails first. With it, the record of the
    # last verification still names the original entry number 5.
    from panel.audit.chain import head_parts, sign

    head = AuditChain.objects.get(key=members.team.pk)
    AuditChain.objects.filter(key=members.team.pk).update(
        head_signature=sign(*head_parts(head.key, 4, fourth.hash, head.counter))
    )
    write("reboot_server", reason="innocent")

    result = verify(members.team.pk)

    assert not result.ok
    assert "is not the entry number 5 that the verification of" in result.message


def test_a_team_whose_entries_and_head_were_deleted_never_verifies_as_empty(chain, members, capsys):
    assert verify(members.team.pk).ok
    raw("DELETE FROM {table} WHERE team_id = %s", [members.team.pk])
    AuditChain.objects.filter(key=members.team.pk).delete()

    result = verify(members.team.pk)

    assert not result.ok
    assert "had entries up to number 5" in result.message and "gone" in result.message
    with pytest.raises(CommandError):
        call_command("audit_verify")
    err = capsys.readouterr().err
    assert f"BROKEN  Acme Ops ({members.team.slug}): The chain had entries up to number 5" in err
    assert "BROKEN  the chains' counter" in err


def test_a_wipe_before_any_verification_is_found_by_the_counter(chain, members, capsys):
    raw("DELETE FROM {table} WHERE team_id = %s", [members.team.pk])
    AuditChain.objects.filter(key=members.team.pk).delete()

    with pytest.raises(CommandError):
        call_command("audit_verify")

    assert "5 entries were appended in all, but the chains' heads account for 0" in (
        capsys.readouterr().err
    )


def test_a_forged_verification_record_is_refused(chain, members):
    from panel.audit.models import AuditWitness

    assert verify(members.team.pk).ok
    AuditWitness.objects.filter(key=members.team.pk).update(seq=1)

    result = verify(members.team.pk)

    assert not result.ok and "last verification is not signed" in result.message


def test_the_daily_verification_writes_a_witness_outside_the_database(
    chain, members, write, settings, tmp_path, capsys
):
    """The whole database put back (counter, heads, verification records together) verifies;
    the witness file says otherwise."""
    from panel.audit.models import AuditCounter, AuditWitness
    from panel.audit.tasks import audit_daily

    settings.PANEL_AUDIT_WITNESS = str(tmp_path / "witness.jsonl")
    older = (
        row_of(AuditChain, members.team.pk),
        row_of(AuditCounter, 1),
    )
    assert audit_daily()["broken"] == 0
    older_witness = row_of(AuditWitness, members.team.pk)
    write("destroy_server")
    assert audit_daily()["broken"] == 0
    lines = (tmp_path / "witness.jsonl").read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[-1])["chains"][str(members.team.pk)]["seq"] == 6

    delete_newest(members, 1)
    put_back(AuditChain, older[0])
    put_back(AuditCounter, older[1])
    put_back(AuditWitness, older_witness)
    call_command("audit_verify")  # the database alone: consistent

    with pytest.raises(CommandError):
        call_command("audit_verify", "--witness", settings.PANEL_AUDIT_WITNESS)

    err = capsys.readouterr().err
    assert "went backwards: it is at number 5, but the witness file" in err


def _walk_only(key: int):
    from panel.audit.verify import _walk

    return _walk(key)


def test_a_pruning_that_found_nothing_leaves_everything_verifying(members, capsys):
    """Pruning locks the head and the counter even when there is nothing to prune."""
    from panel.audit.retention import prune

    assert prune(members.team, 30) is None

    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "OK      the chains' counter: No entries yet." in out


def test_the_witness_may_be_a_url(chain, members, settings):
    """PANEL_AUDIT_WITNESS=https://...: each daily verification POSTs the heads there."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from panel.audit.tasks import audit_daily

    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.PANEL_AUDIT_WITNESS = f"http://127.0.0.1:{server.server_port}/witness"
        assert audit_daily()["broken"] == 0
    finally:
        server.shutdown()

    (record,) = received
    assert record["chains"][str(members.team.pk)] == {"seq": 5, "hash": chain[-1].hash}
    assert record["counter"] == 5


def test_a_witness_that_cannot_be_written_is_logged(chain, settings, tmp_path, caplog):
    from panel.audit.tasks import audit_daily

    settings.PANEL_AUDIT_WITNESS = str(tmp_path / "missing-folder" / "witness.jsonl")

    assert audit_daily()["broken"] == 0
    assert "could not be written" in caplog.text


def test_the_command_keeps_the_witness_too(chain, members, settings, tmp_path):
    """Run from cron instead of Celery beat, audit_verify writes the witness as well."""
    settings.PANEL_AUDIT_WITNESS = str(tmp_path / "witness.jsonl")

    call_command("audit_verify")

    (line,) = (tmp_path / "witness.jsonl").read_text().splitlines()
    assert json.loads(line)["chains"][str(members.team.pk)]["seq"] == 5
