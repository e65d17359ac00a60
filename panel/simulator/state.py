"""Accounts, their resources, and the server state machine over simulated time.

States are not advanced by a background thread: each server remembers the operation it is in
(create, reinstall, reboot) and when it started, and its v1 state is computed from the clock on
every read. So ``advance()`` needs no bookkeeping and 10,000 idle servers cost nothing.

Everything here runs under the simulator's lock. Methods raise :class:`Failed` for what v1
answers with 412 and a plain-text reason (reference §2); the v2 API translates those.

One state serves both API versions, as Vultr's did while both existed: every object has its v1
id and a v2 UUID (``uuid``), and each account finds any object by UUID in ``by_uuid``. The
UUIDs are derived from the v1 ids by hashing, so they are stable and cost no RNG draws (the
demo data stays what it was).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import ipaddress
import json
import math
import random
import string
import time
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

from .catalog import (
    CATALOG,
    OS_APPLICATION,
    OS_BACKUP,
    OS_CUSTOM,
    OS_SNAPSHOT,
    WINDOWS_SURCHARGE,
    Plan,
)
from .clock import SimClock, fmt_date, fmt_datetime, fmt_iso

T = TypeVar("T")

HOUR = 3600.0
DAY = 86400.0
# Vultr bills by the hour and caps a month at 672 hours (4 weeks).
HOURS_PER_MONTH = 672
# reference §7: "The server can't be destroyed until it is 5 minutes old."
MIN_AGE_FOR_DESTROY = 300.0
# Automatic backups run daily; Vultr kept the latest two.
BACKUPS_KEPT = 2
GIB = 1024**3

# Texts Vultr answered with, as quoted by clients (reference §2). Note the two spaces.
INVALID_SERVER = (
    "Invalid server.  Check SUBID value and ensure your API key matches the server's account"
)
PLAN_NOT_AVAILABLE = (
    "Plan is not available in the selected datacenter.  This could mean you have chosen the "
    "wrong plan (for example, a 32-bit plan in a 64-bit-only location), or the location you "
    "have selected does not have any more capacity."
)
DESTROY_TOO_SOON = (
    "Unable to destroy server: Servers cannot be destroyed within 5 minutes of being created"
)
# Not recorded anywhere; written in the same style.
INVALID_DCID = "Invalid DCID.  Check DCID value against v1/regions/list"
INVALID_PLAN = "Invalid plan.  Check VPSPLANID value against v1/plans/list"
INVALID_OS = "Invalid operating system.  Check OSID value against v1/os/list"
BACKUP_OS_NOT_DEPLOYABLE = (
    "Invalid operating system.  Backups can only be restored with v1/server/restore_backup"
)
INVALID_OS_CHANGE = "Invalid operating system.  Check OSID value against v1/server/os_change_list"
INVALID_SNAPSHOT = "Invalid snapshot.  Check SNAPSHOTID value against v1/snapshot/list"
SNAPSHOT_NOT_COMPLETE = "Snapshot is not complete yet.  Wait until its status is complete"
INVALID_BACKUP = "Invalid backup.  Check BACKUPID value against v1/backup/list for this server"
INVALID_ISO = "Invalid ISO.  Check ISOID value against v1/iso/list"
CUSTOM_NEEDS_ISO = "Custom operating system requires ISOID or ipxe_chain_url"
INVALID_APP = "Invalid application.  Check APPID value against v1/app/list"
INVALID_SCRIPT = "Invalid startup script.  Check SCRIPTID value against v1/startupscript/list"
INVALID_SCRIPT_TYPE = "Invalid startup script type.  Must be boot or pxe"
INVALID_SSHKEY = "Invalid SSH key.  Check SSHKEYID value against v1/sshkey/list"
BAD_SSH_KEY = "Invalid SSH key.  The key must be in authorized_keys format"
INVALID_FIREWALL_GROUP = "Invalid firewall group.  Check FIREWALLGROUPID value"
INVALID_RESERVED_IP = "Invalid reserved IP.  Check reserved_ip_v4 value"
INVALID_IP = "Invalid IP address.  Check ip value and ensure it belongs to this server"
CANNOT_REMOVE_MAIN_IP = "Unable to remove IP address: the main IP address cannot be removed"
IPV6_NOT_ENABLED = "IPv6 is not enabled on this server"
INVALID_REVERSE = "Invalid reverse DNS entry.  Check entry value"
SERVER_PENDING = "Server is still being deployed.  Try again once its status is active"

_KVM_URL = "https://my.vultr.com/subs/novnc/api.php?data="
_KVM_URL_V2 = "https://my.vultr.com/subs/vps/novnc/api.php?data="  # v2 reference §5
_NETMASK_V4 = "255.255.254.0"  # every recorded server sits in a /23
_PRIVATE_NETMASK = "255.255.240.0"
_PASSWORD_CHARS = string.ascii_letters + string.digits + "!#$%*@[]_{}"
_TOKEN_CHARS = string.ascii_letters + string.digits
# One Vultr-looking /16 per region so that an address tells where it lives. Fake but valid.
_REGION_PREFIX = {
    1: "45.77", 2: "66.42", 3: "45.32", 4: "104.238", 5: "45.63", 6: "155.138", 7: "45.76",
    8: "78.141", 9: "95.179", 12: "149.28", 19: "108.61", 22: "149.248", 24: "217.69",
    25: "202.182", 34: "141.164", 39: "207.246", 40: "139.180",
}  # fmt: skip

# Operations a server can be in, and the v1 states they pass through (reference §6: pending +
# none, active + locked, active + installingbooting, then active + ok). Each phase is
# (end as a fraction of the operation's length, status, server_state, addresses shown).
CREATE, REINSTALL, REBOOT, RESIZE = 1, 2, 3, 4
_PHASES: dict[int, tuple[tuple[float, str, str, bool], ...]] = {
    # main_ip is "0.0.0.0" until the address is assigned a third of the way in.
    CREATE: (
        (1 / 3, "pending", "none", False),
        (1 / 2, "pending", "none", True),
        (2 / 3, "active", "locked", True),
        (1.0, "active", "installingbooting", True),
    ),
    REINSTALL: ((0.5, "active", "locked", True), (1.0, "active", "installingbooting", True)),
    REBOOT: ((1.0, "active", "installingbooting", True),),
    # A v2 plan change (PATCH plan): resizing + locked, then back (v2 reference §3.1).
    RESIZE: ((0.5, "resizing", "locked", True), (1.0, "active", "installingbooting", True)),
}
# Operation length as a fraction of provisioning_seconds (60 s by default: a reinstall takes 30 s,
# a reboot 10 s).
_OP_LENGTH = {CREATE: 1.0, REINSTALL: 0.5, REBOOT: 1 / 6, RESIZE: 1 / 3}
_SETTLED = ("active", "ok", True)


class Failed(Exception):
    """A request that v1 answers with 412 and this plain-text reason."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class AccountExists(ValueError):
    """Simulator.add_account was given a key that already has an account."""


