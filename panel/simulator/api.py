"""The v1 endpoints: paths, methods, parameter names and answer shapes (reference §5, §8).

Handlers translate form parameters into account calls and account data into v1 JSON. They run
under the simulator's lock and return a JSON-able value, pre-serialized JSON bytes, or ``None``
for an action (200 with an empty body).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import state
from .catalog import CATALOG
from .clock import fmt_datetime
from .state import INVALID_DCID, Account, Failed, Moment


@dataclass(slots=True)
class Call:
    params: dict[str, str]
    account: Account  # None for keyless calls, which only reach public endpoints
    now: float

    def get(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def optional(self, name: str) -> str | None:
        return self.params.get(name)

    def required(self, name: str) -> str:
        value = self.params.get(name, "")
        if not value:
            raise Failed(f"Missing {name} field")
        return value

    def number(self, name: str) -> int | None:
        """An integer ID; None when absent or not a number, for the caller's "Invalid …" text."""
        value = self.params.get(name, "").strip()
        return int(value) if value.isdigit() else None

    def yes(self, name: str, default: str = "no") -> bool:
        return self.params.get(name, default) == "yes"

    @property
    def subid(self) -> str:
        # A missing SUBID gets the same answer as a wrong one (python-vultr's tests, §2).
        return self.params.get("SUBID", "")


