"""Vultr API v2: JSON requests and answers, status codes, paging and the quirks of its answers.

Everything here follows /work/shared/reference/vultr-v2-api.md (cited as §n). In short: paths
`/v2/<resource>[/<id>[/<sub-resource>]]`, JSON bodies, the key as `Authorization: Bearer`
(§1.1); one exact success code per call, 200/201/202/204 (§1.2), every other code an error
whose JSON body says `{"error": ..., "status": ...}` (§1.3); lists paged by an opaque cursor
in `meta.links.next` (§1.5). The seed's v1 methods map onto v2 calls as in the table of §2.

Parsing reads every field with a default, because v2 objects have gained and lost fields over
the years (§8.6: `tag` → `tags`, `hostname`, `user_scheme`, `pending_charges`, ...). Only an
object's `id` is required; anything of the wrong shape becomes `UnexpectedResponseError`
rather than a stray `KeyError`.

This module also checks what is v2's own: object ids are UUIDs and OS and application ids are
integers (§1.6). The client has already checked the rest.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar, Unpack

from ..domain import (
    Account,
    Backup,
    Bandwidth,
    BandwidthDay,
    CreatedServer,
    ImageStatus,
    Ipv4,
    Ipv6,
    Ipv6Network,
    Iso,
    NewServer,
    OperatingSystem,
    OsChangeOption,
    Plan,
    PowerStatus,
    Region,
    ReverseDns,
    ScriptType,
    Server,
    ServerState,
    ServerStatus,
    Snapshot,
    SshKey,
    StartupScript,
)
from ..errors import (
    AuthenticationError,
    InvalidParameterError,
    MethodNotAllowedError,
    NotFoundError,
    RateLimitedError,
    RequestFailedError,
    ServerError,
    ServerLockedError,
    UnexpectedResponseError,
    VultrError,
)
from ..validation import numeric_id, uuid_id
from . import ServerFilters, Transport, base
from .base import (
    MAX_MESSAGE,
    BaseTransport,
    assigned_ip,
    none_if_empty,
    none_if_zero,
    present,
    to_decimal,
    to_int,
    utc,
)
from .http import Check, Params, RawResponse

T = TypeVar("T")

PREFIX = "/v2/"

# The largest page v2 serves (§1.5); fewer round trips for long lists.
PER_PAGE = "500"

# Status → error class and a description for when the body has no message of its own (§1.3).
_ERRORS: dict[int, tuple[type[VultrError], str]] = {
    400: (RequestFailedError, "Bad request."),
    401: (AuthenticationError, "Invalid API token."),
    403: (
        AuthenticationError,
        "Forbidden: the key lacks the permission, or this address may not use it.",
    ),
    404: (NotFoundError, "Not found."),
    405: (MethodNotAllowedError, "Method not allowed."),
    # [specNew] lists a 422 "Validation Error" on GET /instances.
    422: (RequestFailedError, "Validation error."),
    429: (RateLimitedError, "rate limit exceeded"),
    500: (ServerError, "Internal server error. Try again at a later time."),
    502: (ServerError, "Vultr is unavailable (bad gateway). Try again at a later time."),
    503: (ServerError, "Vultr is unavailable. Try again at a later time."),
    504: (ServerError, "Vultr did not answer in time (gateway timeout)."),
}

# The text of v2's 500 for a destroy or power action while a server is being built (§1.3).
LOCKED_TEXT = "server is currently locked"


class V2Transport(BaseTransport):
    """Speaks API v2 over one `HttpClient`."""

    api_version = "v2"

    @staticmethod
    def _auth_headers(api_key: str) -> dict[str, str]:
        # v2 knows only this form: no API-Key header, no ?api_key= (§1.1).
        return {"Authorization": f"Bearer {api_key}"}

    # -- plumbing ---------------------------------------------------------------------------

    def raw(self, method: str, path: str, params: Params) -> RawResponse:
        """`path` relative to `/v2/` ("instances"), or absolute when it starts with "/".
        GET sends `params` as the query string; other methods send them as a JSON object."""
        full_path = path if path.startswith("/") else PREFIX + path
        if method == "GET":
            return self._http.request(method, full_path, params, check=None)
        return self._http.request(method, full_path, {}, check=None, json_body=dict(params))

    def _send(
        self,
        method: str,
        path: str,
        expected: int,
        *,
        query: Params | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> RawResponse:
        return self._http.request(
            method,
            PREFIX + path,
            query or {},
            check=_expecting(expected),
            json_body=None if body is None else dict(body),
        )

    def _call(
        self,
        method: str,
        path: str,
        expected: int,
        parse: Callable[[Any], T],
        *,
        query: Params | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> T:
        response = self._send(method, path, expected, query=query, body=body)
        return self._parse(response, method, PREFIX + path, parse)

    def _get(self, path: str, parse: Callable[[Any], T], query: Params | None = None) -> T:
        return self._call("GET", path, 200, parse, query=query)

    def _list(
        self, path: str, key: str, parse_one: Callable[[Any], T], query: Params | None = None
    ) -> list[T]:
        """Every item of a paged list: follows `meta.links.next` until it is empty (§1.5).

        Clients that read only the first page silently miss items (§8.5), so this never stops
        early; a cursor that comes round again is an error rather than an endless loop.
        """
        items: list[T] = []
        seen: set[str] = set()
        cursor = ""

        def parse_page(body: Any) -> tuple[list[T], str]:
            return [parse_one(d) for d in _array(body, key)], _next_cursor(body)

        while True:
            page_query: dict[str, str | list[str]] = {**(query or {}), "per_page": PER_PAGE}
            if cursor:
                page_query["cursor"] = cursor
            page, cursor = self._get(path, parse_page, page_query)
            items.extend(page)
            if not cursor:
                return items
            if cursor in seen:
                raise UnexpectedResponseError(
                    f"Vultr's list {path} came back to a page it had already sent",
                    status=200,
                    method="GET",
                    path=PREFIX + path,
                )
            seen.add(cursor)

    # -- reads ------------------------------------------------------------------------------

    def account_info(self) -> Account:
        return self._get("account", lambda body: base.account(_object(body, "account"), _datetime))

    def os_list(self) -> list[OperatingSystem]:
        return self._list("os", "os", _os)

    def iso_list(self) -> list[Iso]:
        return self._list("iso", "isos", _iso)

    def plans_list(self) -> list[Plan]:
        return self._list("plans", "plans", _plan)

    def regions_list(self) -> list[Region]:
        return self._list("regions", "regions", _region)

    def regions_availability(self, region_id: str) -> list[str]:
        return self._get(
            f"regions/{region_id}/availability",
            lambda body: [str(plan) for plan in _array(body, "available_plans")],
        )

    def server_list(self, **filters: Unpack[ServerFilters]) -> list[Server]:
        subid, tag = filters["subid"], filters["tag"]
        label, main_ip = filters["label"], filters["main_ip"]
        if subid is not None:
            # v1's server/list?SUBID= is the path /instances/{id} here (§2). An unknown id is
            # a NotFoundError, as v1's "Invalid server." is a RequestFailedError.
            servers = [self._get(f"instances/{_id('subid', subid)}", _one("instance", _server))]
        else:
            query = present(tag=tag, label=label, main_ip=main_ip)
            servers = self._list("instances", "instances", _server, query)
        # Filtered here too: `tag` is deprecated on the wire (§2), and v1 matched exactly.
        return [
            s
            for s in servers
            if (tag is None or tag in s.tags)
            and (label is None or s.label == label)
            and (main_ip is None or s.main_ip == main_ip)
        ]

    def server_bandwidth(self, subid: str) -> Bandwidth:
        return self._get(f"instances/{_id('subid', subid)}/bandwidth", _bandwidth)

    def server_list_ipv4(self, subid: str) -> list[Ipv4]:
        return self._list(f"instances/{_id('subid', subid)}/ipv4", "ipv4s", _ipv4)

    def server_list_ipv6(self, subid: str) -> list[Ipv6]:
        return self._list(f"instances/{_id('subid', subid)}/ipv6", "ipv6s", _ipv6)

    def server_reverse_list_ipv6(self, subid: str) -> list[ReverseDns]:
        # Not paged: no meta (§1.5).
        return self._get(
            f"instances/{_id('subid', subid)}/ipv6/reverse",
            lambda body: [_reverse(d) for d in _array(body, "reverse_ipv6s")],
        )

    def server_os_change_list(self, subid: str) -> list[OsChangeOption]:
        return self._get(
            f"instances/{_id('subid', subid)}/upgrades",
            _os_upgrades,
            {"type": "os"},
        )

    def snapshot_list(self) -> list[Snapshot]:
        return self._list("snapshots", "snapshots", _snapshot)

    def backup_list(self, *, subid: str | None, backup_id: str | None) -> list[Backup]:
        if backup_id is not None:
            # v1 treated BACKUPID as a filter, so an unknown one gave an empty list.
            path = f"backups/{_id('backup_id', backup_id)}"
            try:
                return [self._get(path, _one("backup", _backup))]
            except NotFoundError:
                return []
        query = {} if subid is None else {"instance_id": _id("subid", subid)}
        return self._list("backups", "backups", _backup, query)

    def sshkey_list(self) -> list[SshKey]:
        return self._list("ssh-keys", "ssh_keys", _sshkey)

    def startupscript_list(self) -> list[StartupScript]:
        # The spec's list example leaves `script` out while govultr's includes it (§2): a
        # script listed without its body is fetched on its own.
        def parse_one(d: Any) -> tuple[Mapping[str, Any], StartupScript]:
            return d, _script(d)

        listed = self._list("startup-scripts", "startup_scripts", parse_one)
        return [
            script
            if "script" in d
            else self._get(f"startup-scripts/{script.id}", _one("startup_script", _script))
            for d, script in listed
        ]

    # -- changes ----------------------------------------------------------------------------

    def server_create(self, new: NewServer) -> CreatedServer:
        body: dict[str, Any] = {"region": new.region_id, "plan": new.plan_id}
        # One image source (§4.1). v1 named it with a special OSID as well (164 Snapshot,
        # 159 Custom, 186 Application); v2 does not need one, so the os_id is left out then.
        if new.snapshot_id is not None:
            body["snapshot_id"] = new.snapshot_id
        elif new.iso_id is not None:
            body["iso_id"] = new.iso_id
        elif new.app_id is not None:
            body["app_id"] = int(numeric_id("app_id", new.app_id))
        else:
            body["os_id"] = int(numeric_id("os_id", new.os_id))
        optional: dict[str, Any] = {
            "label": new.label,
            "hostname": new.hostname,
            "script_id": new.script_id,
            "ipxe_chain_url": new.ipxe_chain_url,
            "firewall_group_id": new.firewall_group_id,
            # v2 wants base64 (§4.1); the domain object holds the raw content.
            "user_data": None
            if new.userdata is None
            else base64.b64encode(new.userdata).decode("ascii"),
            "tags": list(new.all_tags) or None,
            "sshkey_id": list(new.ssh_key_ids) or None,
            # v1's private networks are v2's VPCs.
            "attach_vpc": list(new.network_ids) or None,
        }
        body.update({name: value for name, value in optional.items() if value is not None})
        # Every flag is sent explicitly: the defaults differ between the versions
        # (activation_email defaults to false in v2, v1's notify_activate to yes).
        body.update(
            {
                "enable_ipv6": new.enable_ipv6,
                "enable_vpc": new.enable_private_network,
                "backups": "enabled" if new.auto_backups else "disabled",
                "ddos_protection": new.ddos_protection,
                "activation_email": new.notify_activate,
            }
        )
        if new.reserved_ip_v4 is not None:
            # v1 named the reserved address itself; v2 wants the reserved IP's id.
            body["reserved_ipv4"] = self._reserved_ip_id(new.reserved_ip_v4)
        return self._call("POST", "instances", 202, _created, body=body)

    def _reserved_ip_id(self, ip: str) -> str:
        reserved = self._list("reserved-ips", "reserved_ips", lambda d: d)
        for entry in reserved:
            if isinstance(entry, Mapping) and entry.get("subnet") == ip and entry.get("id"):
                return str(entry["id"])
        raise InvalidParameterError("reserved_ip_v4", f"{ip} is not a reserved IP of this account")

    def server_destroy(self, subid: str) -> None:
        self._send("DELETE", f"instances/{_id('subid', subid)}", 204)

    def server_start(self, subid: str) -> None:
        self._send("POST", f"instances/{_id('subid', subid)}/start", 204)

    def server_halt(self, subid: str) -> None:
        self._send("POST", f"instances/{_id('subid', subid)}/halt", 204)

    def server_reboot(self, subid: str) -> None:
        self._send("POST", f"instances/{_id('subid', subid)}/reboot", 204)

    def server_reinstall(self, subid: str, hostname: str | None) -> None:
        self._send(
            "POST",
            f"instances/{_id('subid', subid)}/reinstall",
            202,
            body=present(hostname=hostname),
        )

    def server_label_set(self, subid: str, label: str) -> None:
        self._send("PATCH", f"instances/{_id('subid', subid)}", 202, body={"label": label})

    def server_create_ipv4(self, subid: str, reboot: bool) -> str | None:
        return self._call(
            "POST",
            f"instances/{_id('subid', subid)}/ipv4",
            202,
            _new_ipv4,
            body={"reboot": reboot},
        )

    def server_destroy_ipv4(self, subid: str, ip: str) -> None:
        self._send("DELETE", f"instances/{_id('subid', subid)}/ipv4/{ip}", 204)

    def server_os_change(self, subid: str, os_id: str) -> None:
        # The spec types os_id as a string for PATCH; govultr sends an int, which Vultr takes.
        self._send(
            "PATCH",
            f"instances/{_id('subid', subid)}",
            202,
            body={"os_id": int(numeric_id("os_id", os_id))},
        )

    def server_restore_backup(self, subid: str, backup_id: str) -> None:
        self._restore(subid, "backup_id", backup_id)

    def server_restore_snapshot(self, subid: str, snapshot_id: str) -> None:
        self._restore(subid, "snapshot_id", snapshot_id)

    def _restore(self, subid: str, image: str, image_id: str) -> None:
        """One call restores either image; the body's one field says which (§2)."""
        path = f"instances/{_id('subid', subid)}/restore"
        self._send("POST", path, 202, body={image: _id(image, image_id)})

    def server_reverse_default_ipv4(self, subid: str, ip: str) -> None:
        self._send(
            "POST", f"instances/{_id('subid', subid)}/ipv4/reverse/default", 204, body={"ip": ip}
        )

    def server_reverse_set_ipv4(self, subid: str, ip: str, entry: str) -> None:
        self._send(
            "POST",
            f"instances/{_id('subid', subid)}/ipv4/reverse",
            204,
            body={"ip": ip, "reverse": entry},
        )

    def server_reverse_set_ipv6(self, subid: str, ip: str, entry: str) -> None:
        self._send(
            "POST",
            f"instances/{_id('subid', subid)}/ipv6/reverse",
            204,
            body={"ip": _expanded(ip), "reverse": entry},
        )

    def server_reverse_delete_ipv6(self, subid: str, ip: str) -> None:
        self._send("DELETE", f"instances/{_id('subid', subid)}/ipv6/reverse/{_expanded(ip)}", 204)

    def snapshot_create(self, subid: str, description: str | None) -> str:
        body = {"instance_id": _id("subid", subid), **present(description=description)}
        return self._call(
            "POST", "snapshots", 201, lambda b: _id_of(_object(b, "snapshot")), body=body
        )

    def snapshot_destroy(self, snapshot_id: str) -> None:
        self._send("DELETE", f"snapshots/{_id('snapshot_id', snapshot_id)}", 204)

    def snapshot_update(self, snapshot_id: str, description: str) -> None:
        # "Update Snapshot": PUT with the new description, 204 (v2 has no v1 counterpart).
        body = {"description": description}
        self._send("PUT", f"snapshots/{_id('snapshot_id', snapshot_id)}", 204, body=body)

    def sshkey_create(self, name: str, ssh_key: str) -> str:
        return self._call(
            "POST",
            "ssh-keys",
            201,
            lambda b: _id_of(_object(b, "ssh_key")),
            body={"name": name, "ssh_key": ssh_key},
        )

    def sshkey_update(self, sshkey_id: str, name: str | None, ssh_key: str | None) -> None:
        self._send(
            "PATCH",
            f"ssh-keys/{_id('sshkey_id', sshkey_id)}",
            204,
            body=present(name=name, ssh_key=ssh_key),
        )

    def sshkey_destroy(self, sshkey_id: str) -> None:
        self._send("DELETE", f"ssh-keys/{_id('sshkey_id', sshkey_id)}", 204)

    def startupscript_create(self, name: str, script: str, type: ScriptType) -> str:
        return self._call(
            "POST",
            "startup-scripts",
            201,
            lambda b: _id_of(_object(b, "startup_script")),
            body={"name": name, "script": _b64(script), "type": type.value},
        )

    def startupscript_update(
        self, script_id: str, name: str | None, script: str | None, type: ScriptType | None
    ) -> None:
        # Unlike v1, v2 changes the type too (§2: PATCH takes name, script and type).
        self._send(
            "PATCH",
            f"startup-scripts/{_id('script_id', script_id)}",
            204,
            body=present(
                name=name,
                script=None if script is None else _b64(script),
                type=None if type is None else type.value,
            ),
        )

    def startupscript_destroy(self, script_id: str) -> None:
        self._send("DELETE", f"startup-scripts/{_id('script_id', script_id)}", 204)


