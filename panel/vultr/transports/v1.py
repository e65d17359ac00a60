"""Vultr API v1: requests, status codes and the quirks of its answers.

Everything here follows /work/shared/reference/vultr-v1-api.md (cited as §n). In short: paths
`/v1/<group>/<action>`, GET with a query string for reads, POST with a form body for changes,
the key in an `API-Key` header (§1); plain-text error bodies (§2); lists as JSON objects keyed by
id, `[]` when empty, numbers that are sometimes strings, `false` or `""` for "none" (§4).
Parsing is tolerant of all of that and of fields added later (`v2_id`); anything of the wrong
shape becomes `UnexpectedResponseError` rather than a stray `KeyError`.

This module also checks what is v1's own: decimal ids (SUBID, DCID, ...; v2 uses UUIDs and
codes) and the image rules of `server/create` (§7). The client has already checked the rest.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Protocol, TypeVar, Unpack

from .. import errors
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
from ..errors import InvalidParameterError, UnexpectedResponseError, VultrError
from ..validation import numeric_id
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
from .http import Params, RawResponse

T = TypeVar("T")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


IdentifiedT = TypeVar("IdentifiedT", bound=_Identified)

PREFIX = "/v1/"

# Special OSIDs that choose the image some other way (§5 os/list, §7).
OS_CUSTOM = "159"
OS_SNAPSHOT = "164"
OS_APPLICATION = "186"

# Status → error class and the seed's description, used when the body is empty (§2).
_ERRORS: dict[int, tuple[type[VultrError], str]] = {
    400: (errors.InvalidLocationError, "Invalid API location. Check the URL that you are using"),
    403: (
        errors.AuthenticationError,
        "Invalid or missing API key. Check that your API key is present and matches your "
        "assigned key",
    ),
    405: (
        errors.MethodNotAllowedError,
        "Invalid HTTP method. Check that the method (POST|GET) matches what the "
        "documentation indicates",
    ),
    412: (errors.RequestFailedError, "Request failed"),
    500: (errors.ServerError, "Internal server error. Try again at a later time"),
    503: (errors.RateLimitedError, "Rate limit reached - please try your request again later."),
}

_LEADING_INT = re.compile(r"\d+")


class V1Transport(BaseTransport):
    """Speaks API v1 over one `HttpClient`."""

    api_version = "v1"

    @staticmethod
    def _auth_headers(api_key: str) -> dict[str, str]:
        # The header form; the old `?api_key=` query form would put the key in URLs and
        # therefore in access logs (§1).
        return {"API-Key": api_key}

    # -- plumbing ---------------------------------------------------------------------------

    def raw(self, method: str, path: str, params: Params) -> RawResponse:
        """`path` relative to `/v1/` ("server/list"), or absolute when it starts with "/"."""
        if "api_key" in params:
            raise InvalidParameterError("api_key", "the key is sent in the API-Key header only")
        full_path = path if path.startswith("/") else PREFIX + path
        return self._http.request(method, full_path, params, check=None)

    def _get(self, action: str, parse: Callable[[Any], T], **params: str) -> T:
        return self._call("GET", action, params, parse)

    def _post(self, action: str, parse: Callable[[Any], T], **data: str | list[str]) -> T:
        return self._call("POST", action, data, parse)

    def _act(self, action: str, **data: str) -> None:
        """A POST whose answer is an empty 200 (§1); the body is not looked at."""
        self._http.request("POST", PREFIX + action, data, check=_raise_for_status)

    def _act_on_server(self, action: str, subid: str, **data: str) -> None:
        """`_act` on one server; `subid` checked first."""
        self._act(action, SUBID=numeric_id("subid", subid), **data)

    def _server_items(self, action: str, parse_one: Callable[[Any], T], subid: str) -> list[T]:
        """A list read for one server, answered as `{SUBID: [...]}` or a bare list (§5)."""
        subid = numeric_id("subid", subid)
        return self._get(action, _per_server(parse_one, subid), SUBID=subid)

    def _call(self, method: str, action: str, params: Params, parse: Callable[[Any], T]) -> T:
        path = PREFIX + action
        response = self._http.request(method, path, params, check=_raise_for_status)
        return self._parse(response, method, path, parse)

    # -- reads ------------------------------------------------------------------------------

    def account_info(self) -> Account:
        return self._get("account/info", _account)

    def os_list(self) -> list[OperatingSystem]:
        return self._get("os/list", _listing(_os))

    def iso_list(self) -> list[Iso]:
        return self._get("iso/list", _listing(_iso))

    def plans_list(self) -> list[Plan]:
        return self._get("plans/list", _listing(_plan))

    def regions_list(self) -> list[Region]:
        return self._get("regions/list", _listing(_region))

    def regions_availability(self, region_id: str) -> list[str]:
        return self._get("regions/availability", _plan_ids, DCID=numeric_id("region_id", region_id))

    def server_list(self, **filters: Unpack[ServerFilters]) -> list[Server]:
        subid = filters["subid"]
        wire = {
            "SUBID": subid,
            "tag": filters["tag"],
            "label": filters["label"],
            "main_ip": filters["main_ip"],
        }
        given = {name: value for name, value in wire.items() if value is not None}
        if len(given) > 1:
            # "Only one filter may be used at a time" (§4); v1 would quietly apply just one.
            raise InvalidParameterError(
                "server_list", "API v1 accepts only one of subid, tag, label, main_ip"
            )
        if subid is not None:
            given["SUBID"] = numeric_id("subid", subid)
        return self._get("server/list", _servers, **given)

    def server_bandwidth(self, subid: str) -> Bandwidth:
        return self._get("server/bandwidth", _bandwidth, SUBID=numeric_id("subid", subid))

    def server_list_ipv4(self, subid: str) -> list[Ipv4]:
        return self._server_items("server/list_ipv4", _ipv4, subid)

    def server_list_ipv6(self, subid: str) -> list[Ipv6]:
        return self._server_items("server/list_ipv6", _ipv6, subid)

    def server_reverse_list_ipv6(self, subid: str) -> list[ReverseDns]:
        return self._server_items("server/reverse_list_ipv6", _reverse, subid)

    def server_os_change_list(self, subid: str) -> list[OsChangeOption]:
        return self._get(
            "server/os_change_list",
            _listing(_os_change_option),
            SUBID=numeric_id("subid", subid),
        )

    def snapshot_list(self) -> list[Snapshot]:
        return self._get("snapshot/list", _listing(_snapshot))

    def backup_list(self, *, subid: str | None, backup_id: str | None) -> list[Backup]:
        filters: dict[str, str] = {}
        if subid is not None:
            filters["SUBID"] = numeric_id("subid", subid)
        if backup_id is not None:
            filters["BACKUPID"] = backup_id
        return self._get("backup/list", _listing(_backup), **filters)

    def sshkey_list(self) -> list[SshKey]:
        return self._get("sshkey/list", _listing(_sshkey))

    def startupscript_list(self) -> list[StartupScript]:
        return self._get("startupscript/list", _listing(_script))

    # -- changes ----------------------------------------------------------------------------

    def server_create(self, new: NewServer) -> CreatedServer:
        os_id = numeric_id("os_id", new.os_id)
        _check_image_choice(new, os_id)
        data: dict[str, str | list[str]] = {
            "DCID": numeric_id("region_id", new.region_id),
            "VPSPLANID": numeric_id("plan_id", new.plan_id),
            "OSID": os_id,
            # Every flag is sent explicitly: the defaults differ (notify_activate is "yes").
            "enable_ipv6": _yes_no(new.enable_ipv6),
            "enable_private_network": _yes_no(new.enable_private_network),
            "auto_backups": _yes_no(new.auto_backups),
            "ddos_protection": _yes_no(new.ddos_protection),
            "notify_activate": _yes_no(new.notify_activate),
        }
        tags = new.all_tags
        if len(tags) > 1:
            raise InvalidParameterError("tags", "API v1 gives a server one tag only")
        optional = {
            "label": new.label,
            "hostname": new.hostname,
            "tag": tags[0] if tags else None,
            "SCRIPTID": _optional_numeric_id("script_id", new.script_id),
            "SNAPSHOTID": new.snapshot_id,
            "ISOID": _optional_numeric_id("iso_id", new.iso_id),
            "ipxe_chain_url": new.ipxe_chain_url,
            "APPID": _optional_numeric_id("app_id", new.app_id),
            "FIREWALLGROUPID": new.firewall_group_id,
            "reserved_ip_v4": new.reserved_ip_v4,
            # v1 wants base64 (§7); the domain object holds the raw content.
            "userdata": None
            if new.userdata is None
            else base64.b64encode(new.userdata).decode("ascii"),
        }
        data.update({name: value for name, value in optional.items() if value is not None})
        if new.ssh_key_ids:
            # One comma-separated string, not a form array (§4).
            data["SSHKEYID"] = ",".join(new.ssh_key_ids)
        if new.network_ids:
            # A form array: NETWORKID[]=a&NETWORKID[]=b (§4).
            data["NETWORKID[]"] = list(new.network_ids)
        # v1 answers with the id alone; the password is in every server/list (§4).
        return CreatedServer(self._post("server/create", _new_id("SUBID"), **data))

    def server_destroy(self, subid: str) -> None:
        self._act_on_server("server/destroy", subid)

    def server_start(self, subid: str) -> None:
        self._act_on_server("server/start", subid)

    def server_halt(self, subid: str) -> None:
        self._act_on_server("server/halt", subid)

    def server_reboot(self, subid: str) -> None:
        self._act_on_server("server/reboot", subid)

    def server_reinstall(self, subid: str, hostname: str | None) -> None:
        self._act_on_server("server/reinstall", subid, **present(hostname=hostname))

    def server_label_set(self, subid: str, label: str) -> None:
        self._act_on_server("server/label_set", subid, label=label)

    def server_create_ipv4(self, subid: str, reboot: bool) -> str | None:
        # The docs promise an empty body; govultr expects {"ipv4": "..."} (§5). Accept both.
        path = PREFIX + "server/create_ipv4"
        data = {"SUBID": numeric_id("subid", subid), "reboot": _yes_no(reboot)}
        response = self._http.request("POST", path, data, check=_raise_for_status)
        if not response.body_text.strip():
            return None
        return self._parse(response, "POST", path, _new_ipv4)

    def server_destroy_ipv4(self, subid: str, ip: str) -> None:
        self._act_on_server("server/destroy_ipv4", subid, ip=ip)

    def server_os_change(self, subid: str, os_id: str) -> None:
        self._act_on_server("server/os_change", subid, OSID=numeric_id("os_id", os_id))

    def server_restore_backup(self, subid: str, backup_id: str) -> None:
        self._act_on_server("server/restore_backup", subid, BACKUPID=backup_id)

    def server_restore_snapshot(self, subid: str, snapshot_id: str) -> None:
        self._act_on_server("server/restore_snapshot", subid, SNAPSHOTID=snapshot_id)

    def server_reverse_default_ipv4(self, subid: str, ip: str) -> None:
        self._act_on_server("server/reverse_default_ipv4", subid, ip=ip)

    def server_reverse_set_ipv4(self, subid: str, ip: str, entry: str) -> None:
        self._act_on_server("server/reverse_set_ipv4", subid, ip=ip, entry=entry)

    def server_reverse_set_ipv6(self, subid: str, ip: str, entry: str) -> None:
        self._act_on_server("server/reverse_set_ipv6", subid, ip=ip, entry=entry)

    def server_reverse_delete_ipv6(self, subid: str, ip: str) -> None:
        self._act_on_server("server/reverse_delete_ipv6", subid, ip=ip)

    def snapshot_create(self, subid: str, description: str | None) -> str:
        return self._post(
            "snapshot/create",
            _new_id("SNAPSHOTID"),
            SUBID=numeric_id("subid", subid),
            **present(description=description),
        )

    def snapshot_destroy(self, snapshot_id: str) -> None:
        self._act("snapshot/destroy", SNAPSHOTID=snapshot_id)

    def snapshot_update(self, snapshot_id: str, description: str) -> None:
        # v1 has no way to change a snapshot (reference §7 lists create, destroy and list).
        raise InvalidParameterError("description", "API v1 cannot change a snapshot's description")

    def sshkey_create(self, name: str, ssh_key: str) -> str:
        return self._post("sshkey/create", _new_id("SSHKEYID"), name=name, ssh_key=ssh_key)

    def sshkey_update(self, sshkey_id: str, name: str | None, ssh_key: str | None) -> None:
        changes = present(name=name, ssh_key=ssh_key)
        self._act("sshkey/update", SSHKEYID=sshkey_id, **changes)

    def sshkey_destroy(self, sshkey_id: str) -> None:
        self._act("sshkey/destroy", SSHKEYID=sshkey_id)

    def startupscript_create(self, name: str, script: str, type: ScriptType) -> str:
        # SCRIPTID comes back as a number here but as a string in the list (§4).
        return self._post(
            "startupscript/create",
            _new_id("SCRIPTID"),
            name=name,
            script=script,
            type=type.value,
        )

    def startupscript_update(
        self, script_id: str, name: str | None, script: str | None, type: ScriptType | None
    ) -> None:
        if type is not None:
            # startupscript/update takes only name and script (reference §7).
            raise InvalidParameterError(
                "type", "API v1 cannot change a script's type: add a new script instead"
            )
        changes = present(name=name, script=script)
        self._act("startupscript/update", SCRIPTID=numeric_id("script_id", script_id), **changes)

    def startupscript_destroy(self, script_id: str) -> None:
        self._act("startupscript/destroy", SCRIPTID=numeric_id("script_id", script_id))


# Checked by mypy: V1Transport implements the whole protocol the client relies on.
_: type[Transport] = V1Transport


# -- answers ------------------------------------------------------------------------------------


def _raise_for_status(response: RawResponse, method: str, path: str) -> None:
    if response.status == 200:
        return
    error_class, description = _ERRORS.get(
        response.status, (UnexpectedResponseError, f"Unexpected HTTP status {response.status}")
    )
    # Vultr's own text is the message (§2); the seed's description only when it sent none.
    message = response.body_text.strip()[:MAX_MESSAGE] or description
    if response.status == 500:
        retryable = method == "GET"
    else:
        retryable = error_class.retryable
    raise error_class(
        message, status=response.status, method=method, path=path, retryable=retryable
    )


def _check_image_choice(new: NewServer, os_id: str) -> None:
    """The OSID says where the image comes from; the matching parameter must go with it (§7)."""
    rules = (
        ("snapshot_id", new.snapshot_id, OS_SNAPSHOT, "164 (Snapshot)"),
        ("app_id", new.app_id, OS_APPLICATION, "186 (Application)"),
    )
    for name, value, special, described in rules:
        if value is not None and os_id != special:
            raise InvalidParameterError(name, f"needs os_id {described}")
        if value is None and os_id == special:
            raise InvalidParameterError(name, f"is required with os_id {described}")
    for name, value in (("iso_id", new.iso_id), ("ipxe_chain_url", new.ipxe_chain_url)):
        if value is not None and os_id != OS_CUSTOM:
            raise InvalidParameterError(name, "needs os_id 159 (Custom)")
    if new.script_id is not None and os_id == OS_CUSTOM:
        raise InvalidParameterError("script_id", "cannot be used with os_id 159 (Custom)")


# -- parsing ------------------------------------------------------------------------------------


def _items(body: Any) -> list[dict[str, Any]]:
    """A v1 list: an object keyed by id, or `[]` when empty (§4)."""
    if isinstance(body, list):
        return body
    return list(body.values())


def _listing(parse_one: Callable[[Any], IdentifiedT]) -> Callable[[Any], list[IdentifiedT]]:
    """Parser for a v1 list map, sorted because v1 maps have no defined order (§4)."""
    return lambda body: sorted(
        (parse_one(d) for d in _items(body)), key=lambda obj: _id_key(obj.id)
    )


def _per_server(parse_one: Callable[[Any], T], subid: str) -> Callable[[Any], list[T]]:
    """Parser for the `{"<SUBID>": [...]}` answers of list_ipv4, list_ipv6 and
    reverse_list_ipv6, which are `[]` when there is nothing (§5). The array keeps its order."""

    def parse(body: Any) -> list[T]:
        entries = body if isinstance(body, list) else body.get(subid, [])
        return [parse_one(d) for d in entries]

    return parse


def _plan_ids(body: Any) -> list[str]:
    """regions/availability: a real JSON array of int VPSPLANIDs (§5)."""
    return sorted((str(plan_id) for plan_id in body), key=_id_key)


def _new_id(field: str) -> Callable[[Any], str]:
    """Parser for a create answer such as {"SUBID": "1312965"}; ids may be numbers (§4)."""
    return lambda body: str(body[field])


def _servers(body: Any) -> list[Server]:
    # With a SUBID filter v1 answers with the one server object itself, not a map (§4).
    if isinstance(body, dict) and "SUBID" in body:
        return [_server(body)]
    return _listing(_server)(body)


def _id_key(value: str) -> tuple[int, str]:
    """Orders decimal ids numerically ("9" before "10") and any other ids consistently."""
    return (len(value), value)


def _leading_int(value: Any) -> int:
    """The number in "1024 MB" or "Virtual 25 GB" (server ram and disk, §6)."""
    match = _LEADING_INT.search(str(value or ""))
    return int(match.group()) if match else 0


def _float(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    return float(value)


def _bool(value: Any) -> bool:
    """Real booleans and the "yes"/"no" strings v1 uses for flags (§4)."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = str(value).lower()
    if text in ("yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _datetime(value: Any) -> datetime | None:
    """ "YYYY-MM-DD HH:MM:SS" in UTC without a zone (§4); `null` or "" means unknown."""
    if not value or str(value).startswith("0000-00-00"):
        return None
    return utc(str(value))


def _text(d: Mapping[str, Any], key: str) -> str:
    return str(d.get(key, ""))


def _optional_numeric_id(name: str, value: str | None) -> str | None:
    return None if value is None else numeric_id(name, value)


def _account(body: Any) -> Account:
    return base.account(body or {}, _datetime)  # `[]` for an empty object (§4)


def _os(d: Mapping[str, Any]) -> OperatingSystem:
    return OperatingSystem(
        id=str(d["OSID"]),
        name=str(d["name"]),
        arch=str(d.get("arch", "")),
        family=str(d.get("family", "")),
        windows=_bool(d.get("windows")),
    )


def _os_change_option(d: Mapping[str, Any]) -> OsChangeOption:
    return base.os_change_option(_os(d), d)


def _iso(d: Mapping[str, Any]) -> Iso:
    return base.iso(d, lambda d: str(d["ISOID"]), _text, _datetime)


def _plan(d: Mapping[str, Any]) -> Plan:
    return Plan(
        id=str(d["VPSPLANID"]),
        name=str(d.get("name", "")),
        vcpu_count=to_int(d.get("vcpu_count")),
        ram_mb=to_int(d.get("ram")),
        disk_gb=to_int(d.get("disk")),
        bandwidth_tb=to_decimal(d.get("bandwidth")),
        price_per_month=to_decimal(d.get("price_per_month")),
        plan_type=str(d.get("plan_type", "")),
        available_locations=tuple(
            sorted((str(dcid) for dcid in d.get("available_locations") or ()), key=_id_key)
        ),
        deprecated=_bool(d.get("deprecated")),
    )


def _region(d: Mapping[str, Any]) -> Region:
    return Region(
        id=str(d["DCID"]),
        name=str(d.get("name", "")),
        country=str(d.get("country", "")),
        continent=str(d.get("continent", "")),
        state=none_if_empty(d.get("state")),
        code=none_if_empty(d.get("regioncode")),
        ddos_protection=_bool(d.get("ddos_protection")),
        block_storage=_bool(d.get("block_storage")),
    )


def _v6_networks(d: Mapping[str, Any]) -> tuple[Ipv6Network, ...]:
    networks = d.get("v6_networks") or []
    if not networks and none_if_empty(d.get("v6_main_ip")):
        # Older answers have only the deprecated single fields (§4).
        networks = [d]
    return tuple(
        Ipv6Network(
            main_ip=str(n["v6_main_ip"]),
            network=str(n.get("v6_network", "")),
            network_size=to_int(n.get("v6_network_size")),
        )
        for n in networks
    )


def _server(d: Mapping[str, Any]) -> Server:
    auto_backups = _bool(d.get("auto_backups"))
    tag = none_if_empty(d.get("tag"))
    v6_main_ip = none_if_empty(d.get("v6_main_ip"))
    return Server(
        id=str(d["SUBID"]),
        label=str(d.get("label", "")),
        status=ServerStatus(d.get("status") or ""),
        power_status=PowerStatus(d.get("power_status") or ""),
        server_state=ServerState(d.get("server_state") or ""),
        region_id=str(d.get("DCID", "")),
        location=str(d.get("location", "")),
        plan_id=str(d.get("VPSPLANID", "")),
        os=str(d.get("os", "")),
        os_id=str(d.get("OSID", "")),
        app_id=none_if_zero(d.get("APPID")),
        firewall_group_id=none_if_zero(d.get("FIREWALLGROUPID")),
        vcpu_count=to_int(d.get("vcpu_count")),
        ram_mb=_leading_int(d.get("ram")),
        disk_gb=_leading_int(d.get("disk")),
        main_ip=assigned_ip(d.get("main_ip")),
        netmask_v4=none_if_empty(d.get("netmask_v4")),
        gateway_v4=assigned_ip(d.get("gateway_v4")),
        v6_main_ip=v6_main_ip,
        v6_networks=_v6_networks(d),
        internal_ip=none_if_empty(d.get("internal_ip")),
        date_created=_datetime(d.get("date_created")),
        pending_charges=to_decimal(d.get("pending_charges")),
        cost_per_month=to_decimal(d.get("cost_per_month")),
        current_bandwidth_gb=_float(d.get("current_bandwidth_gb")),
        allowed_bandwidth_gb=to_int(d.get("allowed_bandwidth_gb")),
        auto_backups=auto_backups,
        tags=(tag,) if tag else (),
        hostname=None,
        features=tuple(
            name
            for name, present in (("auto_backups", auto_backups), ("ipv6", v6_main_ip is not None))
            if present
        ),
        default_password=str(d.get("default_password", "")),
        kvm_url=none_if_empty(d.get("kvm_url")),
    )


def _bandwidth(body: Any) -> Bandwidth:
    """Two lists of ["YYYY-MM-DD", "bytes"] pairs (§5), merged into one row per day."""
    data: Mapping[str, Any] = body or {}
    incoming = {day: to_int(count) for day, count in data.get("incoming_bytes") or ()}
    outgoing = {day: to_int(count) for day, count in data.get("outgoing_bytes") or ()}
    return Bandwidth(
        days=tuple(
            BandwidthDay(
                day=date.fromisoformat(day),
                incoming_bytes=incoming.get(day, 0),
                outgoing_bytes=outgoing.get(day, 0),
            )
            for day in sorted(incoming.keys() | outgoing.keys())
        )
    )


def _ipv4(d: Mapping[str, Any]) -> Ipv4:
    return base.ipv4(d, _text)


def _ipv6(d: Mapping[str, Any]) -> Ipv6:
    return base.ipv6(d, _text)


def _reverse(d: Mapping[str, Any]) -> ReverseDns:
    return ReverseDns(ip=str(d["ip"]), reverse=str(d.get("reverse") or ""))


def _new_ipv4(body: Any) -> str | None:
    return none_if_empty(body.get("ipv4")) if isinstance(body, dict) else None


def _image(d: Mapping[str, Any], id_key: str) -> tuple[str, str, int, ImageStatus, datetime | None]:
    return base.image(
        d, id=str(d[id_key]), description=str(d.get("description") or ""), when=_datetime
    )


def _snapshot(d: Mapping[str, Any]) -> Snapshot:
    return Snapshot(
        *_image(d, "SNAPSHOTID"),
        os_id=none_if_empty(d.get("OSID")),
        app_id=none_if_zero(d.get("APPID")),
    )


def _backup(d: Mapping[str, Any]) -> Backup:
    return Backup(*_image(d, "BACKUPID"))


def _sshkey(d: Mapping[str, Any]) -> SshKey:
    return SshKey(
        id=str(d["SSHKEYID"]),
        name=str(d.get("name") or ""),
        ssh_key=str(d.get("ssh_key") or ""),
        date_created=_datetime(d.get("date_created")),
    )


def _script(d: Mapping[str, Any]) -> StartupScript:
    return StartupScript(
        id=str(d["SCRIPTID"]),
        name=str(d.get("name") or ""),
        type=ScriptType(d.get("type") or ScriptType.BOOT),
        script=str(d.get("script") or ""),
        date_created=_datetime(d.get("date_created")),
        date_modified=_datetime(d.get("date_modified")),
    )
