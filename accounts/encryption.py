"""Encryption at rest for Vultr API keys: Fernet through MultiFernet, from `cryptography`.

The encryption keys come from `PANEL_ENCRYPTION_KEYS` (comma-separated, newest first) or the
file named by `PANEL_ENCRYPTION_KEYS_FILE`; a local run generates one into the data folder.
New ciphertexts always use the newest key; older ones still decrypt while their key is listed,
and `manage.py rotate_encryption_key` re-encrypts them so the old keys can be dropped.

Nothing here logs, and no error message carries a key, a ciphertext or a plaintext.

Every function that holds a plaintext key (here, in accounts.models, keys and actions) is
marked `@sensitive_variables()` with no names: Django's error reports then hide all local
variables of that frame and of every frame it calls, down into `cryptography` and `requests`
(whose locals hold the key under other names). Reports are cleansed whenever DEBUG is off.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

from panel.env import env_secret, local_secret

SETTING = "PANEL_ENCRYPTION_KEYS"


class DecryptionError(Exception):
    """A stored ciphertext does not decrypt with any configured encryption key."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


@sensitive_variables()
def parse_keys(raw: str, *, name: str = SETTING) -> tuple[str, ...]:
    """Check a comma-separated list of Fernet keys at start-up; the message names `name` and
    the position of a bad key, never its value (it is a secret)."""
    keys = tuple(item.strip() for item in raw.split(",") if item.strip())
    if not keys:
        raise ImproperlyConfigured(f"{name} is empty; it needs at least one Fernet key")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, binascii.Error):
            raise ImproperlyConfigured(
                f"{name}: key {position} of {len(keys)} is not a Fernet key (32 bytes in "
                'url-safe base64, 44 characters). Make one with: python -c "from '
                'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from None
    return keys


def encryption_keys_from_environment(data_dir: Path) -> tuple[str, ...]:
    """For settings: `PANEL_ENCRYPTION_KEYS` or `PANEL_ENCRYPTION_KEYS_FILE`, else a key made
    once into the data folder. Errors name where the bad value came from."""
    raw = env_secret(SETTING)
    if raw is not None:
        source = f"{SETTING}_FILE" if os.environ.get(f"{SETTING}_FILE") else SETTING
        return parse_keys(raw, name=source)
    path = data_dir / "encryption_key"
    return parse_keys(local_secret(path, generate_key), name=f"{SETTING} (generated in {path})")


def _fernet() -> MultiFernet:
    # Built per call from settings (cheap), so that tests can change the keys with
    # override_settings and a running process never holds a stale list.
    return MultiFernet([Fernet(key) for key in settings.PANEL_ENCRYPTION_KEYS])


@sensitive_variables()
def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


@sensitive_variables()
def decrypt(ciphertext: str) -> str:
    return _with_keys(
        MultiFernet.decrypt,
        ciphertext,
        "was an encryption key removed before rotate_encryption_key was run?",
    )


def rotate(ciphertext: str) -> str:
    """The same plaintext, encrypted under the newest key."""
    return _with_keys(MultiFernet.rotate, ciphertext, "nothing was changed")


@sensitive_variables()
def _with_keys(
    method: Callable[[MultiFernet, bytes], bytes], ciphertext: str, otherwise: str
) -> str:
    """`method` (MultiFernet.decrypt or .rotate) of the configured keys on `ciphertext`; one
    that no key opens is a DecryptionError, whose message ends with `otherwise`."""
    try:
        return method(_fernet(), ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            f"A stored API key does not decrypt with any key in {SETTING}; {otherwise}"
        ) from None
