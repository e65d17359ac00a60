"""The hash chain: how an entry is appended, what its hash covers, and the signatures.

Each team's entries are numbered 1, 2, 3, ... (`seq`). An entry's hash is the SHA-256 of its
canonical form: the previous entry's hash followed by every stored field of the entry (its
id included) as compact JSON with sorted keys. Changing any field of any entry changes its
hash; deleting an entry leaves a gap in `seq` and a `prev_hash` that points at nothing.

The team's `AuditChain` row holds the newest seq and hash, signed with an HMAC keyed from
SECRET_KEY. Appending locks that row, so two writers cannot both take the same predecessor.

A signed head alone cannot tell that it is the newest one: someone with write access to the
database can delete the newest entries and put back a head row they copied earlier, or delete a
team's entries and head together. So every append also counts itself in the site's
`AuditCounter`, a signed row of its own that no entry or head reaches: it always equals the sum
of every chain's seq, and each head's signature covers the counter's value at its last append
(`counter`). panel/audit/verify.py checks both, and what the last verification saw
(`AuditWitness`, and optionally a copy outside the database).
The lock is taken by an UPDATE, not a SELECT: PostgreSQL locks the row either way, and on SQLite
a transaction that reads before it writes can deadlock with another one doing the same (SQLite
then fails one of them at once instead of waiting), whereas a transaction whose first statement
writes simply waits for the database's write lock.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from panel.audit import scrub
from panel.audit.redact import redact

if TYPE_CHECKING:
    from panel.audit.models import AuditChain, AuditEntry

# The hashed fields, in the order they are hashed (attribute names, as in values_list()).
FIELDS = (
    "id",
    "seq",
    "created_at",
    "team_id",
    "actor_id",
    "actor_name",
    "api_key_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "params",
    "before",
    "after",
    "outcome",
    "error",
    "request_id",
    "ip",
    "user_agent",
    "reason",
)
SITE_CHAIN = 0
_SIGNING_SALT = "panel.audit.chain"


def chain_key(team_id: int | None) -> int:
    return team_id if team_id is not None else SITE_CHAIN


# -- hashing ---------------------------------------------------------------------------------


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return encode_time(value)
    raise TypeError(f"{type(value).__name__} is not part of an audit entry's content")


def encode_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def entry_hash(values: Sequence[Any], prev_hash: str) -> str:
    """The hash of an entry whose fields, in `FIELDS` order, are `values`."""
    payload = json.dumps(
        [prev_hash, *values], sort_keys=True, separators=(",", ":"), default=_json_default
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def values_of(entry: AuditEntry) -> list[Any]:
    return [getattr(entry, name) for name in FIELDS]


def canonical(entry: AuditEntry) -> dict[str, Any]:
    """The entry's hashed content, in order, as JSON-ready values."""
    return {
        name: encode_time(value) if isinstance(value, datetime) else value
        for name, value in zip(FIELDS, values_of(entry), strict=True)
    }


# -- signatures ------------------------------------------------------------------------------


def sign(*parts: object) -> str:
    return salted_hmac(_SIGNING_SALT, _message(parts), algorithm="sha256").hexdigest()


def signed(signature: str, *parts: object) -> bool:
    """Whether `signature` is `sign(*parts)` under SECRET_KEY or one of its fallbacks."""
    message = _message(parts)
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        expected = salted_hmac(_SIGNING_SALT, message, secret=secret, algorithm="sha256")
        if constant_time_compare(signature, expected.hexdigest()):
            return True
    return False


def _message(parts: Iterable[object]) -> str:
    return "\x1f".join(encode_time(p) if isinstance(p, datetime) else str(p) for p in parts)


def head_parts(key: int, seq: int, head_hash: str, counter: int) -> tuple[object, ...]:
    return ("head", key, seq, head_hash, counter)


def counter_parts(value: int) -> tuple[object, ...]:
    return ("counter", value)


def witness_parts(key: int, seq: int, hash_: str, seen_at: datetime) -> tuple[object, ...]:
    return ("witness", key, seq, hash_, seen_at)


