"""Domain objects: what the panel knows about Vultr resources, independent of the API version.

The v1 wire format is full of accidents (numbers as strings, `false` for "no IPv6", maps keyed by
id, reference §4); v2 has others. Callers only ever see these frozen dataclasses, with real types:
`str` identifiers (v1 uses decimal and hex strings, v2 UUIDs and codes, so strings fit both),
`int` sizes, `Decimal` money, UTC-aware `datetime`s, enums for states, and `None` for "not set".
Each transport translates its wire format into these.

Enums carry an `UNKNOWN` member: a state Vultr adds later should not make a whole server list
unreadable. Fields holding secrets (the root password, the console URL) are left out of `repr`
so that logging an object does not leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Account",
    "Backup",
    "Bandwidth",
    "BandwidthDay",
    "CreatedServer",
    "ImageStatus",
    "IpType",
    "Ipv4",
    "Ipv6",
    "Ipv6Network",
    "Iso",
    "NewServer",
    "OperatingSystem",
    "OsChangeOption",
    "Plan",
    "PowerStatus",
    "Region",
    "ReverseDns",
    "ScriptType",
    "Server",
    "ServerState",
    "ServerStatus",
    "Snapshot",
    "SshKey",
    "StartupScript",
]


class _TolerantEnum(StrEnum):
    """A string enum that maps values it does not know to `UNKNOWN` instead of failing."""

    @classmethod
    def _missing_(cls, value: object) -> _TolerantEnum:
        return cls("unknown")


class ServerStatus(_TolerantEnum):
    """Subscription state (reference §6)."""

    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    RESIZING = "resizing"
    """API v2 only: a plan change is under way (v2 reference §3.1)."""
    UNKNOWN = "unknown"


class PowerStatus(_TolerantEnum):
    """Power state; only meaningful while the subscription is active (reference §6)."""

    RUNNING = "running"
    STOPPED = "stopped"
    UNKNOWN = "unknown"


class ServerState(_TolerantEnum):
    """Installation detail while active; `OK` is the final state (reference §6). v1 calls it
    `server_state`, v2 `server_status`, with the same values (v2 reference §3)."""

    NONE = "none"
    LOCKED = "locked"
    INSTALLINGBOOTING = "installingbooting"
    ISOMOUNTING = "isomounting"
    OK = "ok"
    UNKNOWN = "unknown"


class ImageStatus(_TolerantEnum):
    """Status of a snapshot or backup: pending while being taken, then complete (§5)."""

    PENDING = "pending"
    COMPLETE = "complete"
    UNKNOWN = "unknown"


class IpType(_TolerantEnum):
    """Role of an address on a server (server/list_ipv4 and list_ipv6, §5)."""

    MAIN = "main_ip"
    SECONDARY = "secondary_ip"
    PRIVATE = "private"
    UNKNOWN = "unknown"


class ScriptType(StrEnum):
    """When a startup script runs: `boot` on the OS's first boot, `pxe` by iPXE at power-on.

    Not tolerant: the value is also an input, where only these two are valid.
    """

    BOOT = "boot"
    PXE = "pxe"


@dataclass(frozen=True, slots=True)
class Account:
    balance: Decimal
    """Negative means credit (v1 shows prepaid credit as "-5519.11")."""
    pending_charges: Decimal
    last_payment_date: datetime | None
    last_payment_amount: Decimal


@dataclass(frozen=True, slots=True)
class OperatingSystem:
    id: str
    name: str
    arch: str
    family: str
    windows: bool


@dataclass(frozen=True, slots=True)
class OsChangeOption(OperatingSystem):
    """An operating system a given server may switch to, with its monthly surcharge."""

    surcharge: Decimal


@dataclass(frozen=True, slots=True)
class Iso:
    id: str
    filename: str
    size_bytes: int
    date_created: datetime | None
    md5sum: str | None
    sha512sum: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    name: str
    vcpu_count: int
    ram_mb: int
    disk_gb: int
    bandwidth_tb: Decimal
    price_per_month: Decimal
    plan_type: str
    available_locations: tuple[str, ...]
    """Region ids where the plan can be deployed; may be empty."""
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: str
    country: str
    continent: str
    state: str | None
    """Only set for US regions."""
    code: str | None
    ddos_protection: bool
    block_storage: bool


@dataclass(frozen=True, slots=True)
class Ipv6Network:
    main_ip: str
    network: str
    network_size: int


@dataclass(frozen=True, slots=True)
class Server:
    id: str
    label: str
    status: ServerStatus
    power_status: PowerStatus
    server_state: ServerState
    region_id: str
    location: str
    plan_id: str
    os: str
    os_id: str
    app_id: str | None
    firewall_group_id: str | None
    vcpu_count: int
    ram_mb: int
    disk_gb: int
    main_ip: str | None
    """None until an address is assigned (v1 may show "" or "0.0.0.0" while pending)."""
    netmask_v4: str | None
    gateway_v4: str | None
    v6_main_ip: str | None
    v6_networks: tuple[Ipv6Network, ...]
    internal_ip: str | None
    date_created: datetime | None
    pending_charges: Decimal
    cost_per_month: Decimal
    current_bandwidth_gb: float
    allowed_bandwidth_gb: int
    auto_backups: bool
    tags: tuple[str, ...]
    """v2's `tags`; v1's one `tag` as a one-element tuple (empty when it has none)."""
    hostname: str | None
    """v2 only (v1 does not report it)."""
    features: tuple[str, ...]
    """v2's `features` ("auto_backups", "ipv6", "ddos_protection"); for v1 the first two are
    derived from its fields."""
    default_password: str = field(repr=False)
    """Only in the answer to a create (v2); "" in lists."""
    kvm_url: str | None = field(repr=False)
    """Console URL; it changes over time, so do not cache it (reference §4)."""

    @property
    def tag(self) -> str:
        """The first tag, or "" when there is none (v1 has exactly one tag field)."""
        return self.tags[0] if self.tags else ""

    @property
    def is_ready(self) -> bool:
        """Installed, powered on and reachable: what a "create and wait" operation waits for.

        v1 reports `power_status=running` even while pending (reference §6), so all three
        states and a real address are required.
        """
        return (
            self.status is ServerStatus.ACTIVE
            and self.power_status is PowerStatus.RUNNING
            and self.server_state is ServerState.OK
            and self.main_ip is not None
        )

    @property
    def is_running(self) -> bool:
        return self.status is ServerStatus.ACTIVE and self.power_status is PowerStatus.RUNNING

    @property
    def has_ipv6(self) -> bool:
        return self.v6_main_ip is not None


@dataclass(frozen=True, slots=True)
class Ipv4:
    ip: str
    netmask: str
    gateway: str | None
    type: IpType
    reverse: str | None
    mac_address: str | None = None


@dataclass(frozen=True, slots=True)
class Ipv6:
    ip: str
    network: str
    network_size: int
    type: IpType


@dataclass(frozen=True, slots=True)
class ReverseDns:
    ip: str
    reverse: str


@dataclass(frozen=True, slots=True)
class BandwidthDay:
    day: date
    incoming_bytes: int
    outgoing_bytes: int


@dataclass(frozen=True, slots=True)
class Bandwidth:
    days: tuple[BandwidthDay, ...]
    """One entry per day, oldest first."""

    @property
    def incoming_bytes(self) -> int:
        return sum(d.incoming_bytes for d in self.days)

    @property
    def outgoing_bytes(self) -> int:
        return sum(d.outgoing_bytes for d in self.days)


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: str
    description: str
    size_bytes: int
    status: ImageStatus
    date_created: datetime | None
    os_id: str | None = None
    app_id: str | None = None


@dataclass(frozen=True, slots=True)
class Backup:
    id: str
    description: str
    size_bytes: int
    status: ImageStatus
    date_created: datetime | None


@dataclass(frozen=True, slots=True)
class SshKey:
    id: str
    name: str
    ssh_key: str
    date_created: datetime | None
    """v1 may answer `null` here (reference §4)."""


@dataclass(frozen=True, slots=True)
class StartupScript:
    id: str
    name: str
    type: ScriptType
    script: str
    date_created: datetime | None
    date_modified: datetime | None


@dataclass(frozen=True, slots=True)
class CreatedServer:
    """Vultr's answer to a create: the new server's id and, from v2 only, its root password
    (v2 gives it in this answer and never again, v2 reference §3; v1 lists it with every
    server and answers a create with the id alone, so it is "" here)."""

    id: str
    default_password: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class NewServer:
    """Everything `server_create` accepts, already checked by the client.

    A transport turns this into its own request (v1: the form fields of reference §7; v2: the
    JSON body of v2 reference §4.1). `userdata` is the raw cloud-init content; transports
    encode it as their API wants.

    `tags` is v2's list of tags; `tag` is kept for v1 callers. v2 sends `tag` first and then
    `tags`; v1 has one tag, so it refuses more than one in all. v2 takes every SSH key in
    `ssh_key_ids`; v1 sends them comma-separated (v1 reference §4).
    """

    region_id: str
    plan_id: str
    os_id: str
    label: str | None = None
    hostname: str | None = None
    tag: str | None = None
    tags: tuple[str, ...] = ()
    ssh_key_ids: tuple[str, ...] = ()
    script_id: str | None = None
    snapshot_id: str | None = None
    iso_id: str | None = None
    ipxe_chain_url: str | None = None
    app_id: str | None = None
    userdata: bytes | None = None
    enable_ipv6: bool = False
    enable_private_network: bool = False
    network_ids: tuple[str, ...] = ()
    auto_backups: bool = False
    ddos_protection: bool = False
    notify_activate: bool = True
    firewall_group_id: str | None = None
    reserved_ip_v4: str | None = None

    @property
    def all_tags(self) -> tuple[str, ...]:
        """`tag` and `tags` together, in order, without repeats."""
        return tuple(dict.fromkeys(([self.tag] if self.tag else []) + list(self.tags)))
