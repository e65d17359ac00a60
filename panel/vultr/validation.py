"""Parameter checks done before a request is sent.

Vultr answers a malformed parameter with a terse 412 at best, after a round trip that counts
against the rate limit (reference §3), and some mistakes are costly: a `server/create` that
"works" with the wrong image bills at once. So the client checks what it can locally and raises
`InvalidParameterError` naming the parameter. Every helper returns the value to send, so call
sites read `subid = numeric_id("subid", subid)`.

The helpers here are version-neutral except `numeric_id`, which encodes v1's decimal ids (also
v2's integer OS and application ids), and `uuid_id`, v2's object ids, called by the
transports.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from .domain import ScriptType
from .errors import InvalidParameterError

# One DNS label: letters, digits, hyphens and (common in PTR targets) underscores.
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
# Ids of both versions: v1 decimal and hex ids and "net539626f0798d7"; v2 UUIDs and codes
# such as "vc2-1c-1gb" and "vc2-1c-0.5gb" (reference §4, §9; v2 reference §3). Ids go into v2
# URL paths, so one may not start with a dot ("." and ".." are path steps).
_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
# v2 object ids (instances, snapshots, backups, SSH keys, startup scripts, ISOs) are UUIDs
# (v2 reference §1.6); Vultr answers any other shape with 400 "Invalid UUID format.".
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# Public key types OpenSSH accepts in authorized_keys (sshd(8), "AUTHORIZED_KEYS FILE FORMAT").
_SSH_KEY_TYPES = frozenset(
    {
        "ssh-rsa",
        "ssh-dss",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)


def text(name: str, value: object) -> str:
    """A string with at least one non-space character."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(name, "must be a non-empty string")
    return value


def optional_text(name: str, value: object) -> str | None:
    return None if value is None else text(name, value)


def texts(name: str, values: object) -> tuple[str, ...]:
    """A collection of non-empty strings (tags). A bare string is refused, as in
    `identifiers`."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidParameterError(name, "must be a list of strings")
    return tuple(text(name, v) for v in values)


def identifier(name: str, value: object) -> str:
    """An id as sent on the wire. Ints are accepted for convenience; bools are not (a bool is
    an int in Python, and `True` as an id is always a bug)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidParameterError(name, f"must be an identifier, got {value!r}")
    return value


def optional_identifier(name: str, value: object) -> str | None:
    return None if value is None else identifier(name, value)


def numeric_id(name: str, value: object) -> str:
    """A v1 decimal id (SUBID, DCID, VPSPLANID, OSID, SCRIPTID, ISOID, APPID; reference §4)."""
    result = identifier(name, value)
    if not result.isdecimal():
        raise InvalidParameterError(name, f"must be a numeric id, got {value!r}")
    return result


def uuid_id(name: str, value: object) -> str:
    """A v2 object id: a UUID such as "cb676a46-66fd-4dfb-b839-443f2e6c0b60"."""
    result = identifier(name, value)
    if not _UUID.fullmatch(result):
        raise InvalidParameterError(name, f"must be an API v2 id (a UUID), got {value!r}")
    return result


def identifiers(name: str, values: object) -> tuple[str, ...]:
    """A collection of ids. A bare string is refused: iterating it would send one id per
    character."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidParameterError(name, "must be a list of identifiers")
    return tuple(identifier(name, v) for v in values)


def flag(name: str, value: object) -> bool:
    """A real bool: a truthy string such as "no" must not silently mean yes."""
    if not isinstance(value, bool):
        raise InvalidParameterError(name, f"must be True or False, got {value!r}")
    return value


def ipv4(name: str, value: object) -> str:
    return _address(name, value, ipaddress.IPv4Address, "an IPv4")


def ipv6(name: str, value: object) -> str:
    return _address(name, value, ipaddress.IPv6Address, "an IPv6")


def _address(name: str, value: object, kind: type, description: str) -> str:
    """Checks the address but returns it as given: Vultr matches addresses as text."""
    if isinstance(value, str):
        try:
            kind(value)
        except ValueError:
            pass
        else:
            return value
    raise InvalidParameterError(name, f"must be {description} address, got {value!r}")


def hostname(name: str, value: object) -> str:
    """A DNS name (RFC 1123 labels, at most 253 characters, optional final dot)."""
    if isinstance(value, str):
        labels = value.removesuffix(".").split(".")
        if len(value) <= 253 and all(_LABEL.fullmatch(label) for label in labels):
            return value
    raise InvalidParameterError(name, f"must be a host name, got {value!r}")


def optional_hostname(name: str, value: object) -> str | None:
    return None if value is None else hostname(name, value)


def http_url(name: str, value: object) -> str:
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            return value
    raise InvalidParameterError(name, f"must be an http(s) URL, got {value!r}")


def script_type(value: object) -> ScriptType:
    if isinstance(value, str) and value in ScriptType._value2member_map_:
        return ScriptType(value)
    allowed = ", ".join(t.value for t in ScriptType)
    raise InvalidParameterError("type", f"must be one of {allowed}, got {value!r}")


def ssh_public_key(name: str, value: object) -> str:
    """One authorized_keys line: key type, base64 key blob, optional comment.

    Every public key blob is a run of length-prefixed SSH strings, the first being the key
    type (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). Checking that lets through only whole
    keys: it catches truncated keys, keys pasted together and private keys pasted by mistake.
    """
    problem = "must be one public key in authorized_keys format (type, base64 key, comment)"
    line = text(name, value).strip()
    parts = line.split(None, 2)
    if "\n" in line or len(parts) < 2 or parts[0] not in _SSH_KEY_TYPES:
        raise InvalidParameterError(name, problem)
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise InvalidParameterError(name, problem) from None
    if _ssh_strings(blob)[:1] != [parts[0].encode()]:
        raise InvalidParameterError(name, problem)
    return line


def _ssh_strings(blob: bytes) -> list[bytes]:
    """Splits a blob into SSH strings; empty if it is not exactly a run of them."""
    fields = []
    while blob:
        length = int.from_bytes(blob[:4], "big")
        if len(blob) < 4 + length:
            return []
        fields.append(blob[4 : 4 + length])
        blob = blob[4 + length :]
    return fields


def userdata(value: object) -> bytes | None:
    """Cloud-init content as bytes; text is encoded as UTF-8."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise InvalidParameterError("userdata", "must be str or bytes")
