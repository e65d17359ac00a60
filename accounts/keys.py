"""Using the teams' Vultr API keys: checking a new key, and getting a client for a stored one.

The panel reaches Vultr with a stored key through `panel.budget.tokens.client(api_key)`, which
puts the client on the key's API budget (tasks receive the key's id, never the key). The
plaintext is decrypted at that moment and lives only inside the returned client.
`client_for_key(key_id)` is the same without the budget, for the shell and scripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

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
API_VERSIONS = ("v2", "v1")
# Vultr's own API host, where v1 is gone (switched off in 2023): a v1 key there is a v2 key.
V1_OFF_HOSTS = frozenset({"api.vultr.com"})
V1_OFF_MESSAGE = (
    "Vultr switched API v1 off in 2023; the same key works with API v2, which is what the "
    "panel uses at {url}."
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
    """The outcome of trying a key: `ok`, or `message` saying what Vultr or the network said.

    `api_version` is the API that accepted the key (when `ok`); `message` may then still say
    something worth showing (the version asked for refused the key, the other accepted it)."""

    ok: bool
    message: str = ""
    rejected: bool = False  # Vultr refused the key itself (401/403)
    api_version: str = ""
    reason: str = ""  # Vultr's own words, when it refused the key


def other_version(api_version: str) -> str:
    return "v1" if api_version == "v2" else "v2"


def is_vultr_itself(api_url: str) -> bool:
    """True for Vultr's own API address, where API v1 no longer exists."""
    return (urlsplit(api_url).hostname or "").lower() in V1_OFF_HOSTS


@sensitive_variables()
def _try(plaintext: str, api_url: str, api_version: str) -> KeyCheck:
    """One `GET /account` (v2) or `account/info` (v1) with the key."""
    try:
        with VultrClient(
            plaintext,
            base_url=api_url,
            api_version=api_version,
            timeout=CHECK_TIMEOUT,
            max_retries=CHECK_RETRIES,
        ) as client:
            client.account_info()
    except AuthenticationError as err:
        reason = _redact(str(err), plaintext) or "no reason given"
        return KeyCheck(
            False,
            f"Vultr API {api_version} rejected this key: {reason}",
            rejected=True,
            reason=reason,
        )
    except VultrError as err:
        reason = _redact(str(err), plaintext) or type(err).__name__
        return KeyCheck(False, f"Could not check the key with Vultr at {api_url}: {reason}")
    return KeyCheck(True, api_version=api_version)


@sensitive_variables()
def check_key(plaintext: str, api_url: str, api_version: str = "v2") -> KeyCheck:
    """Try a key with a real account call in `api_version`; if Vultr refuses the key there, try
    the other version. The result's `api_version` is the one that accepted it.

    At Vultr itself v1 is gone: a key meant for v1 is tried with v2 only, and the message says
    why."""
    if api_version not in API_VERSIONS:
        raise ValueError(f"api_version must be one of {API_VERSIONS}, got {api_version!r}")
    if api_version == "v1" and is_vultr_itself(api_url):
        v1_off = V1_OFF_MESSAGE.format(url=api_url)
        result = _try(plaintext, api_url, "v2")
        if result.ok:
            return KeyCheck(True, f"{v1_off} Vultr API v2 accepted this key.", api_version="v2")
        return KeyCheck(False, f"{v1_off} {result.message}", rejected=result.rejected)
    first = _try(plaintext, api_url, api_version)
    if first.ok or not first.rejected:
        return first
    other = other_version(api_version)
    second = _try(plaintext, api_url, other)
    if second.ok:
        return KeyCheck(
            True,
            f"Vultr API {api_version} rejected this key ({first.reason}); Vultr API {other} "
            f"accepted it, so the key is used with {other}.",
            api_version=other,
        )
    if second.rejected:
        return KeyCheck(
            False,
            f"Vultr rejected this key with API {api_version} ({first.reason}) and with API "
            f"{other} ({second.reason}).",
            rejected=True,
        )
    return KeyCheck(False, f"{first.message}. {second.message}")


def check_stored_key(api_key: ApiKey) -> KeyCheck:
    """Try a stored key and record the outcome as its health."""
    try:
        with api_key.client(timeout=CHECK_TIMEOUT, max_retries=CHECK_RETRIES) as client:
            client.account_info()
    except AuthenticationError as err:
        result = KeyCheck(
            False, f"Vultr rejects this key (API {api_key.api_version}): {err}", rejected=True
        )
    except VultrError as err:
        result = KeyCheck(False, f"Vultr could not be reached: {err or type(err).__name__}")
    except DecryptionError as err:
        result = KeyCheck(False, str(err))
    else:
        result = KeyCheck(True, api_version=api_key.api_version)
    if not result.ok and api_key.api_version == "v1" and is_vultr_itself(api_key.api_url):
        # Keys stored before the panel spoke v2 are v1 keys; at Vultr itself v1 is gone.
        v1_off = V1_OFF_MESSAGE.format(url=api_key.api_url)
        result = KeyCheck(
            False,
            f"{v1_off} Replace the key with API version v2 chosen. ({result.message})",
            rejected=result.rejected,
        )
    api_key.record_check(result.ok, result.message)
    api_key.save(update_fields=["checked_at", "check_ok", "check_message"])
    return result


def _redact(text: str, plaintext: str) -> str:
    # The provider library promises never to echo the key; this is the belt to its braces,
    # because the text goes straight onto a page.
    return text.replace(plaintext, "[key]") if plaintext else text