class Moment:
    """``now`` and the calendar boundaries that billing and bandwidth need, computed once."""

    __slots__ = ("now", "day", "month_start", "next_month")

    def __init__(self, now: float) -> None:
        t = time.gmtime(now)
        self.now = now
        self.day = int(now // DAY)
        self.month_start = float(calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0)))
        year, month = (t.tm_year + 1, 1) if t.tm_mon == 12 else (t.tm_year, t.tm_mon + 1)
        self.next_month = float(calendar.timegm((year, month, 1, 0, 0, 0)))


class World:
    """What all accounts share: the clock, timing settings and the global ID and IP spaces."""

    def __init__(self, clock: SimClock, provisioning_seconds: float) -> None:
        self.clock = clock
        self.provisioning_seconds = provisioning_seconds
        self._subids: set[str] = set()
        self._ips: set[str] = set()

    def op_length(self, op: int) -> float:
        return self.provisioning_seconds * _OP_LENGTH[op]

    def new_subid(self, rng: random.Random) -> str:
        # SUBIDs are global decimal strings; 2020 ones looked like "41326859" (reference §4).
        while True:
            subid = str(rng.randint(30_000_000, 49_999_999))
            if subid not in self._subids:
                self._subids.add(subid)
                return subid

    def new_ipv4(self, rng: random.Random, dcid: int) -> str:
        prefix = _REGION_PREFIX.get(dcid, f"45.{dcid}")
        for _ in range(1000):
            # .0, .1 (the /23's gateway) and .255 are never handed out.
            ip = f"{prefix}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
            if ip not in self._ips:
                self._ips.add(ip)
                return ip
        # A region's /16 is nearly used up: Vultr's answer for a location without capacity.
        raise Failed(PLAN_NOT_AVAILABLE)

    def release(self, server: Server) -> None:
        self._subids.discard(server.subid)
        self._ips.discard(server.main_ip)
        for ip in server.extra_ips or ():
            self._ips.discard(ip)

    def release_ip(self, ip: str) -> None:
        self._ips.discard(ip)


def hex_id(rng: random.Random, taken: Iterable[str] = ()) -> str:
    """SNAPSHOTID/SSHKEYID/BACKUPID style: 13 hex characters (reference §4)."""
    while True:
        new = f"{rng.getrandbits(52):013x}"
        if new not in taken:
            return new


