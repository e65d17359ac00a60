"""The v2 endpoints: routes, JSON bodies, codes and answer shapes (v2 reference §1-§6, §9).

Handlers run under the simulator's lock over the same accounts as v1 (see :mod:`.state`): they
find objects by UUID, translate JSON bodies into account calls, and answer with a ready
:class:`Response`. They raise :class:`V2Error` for a ``{"error","status"}`` answer; a v1
:class:`Failed` from the account is translated by :func:`translate`.

Texts marked [rec] are recorded v2 answers (reference §1.3); the others are not recorded
anywhere and are written in the same style.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from . import state
from .catalog import CATALOG, OS_APPLICATION, OS_BACKUP, OS_CUSTOM, OS_SNAPSHOT, SPECIAL_OSIDS
from .clock import fmt_iso
from .state import Account, Failed, Iso, Moment, Server, Snapshot, SshKey, StartupScript
from .wire import HTML, JSON, Response

INVALID_TOKEN = "Invalid API token."  # [rec] 401
INVALID_UUID = "Invalid UUID format."  # [rec] 400, packer#95
BAD_REQUEST = "Bad request."  # [rec] 400, create without region
INVALID_PLAN = "Invalid plan chosen."  # [rec] 400, also for a plan not in the region (tf#377)
INVALID_REGION = "Invalid region."  # [rec] 400 from /regions/{id}/availability
INSTANCE_NOT_FOUND = "instance not found"  # [rec] 404, tf#462
INVALID_SSH_KEY = "Invalid ssh key."  # [rec] 404, tf#371
# [rec] 500, DELETE while server_status is none or locked (ansible#113)
LOCKED_DESTROY = "Unable to destroy server: Unable to remove VM: Server is currently locked"
LOCKED = "Server is currently locked"
INVALID_SCRIPT = "Invalid startup script ID"  # the text terraform matches
SNAPSHOT_NOT_FOUND = "snapshot not found"
BACKUP_NOT_FOUND = "backup not found"
ISO_NOT_FOUND = "iso not found"
INVALID_OS = "Invalid os_id."
NO_IMAGE = "An os_id, iso_id, snapshot_id, app_id or image_id is required."
NOT_FOUND = "Not found."
METHOD_NOT_ALLOWED = "Method not allowed."
INVALID_CURSOR = "Invalid cursor."
NOT_BASE64 = "Invalid script: it must be base64 encoded."
INVALID_USER_DATA = "Invalid user_data: it must be base64 encoded."

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PER_PAGE, MAX_PER_PAGE = 100, 500  # v2 reference §1.5


class V2Error(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# A v1 reason from the account → v2's status and text.
_TRANSLATED = {
    state.INVALID_SERVER: (404, INSTANCE_NOT_FOUND),
    state.SERVER_PENDING: (500, LOCKED),
    state.PLAN_NOT_AVAILABLE: (400, INVALID_PLAN),
    state.INVALID_PLAN: (400, INVALID_PLAN),
    state.INVALID_DCID: (400, INVALID_REGION),
    state.INVALID_OS: (400, INVALID_OS),
    state.INVALID_OS_CHANGE: (400, INVALID_OS),
    state.BACKUP_OS_NOT_DEPLOYABLE: (400, INVALID_OS),
    state.INVALID_SNAPSHOT: (404, SNAPSHOT_NOT_FOUND),
    state.SNAPSHOT_NOT_COMPLETE: (400, "Snapshot is not complete yet."),
    state.INVALID_BACKUP: (404, BACKUP_NOT_FOUND),
    state.INVALID_ISO: (400, "Invalid iso_id."),
    state.CUSTOM_NEEDS_ISO: (400, NO_IMAGE),
    state.INVALID_APP: (400, "Invalid app_id."),
    state.INVALID_SCRIPT: (400, INVALID_SCRIPT),
    state.INVALID_SCRIPT_TYPE: (400, "Invalid startup script type: must be boot or pxe."),
    state.INVALID_SSHKEY: (400, INVALID_SSH_KEY),
    state.BAD_SSH_KEY: (400, "Invalid ssh key: it must be in authorized_keys format."),
    state.INVALID_FIREWALL_GROUP: (400, "Invalid firewall group."),
    state.INVALID_RESERVED_IP: (400, "Invalid reserved IP."),
    state.INVALID_IP: (400, "Invalid IP address."),
    state.CANNOT_REMOVE_MAIN_IP: (400, state.CANNOT_REMOVE_MAIN_IP),
    state.IPV6_NOT_ENABLED: (400, "IPv6 is not enabled on this instance."),
    state.INVALID_REVERSE: (400, "Invalid reverse DNS entry."),
}


def translate(failure: Failed) -> V2Error:
    status, text = _TRANSLATED.get(failure.text, (400, failure.text))
    return V2Error(status, text)


# -- wire -----------------------------------------------------------------------------------------


def encode(payload: Any) -> bytes:
    # Compact, with "/" escaped as "\/" like the real (PHP) answers (v2 reference §1.1).
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status, encode(payload), JSON)


def error(status: int, message: str) -> Response:
    return Response(status, encode({"error": message, "status": status}), JSON)


# 204: an empty body, and text/html as recorded (v2 reference §1.2).
NO_CONTENT = Response(204, b"", HTML)


# -- requests -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Call:
    query: dict[str, str]
    body: dict[str, Any]
    account: Account  # None only on public routes called without a valid key
    now: float
    args: tuple[str, ...]
    not_found_seconds: float = 0.0  # the "not visible yet" window after create (§8.2)

    # Body values, tolerant as real clients need (v2 reference §7): null means unset, numbers
    # may come as strings and strings as numbers, unknown keys are ignored.

    def text(self, name: str) -> str | None:
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise V2Error(400, BAD_REQUEST)

    def integer(self, name: str) -> int | None:
        value = self.body.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise V2Error(400, f"Invalid {name}.")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise V2Error(400, f"Invalid {name}.")

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.body.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return bool(value)
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "yes", "1", "on", "enabled"):
                return True
            if lowered in ("false", "no", "0", "off", "disabled", ""):
                return False
        raise V2Error(400, f"Invalid {name}.")

    def strings(self, name: str) -> list[str] | None:
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return [str(item) for item in value if item is not None and item != ""]
        raise V2Error(400, BAD_REQUEST)

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise V2Error(400, BAD_REQUEST)
        return value


Handler = Callable[[Call], Response]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str  # "/v2/instances/{instance-id}": the name used in stats and faults
    handler: Handler
    public: bool = False


_STATIC: dict[str, dict[str, Route]] = {}
_DYNAMIC: list[tuple[re.Pattern[str], dict[str, Route]]] = []


def _route(method: str, template: str, public: bool = False) -> Callable[[Handler], Handler]:
    full = f"/v2{template}"

    def register(handler: Handler) -> Handler:
        found = Route(method, full, handler, public)
        if "{" not in full:
            _STATIC.setdefault(full, {})[method] = found
            return handler
        pattern = re.compile(re.sub(r"\{[^}]+\}", "([^/]+)", full))
        for known, routes in _DYNAMIC:
            if known.pattern == pattern.pattern:
                routes[method] = found
                return handler
        _DYNAMIC.append((pattern, {method: found}))
        return handler

    return register


def resolve(path: str, method: str) -> tuple[Route | None, tuple[str, ...], str]:
    """The route for ``method`` on ``path``, the path's parameters, and the template of a route
    on this path (``""`` if none: a 404; a template without a route: a 405).

    A path can match several templates ("/instances/{id}/ipv4/reverse" and
    "/instances/{id}/ipv4/{ipv4}"): the first one that has the method wins.
    """
    routes = _STATIC.get(path)
    if routes is not None and method in routes:
        return routes[method], (), routes[method].template
    template = next(iter(routes.values())).template if routes else ""
    for pattern, routes in _DYNAMIC:
        match = pattern.fullmatch(path)
        if match:
            if method in routes:
                # Path parameters arrive percent-encoded from some clients (an IPv6
                # address's ":" as %3A); the API reads them decoded, as nginx hands them on.
                args = tuple(unquote(arg) for arg in match.groups())
                return routes[method], args, routes[method].template
            template = template or next(iter(routes.values())).template
    return None, (), template


def normalize(path: str) -> str:
    # "/v2/instances/" and "/v2//instances" name the same resource as "/v2/instances".
    if "//" in path:
        path = re.sub("/{2,}", "/", path)
    return path.rstrip("/") if len(path) > 1 else path


def parse_body(method: str, raw: bytes) -> dict[str, Any]:
    """The JSON body of a POST/PUT/PATCH; empty bodies and bodies of other methods are {}."""
    if method not in ("POST", "PUT", "PATCH") or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
        raise V2Error(400, BAD_REQUEST) from None
    return body if isinstance(body, dict) else {}


# -- lookups --------------------------------------------------------------------------------------


def _uuid(value: str) -> str:
    if not _UUID.fullmatch(value):
        raise V2Error(400, INVALID_UUID)
    return value.lower()


def _find(call: Call, value: str, kind: type, missing: tuple[int, str]) -> Any:
    found = call.account.by_uuid.get(_uuid(value))
    if not isinstance(found, kind):
        raise V2Error(*missing)
    return found


def _server(call: Call, value: str | None = None) -> Server:
    return _find(call, call.args[0] if value is None else value, Server, (404, INSTANCE_NOT_FOUND))


def _snapshot(call: Call, value: str) -> Snapshot:
    return _find(call, value, Snapshot, (404, SNAPSHOT_NOT_FOUND))


def _sshkey(call: Call, value: str) -> SshKey:
    return _find(call, value, SshKey, (404, INVALID_SSH_KEY))


def _script(call: Call, value: str) -> StartupScript:
    return _find(call, value, StartupScript, (404, INVALID_SCRIPT))


def _iso(call: Call, value: str) -> Iso:
    return _find(call, value, Iso, (404, ISO_NOT_FOUND))


def _base64(text: str, message: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise V2Error(400, message) from None


# -- pagination -----------------------------------------------------------------------------------


def per_page(call: Call) -> int:
    value = call.query.get("per_page", "").strip()
    if not value.isdigit() or int(value) < 1:
        return PER_PAGE
    return min(int(value), MAX_PER_PAGE)


def paginate(
    call: Call,
    items: Sequence[Any],
    keys: Sequence[Any],
    token: Callable[[Any], str],
    parse: Callable[[str], Any],
) -> tuple[Sequence[Any], dict[str, Any]]:
    """One page of ``items`` (sorted by ``keys``) and its ``meta`` (v2 reference §1.5).

    Cursors are base64 of "next__<id of the last item>" / "prev__<id of the first item>", as
    recorded; an id that has gone since is still a valid place in the order.
    """
    size = per_page(call)
    start, end = 0, size
    cursor = call.query.get("cursor", "")
    if cursor:
        try:
            decoded = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            direction, _, raw = decoded.partition("__")
            where = parse(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise V2Error(400, INVALID_CURSOR) from None
        if direction == "next":
            start = bisect.bisect_right(keys, where)
            end = start + size
        elif direction == "prev":
            end = bisect.bisect_left(keys, where)
            start = max(0, end - size)
        else:
            raise V2Error(400, INVALID_CURSOR)
    page = items[start:end]
    links = {"next": "", "prev": ""}
    if page and end < len(items):
        links["next"] = base64.b64encode(f"next__{token(page[-1])}".encode()).decode()
    if page and start > 0:
        links["prev"] = base64.b64encode(f"prev__{token(page[0])}".encode()).decode()
    return page, {"total": len(items), "links": links}


def positional(
    call: Call, items: Sequence[Any], token: Callable[[Any], str]
) -> tuple[Sequence[Any], dict[str, Any]]:
    """One page of a list kept in its own order (addresses, backups). The cursor names the
    ``token`` (the address, the backup's id) of the item it follows, as recorded cursors name an
    id (§1.5); a cursor naming an item that is no longer listed is a 400."""
    where = {token(item): n for n, item in enumerate(items)}

    def parse(raw: str) -> int:
        if raw not in where:
            raise ValueError(f"no item {raw!r}")
        return where[raw]

    return paginate(call, items, list(range(len(items))), token, parse)


def listing(
    call: Call, name: str, objects: Iterable[Any], render: Callable[[Any], Any]
) -> Response:
    """A paged list of objects that have a string v1 ``id``, ordered by it."""
    ordered = sorted(objects, key=lambda o: o.id)
    keys = [o.id for o in ordered]
    page, meta = paginate(call, ordered, keys, lambda o: str(o.id), type(keys[0]) if keys else str)
    return ok({name: [render(o) for o in page], "meta": meta})


def static_listing(call: Call, name: str, items: Sequence[dict[str, Any]]) -> Response:
    """A paged catalog list, ordered by id where the ids are in order (os), else by position."""
    keys = [item["id"] for item in items]
    if keys == sorted(keys):
        kind = type(keys[0]) if keys else str
        page, meta = paginate(call, items, keys, lambda item: str(item["id"]), kind)
    else:
        where = {item["id"]: n for n, item in enumerate(items)}
        positions = list(range(len(items)))
        page, meta = paginate(call, items, positions, lambda item: str(where[item["id"]]), int)
    return ok({name: list(page), "meta": meta})


# -- public ---------------------------------------------------------------------------------------


@_route("GET", "/os", public=True)
def os_list(call: Call) -> Response:
    return static_listing(call, "os", CATALOG.v2_os_list)


@_route("GET", "/plans", public=True)
def plans_list(call: Call) -> Response:
    return static_listing(call, "plans", CATALOG.v2_plans_of_type(call.query.get("type")))


@_route("GET", "/plans-metal", public=True)
def plans_metal(call: Call) -> Response:
    # `plans_metal`, not `plans` (v2 reference §2); the simulator has no bare metal.
    return static_listing(call, "plans_metal", [])


@_route("GET", "/regions", public=True)
def regions_list(call: Call) -> Response:
    return static_listing(call, "regions", CATALOG.v2_regions_list)


@_route("GET", "/regions/{region-id}/availability", public=True)
def regions_availability(call: Call) -> Response:
    plans = CATALOG.v2_availability.get(call.args[0])
    if plans is None:
        raise V2Error(400, INVALID_REGION)
    wanted = call.query.get("type", "all") or "all"
    if wanted != "all":
        plans = [code for code in plans if code.startswith(f"{wanted}-")]
    return ok({"available_plans": plans})  # no meta (§1.5)


@_route("GET", "/applications", public=True)
def applications(call: Call) -> Response:
    apps = [
        {
            "id": int(app["APPID"]),
            "name": app["name"],
            "short_name": app["short_name"],
            "deploy_name": app["deploy_name"],
            "type": "one-click",
            "vendor": "vultr",
            "image_id": "",
        }
        for app in CATALOG.app_list.values()
    ]
    return static_listing(call, "applications", apps)


@_route("GET", "/bare-metals")
def bare_metals(call: Call) -> Response:
    return static_listing(call, "bare_metals", [])  # no bare metal here; libcloud lists it


# Collections the simulator has nothing of: an account without any answers an empty list,
# as Vultr does, not a 404 (libcloud lists blocks and private networks).
for _path, _name in (
    ("/blocks", "blocks"),
    ("/private-networks", "networks"),
    ("/vpcs", "vpcs"),
    ("/reserved-ips", "reserved_ips"),
    ("/firewalls", "firewall_groups"),
):
    _route("GET", _path)(lambda call, name=_name: static_listing(call, name, []))


@_route("GET", "/iso-public", public=True)
def iso_public(call: Call) -> Response:
    return static_listing(call, "public_isos", [])


# -- account --------------------------------------------------------------------------------------


@_route("GET", "/account")
def account_info(call: Call) -> Response:
    info = call.account.info(call.now)
    # The same name and email as v1's auth/info.
    return ok(
        {
            "account": {
                "name": call.account.name,
                "email": call.account.email,
                "acls": ["manage_users", "subscriptions", "billing", "support", "provisioning",
                         "dns", "abuse", "upgrade", "firewall", "alerts"],
                "balance": float(info["balance"]),
                "pending_charges": float(info["pending_charges"]),
                "last_payment_date": fmt_iso(call.account.last_payment[0]),
                "last_payment_amount": float(info["last_payment_amount"]),
            }
        }
    )  # fmt: skip


# -- instances ------------------------------------------------------------------------------------

_FILTERS = ("label", "main_ip", "region", "tag", "hostname")


@_route("GET", "/instances")
def list_instances(call: Call) -> Response:
    account = call.account
    # An empty filter (`?label=`, as query builders without omitempty send) filters nothing.
    filters = tuple(call.query.get(name) or None for name in _FILTERS)
    cache_key = (per_page(call), call.query.get("cursor", ""), filters)
    if account.v2_pages_valid(call.now):
        cached = account.v2_pages.get(cache_key)
        if cached is not None:
            return Response(200, cached, JSON)
    servers: Sequence[Server] = account.v2_servers()
    if any(value is not None for value in filters):
        label, main_ip, region, tag, hostname = filters
        servers = [
            s
            for s in servers
            if (label is None or s.label == label)
            and (main_ip is None or s.main_ip == main_ip)
            and (region is None or CATALOG.region_codes[s.dcid] == region)
            and (tag is None or tag in s.v2_tags())
            and (hostname is None or (s.hostname or "vultr.guest") == hostname)
        ]
    keys = [int(s.subid) for s in servers]
    page, meta = paginate(call, servers, keys, lambda s: s.subid, int)
    m = Moment(call.now)
    body = encode({"instances": [s.to_v2(m) for s in page], "meta": meta})
    if len(account.v2_pages) > 256:
        account.v2_pages.clear()
    account.v2_pages[cache_key] = body
    return Response(200, body, JSON)


@_route("GET", "/instances/{instance-id}")
def get_instance(call: Call) -> Response:
    server = _server(call)
    # Eventual consistency after a create (v2 reference §8.2): optional, off by default.
    if call.not_found_seconds and call.now - server.created < call.not_found_seconds:
        raise V2Error(404, INSTANCE_NOT_FOUND)
    return ok({"instance": server.to_v2(Moment(call.now))})


def _image(call: Call) -> tuple[int, dict[str, Any]]:
    """The OSID (v1's special ones for ISO, snapshot and application) and create arguments."""
    iso_id, snapshot_id = call.text("iso_id"), call.text("snapshot_id")
    app_id, os_id = call.integer("app_id"), call.integer("os_id")
    if call.text("image_id"):
        raise V2Error(400, "Invalid image_id.")  # no marketplace here
    if iso_id:
        return OS_CUSTOM, {"iso_id": _iso(call, iso_id).id}
    if snapshot_id:
        return OS_SNAPSHOT, {"snapshot_id": _snapshot(call, snapshot_id).id}
    if app_id:
        return OS_APPLICATION, {"app_id": str(app_id)}
    if call.text("ipxe_chain_url"):
        return OS_CUSTOM, {"ipxe_chain_url": call.text("ipxe_chain_url")}
    if not os_id:
        raise V2Error(400, NO_IMAGE)
    if os_id in SPECIAL_OSIDS or os_id not in CATALOG.systems:
        raise V2Error(400, INVALID_OS)
    return os_id, {}


def _plan_in_region(call: Call, region: str | None, plan: str | None) -> tuple[int, state.Plan]:
    if not region or not plan:
        raise V2Error(400, BAD_REQUEST)  # [rec] for a create without region
    dcid = CATALOG.v2_regions.get(region.lower())
    if dcid is None:
        raise V2Error(400, INVALID_REGION)
    plan_id = CATALOG.v2_plans.get(plan)
    # Validated against /regions/{r}/availability (v2 reference §8.7).
    if plan_id is None or plan not in CATALOG.v2_availability[region.lower()]:
        raise V2Error(400, INVALID_PLAN)
    return dcid, CATALOG.plans[plan_id]


@_route("POST", "/instances")
def create_instance(call: Call) -> Response:
    account = call.account
    dcid, plan = _plan_in_region(call, call.text("region"), call.text("plan"))
    osid, image = _image(call)
    sshkeys = [
        _find(call, k, SshKey, (400, INVALID_SSH_KEY)).id for k in call.strings("sshkey_id") or ()
    ]
    script_id = call.text("script_id")
    script = _find(call, script_id, StartupScript, (400, INVALID_SCRIPT)).id if script_id else None
    user_data = call.text("user_data")
    if user_data:
        _base64(user_data, INVALID_USER_DATA)
    tags = call.strings("tags")
    tag = call.text("tag") or ""
    scheme = call.text("user_scheme") or "root"
    if scheme not in ("root", "limited"):
        raise V2Error(400, "Invalid user_scheme.")
    backups = (call.text("backups") or "disabled").lower()
    server = account.create_server(
        call.now,
        dcid,
        plan.id,
        osid,
        label=call.text("label") or "",
        tag=tag,
        enable_ipv6=call.flag("enable_ipv6"),
        enable_private_network=call.flag("enable_private_network")
        or call.flag("enable_vpc")
        or bool(call.strings("attach_vpc") or call.strings("attach_private_network")),
        auto_backups=backups in ("enabled", "true", "yes"),
        script_id=script,
        sshkey_ids=sshkeys,
        firewall_group=call.text("firewall_group_id") or "",
        reserved_ip=call.text("reserved_ipv4") or "",
        **image,
    )
    if tags is not None:
        server.set_v2_tags(tags if tags or not tag else [tag])
    server.hostname = call.text("hostname") or None
    server.user_data = user_data or ""
    server.user_scheme = scheme
    server.ddos = call.flag("ddos_protection")
    instance = server.to_v2(Moment(call.now))
    instance["pending_charges"] = 0  # nothing billed yet (the 2025 create capture, §5 (c))
    instance["default_password"] = server.password  # only in this answer (§3)
    return ok({"instance": instance}, 202)


@_route("PATCH", "/instances/{instance-id}")
def update_instance(call: Call) -> Response:
    account, server = call.account, _server(call)
    # Validate everything first, so that a 400 changes nothing.
    plan = None
    if call.text("plan") and call.text("plan") != CATALOG.plan_codes[server.plan.id]:
        region = CATALOG.region_codes[server.dcid]
        plan = _plan_in_region(call, region, call.text("plan"))[1]
    os_id, app_id = call.integer("os_id"), call.integer("app_id")
    if os_id and (os_id in SPECIAL_OSIDS or os_id not in CATALOG.systems):
        raise V2Error(400, INVALID_OS)
    if app_id and str(app_id) not in CATALOG.app_list:
        raise V2Error(400, "Invalid app_id.")
    if call.text("firewall_group_id"):
        raise V2Error(400, "Invalid firewall group.")
    tags = call.strings("tags")
    user_data = call.text("user_data")
    if user_data:
        _base64(user_data, INVALID_USER_DATA)
    if user_data is not None:
        server.user_data = user_data
    if "label" in call.body and call.body["label"] is not None:
        account.set_label(server.subid, call.text("label") or "")
    if tags is not None:
        server.set_v2_tags(tags)
    elif call.text("tag") is not None:
        account.set_tag(server.subid, call.text("tag") or "")
        server.tags = None
    if call.text("backups") is not None:
        on = call.flag("backups")
        if on and not server.auto_backups:
            server.backups_since = call.now
        server.auto_backups = on
    if call.flag("enable_ipv6") and not server.v6_prefix:
        account.enable_ipv6(server)
    if call.text("ddos_protection") is not None:
        server.ddos = call.flag("ddos_protection")
    if call.text("user_scheme") in ("root", "limited"):
        server.user_scheme = call.text("user_scheme") or "root"
    if plan is not None:
        account.resize(call.now, server.subid, plan)
    if os_id and os_id != server.osid:
        account.os_change(call.now, server.subid, os_id)
    elif app_id:
        active = account.active_server(server.subid, call.now)
        active.osid, active.os_name = OS_APPLICATION, CATALOG.systems[OS_APPLICATION].name
        active.appid = str(app_id)
        account.reinstall(call.now, server.subid)
    account.changed()
    return ok({"instance": server.to_v2(Moment(call.now))}, 202)


@_route("DELETE", "/instances/{instance-id}")
def delete_instance(call: Call) -> Response:
    server = _server(call)
    # v2 refuses while the server is being set up (ansible#113), not for its first 5 minutes.
    if server.phase(call.now)[0][1] in ("none", "locked"):
        raise V2Error(500, LOCKED_DESTROY)
    call.account.destroy_server(call.now, server.subid, min_age=0)
    return NO_CONTENT


def _unlocked(call: Call, server: Server) -> Server:
    """The server, if a power action may touch it: not while its ``server_status`` is none or
    locked (v2 reference §8.3), whatever v1 would allow."""
    if server.phase(call.now)[0][1] in ("none", "locked"):
        raise V2Error(500, LOCKED)
    return server


def _power(action: str) -> None:
    """POST /instances/{id}/<action> and its bulk form POST /instances/<action>."""

    def one(call: Call) -> Response:
        getattr(call.account, action)(call.now, _unlocked(call, _server(call)).subid)
        return NO_CONTENT

    def bulk(call: Call) -> Response:
        ids = call.strings("instance_ids")
        if not ids:
            raise V2Error(400, BAD_REQUEST)
        servers = [_server(call, value) for value in ids]
        for server in servers:  # all found and all ready, or nothing changes
            call.account.active_server(server.subid, call.now)
            _unlocked(call, server)
        for server in servers:
            getattr(call.account, action)(call.now, server.subid)
        return NO_CONTENT

    _route("POST", f"/instances/{{instance-id}}/{action}")(one)
    _route("POST", f"/instances/{action}")(bulk)


for _action in ("start", "halt", "reboot"):
    _power(_action)


@_route("POST", "/instances/{instance-id}/reinstall")
def reinstall_instance(call: Call) -> Response:
    server = _server(call)
    call.account.reinstall(call.now, server.subid)
    if call.text("hostname"):
        server.hostname = call.text("hostname")
    return ok({"instance": server.to_v2(Moment(call.now))}, 202)


@_route("POST", "/instances/{instance-id}/restore")
def restore_instance(call: Call) -> Response:
    server = _server(call)
    snapshot_id, backup_id = call.text("snapshot_id"), call.text("backup_id")
    if snapshot_id:
        snapshot = _snapshot(call, snapshot_id)
        call.account.restore_snapshot(call.now, server.subid, snapshot.id)
        kind, restored = "snapshot_id", snapshot.uuid
    elif backup_id:
        wanted = _uuid(backup_id)
        found = [b for b in server.backups(call.now) if _backup_uuid(b[0]) == wanted]
        if not found:
            raise V2Error(404, BACKUP_NOT_FOUND)
        call.account.restore_backup(call.now, server.subid, found[0][0])
        kind, restored = "backup_id", wanted
    else:
        raise V2Error(400, BAD_REQUEST)
    status = {"restore_type": kind, "restore_id": restored, "status": "inprogress"}
    return ok({"status": status}, 202)


@_route("GET", "/instances/{instance-id}/bandwidth")
def instance_bandwidth(call: Call) -> Response:
    server = _server(call)
    days = call.query.get("date_range", "30")
    days_back = min(180, max(1, int(days))) if days.isdigit() else 30
    return ok({"bandwidth": server.v2_bandwidth(call.now, days_back)})  # no meta


@_route("GET", "/instances/{instance-id}/neighbors")
def instance_neighbors(call: Call) -> Response:
    _server(call)
    return ok({"neighbors": []})


@_route("GET", "/instances/{instance-id}/user-data")
def instance_user_data(call: Call) -> Response:
    # What the create or the last PATCH sent, still base64 (v2 reference §2).
    return ok({"user_data": {"data": _server(call).user_data}})


@_route("GET", "/instances/{instance-id}/iso")
def instance_iso(call: Call) -> Response:
    server = _server(call)
    state_ = "isomounted" if server.iso_mounted else "ready"  # v1 iso_status's states
    return ok({"iso_status": {"state": state_, "iso_id": server.iso_mounted}})


@_route("POST", "/instances/{instance-id}/iso/attach")
def instance_iso_attach(call: Call) -> Response:
    server = _server(call)
    iso = _iso(call, call.required("iso_id"))
    call.account.active_server(server.subid, call.now)
    server.iso_mounted = iso.uuid
    return ok({"iso_status": {"state": "isomounting", "iso_id": iso.uuid}}, 202)


@_route("POST", "/instances/{instance-id}/iso/detach")
def instance_iso_detach(call: Call) -> Response:
    server = _server(call)
    server.iso_mounted = ""
    return ok({"iso_status": {"state": "isounmounting"}}, 202)


_SCHEDULE_TYPES = ("daily", "weekly", "monthly", "daily_alt_even", "daily_alt_odd")


def _backup_schedule(call: Call, server: Server) -> Response:
    schedule = server.backup_schedule or {"type": "daily", "hour": 0, "dow": 1, "dom": 1}
    day = int(call.now // state.DAY)
    hour = schedule["hour"]
    nxt = day * state.DAY + hour * 3600
    if nxt <= call.now:
        nxt += state.DAY
    return ok(
        {
            "backup_schedule": {
                "enabled": server.auto_backups,
                "type": schedule["type"],
                "next_scheduled_time_utc": fmt_iso(nxt),
                "hour": hour,
                "dow": schedule["dow"],
                "dom": schedule["dom"],
            }
        }
    )


@_route("POST", "/instances/{instance-id}/backup-schedule")
def set_instance_backup_schedule(call: Call) -> Response:
    server = _server(call)
    kind = call.required("type")
    if kind not in _SCHEDULE_TYPES:
        raise V2Error(400, "Invalid backup schedule type.")
    hour, dow, dom = call.integer("hour") or 0, call.integer("dow") or 1, call.integer("dom") or 1
    if not (0 <= hour <= 23 and 1 <= dow <= 7 and 1 <= dom <= 28):
        raise V2Error(400, "Invalid backup schedule.")
    server.backup_schedule = {"type": kind, "hour": hour, "dow": dow, "dom": dom}
    # 200 ([spec23] documents no body); the schedule set is sent back because pyvultr 0.1.5
    # reads one, and clients that expect none (govultr) ignore it.
    return _backup_schedule(call, server)


@_route("GET", "/instances/{instance-id}/backup-schedule")
def instance_backup_schedule(call: Call) -> Response:
    return _backup_schedule(call, _server(call))


@_route("GET", "/instances/{instance-id}/private-networks")
def instance_private_networks(call: Call) -> Response:
    _server(call)  # deprecated for VPCs; the simulator has neither
    page, meta = positional(call, [], lambda n: n["network_id"])
    return ok({"private_networks": list(page), "meta": meta})


@_route("GET", "/instances/{instance-id}/vpcs")
def instance_vpcs(call: Call) -> Response:
    _server(call)
    page, meta = positional(call, [], lambda v: v["id"])
    return ok({"vpcs": list(page), "meta": meta})


@_route("GET", "/instances/{instance-id}/upgrades")
def instance_upgrades(call: Call) -> Response:
    server = _server(call)
    wanted = call.query.get("type", "all") or "all"
    # All three keys every time, those not asked for empty: pyvultr reads the answer into a
    # dataclass that requires each of them (v2 reference §7: strict clients).
    upgrades: dict[str, Any] = {"os": [], "applications": [], "plans": []}
    if wanted in ("all", "os"):
        upgrades["os"] = [
            os for os in CATALOG.v2_os_list if os["id"] not in SPECIAL_OSIDS | {OS_BACKUP}
        ]
    if wanted in ("all", "applications"):
        upgrades["applications"] = [
            {"id": int(app["APPID"]), "name": app["name"], "short_name": app["short_name"],
             "deploy_name": app["deploy_name"]}
            for app in CATALOG.app_list.values()
        ]  # fmt: skip
    if wanted in ("all", "plans"):
        region = CATALOG.region_codes[server.dcid]
        upgrades["plans"] = [
            code
            for code in CATALOG.v2_availability[region]
            if CATALOG.plans[CATALOG.v2_plans[code]].disk_gb >= server.plan.disk_gb
            and code != CATALOG.plan_codes[server.plan.id]
        ]
    return ok({"upgrades": upgrades})  # no meta


# -- addresses ------------------------------------------------------------------------------------


@_route("GET", "/instances/{instance-id}/ipv4")
def list_ipv4(call: Call) -> Response:
    server = _server(call)
    public = call.query.get("public_network", "false").lower() in ("true", "yes", "1")
    found = call.account.list_ipv4(call.now, server.subid, public)
    page, meta = positional(call, found, lambda ip: ip["ip"])
    return ok({"ipv4s": list(page), "meta": meta})


@_route("POST", "/instances/{instance-id}/ipv4")
def create_ipv4(call: Call) -> Response:
    server = _server(call)
    ip = call.account.create_ipv4(call.now, server.subid, reboot=call.flag("reboot", True))
    a, b, c, _ = ip.split(".")
    entry = {
        "ip": ip,
        "netmask": "255.255.254.0",
        "gateway": f"{a}.{b}.{int(c) & ~1}.1",
        "type": "secondary_ip",
        "reverse": f"{ip}.vultr.com",
    }
    return ok({"ipv4": entry}, 202)


@_route("DELETE", "/instances/{instance-id}/ipv4/{ipv4}")
def delete_ipv4(call: Call) -> Response:
    call.account.destroy_ipv4(call.now, _server(call).subid, call.args[1])
    return NO_CONTENT


@_route("POST", "/instances/{instance-id}/ipv4/reverse")
def reverse_ipv4(call: Call) -> Response:
    server = _server(call)
    call.account.reverse_set_ipv4(server.subid, call.required("ip"), call.required("reverse"))
    return NO_CONTENT


# pyvultr 0.1.5 resets a PTR record at ".../reverse/default", without "ipv4/" (an alias, as
# for vultr-node's reverse IPv6 delete below).
@_route("POST", "/instances/{instance-id}/reverse/default")
@_route("POST", "/instances/{instance-id}/ipv4/reverse/default")
def reverse_ipv4_default(call: Call) -> Response:
    call.account.reverse_default_ipv4(_server(call).subid, call.required("ip"))
    return NO_CONTENT


@_route("GET", "/instances/{instance-id}/ipv6")
def list_ipv6(call: Call) -> Response:
    server = _server(call)
    found = [
        {**entry, "network_size": int(entry["network_size"])}
        for entry in call.account.list_ipv6(call.now, server.subid)
    ]
    page, meta = positional(call, found, lambda ip: ip["ip"])
    return ok({"ipv6s": list(page), "meta": meta})


@_route("GET", "/instances/{instance-id}/ipv6/reverse")
def list_reverse_ipv6(call: Call) -> Response:
    found = call.account.reverse_list_ipv6(_server(call).subid)
    return ok({"reverse_ipv6s": found})  # no meta


@_route("POST", "/instances/{instance-id}/ipv6/reverse")
def reverse_ipv6(call: Call) -> Response:
    server = _server(call)
    call.account.reverse_set_ipv6(server.subid, call.required("ip"), call.required("reverse"))
    return NO_CONTENT


def _delete_reverse_ipv6(call: Call) -> Response:
    call.account.reverse_delete_ipv6(_server(call).subid, call.args[1])
    return NO_CONTENT


_route("DELETE", "/instances/{instance-id}/ipv6/reverse/{ipv6}")(_delete_reverse_ipv6)
# vultr-node 2.8.0 deletes a reverse entry at this path (v2 reference §2, §7).
_route("DELETE", "/instances/{instance-id}/ipv6/{ipv6}")(_delete_reverse_ipv6)


# -- snapshots and backups ------------------------------------------------------------------------


@_route("GET", "/snapshots")
def list_snapshots(call: Call) -> Response:
    wanted = call.query.get("description")
    snapshots = [
        s for s in call.account.snapshots.values() if wanted is None or s.description == wanted
    ]
    return listing(call, "snapshots", snapshots, lambda s: s.to_v2(call.now))


@_route("GET", "/snapshots/{snapshot-id}")
def get_snapshot(call: Call) -> Response:
    return ok({"snapshot": _snapshot(call, call.args[0]).to_v2(call.now)})


@_route("POST", "/snapshots")
def create_snapshot(call: Call) -> Response:
    server = _server(call, call.required("instance_id"))
    description = call.text("description") or ""
    snapshot = call.account.create_snapshot(call.now, server.subid, description)
    return ok({"snapshot": snapshot.to_v2(call.now)}, 201)


@_route("POST", "/snapshots/create-from-url")
def create_snapshot_from_url(call: Call) -> Response:
    url = call.required("url")
    if not url.lower().startswith(("http://", "https://")):
        raise V2Error(400, "Invalid URL.")
    snapshot = call.account.snapshot_from_url(call.now, url, call.text("description") or "")
    return ok({"snapshot": snapshot.to_v2(call.now)}, 202)  # 202, not 201 (§1.2)


@_route("PUT", "/snapshots/{snapshot-id}")
def update_snapshot(call: Call) -> Response:
    snapshot = _snapshot(call, call.args[0])
    snapshot.description = call.text("description") or ""
    return NO_CONTENT


@_route("DELETE", "/snapshots/{snapshot-id}")
def delete_snapshot(call: Call) -> Response:
    call.account.destroy_snapshot(_snapshot(call, call.args[0]).id)
    return NO_CONTENT


def _backup_uuid(backup_id: str) -> str:
    return state.uuid_for(f"backup:{backup_id}")


def _backups(call: Call, servers: Iterable[Server]) -> list[dict[str, Any]]:
    found = [
        {
            "id": _backup_uuid(backup_id),
            "date_created": fmt_iso(created),
            "description": "Automatic server backup",
            "size": int(size),
            "status": "complete",
        }
        for server in servers
        for backup_id, created, size in server.backups(call.now)
    ]
    return sorted(found, key=lambda b: b["date_created"])


@_route("GET", "/backups")
def list_backups(call: Call) -> Response:
    instance = call.query.get("instance_id")
    servers = [_server(call, instance)] if instance else call.account.v2_servers()
    found = _backups(call, servers)
    page, meta = positional(call, found, lambda b: b["id"])
    return ok({"backups": list(page), "meta": meta})


@_route("GET", "/backups/{backup-id}")
def get_backup(call: Call) -> Response:
    wanted = _uuid(call.args[0])
    for backup in _backups(call, call.account.v2_servers()):
        if backup["id"] == wanted:
            return ok({"backup": backup})
    raise V2Error(404, BACKUP_NOT_FOUND)


# -- SSH keys, startup scripts, ISOs --------------------------------------------------------------


def _kept_objects(
    template: str,
    one: str,
    kept: str,
    find: Callable[[Call, str], Any],
    destroy: Callable[[Account, Any], None],
) -> None:
    """Routes the paged list (`GET`, named `one` + "s"), one object (`GET template`, named
    `one`) and its deletion (`DELETE template`) for a kind of object the account keeps by v1 id
    in its dict attribute `kept`. `template` is the one object's path."""

    @_route("GET", template.rpartition("/")[0])
    def list_all(call: Call) -> Response:
        objects = getattr(call.account, kept).values()
        return listing(call, f"{one}s", objects, lambda o: o.to_v2())

    @_route("GET", template)
    def get_one(call: Call) -> Response:
        return ok({one: find(call, call.args[0]).to_v2()})

    @_route("DELETE", template)
    def delete_one(call: Call) -> Response:
        destroy(call.account, find(call, call.args[0]).id)
        return NO_CONTENT


for _template, _one, _kept, _lookup, _destroy in (
    ("/ssh-keys/{ssh-key-id}", "ssh_key", "sshkeys", _sshkey, Account.destroy_sshkey),
    ("/startup-scripts/{startup-id}", "startup_script", "scripts", _script, Account.destroy_script),
    ("/iso/{iso-id}", "iso", "isos", _iso, Account.destroy_iso),
):
    _kept_objects(_template, _one, _kept, _lookup, _destroy)


@_route("POST", "/ssh-keys")
def create_sshkey(call: Call) -> Response:
    name, key = call.required("name"), call.required("ssh_key")
    return ok({"ssh_key": call.account.create_sshkey(call.now, name, key).to_v2()}, 201)


# pyvultr 0.1.5 updates keys with PUT (an early v2 verb); Vultr documents PATCH.
@_route("PUT", "/ssh-keys/{ssh-key-id}")
@_route("PATCH", "/ssh-keys/{ssh-key-id}")
def update_sshkey(call: Call) -> Response:
    sshkey = _sshkey(call, call.args[0])
    call.account.update_sshkey(sshkey.id, call.text("name"), call.text("ssh_key"))
    return NO_CONTENT


@_route("POST", "/startup-scripts")
def create_script(call: Call) -> Response:
    name = call.required("name")
    script = _base64(call.required("script"), NOT_BASE64)
    created = call.account.create_script(call.now, name, script, call.text("type") or "boot")
    return ok({"startup_script": created.to_v2()}, 201)


@_route("PUT", "/startup-scripts/{startup-id}")
@_route("PATCH", "/startup-scripts/{startup-id}")
def update_script(call: Call) -> Response:
    found = _script(call, call.args[0])
    script = call.text("script")
    body = _base64(script, NOT_BASE64) if script is not None else None
    kind = call.text("type")
    if kind is not None and kind not in ("boot", "pxe"):
        raise translate(Failed(state.INVALID_SCRIPT_TYPE))
    call.account.update_script(call.now, found.id, call.text("name"), body)
    if kind is not None:
        found.type = kind
    return NO_CONTENT


@_route("POST", "/iso")
def create_iso(call: Call) -> Response:
    url = call.required("url")
    filename = url.rstrip("/").rsplit("/", 1)[-1] or "image.iso"
    size = 300_000_000 + state._hash_int(url) % 700_000_000
    return ok({"iso": call.account.add_iso(call.now, filename, size).to_v2()}, 201)
