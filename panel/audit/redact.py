"""Secrets never reach the audit log: values under secret-sounding names are replaced.

The action layer already removes the secrets it knows of (panel.servers.actions.base.clean_params);
this is applied again to every entry as it is appended (panel.audit.chain.prepare), to its
parameters and its before/after values, at any depth. The entry keeps the fact that a value was
given and its length, never the value.
"""

from __future__ import annotations

from typing import Any

# Exact names: API keys, passwords, TOTP secrets and codes, invitation tokens, and the free text
# of startup scripts and cloud-init user data (which often hold passwords).
SECRET_NAMES = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "plaintext",
        "password",
        "password1",
        "password2",
        "old_password",
        "new_password1",
        "new_password2",
        "default_password",
        "code",
        "otp",
        "otp_token",
        "totp",
        "bin_key",
        "secret",
        "token",
        "token_hash",
        "ciphertext",
        "script",
        "userdata",
    }
)
# Any name containing one of these is treated as secret too.
SECRET_PARTS = ("password", "secret", "token", "passphrase", "private")
REMOVED = "[removed"


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_NAMES or any(part in lowered for part in SECRET_PARTS)


def removed(value: Any) -> str:
    return f"[removed, {len(str(value))} characters]"


def redact(value: Any) -> Any:
    """`value` with the values of secret names replaced by a note of their length."""
    if isinstance(value, dict):
        return {name: _redact_item(str(name), item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def _redact_item(name: str, item: Any) -> Any:
    if item is None or not is_secret_name(name):
        return redact(item)
    if isinstance(item, str) and item.startswith(REMOVED):
        return item  # already removed by the action layer
    return removed(item)
