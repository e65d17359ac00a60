"""API keys in use are taken out of text before it is stored: audit entries, operations and
their steps, notices (a lower-cased or partial key echoed by Vultr must not reach the
append-only log, or pages that show what was stored).

The provider library already scrubs what it puts into errors (panel/vultr/secrets.py); this
is the second line, at the storage choke points, for text that came another way (a label or a
message copied from an answer). It knows the keys decrypted in the current request or task:
`ApiKey.client()` calls `in_use(plaintext)`. They are kept in a context variable that the
request (panel.audit.middleware) and each Celery task (`end_task`) forget at their end, so
the plaintext is not held longer than the client that needed it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from panel.vultr.secrets import scrub

_in_use: ContextVar[tuple[str, ...]] = ContextVar("panel_keys_in_use", default=())


def in_use(secret: str) -> None:
    """Remember `secret` for the rest of this request or task."""
    known = _in_use.get()
    if secret and secret not in known:
        _in_use.set((*known, secret))


def forget() -> None:
    _in_use.set(())


def text(value: str) -> str:
    """`value` without any key in use (whole, any case, or 12+ characters of it)."""
    known = _in_use.get()
    return scrub(value, known) if known and value else value


def value(item: Any) -> Any:
    """`item` (JSON-like: dicts, lists, strings) with every string passed through `text`."""
    if not _in_use.get():
        return item
    if isinstance(item, str):
        return text(item)
    if isinstance(item, dict):
        return {text(k) if isinstance(k, str) else k: value(v) for k, v in item.items()}
    if isinstance(item, list | tuple):
        return [value(v) for v in item]
    return item
