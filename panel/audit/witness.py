"""A copy of every chain's head outside the database (PANEL_AUDIT_WITNESS), written on every
daily verification.

Whoever can write to the database can put all of it back to an earlier state, counter, heads
and verification records together; the chains then verify. A copy they cannot reach tells:
`manage.py audit_verify --witness FILE` refuses any chain behind what the file saw.

PANEL_AUDIT_WITNESS is either a file path, to which one JSON line is appended per verification
(keep it on another machine or an append-only mount), or an http(s) URL that receives the same
JSON in a POST (a log service, another host). Each record:

    {"at": "...", "counter": 41, "chains": {"3": {"seq": 17, "hash": "..."}, ...}}

Only chains that verified intact are in it: a broken state never becomes the reference.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from panel.audit.chain import encode_time
from panel.audit.verify import CounterCheck, Seen, Verification

logger = logging.getLogger("panel.audit")

TIMEOUT = (5.0, 10.0)


def snapshot(results: Iterable[Verification], counter: CounterCheck) -> dict[str, Any]:
    return {
        "at": encode_time(timezone.now()),
        "counter": counter.value if counter.ok else None,
        "chains": {
            str(r.key): {"seq": r.head_seq, "hash": r.head_hash}
            for r in results
            if r.ok and r.head_seq
        },
    }


def publish(record: dict[str, Any]) -> str | None:
    """Send `record` to PANEL_AUDIT_WITNESS, if set; returns what went wrong, if anything."""
    target = settings.PANEL_AUDIT_WITNESS
    if not target:
        return None
    line = json.dumps(record, sort_keys=True, separators=(",", ":"))
    try:
        if target.startswith(("http://", "https://")):
            response = requests.post(
                target,
                data=line.encode(),
                headers={"Content-Type": "application/json", "User-Agent": "vultr-panel-audit"},
                timeout=TIMEOUT,
                allow_redirects=False,
            )
            if not 200 <= response.status_code < 300:
                return f"The audit witness {target} answered HTTP {response.status_code}."
        else:
            with open(target, "a", encoding="utf-8") as file:
                file.write(line + "\n")
    except (OSError, requests.RequestException) as err:
        return f"The audit witness {target} could not be written: {type(err).__name__}: {err}"
    return None


def read(path: str | Path) -> dict[int, Seen]:
    """The furthest head of each chain that a witness file recorded. The furthest, not the
    last: a verification after a rollback records the rolled-back head, and a chain's number
    never goes down on its own."""
    seen: dict[int, Seen] = {}
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                chains = record["chains"].items()
                source = f"the witness file ({record['at']})"
                for key, head in chains:
                    found = Seen(int(head["seq"]), str(head["hash"]), source)
                    earlier = seen.get(int(key))
                    if earlier is None or found.seq > earlier.seq:  # the first to see it
                        seen[int(key)] = found
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise ValueError(f"{path}, line {number}: not a witness record ({err}).") from None
    return seen
