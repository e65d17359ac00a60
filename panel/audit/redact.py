"""Secrets never reach the audit log: values under secret names, and values that look like
secrets under any name, are replaced.

The action layer already removes the secrets it knows of (panel.servers.actions.base.clean_params);
this is applied again to every entry as it is appended (panel.audit.chain.prepare), to its
parameters and its before/after values, at any depth. The entry keeps the fact that a value was
given and its length, never the value.
"""

from __future__ import annotations

import re
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
# Any name with one of these words (split at anything but a letter and at case changes, plurals
# folded) is treated as secret too: "root_password", "authToken", "client-secrets". Whole
# words, not substrings: the deploy option "enable_private_network" is not a private key.
SECRET_WORDS = frozenset({"password", "passwd", "secret", "token", "passphrase", "credential"})
# Pairs of words that name a secret together ("ssh_private_key"), where either alone does not
# ("private_network", "ssh_key", which is public).
SECRET_PAIRS = (("private", "key"), ("api", "key"), ("auth", "key"))
REMOVED = "[removed"

# Values that are secrets whatever they are called: a pasted private key, and a string of the
# shape of a Vultr API key (36 upper-case letters and digits, as Vultr issues them), which no id,
# label or code of Vultr's has.
PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
API_KEY_SHAPE = re.compile(r"(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*[0-9])[A-Z0-9]{36}")


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word.removesuffix("s") for word in re.split(r"[^a-z]+", spaced.lower()) if word]


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    if lowered in SECRET_NAMES:
        return True
    words = _words(name)
    if SECRET_WORDS.intersection(words):
        return True
    return any(
        first in words and second in words[words.index(first) + 1 :]
        for first, second in SECRET_PAIRS
    )


def looks_secret(value: Any) -> bool:
    """Whether a value is a secret by its look alone, whatever name it is given under."""
    if not isinstance(value, str):
        return False
    return bool(PRIVATE_KEY_BLOCK.search(value) or API_KEY_SHAPE.fullmatch(value.strip()))


def removed(value: Any) -> str:
    return f"[removed, {len(str(value))} characters]"


def redact(value: Any) -> Any:
    """`value` with secrets replaced by a note of their length: the values of secret names,
    and values that look like secrets under any name."""
    if isinstance(value, dict):
        return {name: _redact_item(str(name), item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if looks_secret(value):
        return removed(value)
    return value


def _redact_item(name: str, item: Any) -> Any:
    # A yes/no or a missing value carries no secret, whatever its name: removing it only hides
    # what was chosen (and "[removed, 5 characters]" for False reads like a leaked password).
    if item is None or isinstance(item, bool) or not is_secret_name(name):
        return redact(item)
    if isinstance(item, str) and item.startswith(REMOVED):
        return item  # already removed by the action layer
    return removed(item)