# Checked by mypy: V2Transport implements the whole protocol the client relies on.
_: type[Transport] = V2Transport


# -- answers ------------------------------------------------------------------------------------


def _expecting(expected: int) -> Check:
    """The check for a call that answers `expected` on success (§1.2); anything else raises."""

    def check(response: RawResponse, method: str, path: str) -> None:
        if response.status != expected:
            raise _error(response, method, path, expected)

    return check


def _error(response: RawResponse, method: str, path: str, expected: int) -> VultrError:
    status = response.status
    if 200 <= status < 300:
        return UnexpectedResponseError(
            f"Vultr answered {method} {path} with HTTP {status} instead of {expected}",
            status=status,
            method=method,
            path=path,
        )
    error_class, description = _ERRORS.get(
        status, (UnexpectedResponseError, f"Unexpected HTTP status {status}")
    )
    # Vultr's own text is the message (§1.3); the description only when it sent none.
    message = _error_text(response.body_text) or description
    if error_class is ServerError and LOCKED_TEXT in message.lower():
        error_class = ServerLockedError
    if error_class is RateLimitedError:
        return RateLimitedError(
            message,
            status=status,
            method=method,
            path=path,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    # A failed read can be repeated; a failed change may have been partly carried out, and a
    # locked server stays locked for longer than a retry waits.
    if issubclass(error_class, ServerError):
        retryable = method == "GET" and not error_class.locked
    else:
        retryable = error_class.retryable
    return error_class(message, status=status, method=method, path=path, retryable=retryable)


def _error_text(body_text: str) -> str:
    """The `error` of a v2 error body, or a short plain-text body; "" when there is neither
    (an empty body, an HTML error page from a proxy, JSON without an `error`)."""
    text = body_text.strip()
    if not text:
        return ""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        # Not JSON: show it if it reads like a sentence, not markup or broken JSON.
        return text[:MAX_MESSAGE] if text[0].isalnum() else ""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error.strip():
            return error.strip()[:MAX_MESSAGE]
    return ""


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds: an integer (what Vultr sends, §1.4) or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


# -- request values -----------------------------------------------------------------------------


def _id(name: str, value: str) -> str:
    return uuid_id(name, value)


def _b64(text: str) -> str:
    """Startup scripts travel base64-encoded in v2 (§2, §6)."""
    return base64.b64encode(text.encode()).decode("ascii")


def _expanded(ip: str) -> str:
    """v2 wants reverse-DNS IPv6 addresses "in full, expanded format" (§2, §8.9)."""
    return ipaddress.IPv6Address(ip).exploded


# -- parsing ------------------------------------------------------------------------------------


def _object(body: Any, key: str) -> Mapping[str, Any]:
    value = body[key]
    if not isinstance(value, Mapping):
        raise TypeError(f"{key} is not an object")
    return value


def _array(body: Any, key: str) -> list[Any]:
    """The list under `key`; `null` counts as empty, a missing key is an error."""
    value = body[key]
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{key} is not a list")
    return value


def _next_cursor(body: Any) -> str:
    links = (body.get("meta") or {}).get("links") or {}
    cursor = links.get("next") or ""
    if not isinstance(cursor, str):
        raise TypeError("meta.links.next is not a string")
    return cursor


def _one(key: str, parse: Callable[[Mapping[str, Any]], T]) -> Callable[[Any], T]:
    return lambda body: parse(_object(body, key))


def _created(body: Any) -> CreatedServer:
    # The only answer that carries the root password (§3): lists and gets never do.
    instance = _object(body, "instance")
    return CreatedServer(_id_of(instance), _str(instance, "default_password"))


def _id_of(d: Mapping[str, Any]) -> str:
    value = d["id"]
    if value is None or value == "":
        raise ValueError("the object has no id")
    return str(value)


def _str(d: Mapping[str, Any], key: str) -> str:
    value = d.get(key)
    return "" if value is None else str(value)


def _strings(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if v is not None and v != "")


def _datetime(value: Any) -> datetime | None:
    """ISO 8601 with an offset ("2021-09-01T13:25:48+00:00", §1.6), as UTC."""
    if not value:
        return None
    return utc(str(value))


def _os(d: Mapping[str, Any]) -> OperatingSystem:
    family = _str(d, "family")
    return OperatingSystem(
        id=_id_of(d),
        name=_str(d, "name"),
        arch=_str(d, "arch"),
        family=family,
        windows=family == "windows",
    )


def _os_upgrades(body: Any) -> list[OsChangeOption]:
    upgrades = _object(body, "upgrades")
    # v2 names no surcharge (v1 did, §2).
    return [base.os_change_option(_os(d), d) for d in upgrades.get("os") or ()]


def _iso(d: Mapping[str, Any]) -> Iso:
    return base.iso(d, _id_of, _str, _datetime)


def _plan(d: Mapping[str, Any]) -> Plan:
    plan_id = _id_of(d)
    return Plan(
        id=plan_id,
        # v2 plans have no name; the code ("vc2-1c-1gb") is what Vultr's own tools show.
        name=plan_id,
        vcpu_count=to_int(d.get("vcpu_count")),
        ram_mb=to_int(d.get("ram")),
        disk_gb=to_int(d.get("disk")),
        # GB in v2 (1024 for a plan v1 listed with "1.00" TB).
        bandwidth_tb=to_decimal(d.get("bandwidth")) / 1024,
        price_per_month=to_decimal(d.get("monthly_cost")),
        plan_type=_str(d, "type"),
        available_locations=tuple(sorted(_strings(d.get("locations")))),
    )


def _region(d: Mapping[str, Any]) -> Region:
    options = _strings(d.get("options"))
    region_id = _id_of(d)
    return Region(
        id=region_id,
        name=_str(d, "city"),
        country=_str(d, "country"),
        continent=_str(d, "continent"),
        state=None,
        code=region_id,
        ddos_protection="ddos_protection" in options,
        block_storage="block_storage" in options,
    )


def _v6_networks(d: Mapping[str, Any]) -> tuple[Ipv6Network, ...]:
    # Only the spec23 schema has `v6_networks` ({network, main_ip, network_size}); real
    # answers carry the single fields (§3).
    networks = [
        Ipv6Network(
            main_ip=str(n["main_ip"]),
            network=_str(n, "network"),
            network_size=to_int(n.get("network_size")),
        )
        for n in d.get("v6_networks") or ()
        if isinstance(n, Mapping) and n.get("main_ip")
    ]
    if not networks and none_if_empty(d.get("v6_main_ip")):
        networks = [
            Ipv6Network(
                main_ip=str(d["v6_main_ip"]),
                network=_str(d, "v6_network"),
                network_size=to_int(d.get("v6_network_size")),
            )
        ]
    return tuple(networks)


def _server(d: Mapping[str, Any]) -> Server:
    features = _strings(d.get("features"))
    tags = d.get("tags")
    if tags is None:
        # Before May 2022 there was only the one `tag` (§3, §8.6).
        tags = d.get("tag")
    return Server(
        id=_id_of(d),
        label=_str(d, "label"),
        status=ServerStatus(d.get("status") or ""),
        power_status=PowerStatus(d.get("power_status") or ""),
        # v2's `server_status` is v1's `server_state` (§3).
        server_state=ServerState(d.get("server_status") or ""),
        region_id=_str(d, "region"),
        # v2 names only the region's code; its city is in regions_list.
        location=_str(d, "region"),
        plan_id=_str(d, "plan"),
        os=_str(d, "os"),
        os_id=_str(d, "os_id"),
        app_id=none_if_zero(d.get("app_id")),
        firewall_group_id=none_if_zero(d.get("firewall_group_id")),
        vcpu_count=to_int(d.get("vcpu_count")),
        ram_mb=to_int(d.get("ram")),
        disk_gb=to_int(d.get("disk")),
        main_ip=assigned_ip(d.get("main_ip")),
        netmask_v4=none_if_empty(d.get("netmask_v4")),
        gateway_v4=assigned_ip(d.get("gateway_v4")),
        v6_main_ip=none_if_empty(d.get("v6_main_ip")),
        v6_networks=_v6_networks(d),
        internal_ip=none_if_empty(d.get("internal_ip")),
        date_created=_datetime(d.get("date_created")),
        pending_charges=to_decimal(d.get("pending_charges")),
        # Not part of a v2 instance: the plan's monthly_cost is.
        cost_per_month=to_decimal(d.get("cost_per_month")),
        current_bandwidth_gb=0.0,
        allowed_bandwidth_gb=to_int(d.get("allowed_bandwidth")),
        auto_backups="auto_backups" in features,
        tags=_strings(tags),
        hostname=none_if_empty(d.get("hostname")),
        features=features,
        # Only the answer to a create has it (§3).
        default_password=_str(d, "default_password"),
        kvm_url=none_if_empty(d.get("kvm")),
    )


def _bandwidth(body: Any) -> Bandwidth:
    """`{"bandwidth": {"YYYY-MM-DD": {"incoming_bytes": n, "outgoing_bytes": n}}}` (§2)."""
    days = _object(body, "bandwidth")
    return Bandwidth(
        days=tuple(
            BandwidthDay(
                day=date.fromisoformat(day),
                incoming_bytes=to_int((days[day] or {}).get("incoming_bytes")),
                outgoing_bytes=to_int((days[day] or {}).get("outgoing_bytes")),
            )
            for day in sorted(days)
        )
    )


def _ipv4(d: Mapping[str, Any]) -> Ipv4:
    return base.ipv4(d, _str)


def _ipv6(d: Mapping[str, Any]) -> Ipv6:
    return base.ipv6(d, _str)


def _reverse(d: Mapping[str, Any]) -> ReverseDns:
    return ReverseDns(ip=str(d["ip"]), reverse=_str(d, "reverse"))


def _new_ipv4(body: Any) -> str | None:
    ipv4 = body.get("ipv4") if isinstance(body, Mapping) else None
    return none_if_empty(ipv4.get("ip")) if isinstance(ipv4, Mapping) else None


def _image(d: Mapping[str, Any]) -> tuple[str, str, int, ImageStatus, datetime | None]:
    return base.image(d, id=_id_of(d), description=_str(d, "description"), when=_datetime)


def _snapshot(d: Mapping[str, Any]) -> Snapshot:
    return Snapshot(
        *_image(d), os_id=none_if_zero(d.get("os_id")), app_id=none_if_zero(d.get("app_id"))
    )


def _backup(d: Mapping[str, Any]) -> Backup:
    return Backup(*_image(d))


def _sshkey(d: Mapping[str, Any]) -> SshKey:
    return SshKey(
        id=_id_of(d),
        name=_str(d, "name"),
        ssh_key=_str(d, "ssh_key"),
        date_created=_datetime(d.get("date_created")),
    )


def _script(d: Mapping[str, Any]) -> StartupScript:
    return StartupScript(
        id=_id_of(d),
        name=_str(d, "name"),
        type=ScriptType(d.get("type") or ScriptType.BOOT),
        script=_unb64(_str(d, "script")),
        date_created=_datetime(d.get("date_created")),
        date_modified=_datetime(d.get("date_modified")),
    )


def _unb64(value: str) -> str:
    """A script body as text. v2 sends base64 (§6); a body that is not valid base64 of UTF-8
    text is shown as it came rather than lost."""
    if not value:
        return ""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value
