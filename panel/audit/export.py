"""Export of a filtered log as CSV or JSON Lines, produced row by row for a streamed response.

Rows are read in keyset chunks (newest first, like the page), each chunk one short query:
memory stays flat however big the log, and on SQLite no read stays open while the client
downloads slowly (an open read would keep every writer waiting). Each line carries the entry's
`prev_hash` and `hash`, so that an export can be checked against the chain (and its head hash,
which the audit page shows) elsewhere.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

from panel.audit.chain import encode_time

CHUNK = 2000
COLUMNS = (
    "id",
    "seq",
    "created_at",
    "team_id",
    "actor_id",
    "actor_name",
    "ip",
    "user_agent",
    "request_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "params",
    "before",
    "after",
    "outcome",
    "error",
    "reason",
    "api_key_id",
    "prev_hash",
    "hash",
)
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
}
# Spreadsheets run a cell starting with these as a formula; labels and names are user input.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rows(entries: QuerySet, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """The entries as dicts of `COLUMNS`, newest first."""
    before = None
    while True:
        batch = entries if before is None else entries.filter(seq__lt=before)
        found = list(batch.order_by("-seq").values_list(*COLUMNS)[:chunk])
        for values in found:
            yield dict(zip(COLUMNS, values, strict=True))
        if len(found) < chunk:
            return
        before = found[-1][1]


def jsonl(entries: QuerySet) -> Iterator[str]:
    for row in rows(entries):
        row["created_at"] = encode_time(row["created_at"])
        yield json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


class _Line:
    """A file-like object that hands back what csv.writer writes (Django's streaming CSV)."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(entries: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in rows(entries):
        row["created_at"] = encode_time(row["created_at"])
        yield writer.writerow([_cell(row[name]) for name in COLUMNS])
