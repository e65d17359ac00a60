"""Reading a team's log: filters, pages by keyset, request groups, an entry's neighbours.

Pages are keyset-paginated on the chain's `seq` (newest first): page 1,000 costs what page 1
costs, where OFFSET would read and drop every row before it. Every filter has an index that
starts with (team, ...) and ends in seq (see AuditEntry.Meta.indexes); the date range narrows
the rows those indexes find. Free text is the one filter without an index: it scans the team's
entries newest first until a page is full, so it is best combined with another filter.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from panel.audit.events import ACCOUNT_EVENTS
from panel.audit.models import AuditEntry

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What the review page and the export narrow the log to. Empty values mean "any"."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    outcome: str = ""
    since: date | None = None
    until: date | None = None  # inclusive: the whole day, UTC
    request_id: str = ""
    q: str = ""

    def apply(self, entries: QuerySet) -> QuerySet:
        exact = {
            "actor_name": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "outcome": self.outcome,
            "request_id": self.request_id,
        }
        entries = entries.filter(**{name: value for name, value in exact.items() if value})
        if self.since:
            entries = entries.filter(created_at__gte=_midnight(self.since))
        if self.until:
            entries = entries.filter(created_at__lt=_midnight(self.until + timedelta(days=1)))
        if self.q:
            entries = entries.filter(_text(self.q))
        return entries

    def as_query(self) -> dict[str, str]:
        """The non-empty filters as URL parameters (for links and the export's own entry)."""
        found = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value:
                found[field.name] = value.isoformat() if isinstance(value, date) else value
        return found

    def __bool__(self) -> bool:
        return bool(self.as_query())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _text(words: str) -> Q:
    """Every word somewhere in the entry's names, ids, texts or parameters."""
    found = Q()
    for word in words.split():
        anywhere = (
            Q(actor_name__icontains=word)
            | Q(action__icontains=word)
            | Q(target_id__icontains=word)
            | Q(target_label__icontains=word)
            | Q(error__icontains=word)
            | Q(reason__icontains=word)
            | Q(request_id=word)
            | _json_text(word)
        )
        if _is_ip(word):
            anywhere |= Q(ip=word)
        found &= anywhere
    return found


def _json_text(word: str) -> Q:
    """The word in the JSON fields. SQLite keeps JSON as Python's json.dumps wrote it, with
    non-ASCII letters escaped ("K\\u00f6ln"); PostgreSQL's jsonb prints them as they are: search
    for both spellings so that "Köln" is found on either."""
    spellings = dict.fromkeys([word, json.dumps(word)[1:-1]])
    found = Q()
    for spelling in spellings:
        for field in ("params", "before", "after"):
            found |= Q(**{f"{field}__icontains": spelling})
    return found


def _is_ip(word: str) -> bool:
    try:
        ipaddress.ip_address(word)
    except ValueError:
        return False
    return True


def team_entries(team, reader=None) -> QuerySet:
    """The team's entries that `reader` may read. In a personal team, the events of its
    user's account (ACCOUNT_EVENTS: sign-ins, two-factor, password) are that user's alone:
    a member the user let in does not read them (issue 11 item 11)."""
    entries = AuditEntry.objects.for_team(team)
    personal_for = getattr(team, "personal_for_id", None)
    if personal_for is not None and getattr(reader, "pk", None) != personal_for:
        entries = entries.exclude(action__in=ACCOUNT_EVENTS)
    return entries


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    older: int | None  # the `before` cursor of the next (older) page, if any
    newer: int | None  # the `after` cursor of the previous (newer) page, if any


def page(
    entries: QuerySet,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of `entries`, newest first: the newest ones, those older than seq `before`,
    or those just newer than seq `after`."""
    if after is not None:
        rows = list(entries.filter(seq__gt=after).order_by("seq")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        older = rows[-1].seq if rows and _exists(entries, seq__lt=rows[-1].seq) else None
        return Page(rows, older, rows[0].seq if more_newer and rows else None)
    entries_all = entries
    if before is not None:
        entries = entries.filter(seq__lt=before)
    rows = list(entries.order_by("-seq")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    newer = None
    if before is not None and rows and _exists(entries_all, seq__gt=rows[0].seq):
        newer = rows[0].seq
    return Page(rows, rows[-1].seq if more_older else None, newer)


def _exists(entries: QuerySet, **lookup: Any) -> bool:
    return entries.filter(**lookup).exists()


def request_group(entry: AuditEntry, entries: QuerySet | None = None) -> list[AuditEntry]:
    """Everything the entry's request did in the team (of `entries`, the ones the reader may
    read), in the order it happened."""
    if not entry.request_id:
        return [entry]
    if entries is None:
        entries = AuditEntry.objects.for_team(entry.team_id)
    return list(entries.filter(request_id=entry.request_id).order_by("seq"))
