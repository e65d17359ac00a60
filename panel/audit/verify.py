"""Walking a chain: does every entry still hash to what it says, link to the one before it, and
follow it without a gap, up to the signed head (and from the signed checkpoint, if pruned)?

Entries are read in chunks of consecutive `seq`, one short query each, rather than through one
long cursor: on SQLite an open read keeps every writer waiting, and a verification of a big log
takes a while. Entries appended after the walk started are left for the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from panel.audit.chain import (
    FIELDS,
    SITE_CHAIN,
    checkpoint_parts,
    encode_time,
    entry_hash,
    head_parts,
    signed,
)
from panel.audit.models import AuditChain, AuditEntry

CHUNK = 5000


@dataclass(frozen=True)
class Verification:
    key: int
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    message: str
    broken_entry_id: int | None = None


def entries_of(key: int) -> QuerySet:
    if key == SITE_CHAIN:
        return AuditEntry.objects.filter(team__isnull=True)
    return AuditEntry.objects.filter(team_id=key)


def chain_keys() -> list[int]:
    """Every chain there is: those with a head, and any team with entries but no head."""
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= {
        team_id if team_id is not None else SITE_CHAIN
        for team_id in AuditEntry.objects.order_by().values_list("team_id", flat=True).distinct()
    }
    return sorted(keys)


def _describe(row: tuple[Any, ...]) -> str:
    values = dict(zip(FIELDS, row, strict=False))
    return (
        f"entry #{values['id']} (number {values['seq']} of the chain, "
        f"{encode_time(values['created_at'])}, {values['action']})"
    )


def verify(key: int, *, save: bool = True) -> Verification:
    """Walk chain `key` (a team's id; 0 for the site's chain). With `save`, the outcome is
    kept on its head row for the audit page."""
    result = _walk(key)
    if save:
        AuditChain.objects.filter(key=key).update(
            verified_at=timezone.now(),
            verified_ok=result.ok,
            verified_seq=result.head_seq,
            verified_hash=result.head_hash,
            verify_message=result.message,
        )
    return result


def _walk(key: int) -> Verification:
    head = AuditChain.objects.filter(key=key).first()
    entries = entries_of(key)

    def broken(message: str, checked: int, row: tuple[Any, ...] | None = None) -> Verification:
        return Verification(
            key,
            False,
            checked,
            head.seq if head else 0,
            head.head_hash if head else "",
            message,
            broken_entry_id=row[0] if row else None,
        )

    if head is None:
        first = entries.order_by("seq").values_list(*FIELDS).first()
        if first is None:
            return Verification(key, True, 0, 0, "", "No entries yet.")
        return broken(f"{_describe(first)}: the chain has entries but no head.", 0, first)
    if not signed(head.head_signature, *head_parts(key, head.seq, head.head_hash)):
        return broken(
            "The chain's head is not signed with this site's key: it was changed in the "
            "database (or SECRET_KEY changed without keeping the old one in "
            "SECRET_KEY_FALLBACKS).",
            0,
        )

    expected, prev_hash = 1, ""
    prev_row: tuple[Any, ...] | None = None
    if head.checkpoint_seq:
        if head.checkpoint_created_at is None or not signed(
            head.checkpoint_signature,
            *checkpoint_parts(
                key, head.checkpoint_seq, head.checkpoint_hash, head.checkpoint_created_at
            ),
        ):
            return broken("The checkpoint left by pruning is not signed with this site's key.", 0)
        expected, prev_hash = head.checkpoint_seq + 1, head.checkpoint_hash

    checked = 0
    while expected <= head.seq:
        rows = list(
            entries.filter(seq__gte=expected, seq__lte=head.seq)
            .order_by("seq")
            .values_list(*FIELDS, "prev_hash", "hash")[:CHUNK]
        )
        if not rows:
            break
        for row in rows:
            values, stored_prev, stored_hash = row[:-2], row[-2], row[-1]
            seq = values[1]
            if seq != expected:
                # An entry that links where the missing one should was renumbered, not deleted.
                moved = (
                    entries.filter(prev_hash=prev_hash)
                    .exclude(pk=row[0])
                    .values_list(*FIELDS)
                    .first()
                )
                if moved is not None:
                    return broken(f"{_describe(moved)}: its number was changed.", checked, moved)
                missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
                return broken(
                    f"{_describe(row)}: entries number {missing} before it are missing (deleted).",
                    checked,
                    row,
                )
            intact = entry_hash(values, stored_prev) == stored_hash
            if stored_prev != prev_hash:
                if intact and prev_row is not None:
                    # This entry is as written, so the one before it was rewritten, hash and all.
                    return broken(
                        f"{_describe(prev_row)}: it was changed (its hash is not the one the "
                        "next entry recorded).",
                        checked - 1,
                        prev_row,
                    )
                return broken(
                    f"{_describe(row)}: it does not link to the entry before it.", checked, row
                )
            if not intact:
                return broken(
                    f"{_describe(row)}: its content does not match its hash; it was changed "
                    "after it was written.",
                    checked,
                    row,
                )
            prev_hash, prev_row = stored_hash, row
            expected += 1
            checked += 1

    if expected <= head.seq:
        missing = f"{expected}" if expected == head.seq else f"{expected} to {head.seq}"
        return broken(
            f"The newest entries, number {missing}, are missing (deleted).", checked, prev_row
        )
    if prev_hash != head.head_hash:
        return broken(
            f"{_describe(prev_row) if prev_row else 'The checkpoint'}: its hash is not the "
            "chain's head.",
            checked,
            prev_row,
        )
    return Verification(
        key, True, checked, head.seq, head.head_hash, f"{checked} entries verified."
    )
