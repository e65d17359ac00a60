"""Using the teams' Vultr API keys: checking a new key, and getting a client for a stored one.

The panel reaches Vultr with a stored key through `panel.budget.tokens.client(api_key)`, which
puts the client on the key's API budget (tasks receive the key's id, never the key). The
plaintext is decrypted at that moment and lives only inside the returned client.
`client_for_key(key_id)` is the same without the budget, for the shell and scripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from accounts.encryption import DecryptionError
from accounts.models import ApiKey
from panel.vultr import AuthenticationError, VultrClient, VultrError

# Vultr v1 keys are 36 upper-case letters and digits. Checking the shape first turns a pasting
# mistake into a precise message and saves a round trip that counts against the rate limit (§3).
KEY_FORMAT = re.compile(r"[A-Z0-9]{36}")
KEY_FORMAT_MESSAGE = (
    "This is not a Vultr API key: a key is 36 characters, upper-case letters and digits "
    "only. Copy it again from Account → API in the Vultr control panel."
)
# A person is waiting for the answer: (connect, read) seconds, and one retry at most (for a
# rate-limit 503 or a timeout) instead of the library's default three.
CHECK_TIMEOUT = (5.0, 15.0)
CHECK_RETRIES = 1


def client_for_key(key_id: int, **kwargs) -> VultrClient:
    """A `VultrClient` for the stored key with this id (`ApiKey.DoesNotExist` if gone), outside
    the API budget: for the shell and scripts, not for the panel's own requests."""
    return ApiKey.objects.get(pk=key_id).client(**kwargs)


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of trying a key: `ok`, or `message` saying what Vultr or the network said."""

    ok: bool
    message: str = ""
    rejected: bool = False  # Vultr answered 403: the key itself is refused


@sensitive_variables()
def check_key(plaintext: str, api_url: str) -> KeyCheck:
    """Try a key with a real `account_info` call."""
    try:
        with VultrClient(
            plaintext, base_url=api_url, timeout=CHECK_TIMEOUT, max_retries=CHECK_RETRIES
        ) as client:
            client.account_info()
    except AuthenticationError as err:
        reason = _redact(str(err), plaintext) or "no reason given"
        return KeyCheck(False, f"Vultr rejected this key: {reason}", rejected=True)
    except VultrError as err:
        reason = _redact(str(err), plaintext) or type(err).__name__
        return KeyCheck(False, f"Could not check the key with Vultr at {api_url}: {reason}")
    return KeyCheck(True)


def check_stored_key(api_key: ApiKey) -> KeyCheck:
    """Try a stored key and record the outcome as its health."""
    try:
        with api_key.client(timeout=CHECK_TIMEOUT, max_retries=CHECK_RETRIES) as client:
            client.account_info()
    except AuthenticationError as err:
        result = KeyCheck(False, f"Vultr rejects this key: {err}", rejected=True)
    except VultrError as err:
        result = KeyCheck(False, f"Vultr could not be reached: {err or type(err).__name__}")
    except DecryptionError as err:
        result = KeyCheck(False, str(err))
    else:
        result = KeyCheck(True)
    api_key.record_check(result.ok, result.message)
    api_key.save(update_fields=["checked_at", "check_ok", "check_message"])
    return result


def _redact(text: str, plaintext: str) -> str:
    # The provider library promises never to echo the key; this is the belt to its braces,
    # because the text goes straight onto a page.
    return text.replace(plaintext, "[key]") if plaintext else text
