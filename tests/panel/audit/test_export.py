"""Export of the filtered log as CSV and JSON Lines: streamed, complete, checkable against the
chain, safe to open in a spreadsheet, and itself an audit entry."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from panel.audit import export
from panel.audit.chain import FIELDS, entry_hash
from panel.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def export_url(members, fmt: str, query: str = "") -> str:
    return reverse("panel:audit_export", args=[members.team.slug, fmt]) + query


def body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def auditor(login_as, members):
    return login_as(members.auditor)


def test_json_lines_of_the_whole_log(auditor, members, chain):
    response = auditor.get(export_url(members, "jsonl"))

    assert response["Content-Type"].startswith("application/x-ndjson")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="audit-{members.team.slug}-'
    )
    rows = [json.loads(line) for line in body(response).splitlines()]
    # The export's own entry is written first, so it is the newest line.
    assert rows[0]["action"] == "audit_exported"
    assert [r["id"] for r in rows[1:]] == [e.pk for e in reversed(chain)]
    assert rows[1]["hash"] == chain[-1].hash
    assert rows[3]["error"] == "Unable to destroy server: too young"
    assert rows[4]["before"] == {"require_reason": False}


def test_each_exported_line_can_be_checked_against_its_hash(auditor, members, chain):
    rows = [
        json.loads(line) for line in body(auditor.get(export_url(members, "jsonl"))).splitlines()
    ]

    for row in rows:
        values = [row[name] for name in FIELDS]
        assert entry_hash(values, row["prev_hash"]) == row["hash"]


def test_csv_of_a_filtered_view(auditor, members, chain):
    response = auditor.get(export_url(members, "csv", "?target_type=server&outcome=failed"))

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert [int(r["id"]) for r in rows] == [chain[2].pk]
    assert rows[0]["params"] == '{"label": "web-01"}'
    assert rows[0]["actor_name"] == "oscar"


def test_the_export_is_an_entry_with_its_filters(auditor, members, chain):
    response = auditor.get(export_url(members, "csv", "?actor=oscar&since=2020-01-01"))
    body(response)

    entry = AuditEntry.objects.get(action="audit_exported")
    assert (entry.team, entry.actor, entry.outcome) == (members.team, members.auditor, "succeeded")
    assert entry.params == {
        "format": "csv",
        "filters": {"actor": "oscar", "since": "2020-01-01"},
    }
    assert entry.request_id == response["X-Request-ID"]


def test_cells_that_a_spreadsheet_would_run_are_defused(auditor, members, write):
    write(target=("server", "1", '=HYPERLINK("http://evil")'))

    rows = list(csv.DictReader(io.StringIO(body(auditor.get(export_url(members, "csv"))))))

    assert rows[-1]["target_label"] == '\'=HYPERLINK("http://evil")'


def test_big_logs_are_read_in_chunks_one_query_each(members, write, django_assert_num_queries):
    written = [write(params={"n": n}) for n in range(30)]

    with django_assert_num_queries(5):  # 7 + 7 + 7 + 7 + 2
        rows = list(export.rows(AuditEntry.objects.filter(team=members.team), chunk=7))

    assert [r["id"] for r in rows] == [e.pk for e in reversed(written)]


def test_an_unknown_format_is_not_found(auditor, members):
    assert auditor.get(export_url(members, "xml")).status_code == 404
    assert not AuditEntry.objects.filter(action="audit_exported").exists()


def test_an_invalid_filter_is_refused_with_its_error_not_ignored(auditor, members, chain):
    response = auditor.get(export_url(members, "csv", "?outcome=denied&until=9999-12-31"))

    assert response.status_code == 400
    assert "To: Choose a date before 31 December 9999." in response.content.decode()
    # Nothing was exported, so nothing is recorded as exported.
    assert not AuditEntry.objects.filter(action="audit_exported").exists()