def checkpoint_parts(key: int, seq: int, hash_: str, created_at: datetime) -> tuple[object, ...]:
    return ("checkpoint", key, seq, hash_, created_at)


# -- appending -------------------------------------------------------------------------------


def _json_ready(value: Any) -> Any:
    # What the JSONField gives back after a round trip, so that the hash computed now matches
    # the one computed from the stored row.
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _clean_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def prepare(entry: AuditEntry) -> None:
    """Make the entry's values exactly what the database will store and give back."""
    entry.params = _json_ready(scrub.value(redact(entry.params or {})))
    entry.before = _json_ready(scrub.value(redact(entry.before)))
    entry.after = _json_ready(scrub.value(redact(entry.after)))
    entry.ip = _clean_ip(entry.ip)
    for field in entry._meta.concrete_fields:
        if not field.editable:  # the chain's own hashes
            continue
        if isinstance(field, models.TextField):
            setattr(entry, field.attname, scrub.text(getattr(entry, field.attname) or ""))
        elif isinstance(field, models.CharField) and field.max_length:
            value = scrub.text(getattr(entry, field.attname) or "")
            setattr(entry, field.attname, value[: field.max_length])


def lock_head(key: int, using: str | None = None) -> AuditChain:
    """The chain's head row, locked until the end of the current transaction."""
    # By name: models.py imports this module (AuditEntry.save appends through it).
    model = apps.get_model("audit", "AuditChain")
    using = using or router.db_for_write(model)
    # The site's counter first, always: every writer takes the locks in the same order (the
    # counter, then heads), so that a transaction writing to two chains cannot deadlock with
    # another one.
    _lock_counter(using)
    heads = model.objects.using(using)
    # A write that changes nothing: the lock is what it is for (see the module docstring).
    if not heads.filter(key=key).update(seq=F("seq")):
        # The team's first entry. If another writer creates the row first, get_or_create
        # finds it; the UPDATE below then waits for that writer's transaction.
        heads.get_or_create(key=key)
        heads.filter(key=key).update(seq=F("seq"))
    return heads.select_for_update().get(key=key)


def _lock_counter(using: str) -> None:
    counters = apps.get_model("audit", "AuditCounter").objects.using(using)
    if not counters.filter(pk=1).update(value=F("value")):
        counters.get_or_create(pk=1)
        counters.filter(pk=1).update(value=F("value"))


def count_append(using: str) -> int:
    """Count one more entry in the site's counter (locked by `lock_head`) and return its new
    value."""
    counters = apps.get_model("audit", "AuditCounter").objects.using(using)
    counters.filter(pk=1).update(value=F("value") + 1)
    value = counters.get(pk=1).value
    counters.filter(pk=1).update(signature=sign(*counter_parts(value)))
    return value


def append(entry: AuditEntry, using: str | None = None) -> AuditEntry:
    """Insert a new entry at the end of its team's chain (AuditEntry.save calls this)."""
    using = using or router.db_for_write(type(entry))
    prepare(entry)
    key = chain_key(entry.team_id)
    with transaction.atomic(using=using):
        head = lock_head(key, using)
        head.seq += 1
        entry.seq = head.seq
        entry.prev_hash = head.head_hash
        # Stamped under the lock: the time the entry joined the log, in chain order (as far
        # as the clocks of the machines writing agree).
        entry.created_at = timezone.now()
        entry.hash = ""
        models.Model.save(entry, force_insert=True, using=using)
        # The id is part of the hash and known only now.
        entry.hash = entry_hash(values_of(entry), entry.prev_hash)
        type(entry)._base_manager.using(using).filter(pk=entry.pk).update(hash=entry.hash)
        head.head_hash = entry.hash
        head.counter = count_append(using)
        head.head_signature = sign(*head_parts(key, head.seq, head.head_hash, head.counter))
        head.save(using=using, update_fields=["seq", "head_hash", "counter", "head_signature"])
    return entry
