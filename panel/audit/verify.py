"""Walking a chain: does every entry still hash to what it says, link to the one before it, and
follow it without a gap, up to the signed head (and from the signed checkpoint, if pruned)?

A chain that verifies can still have been rolled back as a whole: the newest entries deleted
and an older signed head put back, or a team's entries deleted with their head. Three checks
find that (panel/audit/chain.py tells why):

- `verify_counter`: the site's signed `AuditCounter` equals the sum of every chain's seq, and
  no head names a counter beyond it;
- each chain against what the last verification saw (`AuditWitness`, signed, written when a
  chain verifies intact): a head that went backwards, another entry at the number it saw, or
  no entries where it saw some, is refused;
- optionally, against a copy outside the database (`PANEL_AUDIT_WITNESS`, panel/audit/witness.py),
  which also survives the whole database being put back.

Entries are read in chunks of consecutive `seq`, one short query each, rather than through one
long cursor: on SQLite an open read keeps every writer waiting, and a verification of a big log
takes a while. Entries appended after the walk started are left for the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import router, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from panel.audit.chain import (
    FIELDS,
    SITE_CHAIN,
    checkpoint_parts,
    counter_parts,
    encode_time,
    entry_hash,
    head_parts,
    sign,
    signed,
    witness_parts,
)
from panel.audit.models import AuditChain, AuditCounter, AuditEntry, AuditWitness

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


@dataclass(frozen=True)
class Seen:
    """A chain's head as an earlier verification saw it, and who says so."""

    seq: int
    hash: str
    source: str


def witnessed(key: int) -> Seen | str | None:
    """What the last verification saw of chain `key`; a message if its record is forged."""
    row = AuditWitness.objects.filter(key=key).first()
    if row is None:
        return None
    if not signed(row.signature, *witness_parts(key, row.seq, row.hash, row.seen_at)):
        return (
            "The record of the last verification is not signed with this site's key: it was "
            "changed in the database."
        )
    return Seen(row.seq, row.hash, f"the verification of {encode_time(row.seen_at)}")


def remember(result: Verification, now: datetime) -> None:
    """Keep the head an intact chain had, for the next verification."""
    if not result.ok or not result.head_seq:
        return
    AuditWitness.objects.update_or_create(
        key=result.key,
        defaults={
            "seq": result.head_seq,
            "hash": result.head_hash,
            "seen_at": now,
            "signature": sign(*witness_parts(result.key, result.head_seq, result.head_hash, now)),
        },
    )


def entries_of(key: int) -> QuerySet:
    if key == SITE_CHAIN:
        return AuditEntry.objects.filter(team__isnull=True)
    return AuditEntry.objects.filter(team_id=key)


def chain_keys() -> list[int]:
    """Every chain there is: those with a head, any team with entries but no head, and any
    chain a verification has seen (its head and entries may be gone)."""
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= set(AuditWitness.objects.values_list("key", flat=True))
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


def verify(key: int, *, save: bool = True, seen: Sequence[Seen] = ()) -> Verification:
    """Walk chain `key` (a team's id; 0 for the site's chain), also against what the last
    verification saw and any `seen` from elsewhere (a witness file). With `save`, the outcome is
    kept on its head row for the audit page, and an intact head for the next verification."""
    last = witnessed(key)
    if isinstance(last, str):
        result = Verification(key, False, 0, 0, "", last)
    else:
        result = _walk(key, [*seen, *([last] if last else [])])
    if save:
        now = timezone.now()
        remember(result, now)
        AuditChain.objects.filter(key=key).update(
            verified_at=now,
            verified_ok=result.ok,
            verified_seq=result.head_seq,
            verified_hash=result.head_hash,
            verify_message=result.message,
        )
    return result


def _walk(key: int, seen: Sequence[Seen] = ()) -> Verification:
    head = AuditChain.objects.filter(key=key).first()
    if head is not None and not head.seq and not head.head_signature:
        head = None  # locked once (a pruning found nothing), never written
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
        if first is not None:
            return broken(f"{_describe(first)}: the chain has entries but no head.", 0, first)
        had = max(seen, key=lambda s: s.seq, default=None)
        if had is not None and had.seq:
            return broken(
                f"The chain had entries up to number {had.seq} when {had.source} saw it; they "
                "and its head are gone (deleted).",
                0,
            )
        return Verification(key, True, 0, 0, "", "No entries yet.")
    if not signed(head.head_signature, *head_parts(key, head.seq, head.head_hash, head.counter)):
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

    for earlier in seen:
        if head.seq < earlier.seq:
            return broken(
                f"The chain's head went backwards: it is at number {head.seq}, but "
                f"{earlier.source} saw number {earlier.seq}. The newest entries were deleted and "
                "an older head put back.",
                0,
            )
        if earlier.seq == head.checkpoint_seq and earlier.hash != head.checkpoint_hash:
            return broken(
                f"The checkpoint is not the entry number {earlier.seq} that {earlier.source} saw.",
                0,
            )
    expect_hash = {s.seq: s for s in seen if s.seq > head.checkpoint_seq}

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
            earlier = expect_hash.get(seq)
            if earlier is not None and earlier.hash != stored_hash:
                return broken(
                    f"{_describe(row)}: it is not the entry number {seq} that {earlier.source} "
                    "saw; the chain was rewritten from there.",
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


@dataclass(frozen=True)
class CounterCheck:
    ok: bool
    value: int
    total: int
    message: str


def verify_counter() -> CounterCheck:
    """Does the site's counter of appended entries match the chains' heads?"""
    using = router.db_for_write(AuditCounter)
    with transaction.atomic(using=using):
        # Locked as appending locks it (an UPDATE, see chain.py), so that no entry is appended
        # between reading the counter and summing the heads.
        AuditCounter.objects.using(using).filter(pk=1).update(value=F("value"))
        counter = AuditCounter.objects.using(using).filter(pk=1).first()
        heads = list(AuditChain.objects.using(using).values_list("seq", "counter"))
    total = sum(seq for seq, _ in heads)
    newest = max((at for _, at in heads), default=0)
    if counter is not None and not counter.value and not counter.signature:
        counter = None  # locked once (a pruning found nothing), never counted
    if counter is None:
        if total:
            return CounterCheck(
                False,
                0,
                total,
                f"The chains hold {total} entries, but the site's counter of "
                "appended entries is gone (deleted).",
            )
        return CounterCheck(True, 0, 0, "No entries yet.")
    value = counter.value
    if not signed(counter.signature, *counter_parts(value)):
        return CounterCheck(
            False,
            value,
            total,
            "The site's counter of appended entries is not signed with "
            "this site's key: it was changed in the database.",
        )
    if total < value:
        return CounterCheck(
            False,
            value,
            total,
            f"{value} entries were appended in all, but the chains' heads "
            f"account for {total}: {value - total} of the newest were deleted with their head "
            "put back to an older one, or a chain was deleted with its head.",
        )
    if total > value or newest > value:
        return CounterCheck(
            False,
            value,
            total,
            f"The chains' heads account for {total} entries, beyond the "
            f"site's counter ({value}): an older counter was put back.",
        )
    return CounterCheck(True, value, total, f"{value} entries appended in all, every one counted.")