Handler = Callable[[Call], Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    handler: Handler
    public: bool = False


ENDPOINTS: dict[str, Endpoint] = {}


def _endpoint(path: str, method: str, public: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ENDPOINTS[f"/v1/{path}"] = Endpoint(method, handler, public)
        return handler

    return register


# -- public ---------------------------------------------------------------------------------------


@_endpoint("os/list", "GET", public=True)
def os_list(call: Call) -> Any:
    return CATALOG.os_list


@_endpoint("plans/list", "GET", public=True)
def plans_list(call: Call) -> Any:
    return CATALOG.plans_of_type(call.get("type"))


@_endpoint("plans/list_vc2", "GET", public=True)
def plans_list_vc2(call: Call) -> Any:
    return CATALOG.plan_variant("vc2")


@_endpoint("plans/list_vdc2", "GET", public=True)
def plans_list_vdc2(call: Call) -> Any:
    return CATALOG.plan_variant("vdc2")


@_endpoint("plans/list_vc2z", "GET", public=True)
def plans_list_vc2z(call: Call) -> Any:
    return CATALOG.plan_variant("vc2z")


@_endpoint("regions/list", "GET", public=True)
def regions_list(call: Call) -> Any:
    return CATALOG.regions_list


@_endpoint("regions/availability", "GET", public=True)
def regions_availability(call: Call) -> Any:
    # A JSON array of numbers, not a map (reference §5).
    return _availability(call, CATALOG.plans_of_type(call.get("type")))


def _availability(call: Call, plans: dict[str, Any]) -> list[int]:
    call.required("DCID")
    dcid = call.number("DCID")
    if dcid not in CATALOG.availability:
        raise Failed(INVALID_DCID)
    return [plan for plan in CATALOG.availability[dcid] if str(plan) in plans]


# The other public endpoints of reference §1. The simulator has no bare metal and no object
# storage clusters, so those lists are empty (`[]`, as v1 sends an empty map).
@_endpoint("regions/availability_vc2", "GET", public=True)
def regions_availability_vc2(call: Call) -> Any:
    return _availability(call, CATALOG.plan_variant("vc2"))


@_endpoint("regions/availability_vdc2", "GET", public=True)
def regions_availability_vdc2(call: Call) -> Any:
    return _availability(call, CATALOG.plan_variant("vdc2"))


@_endpoint("regions/availability_baremetal", "GET", public=True)
def regions_availability_baremetal(call: Call) -> Any:
    return _availability(call, {})


@_endpoint("plans/list_baremetal", "GET", public=True)
def plans_list_baremetal(call: Call) -> Any:
    return {}


@_endpoint("objectstorage/list_cluster", "GET", public=True)
def objectstorage_list_cluster(call: Call) -> Any:
    return []


@_endpoint("app/list", "GET", public=True)
def app_list(call: Call) -> Any:
    return CATALOG.app_list


# -- account --------------------------------------------------------------------------------------


@_endpoint("account/info", "GET")
def account_info(call: Call) -> Any:
    return call.account.info(call.now)


@_endpoint("auth/info", "GET")
def auth_info(call: Call) -> Any:
    return {
        "acls": ["manage_users", "subscriptions", "billing", "support", "provisioning", "dns"],
        "email": call.account.email,
        "name": call.account.name,
    }


@_endpoint("iso/list", "GET")
def iso_list(call: Call) -> Any:
    return {str(iso.id): iso.to_v1() for iso in call.account.isos.values()}


@_endpoint("iso/list_public", "GET")
def iso_list_public(call: Call) -> Any:
    return {}  # none here; sent as [] like every empty map


@_endpoint("iso/create_from_url", "POST")
def iso_create_from_url(call: Call) -> Any:
    url = call.required("url")
    filename = url.rstrip("/").rsplit("/", 1)[-1] or "image.iso"
    size = 300_000_000 + state._hash_int(url) % 700_000_000
    return {"ISOID": call.account.add_iso(call.now, filename, size).id}  # a number (§8)


@_endpoint("iso/destroy", "POST")
def iso_destroy(call: Call) -> Any:
    iso_id = call.number("ISOID")
    if iso_id not in call.account.isos:
        raise Failed(state.INVALID_ISO)
    call.account.destroy_iso(iso_id)  # type: ignore[arg-type]


# -- servers: reads -------------------------------------------------------------------------------


@_endpoint("server/list", "GET")
def server_list(call: Call) -> Any:
    account = call.account
    if "SUBID" in call.params:  # one object, not a map (reference §4)
        return account.server(call.subid).to_v1(Moment(call.now))
    # One filter at a time (reference §4), in the documented order.
    for name in ("tag", "label", "main_ip"):
        if name in call.params:
            wanted, m = call.params[name], Moment(call.now)
            return {
                s.subid: s.to_v1(m) for s in account.servers.values() if getattr(s, name) == wanted
            }
    return account.servers_json(call.now)


@_endpoint("server/bandwidth", "GET")
def server_bandwidth(call: Call) -> Any:
    return call.account.server(call.subid).bandwidth(call.now)


@_endpoint("server/list_ipv4", "GET")
def server_list_ipv4(call: Call) -> Any:
    # govultr sends public_network=<SUBID> to mean yes, so anything but no/empty is yes.
    public = call.get("public_network", "no") not in ("", "no")
    return {call.subid: call.account.list_ipv4(call.now, call.subid, public)}


@_endpoint("server/list_ipv6", "GET")
def server_list_ipv6(call: Call) -> Any:
    return {call.subid: call.account.list_ipv6(call.now, call.subid)}


@_endpoint("server/reverse_list_ipv6", "GET")
def server_reverse_list_ipv6(call: Call) -> Any:
    return {call.subid: call.account.reverse_list_ipv6(call.subid)}


@_endpoint("server/os_change_list", "GET")
def server_os_change_list(call: Call) -> Any:
    return call.account.os_change_list(call.subid)


# -- servers: actions -----------------------------------------------------------------------------


@_endpoint("server/create", "POST")
def server_create(call: Call) -> Any:
    for name in ("DCID", "VPSPLANID", "OSID"):
        call.required(name)
    server = call.account.create_server(
        call.now,
        call.number("DCID"),
        call.number("VPSPLANID"),
        call.number("OSID"),
        label=call.get("label"),
        tag=call.get("tag"),
        enable_ipv6=call.yes("enable_ipv6"),
        # NETWORKID[] attaches given private networks instead (reference §7).
        enable_private_network=call.yes("enable_private_network") or "NETWORKID[]" in call.params,
        auto_backups=call.yes("auto_backups"),
        iso_id=call.number("ISOID") if call.get("ISOID") else None,
        ipxe_chain_url=call.get("ipxe_chain_url"),
        snapshot_id=call.get("SNAPSHOTID"),
        app_id=call.get("APPID"),
        script_id=call.number("SCRIPTID") if call.get("SCRIPTID") else None,
        # One comma-separated string (reference §4).
        sshkey_ids=[k.strip() for k in call.get("SSHKEYID").split(",") if k.strip()],
        firewall_group=call.get("FIREWALLGROUPID"),
        reserved_ip=call.get("reserved_ip_v4"),
    )
    server.user_data = call.get("userdata")  # base64, shown by v2's user-data
    server.hostname = call.get("hostname") or None  # v2 shows it (v1 has no field for it)
    return {"SUBID": server.subid}


def _server_change(account_method: str, *fields: str, timed: bool = True) -> Handler:
    """An endpoint whose whole work is the account's `account_method` on the server: called with
    the time (unless not `timed`), the SUBID and the required form `fields`, in that order. An
    unknown server is refused before a missing field."""

    def handler(call: Call) -> Any:
        call.account.server(call.subid)
        values = [call.required(name) for name in fields]
        change = getattr(call.account, account_method)
        if timed:
            change(call.now, call.subid, *values)
        else:
            change(call.subid, *values)

    return handler


for _action, _account_method in (
    ("destroy", "destroy_server"),
    ("start", "start"),
    ("halt", "halt"),
    ("reboot", "reboot"),
):
    _endpoint(f"server/{_action}", "POST")(_server_change(_account_method))

for _action, _field in (
    ("restore_snapshot", "SNAPSHOTID"),
    ("restore_backup", "BACKUPID"),
    ("destroy_ipv4", "ip"),
):
    _endpoint(f"server/{_action}", "POST")(_server_change(_action, _field))

# Reverse DNS does not depend on the time.
for _action, _fields in (
    ("reverse_set_ipv4", ("ip", "entry")),
    ("reverse_default_ipv4", ("ip",)),
    ("reverse_set_ipv6", ("ip", "entry")),
    ("reverse_delete_ipv6", ("ip",)),
):
    _endpoint(f"server/{_action}", "POST")(_server_change(_action, *_fields, timed=False))


@_endpoint("server/reinstall", "POST")
def server_reinstall(call: Call) -> Any:
    call.account.reinstall(call.now, call.subid)
    if call.get("hostname"):  # reference §5: "hostname" — the hostname to set
        call.account.server(call.subid).hostname = call.get("hostname")


@_endpoint("server/label_set", "POST")
def server_label_set(call: Call) -> Any:
    call.account.server(call.subid)
    if "label" not in call.params:
        raise Failed("Missing label field")
    call.account.set_label(call.subid, call.get("label"))


@_endpoint("server/tag_set", "POST")
def server_tag_set(call: Call) -> Any:
    call.account.set_tag(call.subid, call.get("tag"))


@_endpoint("server/os_change", "POST")
def server_os_change(call: Call) -> Any:
    call.account.server(call.subid)
    call.required("OSID")
    call.account.os_change(call.now, call.subid, call.number("OSID"))


@_endpoint("server/create_ipv4", "POST")
def server_create_ipv4(call: Call) -> Any:
    # The docs promise no body here, so none is sent (seed server_create_ipv4).
    call.account.create_ipv4(call.now, call.subid, reboot=call.get("reboot", "yes") != "no")


# -- servers: the other actions of reference §8 that python-vultr 1.0.1 calls --------------------

INVALID_UPGRADE = "Invalid plan.  Check VPSPLANID value against v1/server/upgrade_plan_list"
INVALID_ISO_STATE = "ISO is already attached.  Detach it first with v1/server/iso_detach"
NO_ISO_ATTACHED = "No ISO is attached to this server"
INVALID_SCHEDULE = (
    "Invalid cron_type.  Must be daily, weekly, monthly, daily_alt_even or daily_alt_odd"
)


def _upgrades(call: Call) -> list[int]:
    server = call.account.server(call.subid)
    return [
        plan
        for plan in CATALOG.availability[server.dcid]
        if plan != server.plan.id and CATALOG.plans[plan].disk_gb >= server.plan.disk_gb
    ]


@_endpoint("server/upgrade_plan_list", "GET")
def server_upgrade_plan_list(call: Call) -> Any:
    return _upgrades(call)  # a JSON array of int VPSPLANIDs; [] when none (reference §8)


@_endpoint("server/upgrade_plan", "POST")
def server_upgrade_plan(call: Call) -> Any:
    account = call.account
    server = account.active_server(call.subid, call.now)
    plan_id = call.number("VPSPLANID")
    if plan_id not in _upgrades(call):
        raise Failed(INVALID_UPGRADE)
    server.plan = CATALOG.plans[plan_id]
    account.reboot(call.now, call.subid)  # "reboots" (reference §8)


@_endpoint("server/neighbors", "GET")
def server_neighbors(call: Call) -> Any:
    call.account.server(call.subid)
    return []  # int SUBIDs on the same host; the simulator's servers share none


@_endpoint("server/get_user_data", "GET")
def server_get_user_data(call: Call) -> Any:
    return {"userdata": call.account.server(call.subid).user_data}  # base64


@_endpoint("server/set_user_data", "POST")
def server_set_user_data(call: Call) -> Any:
    call.account.server(call.subid).user_data = call.get("userdata")


@_endpoint("server/iso_status", "GET")
def server_iso_status(call: Call) -> Any:
    server = call.account.server(call.subid)
    iso = call.account.by_uuid.get(server.iso_mounted) if server.iso_mounted else None
    if iso is None:
        return {"state": "ready", "ISOID": "0"}
    return {"state": "isomounted", "ISOID": str(iso.id)}


@_endpoint("server/iso_attach", "POST")
def server_iso_attach(call: Call) -> Any:
    server = call.account.active_server(call.subid, call.now)
    iso = call.account.isos.get(call.number("ISOID"))  # type: ignore[arg-type]
    if iso is None:
        raise Failed(state.INVALID_ISO)
    if server.iso_mounted:
        raise Failed(INVALID_ISO_STATE)
    server.iso_mounted = iso.uuid


@_endpoint("server/iso_detach", "POST")
def server_iso_detach(call: Call) -> Any:
    server = call.account.server(call.subid)
    if not server.iso_mounted:
        raise Failed(NO_ISO_ATTACHED)
    server.iso_mounted = ""


@_endpoint("server/backup_enable", "POST")
def server_backup_enable(call: Call) -> Any:
    server = call.account.server(call.subid)
    if not server.auto_backups:
        server.auto_backups, server.backups_since = True, call.now
        call.account.changed()


@_endpoint("server/backup_disable", "POST")
def server_backup_disable(call: Call) -> Any:
    call.account.server(call.subid).auto_backups = False
    call.account.changed()


# A read done by POST in every client (reference §11).
@_endpoint("server/backup_get_schedule", "POST")
def server_backup_get_schedule(call: Call) -> Any:
    server = call.account.server(call.subid)
    schedule = server.backup_schedule or {"type": "daily", "hour": 0, "dow": 1, "dom": 1}
    hour = schedule["hour"]
    upcoming = int(call.now // state.DAY) * state.DAY + hour * 3600
    if upcoming <= call.now:
        upcoming += state.DAY
    return {
        "enabled": server.auto_backups,
        "cron_type": schedule["type"],
        "next_scheduled_time_utc": fmt_datetime(upcoming),
        "hour": hour,
        "dow": schedule["dow"],
        "dom": schedule["dom"],
    }


@_endpoint("server/backup_set_schedule", "POST")
def server_backup_set_schedule(call: Call) -> Any:
    server = call.account.server(call.subid)
    kind = call.required("cron_type")
    if kind not in ("daily", "weekly", "monthly", "daily_alt_even", "daily_alt_odd"):
        raise Failed(INVALID_SCHEDULE)
    hour, dow, dom = call.number("hour") or 0, call.number("dow") or 1, call.number("dom") or 1
    server.backup_schedule = {"type": kind, "hour": hour % 24, "dow": dow, "dom": dom}


# -- snapshots and backups ------------------------------------------------------------------------


@_endpoint("snapshot/list", "GET")
def snapshot_list(call: Call) -> Any:
    wanted = call.optional("SNAPSHOTID")
    return {
        s.id: s.to_v1(call.now)
        for s in call.account.snapshots.values()
        if wanted is None or s.id == wanted
    }


@_endpoint("snapshot/create", "POST")
def snapshot_create(call: Call) -> Any:
    snapshot = call.account.create_snapshot(call.now, call.subid, call.get("description"))
    return {"SNAPSHOTID": snapshot.id}


@_endpoint("snapshot/create_from_url", "POST")
def snapshot_create_from_url(call: Call) -> Any:
    snapshot = call.account.snapshot_from_url(call.now, call.required("url"), "")
    return {"SNAPSHOTID": snapshot.id}


@_endpoint("snapshot/destroy", "POST")
def snapshot_destroy(call: Call) -> Any:
    call.account.destroy_snapshot(call.required("SNAPSHOTID"))


@_endpoint("backup/list", "GET")
def backup_list(call: Call) -> Any:
    account = call.account
    if "SUBID" in call.params:
        servers = [account.server(call.subid)]
    else:
        servers = list(account.servers.values())
    wanted = call.optional("BACKUPID")
    return {
        backup_id: {
            "BACKUPID": backup_id,
            "date_created": fmt_datetime(created),
            "description": "Automatic server backup",
            "size": size,
            "status": "complete",
        }
        for server in servers
        for backup_id, created, size in server.backups(call.now)
        if wanted is None or backup_id == wanted
    }


# -- SSH keys and startup scripts -----------------------------------------------------------------


@_endpoint("sshkey/list", "GET")
def sshkey_list(call: Call) -> Any:
    return {k.id: k.to_v1() for k in call.account.sshkeys.values()}


@_endpoint("sshkey/create", "POST")
def sshkey_create(call: Call) -> Any:
    sshkey = call.account.create_sshkey(call.now, call.get("name"), call.required("ssh_key"))
    return {"SSHKEYID": sshkey.id}


@_endpoint("sshkey/update", "POST")
def sshkey_update(call: Call) -> Any:
    call.account.update_sshkey(
        call.required("SSHKEYID"), call.optional("name"), call.optional("ssh_key")
    )


@_endpoint("sshkey/destroy", "POST")
def sshkey_destroy(call: Call) -> Any:
    call.account.destroy_sshkey(call.required("SSHKEYID"))


@_endpoint("startupscript/list", "GET")
def startupscript_list(call: Call) -> Any:
    return {str(s.id): s.to_v1() for s in call.account.scripts.values()}


@_endpoint("startupscript/create", "POST")
def startupscript_create(call: Call) -> Any:
    name, script = call.required("name"), call.required("script")
    created = call.account.create_script(call.now, name, script, call.get("type", "boot"))
    return {"SCRIPTID": created.id}  # a number here (reference §4)


@_endpoint("startupscript/update", "POST")
def startupscript_update(call: Call) -> Any:
    call.required("SCRIPTID")
    call.account.update_script(
        call.now, call.number("SCRIPTID"), call.optional("name"), call.optional("script")
    )


@_endpoint("startupscript/destroy", "POST")
def startupscript_destroy(call: Call) -> Any:
    call.required("SCRIPTID")
    call.account.destroy_script(call.number("SCRIPTID"))
