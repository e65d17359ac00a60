"""What both API versions' transports share: the HTTP client they hold, turning an answer of
the wrong shape into `UnexpectedResponseError`, the tolerant readers of answer values that
mean the same in v1 and v2, and the parts of answers both versions write alike. Each version's
module keeps what is its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from ..domain import (
    Account,
    ImageStatus,
    IpType,
    Ipv4,
    Ipv6,
    Iso,
    OperatingSystem,
    OsChangeOption,
)
from ..errors import UnexpectedResponseError
from .http import Connection, HttpClient, RawResponse

T = TypeVar("T")

# A version's reader of a date and time (v1 and v2 write them differently); None for unknown.
When = Callable[[Any], datetime | None]
# A version's reader of a text field of an answer object.
Text = Callable[[Mapping[str, Any], str], str]

# Vultr's error texts are one line; the cap keeps a proxy's HTML error page out of messages.
MAX_MESSAGE = 500

# Ways a parser fails on an answer of the wrong shape. RecursionError: json.loads on deeply
# nested input (it is no ValueError, so it would otherwise escape the library).
PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, RecursionError)


class BaseTransport:
    """One `HttpClient` with the version's way of sending the key (`_auth_headers`)."""

    api_version: str

    def __init__(self, api_key: str, connection: Connection) -> None:
        auth_headers = self._auth_headers(api_key)
        self._http = HttpClient(connection, auth_headers=auth_headers, secret=api_key)

    @staticmethod
    def _auth_headers(api_key: str) -> dict[str, str]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def _parse(self, response: RawResponse, method: str, path: str, parse: Callable[[Any], T]) -> T:
        """Parses a successful answer to `method path` (the full path); any surprise in its
        shape becomes `UnexpectedResponseError`."""
        try:
            return parse(response.json())
        except PARSE_ERRORS as exc:
            # A RecursionError (json.loads on deeply nested input) says only its class: its
            # text is Python's, not the answer's.
            detail = exc.__class__.__name__ if isinstance(exc, RecursionError) else repr(exc)
            raise UnexpectedResponseError(
                self._http.redact(f"Unexpected answer to {method} {path}: {detail}"),
                status=response.status,
                method=method,
                path=path,
            ) from None


# -- request values ---------------------------------------------------------------------------


def present(**values: str | None) -> dict[str, str]:
    """The values that are given (not None)."""
    return {name: value for name, value in values.items() if value is not None}


# -- answer values ----------------------------------------------------------------------------


def none_if_empty(value: Any) -> str | None:
    """Both versions say "none" as `false`, `""` or `null` in places."""
    if value is None or value is False or value == "":
        return None
    return str(value)


def none_if_zero(value: Any) -> str | None:
    """Ids that are 0 when unset (v1's APPID and FIREWALLGROUPID, v2's app_id and os_id)."""
    text = none_if_empty(value)
    return None if text == "0" else text


def assigned_ip(value: Any) -> str | None:
    """Until a new server has its address, main_ip and gateway_v4 may be "" or "0.0.0.0"; both
    mean "not assigned yet", which the domain says with None."""
    text = none_if_empty(value)
    return None if text == "0.0.0.0" else text


def to_int(value: Any) -> int:
    """An int sent as a number or a string ("1024", "1.00"); missing means 0."""
    if value is None or value == "":
        return 0
    return int(Decimal(str(value)))


def to_decimal(value: Any) -> Decimal:
    # Through str, so that a JSON float such as 0.026 keeps its printed digits.
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def utc(text: str) -> datetime:
    """An ISO date and time as UTC; one without a zone is UTC already."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# -- objects both versions answer alike, but for what the caller reads its own way -----------


def account(d: Mapping[str, Any], when: When) -> Account:
    return Account(
        balance=to_decimal(d.get("balance")),
        pending_charges=to_decimal(d.get("pending_charges")),
        last_payment_date=when(d.get("last_payment_date")),
        last_payment_amount=to_decimal(d.get("last_payment_amount")),
    )


def os_change_option(os: OperatingSystem, d: Mapping[str, Any]) -> OsChangeOption:
    """`os`, offered to a server with the surcharge of `d` (v2 names none: 0)."""
    return OsChangeOption(
        id=os.id,
        name=os.name,
        arch=os.arch,
        family=os.family,
        windows=os.windows,
        surcharge=to_decimal(d.get("surcharge")),
    )


def iso(
    d: Mapping[str, Any], ident: Callable[[Mapping[str, Any]], str], text: Text, when: When
) -> Iso:
    return Iso(
        id=ident(d),
        filename=text(d, "filename"),
        size_bytes=to_int(d.get("size")),
        date_created=when(d.get("date_created")),
        md5sum=none_if_empty(d.get("md5sum")),
        sha512sum=none_if_empty(d.get("sha512sum")),
        status=none_if_empty(d.get("status")),
    )


def ipv4(d: Mapping[str, Any], text: Text) -> Ipv4:
    return Ipv4(
        ip=str(d["ip"]),
        netmask=text(d, "netmask"),
        gateway=none_if_empty(d.get("gateway")),
        type=IpType(d.get("type") or ""),
        reverse=none_if_empty(d.get("reverse")),
        mac_address=none_if_empty(d.get("mac_address")),
    )


def ipv6(d: Mapping[str, Any], text: Text) -> Ipv6:
    return Ipv6(
        ip=str(d["ip"]),
        network=text(d, "network"),
        network_size=to_int(d.get("network_size")),
        type=IpType(d.get("type") or ""),
    )


def image(
    d: Mapping[str, Any], *, id: str, description: str, when: When
) -> tuple[str, str, int, ImageStatus, datetime | None]:
    """What a snapshot and a backup both have, in the order of their fields: id, description,
    size in bytes, status, creation time."""
    size_bytes = to_int(d.get("size"))
    return (
        id,
        description,
        size_bytes,
        ImageStatus(d.get("status") or ""),
        when(d.get("date_created")),
    )