def uuid_for(seed: str) -> str:
    """A lower-case UUID v4 (v2 reference §1.6), the same for the same seed."""
    digest = hashlib.blake2b(seed.encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def _hash_int(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _gateway(ip: str) -> str:
    a, b, c, _ = ip.split(".")
    return f"{a}.{b}.{int(c) & ~1}.1"


def daily_traffic(subid: str, day: int, created_day: int) -> tuple[int, int]:
    """Bytes in and out on a day, the same on every call. Nothing flows on the first day."""
    if day <= created_day:
        return 0, 0
    h = _hash_int(f"{subid}:{day}")
    return 20_000_000 + (h >> 32) % 400_000_000, 5_000_000 + (h & 0xFFFFFFFF) % 1_500_000_000


class Server:
    """One subscription. ``__slots__`` keep 10,000 of them well under the memory target."""

    __slots__ = (
        "subid", "dcid", "plan", "osid", "os_name", "appid", "label", "tag", "created",
        "password", "main_ip", "mac", "v6_prefix", "internal_ip", "auto_backups",
        "backups_since", "firewall_group", "kvm_token", "power", "op", "op_start", "op_len",
        "extra_ips", "reverse", "_bw_day", "_bw_gb",
        "uuid", "hostname", "tags", "user_scheme", "ddos", "user_data",
        "iso_mounted", "backup_schedule",
    )  # fmt: skip

    def __init__(
        self,
        subid: str,
        dcid: int,
        plan: Plan,
        osid: int,
        appid: str,
        created: float,
        password: str,
        main_ip: str,
        mac: int,
        kvm_token: str,
    ) -> None:
        self.subid = subid
        self.dcid = dcid
        self.plan = plan
        self.osid = osid
        self.os_name = CATALOG.systems[osid].name
        self.appid = appid
        self.label = ""
        self.tag = ""
        self.created = created
        self.password = password
        self.main_ip = main_ip
        self.mac = mac  # low 24 bits of 56:00:03:xx:xx:xx, also the IPv6 interface ID
        self.v6_prefix: str | None = None  # "2001:19f0:5001:2b9c" when IPv6 is on
        self.internal_ip = ""
        self.auto_backups = False
        self.backups_since = 0.0
        self.firewall_group = "0"
        self.kvm_token = kvm_token
        self.power = "running"
        self.op = 0
        self.op_start = 0.0
        self.op_len = 0.0
        self.extra_ips: list[str] | None = None
        self.reverse: dict[str, str] | None = None  # PTR entries set through the API
        self._bw_day = -1
        self._bw_gb: float = 0
        # v2 only (v2 reference §3). None means the default: hostname "vultr.guest", and tags
        # the one v1 tag.
        self.uuid = uuid_for(f"server:{subid}")
        self.hostname: str | None = None
        self.tags: list[str] | None = None
        self.user_scheme = "root"
        self.ddos = False
        self.user_data = ""  # base64, as sent (v1 `userdata`, v2 `user_data`)
        self.iso_mounted = ""  # the UUID of the ISO attached through v2, "" if none
        self.backup_schedule: dict[str, Any] | None = None  # v2 backup-schedule; None: daily 0h

    # -- state machine ------------------------------------------------------------------------

    def start_op(self, op: int, now: float, length: float) -> None:
        self.op, self.op_start, self.op_len = op, now, length

    def phase(self, now: float) -> tuple[tuple[str, str, bool], float]:
        """(status, server_state, addresses shown) and when that next changes."""
        if self.op:
            elapsed = now - self.op_start
            if elapsed < self.op_len:
                fraction = elapsed / self.op_len
                for end, status, state, shown in _PHASES[self.op]:
                    if fraction < end:
                        return (status, state, shown), self.op_start + end * self.op_len
        return _SETTLED, math.inf

    def status(self, now: float) -> str:
        return self.phase(now)[0][0]

    # -- derived data -------------------------------------------------------------------------

    def pending_charges(self, m: Moment) -> tuple[str, float]:
        """Charges this month, per clock hour begun, and when they next go up.

        Counting clock hours rather than hours since creation makes every server's charges
        change at the same instants, so a big account's cached server/list lasts an hour.
        """
        this_hour = int(m.now // HOUR)
        hours = this_hour - int(max(self.created, m.month_start) // HOUR) + 1
        if hours >= HOURS_PER_MONTH:
            return self.plan.price, m.next_month
        amount = float(self.plan.price) * hours / HOURS_PER_MONTH
        return f"{amount:.2f}", (this_hour + 1) * HOUR

    def current_bandwidth_gb(self, m: Moment) -> float:
        if self._bw_day != m.day:
            created_day = int(self.created // DAY)
            first = max(created_day, int(m.month_start // DAY))
            total = sum(
                sum(daily_traffic(self.subid, day, created_day)) for day in range(first, m.day + 1)
            )
            # A real number, and 0 rather than 0.0 like the recorded fresh servers (§4).
            self._bw_day, self._bw_gb = m.day, round(total / GIB, 3) or 0
        return self._bw_gb

    def bandwidth(self, now: float) -> dict[str, list[list[str]]]:
        created_day = int(self.created // DAY)
        incoming, outgoing = [], []
        for day in range(created_day, int(now // DAY) + 1):
            date = fmt_date(day * DAY)
            bytes_in, bytes_out = daily_traffic(self.subid, day, created_day)
            incoming.append([date, str(bytes_in)])
            outgoing.append([date, str(bytes_out)])
        return {"incoming_bytes": incoming, "outgoing_bytes": outgoing}

    def backups(self, now: float) -> list[tuple[str, float, str]]:
        """(BACKUPID, date, size) of the automatic backups kept now: one a day since enabling."""
        if not self.auto_backups:
            return []
        runs = int((now - self.backups_since) // DAY)
        found = []
        for run in range(max(1, runs - BACKUPS_KEPT + 1), runs + 1):
            h = _hash_int(f"{self.subid}:backup:{run}")
            size = self.plan.disk_gb * GIB * (15 + h % 30) // 100
            found.append((f"{h >> 12:013x}", self.backups_since + run * DAY, str(size)))
        return found

    @property
    def v6_network(self) -> str:
        return f"{self.v6_prefix}::"

    @property
    def v6_main_ip(self) -> str:
        # EUI-64 of 56:00:03:xx:xx:xx, written the way the recorded servers show it.
        return f"{self.v6_prefix}:5400:03ff:fe{self.mac >> 16:02x}:{self.mac & 0xFFFF:04x}"

    @property
    def mac_address(self) -> str:
        return f"56:00:03:{self.mac >> 16:02x}:{(self.mac >> 8) & 0xFF:02x}:{self.mac & 0xFF:02x}"

    def ipv4s(self) -> list[str]:
        return [self.main_ip, *(self.extra_ips or ())]

    def to_v1(self, m: Moment) -> dict[str, Any]:
        """The server object of server/list, keys in the recorded order (reference §6)."""
        (status, state, shown), _ = self.phase(m.now)
        plan = self.plan
        if shown and self.v6_prefix:
            v6_ip, v6_net = self.v6_main_ip, self.v6_network
            v6 = {"v6_main_ip": v6_ip, "v6_network_size": "64", "v6_network": v6_net}
            v6_fields: tuple[Any, ...] = (v6_ip, "64", v6_net, [v6])
        else:
            v6_fields = (False, "", "", [])  # `false`, a boolean, without IPv6 [rec]
        return {
            "SUBID": self.subid,
            "os": self.os_name,
            "ram": f"{plan.ram_mb} MB",
            "disk": f"Virtual {plan.disk_gb} GB",
            "main_ip": self.main_ip if shown else "0.0.0.0",
            "vcpu_count": plan.vcpus,
            "location": CATALOG.regions[self.dcid].name,
            "DCID": str(self.dcid),
            "default_password": self.password,
            "date_created": fmt_datetime(self.created),
            "pending_charges": self.pending_charges(m)[0],
            "status": status,
            "cost_per_month": plan.price,
            "current_bandwidth_gb": self.current_bandwidth_gb(m),
            "allowed_bandwidth_gb": plan.allowed_bandwidth_gb,
            "netmask_v4": _NETMASK_V4 if shown else "",
            "gateway_v4": _gateway(self.main_ip) if shown else "0.0.0.0",
            "power_status": self.power,
            "server_state": state,
            "VPSPLANID": str(plan.id),
            "v6_main_ip": v6_fields[0],
            "v6_network_size": v6_fields[1],
            "v6_network": v6_fields[2],
            "v6_networks": v6_fields[3],
            "label": self.label,
            "internal_ip": self.internal_ip if shown else "",
            "kvm_url": "" if status == "pending" else _KVM_URL + self.kvm_token,
            "auto_backups": "yes" if self.auto_backups else "no",
            "tag": self.tag,
            "OSID": str(self.osid),
            "APPID": self.appid,
            "FIREWALLGROUPID": self.firewall_group,
        }

    def v2_tags(self) -> list[str]:
        if self.tags is not None:
            return list(self.tags)
        return [self.tag] if self.tag else []

    def set_v2_tags(self, tags: list[str]) -> None:
        # The deprecated `tag` still shows one of the tags (v2 reference §3, capture (c)).
        self.tags, self.tag = list(tags), tags[0] if tags else ""

    def features(self) -> list[str]:
        found = []
        if self.auto_backups:
            found.append("auto_backups")
        if self.v6_prefix:
            found.append("ipv6")
        if self.ddos:
            found.append("ddos_protection")
        return found

    def to_v2(self, m: Moment) -> dict[str, Any]:
        """The v2 instance object: every field of the superset, every time (v2 reference §3)."""
        (status, state, shown), _ = self.phase(m.now)
        plan = self.plan
        v6 = shown and bool(self.v6_prefix)
        return {
            "id": self.uuid,
            # An ISO-based instance reads "Custom Installed" (v2 reference §3, [ans] fixture).
            "os": "Custom Installed" if self.osid == OS_CUSTOM else self.os_name,
            "ram": plan.ram_mb,
            # 0 and no console while pending or resizing (recorded create and PATCH answers).
            "disk": 0 if status in ("pending", "resizing") else plan.disk_gb,
            "main_ip": self.main_ip if shown else "0.0.0.0",
            "vcpu_count": int(plan.vcpus),
            "region": CATALOG.region_codes[self.dcid],
            "plan": CATALOG.plan_codes[plan.id],
            "date_created": fmt_iso(self.created),
            "status": status,
            "allowed_bandwidth": int(plan.allowed_bandwidth_gb),
            "netmask_v4": _NETMASK_V4 if shown else "",
            "gateway_v4": _gateway(self.main_ip) if shown else "0.0.0.0",
            "power_status": self.power,
            "server_status": state,
            "v6_network": self.v6_network if v6 else "",
            "v6_main_ip": self.v6_main_ip if v6 else "",
            "v6_network_size": 64 if v6 else 0,
            "label": self.label,
            "internal_ip": self.internal_ip if shown else "",
            "kvm": "" if status in ("pending", "resizing") else _KVM_URL_V2 + self.kvm_token,
            "hostname": self.hostname or "vultr.guest",
            "tag": self.tag,
            "tags": self.v2_tags(),
            "os_id": self.osid,
            "app_id": int(self.appid) if self.appid.isdigit() else 0,
            "image_id": "",
            "snapshot_id": "",
            "firewall_group_id": "",
            "features": self.features(),
            "user_scheme": self.user_scheme,
            "vpc_only": False,
            "vpcs": [],
            "pending_charges": float(self.pending_charges(m)[0]),
        }

    def v2_bandwidth(self, now: float, days: int) -> dict[str, dict[str, int]]:
        created_day, today = int(self.created // DAY), int(now // DAY)
        found = {}
        for day in range(max(created_day, today - days + 1), today + 1):
            bytes_in, bytes_out = daily_traffic(self.subid, day, created_day)
            found[fmt_date(day * DAY)] = {"incoming_bytes": bytes_in, "outgoing_bytes": bytes_out}
        return found

    def valid_until(self, m: Moment) -> float:
        """When :meth:`to_v1` would next answer differently without an API call."""
        return min(self.phase(m.now)[1], self.pending_charges(m)[1], (m.day + 1) * DAY)


class _Kept:
    """An object an account keeps by id. Both versions show the id and the creation time first:
    v1 under the object's own id name (`V1_ID`), v2 as a UUID `id` (v2 reference §1.6)."""

    __slots__ = ()
    V1_ID: ClassVar[str]
    id: Any
    uuid: str
    created: float

    def v1_head(self) -> dict[str, Any]:
        return {self.V1_ID: self.id, "date_created": fmt_datetime(self.created)}

    def v2_head(self) -> dict[str, Any]:
        return {"id": self.uuid, "date_created": fmt_iso(self.created)}


class _KeptAlike(_Kept):
    """A kept object whose other fields are the same in both versions."""

    __slots__ = ()

    def fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_v1(self) -> dict[str, Any]:
        return {**self.v1_head(), **self.fields()}

    def to_v2(self) -> dict[str, Any]:
        return {**self.v2_head(), **self.fields()}


class Snapshot(_Kept):
    __slots__ = ("id", "created", "description", "ready_at", "size", "osid", "appid", "uuid")
    V1_ID = "SNAPSHOTID"

    def __init__(
        self, id: str, created: float, ready_at: float, size: int, server: Server | None
    ) -> None:
        self.id = id
        # A snapshot made from a URL (v2's /snapshots/create-from-url) has no server.
        origin = server.subid if server is not None else "url"
        self.uuid = uuid_for(f"snapshot:{origin}:{id}")
        self.created = created
        self.description = ""
        self.ready_at = ready_at
        self.size = size
        self.osid = server.osid if server is not None else OS_CUSTOM
        self.appid = server.appid if server is not None else "0"

    def complete(self, now: float) -> bool:
        return now >= self.ready_at

    def progress(self, now: float) -> tuple[int, str]:
        """The size and status both versions show: nothing is known until it is complete."""
        return (self.size, "complete") if self.complete(now) else (0, "pending")

    def to_v1(self, now: float) -> dict[str, Any]:
        size, status = self.progress(now)
        return {
            **self.v1_head(),
            "description": self.description,
            "size": str(size),
            "status": status,
            "OSID": str(self.osid),
            "APPID": self.appid,
        }

    def to_v2(self, now: float) -> dict[str, Any]:
        size, status = self.progress(now)
        return {
            **self.v2_head(),
            "description": self.description,
            "size": size,
            "compressed_size": size * 2 // 5,
            "status": status,
            "os_id": self.osid,
            "app_id": int(self.appid) if self.appid.isdigit() else 0,
        }


class SshKey(_KeptAlike):
    __slots__ = ("id", "created", "name", "key", "uuid")
    V1_ID = "SSHKEYID"

    def __init__(self, id: str, created: float, name: str, key: str) -> None:
        self.id, self.created, self.name, self.key = id, created, name, key
        self.uuid = uuid_for(f"sshkey:{id}:{created}")

    def fields(self) -> dict[str, Any]:
        return {"name": self.name, "ssh_key": self.key}


class StartupScript:
    __slots__ = ("id", "created", "modified", "name", "type", "script", "uuid")

    def __init__(self, id: int, created: float, name: str, type: str, script: str) -> None:
        self.id, self.created, self.modified = id, created, created
        self.name, self.type, self.script = name, type, script
        self.uuid = uuid_for(f"script:{id}:{created}")

    def to_v2(self) -> dict[str, Any]:
        # v2 carries the script base64-encoded (v2 reference §2).
        return {
            "id": self.uuid,
            "date_created": fmt_iso(self.created),
            "date_modified": fmt_iso(self.modified),
            "name": self.name,
            "type": self.type,
            "script": base64.b64encode(self.script.encode()).decode(),
        }

    def to_v1(self) -> dict[str, Any]:
        return {
            "SCRIPTID": str(self.id),  # a string here, a number from startupscript/create (§4)
            "date_created": fmt_datetime(self.created),
            "date_modified": fmt_datetime(self.modified),
            "name": self.name,
            "type": self.type,
            "script": self.script,
        }


class Iso(_KeptAlike):
    __slots__ = ("id", "created", "filename", "size", "md5", "sha512", "uuid")
    V1_ID = "ISOID"  # its value is a number, unlike most IDs and sizes (§4)

    def __init__(self, id: int, created: float, filename: str, size: int) -> None:
        self.id, self.created, self.filename, self.size = id, created, filename, size
        self.uuid = uuid_for(f"iso:{id}:{created}:{filename}")
        self.md5 = hashlib.md5(filename.encode()).hexdigest()
        self.sha512 = hashlib.sha512(filename.encode()).hexdigest()

    def fields(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "size": self.size,  # a number too
            "md5sum": self.md5,
            "sha512sum": self.sha512,
            "status": "complete",
        }


def _known(found: T | None, missing: str) -> T:
    """`found`, or the v1 refusal `missing` when there is none."""
    if found is None:
        raise Failed(missing)
    return found


def _is_authorized_key(text: str) -> bool:
    parts = text.split()
    return len(parts) >= 2 and parts[0].startswith(("ssh-", "ecdsa-", "sk-")) and len(parts[1]) > 8


class Account:
    """One API key's Vultr account."""

    def __init__(self, key: str, world: World, created: float) -> None:
        self.key = key
        # The account's name and email, the same through v1's auth/info and v2's /account.
        handle = hashlib.sha256(key.encode()).hexdigest()[:8]
        self.name, self.email = f"Simulated account {handle}", f"account-{handle}@example.com"
        self.world = world
        # Seeded by the key: the same key gets the same demo data, IDs and addresses every run.
        self.rng = random.Random(f"vultr-simulator:{key}")
        self.created = created
        self.servers: dict[str, Server] = {}
        self.snapshots: dict[str, Snapshot] = {}
        self.sshkeys: dict[str, SshKey] = {}
        self.scripts: dict[int, StartupScript] = {}
        self.isos: dict[int, Iso] = {}
        self.balance = "-10.00"  # negative = credit, like the docs' "-5519.11"
        self.last_payment = (created, "-10.00")
        self._next_script_id = 1
        self._next_iso_id = 1
        self._list_json: bytes = b""
        self._list_json_until = -math.inf
        # v2: every object by its UUID, and the cached instance order and list pages.
        self.by_uuid: dict[str, Any] = {}
        self._v2_order: list[Server] | None = None
        self.v2_pages: dict[Any, bytes] = {}
        self.v2_pages_until = -math.inf

    def changed(self) -> None:
        """Drop the cached list answers; every change to a server must call this."""
        self._list_json_until = -math.inf
        self._v2_order = None
        self.v2_pages.clear()
        self.v2_pages_until = -math.inf

    def v2_servers(self) -> list[Server]:
        """Instances in v2 list order: by the internal (v1) id, which the cursor names (§1.5)."""
        if self._v2_order is None:
            self._v2_order = sorted(self.servers.values(), key=lambda s: int(s.subid))
        return self._v2_order

    def v2_pages_valid(self, now: float) -> bool:
        """Whether cached /v2/instances pages still hold; if not, start a new cache."""
        if now < self.v2_pages_until:
            return True
        m = Moment(now)
        self.v2_pages.clear()
        self.v2_pages_until = min(
            (s.valid_until(m) for s in self.servers.values()), default=math.inf
        )
        return False

    # -- lookups ------------------------------------------------------------------------------

    def server(self, subid: str) -> Server:
        return _known(self.servers.get(subid), INVALID_SERVER)

    def active_server(self, subid: str, now: float) -> Server:
        server = self.server(subid)
        if server.status(now) != "active":
            raise Failed(SERVER_PENDING)
        return server

    def snapshot(self, snapshot_id: str) -> Snapshot:
        return _known(self.snapshots.get(snapshot_id), INVALID_SNAPSHOT)

    def sshkey(self, sshkey_id: str) -> SshKey:
        return _known(self.sshkeys.get(sshkey_id), INVALID_SSHKEY)

    def script(self, script_id: int | None) -> StartupScript:
        return _known(
            self.scripts.get(script_id) if script_id is not None else None, INVALID_SCRIPT
        )

    # -- servers ------------------------------------------------------------------------------

    def provision(
        self, now: float, dcid: int, plan: Plan, osid: int, *, appid: str = "0"
    ) -> Server:
        """Allocate and register a server that starts deploying at ``now``."""
        rng, world = self.rng, self.world
        main_ip = world.new_ipv4(rng, dcid)  # first: it is the one allocation that can fail
        password = "".join(rng.choice(_PASSWORD_CHARS) for _ in range(rng.randint(10, 16)))
        server = Server(
            subid=world.new_subid(rng),
            dcid=dcid,
            plan=plan,
            osid=osid,
            appid=appid,
            created=now,
            password=password,
            main_ip=main_ip,
            mac=rng.getrandbits(24),
            kvm_token="".join(rng.choice(_TOKEN_CHARS) for _ in range(20)),
        )
        server.start_op(CREATE, now, world.op_length(CREATE))
        self.servers[server.subid] = server
        self.by_uuid[server.uuid] = server
        self.changed()
        return server

    def enable_ipv6(self, server: Server) -> None:
        server.v6_prefix = f"2001:19f0:{0x5000 + server.dcid:x}:{self.rng.getrandbits(16):x}"

    def enable_private_network(self, server: Server) -> None:
        server.internal_ip = f"10.{server.dcid}.96.{self.rng.randint(2, 254)}"

    def create_server(
        self,
        now: float,
        dcid: int | None,
        plan_id: int | None,
        osid: int | None,
        *,
        label: str = "",
        tag: str = "",
        enable_ipv6: bool = False,
        enable_private_network: bool = False,
        auto_backups: bool = False,
        iso_id: int | None = None,
        ipxe_chain_url: str = "",
        snapshot_id: str = "",
        app_id: str = "",
        script_id: int | None = None,
        sshkey_ids: Iterable[str] = (),
        firewall_group: str = "",
        reserved_ip: str = "",
    ) -> Server:
        """server/create: validate everything first, so a failed create leaves nothing behind."""
        if dcid not in CATALOG.regions:
            raise Failed(INVALID_DCID)
        plan = CATALOG.plans.get(plan_id) if plan_id is not None else None
        if plan is None:
            raise Failed(INVALID_PLAN)
        if osid not in CATALOG.systems:
            raise Failed(INVALID_OS)
        if osid == OS_BACKUP:
            raise Failed(BACKUP_OS_NOT_DEPLOYABLE)
        if dcid not in plan.locations:
            raise Failed(PLAN_NOT_AVAILABLE)
        # The image parameters only count with their special OSID (reference §7).
        if osid == OS_CUSTOM:
            if iso_id is not None and iso_id not in self.isos:
                raise Failed(INVALID_ISO)
            if iso_id is None and not ipxe_chain_url:
                raise Failed(CUSTOM_NEEDS_ISO)
        snapshot = None
        if osid == OS_SNAPSHOT:
            snapshot = self.snapshot(snapshot_id)
            if not snapshot.complete(now):
                raise Failed(SNAPSHOT_NOT_COMPLETE)
        if osid == OS_APPLICATION and app_id not in CATALOG.app_list:
            raise Failed(INVALID_APP)
        if script_id is not None:
            self.script(script_id)
        for sshkey_id in sshkey_ids:
            self.sshkey(sshkey_id)
        if firewall_group not in ("", "0"):  # the simulator has no firewall groups
            raise Failed(INVALID_FIREWALL_GROUP)
        if reserved_ip:  # nor reserved IPs
            raise Failed(INVALID_RESERVED_IP)

        server = self.provision(
            now, dcid, plan, osid, appid=app_id if osid == OS_APPLICATION else "0"
        )
        if snapshot is not None:
            server.appid = snapshot.appid
        server.label, server.tag = label, tag
        if enable_ipv6:
            self.enable_ipv6(server)
        if enable_private_network:
            self.enable_private_network(server)
        if auto_backups:
            server.auto_backups, server.backups_since = True, now
        return server

    def destroy_server(self, now: float, subid: str, min_age: float = MIN_AGE_FOR_DESTROY) -> None:
        server = self.server(subid)
        if now - server.created < min_age:
            raise Failed(DESTROY_TOO_SOON)
        del self.servers[subid]
        self.by_uuid.pop(server.uuid, None)
        self.world.release(server)
        self.changed()

    def _run(self, server: Server, op: int, now: float) -> None:
        server.power = "running"
        server.start_op(op, now, self.world.op_length(op))
        self.changed()

    def start(self, now: float, subid: str) -> None:
        # "If the machine is already running, it will be restarted" (seed server_start).
        self._run(self.active_server(subid, now), REBOOT, now)

    def reboot(self, now: float, subid: str) -> None:
        self._run(self.active_server(subid, now), REBOOT, now)

    def halt(self, now: float, subid: str) -> None:
        server = self.active_server(subid, now)
        server.power = "stopped"
        server.op = 0  # a hard power-off ends whatever the server was doing
        self.changed()

    def reinstall(self, now: float, subid: str) -> None:
        self._run(self.active_server(subid, now), REINSTALL, now)

    def resize(self, now: float, subid: str, plan: Plan) -> None:
        server = self.active_server(subid, now)
        if server.dcid not in plan.locations:
            raise Failed(PLAN_NOT_AVAILABLE)
        server.plan = plan
        self._run(server, RESIZE, now)

    def os_change_list(self, subid: str) -> dict[str, dict[str, Any]]:
        self.server(subid)
        return {
            str(os.id): {
                **CATALOG.os_list[str(os.id)],
                "surcharge": WINDOWS_SURCHARGE if os.windows else "0.00",
            }
            for os in CATALOG.deployable_systems()
        }

    def os_change(self, now: float, subid: str, osid: int | None) -> None:
        server = self.active_server(subid, now)
        if osid is None or str(osid) not in self.os_change_list(subid):
            raise Failed(INVALID_OS_CHANGE)
        server.osid, server.os_name, server.appid = osid, CATALOG.systems[osid].name, "0"
        self._run(server, REINSTALL, now)

    def restore_snapshot(self, now: float, subid: str, snapshot_id: str) -> None:
        server = self.active_server(subid, now)
        snapshot = self.snapshot(snapshot_id)
        if not snapshot.complete(now):
            raise Failed(SNAPSHOT_NOT_COMPLETE)
        server.osid, server.appid = snapshot.osid, snapshot.appid
        server.os_name = CATALOG.systems[snapshot.osid].name
        self._run(server, REINSTALL, now)

    def restore_backup(self, now: float, subid: str, backup_id: str) -> None:
        server = self.active_server(subid, now)
        if backup_id not in {b[0] for b in server.backups(now)}:
            raise Failed(INVALID_BACKUP)
        self._run(server, REINSTALL, now)

    def set_label(self, subid: str, label: str) -> None:
        self.server(subid).label = label
        self.changed()

    def set_tag(self, subid: str, tag: str) -> None:
        server = self.server(subid)
        # v1 knows one tag: setting it replaces v2's list too, so both versions agree.
        server.tag, server.tags = tag, None
        self.changed()

    # -- addresses ----------------------------------------------------------------------------

    def create_ipv4(self, now: float, subid: str, reboot: bool) -> str:
        server = self.active_server(subid, now)
        ip = self.world.new_ipv4(self.rng, server.dcid)
        server.extra_ips = [*(server.extra_ips or ()), ip]
        if reboot:  # "The server will be rebooted unless you specify otherwise" (seed)
            self._run(server, REBOOT, now)
        self.changed()
        return ip

    def destroy_ipv4(self, now: float, subid: str, ip: str) -> None:
        server = self.active_server(subid, now)
        if ip == server.main_ip:
            raise Failed(CANNOT_REMOVE_MAIN_IP)
        if ip not in (server.extra_ips or ()):
            raise Failed(INVALID_IP)
        server.extra_ips = [x for x in server.extra_ips or () if x != ip] or None
        if server.reverse:
            server.reverse.pop(ip, None)
        self.world.release_ip(ip)
        # "Your server will be hard-restarted" (seed server_destroy_ipv4).
        if server.power == "running":
            self._run(server, REBOOT, now)
        self.changed()

    def list_ipv4(self, now: float, subid: str, public_network: bool) -> list[dict[str, str]]:
        server = self.server(subid)
        # "IP information is only available for virtual machines in the active state."
        if server.status(now) != "active":
            return []
        gateway = _gateway(server.main_ip)
        main = {
            "ip": server.main_ip,
            "netmask": _NETMASK_V4,
            "gateway": gateway,
            "type": "main_ip",
            "reverse": self._reverse_v4(server, server.main_ip),
        }
        if public_network:
            main["mac_address"] = server.mac_address
        found = [main]
        for ip in server.extra_ips or ():
            found.append(
                {
                    "ip": ip,
                    "netmask": _NETMASK_V4,
                    "gateway": _gateway(ip),
                    "type": "secondary_ip",
                    "reverse": self._reverse_v4(server, ip),
                }
            )
        if server.internal_ip:
            found.append(
                {
                    "ip": server.internal_ip,
                    "netmask": _PRIVATE_NETMASK,
                    "gateway": "",
                    "type": "private",
                    "reverse": "",
                }
            )
        return found

    @staticmethod
    def _reverse_v4(server: Server, ip: str) -> str:
        # Vultr's default PTR for an address was "<ip>.vultr.com".
        return (server.reverse or {}).get(ip) or f"{ip}.vultr.com"

    def list_ipv6(self, now: float, subid: str) -> list[dict[str, str]]:
        server = self.server(subid)
        if not server.v6_prefix or server.status(now) != "active":
            return []
        return [
            {
                "ip": server.v6_main_ip,
                "network": server.v6_network,
                "network_size": "64",
                "type": "main_ip",
            }
        ]

    def reverse_set_ipv4(self, subid: str, ip: str, entry: str) -> None:
        server = self.server(subid)
        if ip not in server.ipv4s():
            raise Failed(INVALID_IP)
        _check_hostname(entry)
        server.reverse = {**(server.reverse or {}), ip: entry}

    def reverse_default_ipv4(self, subid: str, ip: str) -> None:
        server = self.server(subid)
        if ip not in server.ipv4s():
            raise Failed(INVALID_IP)
        if server.reverse:
            server.reverse.pop(ip, None)

    def _own_ipv6(self, server: Server, ip: str) -> str:
        if not server.v6_prefix:
            raise Failed(IPV6_NOT_ENABLED)
        try:
            address = ipaddress.IPv6Address(ip)
        except ValueError:
            raise Failed(INVALID_IP) from None
        if address not in ipaddress.IPv6Network(server.v6_network + "/64"):
            raise Failed(INVALID_IP)
        return address.compressed

    def reverse_set_ipv6(self, subid: str, ip: str, entry: str) -> None:
        server = self.server(subid)
        ip = self._own_ipv6(server, ip)
        _check_hostname(entry)
        server.reverse = {**(server.reverse or {}), ip: entry}

    def reverse_delete_ipv6(self, subid: str, ip: str) -> None:
        server = self.server(subid)
        ip = self._own_ipv6(server, ip)
        if server.reverse:
            server.reverse.pop(ip, None)

    def reverse_list_ipv6(self, subid: str) -> list[dict[str, str]]:
        server = self.server(subid)
        if not server.v6_prefix:
            return []
        return [
            {"ip": ip, "reverse": entry}
            for ip, entry in (server.reverse or {}).items()
            if ":" in ip
        ]

    # -- server/list --------------------------------------------------------------------------

    def servers_json(self, now: float) -> bytes:
        """The whole server/list answer, cached until a change or the next state transition."""
        if now >= self._list_json_until:
            m = Moment(now)
            servers = self.servers.values()
            listing = {s.subid: s.to_v1(m) for s in servers}
            # An empty map is `[]` on the wire (reference §4).
            self._list_json = json.dumps(listing or [], separators=(",", ":")).encode()
            self._list_json_until = min((s.valid_until(m) for s in servers), default=math.inf)
        return self._list_json

    # -- snapshots and backups ----------------------------------------------------------------

    def create_snapshot(self, now: float, subid: str, description: str) -> Snapshot:
        server = self.active_server(subid, now)
        snapshot_id = hex_id(self.rng, self.snapshots)
        used = server.plan.disk_gb * GIB * (10 + _hash_int(snapshot_id) % 30) // 100
        # Pending until the disk is copied; a snapshot takes about as long as a deploy.
        ready_at = now + self.world.provisioning_seconds
        snapshot = Snapshot(snapshot_id, now, ready_at, used, server)
        snapshot.description = description
        self.snapshots[snapshot_id] = snapshot
        self.by_uuid[snapshot.uuid] = snapshot
        return snapshot

    def snapshot_from_url(self, now: float, url: str, description: str) -> Snapshot:
        """A snapshot uploaded from a raw disk image at ``url``: pending while it downloads."""
        snapshot_id = hex_id(self.rng, self.snapshots)
        size = (5 + _hash_int(url) % 60) * GIB
        snapshot = Snapshot(snapshot_id, now, now + self.world.provisioning_seconds, size, None)
        snapshot.description = description
        self.snapshots[snapshot_id] = snapshot
        self.by_uuid[snapshot.uuid] = snapshot
        return snapshot

    def destroy_snapshot(self, snapshot_id: str) -> None:
        self.by_uuid.pop(self.snapshot(snapshot_id).uuid, None)
        del self.snapshots[snapshot_id]

    # -- SSH keys, startup scripts, ISOs ------------------------------------------------------

    def create_sshkey(self, now: float, name: str, key: str) -> SshKey:
        if not _is_authorized_key(key):
            raise Failed(BAD_SSH_KEY)
        sshkey = SshKey(hex_id(self.rng, self.sshkeys), now, name, key.strip())
        self.sshkeys[sshkey.id] = sshkey
        self.by_uuid[sshkey.uuid] = sshkey
        return sshkey

    def update_sshkey(self, sshkey_id: str, name: str | None, key: str | None) -> None:
        sshkey = self.sshkey(sshkey_id)
        if key is not None and not _is_authorized_key(key):
            raise Failed(BAD_SSH_KEY)
        if name is not None:
            sshkey.name = name
        if key is not None:
            sshkey.key = key.strip()

    def destroy_sshkey(self, sshkey_id: str) -> None:
        self.by_uuid.pop(self.sshkey(sshkey_id).uuid, None)
        del self.sshkeys[sshkey_id]

    def create_script(self, now: float, name: str, script: str, type: str) -> StartupScript:
        if type not in ("boot", "pxe"):
            raise Failed(INVALID_SCRIPT_TYPE)
        created = StartupScript(self._next_script_id, now, name, type, script)
        self._next_script_id += 1
        self.scripts[created.id] = created
        self.by_uuid[created.uuid] = created
        return created

    def update_script(
        self, now: float, script_id: int | None, name: str | None, script: str | None
    ) -> None:
        found = self.script(script_id)
        if name is not None:
            found.name = name
        if script is not None:
            found.script = script
        found.modified = now

    def destroy_script(self, script_id: int | None) -> None:
        found = self.script(script_id)
        self.by_uuid.pop(found.uuid, None)
        del self.scripts[found.id]

    def add_iso(self, created: float, filename: str, size: int) -> Iso:
        iso = Iso(self._next_iso_id, created, filename, size)
        self._next_iso_id += 1
        self.isos[iso.id] = iso
        self.by_uuid[iso.uuid] = iso
        return iso

    def destroy_iso(self, iso_id: int) -> None:
        iso = self.isos.pop(iso_id)
        self.by_uuid.pop(iso.uuid, None)

    # -- account ------------------------------------------------------------------------------

    def info(self, now: float) -> dict[str, str]:
        m = Moment(now)
        pending = sum(float(s.pending_charges(m)[0]) for s in self.servers.values())
        paid_at, amount = self.last_payment
        return {
            "balance": self.balance,
            "pending_charges": f"{pending:.2f}",
            "last_payment_date": fmt_datetime(paid_at),
            "last_payment_amount": amount,
        }


def _check_hostname(entry: str) -> None:
    labels = entry.rstrip(".").split(".")
    valid = all(
        label and len(label) <= 63 and all(c.isalnum() or c in "-_" for c in label)
        for label in labels
    )
    if not valid or len(entry) > 253:
        raise Failed(INVALID_REVERSE)
