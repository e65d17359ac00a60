"""The public catalog: operating systems, plans, regions and applications.

``recorded/*.json`` are the live v1 answers to os/list, plans/list and regions/list that
apache-libcloud 3.9.1 recorded in Oct 2020 (``libcloud/test/compute/fixtures/vultr``, Apache-2.0),
so field names, order and JSON types are the real ones (reference §10): ``OSID`` a number in
os/list, ``VPSPLANID``/``DCID`` strings, ``available_locations`` numbers. The application list is
not recorded anywhere; it follows the documented shape (reference §8).

``recorded/v2_plans.json`` and ``recorded/v2_regions.json`` are the v2 answers to
``GET /v2/plans`` and ``GET /v2/regions`` that libcloud 3.9.1 recorded in Sep 2021
(``fixtures/vultr_v2/list_sizes.json`` and ``list_locations.json``, Apache-2.0), copied so
the simulator runs without libcloud. The v2 catalog is the v1 one under v2 names (v2 reference
§2, §6): each VPSPLANID has the v2 plan of the same type, vCPUs and RAM (201 is
``vc2-1c-1gb``), each DCID its lower-case region code (1 is ``ewr``), and OSIDs are v2's
``os_id`` unchanged. A v2 plan's ``locations`` come from the v1 ``available_locations``, so
both versions agree on what is deployable where; v2 plans without a v1 counterpart are left
out, as every server must have both a v1 and a v2 view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

# Special OSIDs [rec]: choosing one of them selects the image by another parameter (reference §7).
OS_CUSTOM = 159  # ISOID or ipxe_chain_url
OS_SNAPSHOT = 164  # SNAPSHOTID
OS_BACKUP = 180  # only as the result of restore_backup, never deployable
OS_APPLICATION = 186  # APPID
SPECIAL_OSIDS = frozenset({OS_CUSTOM, OS_SNAPSHOT, OS_BACKUP, OS_APPLICATION})

# Vultr added a Windows licence to the monthly price; os_change_list shows it as `surcharge`.
WINDOWS_SURCHARGE = "16.00"


def _load(name: str) -> Any:
    with resources.files(__package__).joinpath("recorded", name).open(encoding="utf-8") as f:
        return json.load(f)


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    ram_mb: int
    disk_gb: int
    vcpus: str
    price: str  # "5.00", as on the wire
    bandwidth_tb: str  # "1.00"
    plan_type: str
    locations: frozenset[int]

    @property
    def allowed_bandwidth_gb(self) -> str:
        # The recorded servers on plan 201 (1.00 TB) show "1000", not the plan's "1024".
        return str(int(float(self.bandwidth_tb) * 1000))


@dataclass(frozen=True, slots=True)
class Region:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class OperatingSystem:
    id: int
    name: str
    windows: bool


# plans/list `type` values (reference §5) → the plan_type they select.
PLAN_TYPES = {
    "vc2": {"SSD"},
    "ssd": {"SSD"},
    "vdc2": {"DEDICATED"},
    "dedicated": {"DEDICATED"},
    "vc2z": {"HIGHFREQUENCY"},
}

# The list_vc2/list_vdc2/list_vc2z variants answer without `windows` and `available_locations`
# (captured answers in a 2020 quickstart, reference §8).
_PLAN_VARIANT_FIELDS = (
    "VPSPLANID",
    "name",
    "vcpu_count",
    "ram",
    "disk",
    "bandwidth",
    "bandwidth_gb",
    "price_per_month",
    "plan_type",
)

# v1 plan_type → v2 plan `type` and the prefix of its code (v2 reference §1.6).
V2_PLAN_TYPE = {"SSD": "vc2", "DEDICATED": "vdc", "HIGHFREQUENCY": "vhf"}


class Catalog:
    """Read-only after construction; shared by all accounts and threads."""

    def __init__(self) -> None:
        self.os_list = _load("os_list.json")
        self.plans_list = _load("plans_list.json")
        self.regions_list = _load("regions_list.json")
        self.app_list = {
            str(app["APPID"]): app
            for app in (
                _app(1, "LEMP", "lemp", "LEMP on CentOS 6 x64"),
                _app(2, "WordPress", "wordpress", "WordPress on CentOS 6 x64"),
                _app(17, "Docker", "docker", "Docker on Ubuntu 18.04 x64"),
                _app(37, "GitLab", "gitlab", "GitLab on Ubuntu 18.04 x64"),
                _app(38, "Nextcloud", "nextcloud", "Nextcloud on Ubuntu 18.04 x64"),
            )
        }
        self.systems = {
            int(os["OSID"]): OperatingSystem(int(os["OSID"]), os["name"], os["windows"])
            for os in self.os_list.values()
        }
        self.plans = {
            int(p["VPSPLANID"]): Plan(
                id=int(p["VPSPLANID"]),
                ram_mb=int(p["ram"]),
                disk_gb=int(p["disk"]),
                vcpus=p["vcpu_count"],
                price=p["price_per_month"],
                bandwidth_tb=p["bandwidth"],
                plan_type=p["plan_type"],
                locations=frozenset(p["available_locations"]),
            )
            for p in self.plans_list.values()
        }
        self.regions = {
            int(r["DCID"]): Region(int(r["DCID"]), r["name"]) for r in self.regions_list.values()
        }
        # A listed region is not necessarily deployable (reference §5), so availability is
        # derived from the plans: regions/availability and available_locations always agree.
        self.availability = {
            dcid: [plan.id for plan in self.plans.values() if dcid in plan.locations]
            for dcid in self.regions
        }

        self._build_v2()

    def _build_v2(self) -> None:
        recorded = {
            (p["type"], p["vcpu_count"], p["ram"]): p for p in _load("v2_plans.json")["plans"]
        }
        recorded_regions = {r["id"]: r for r in _load("v2_regions.json")["regions"]}
        # DCID → region code, from v1's own `regioncode` ("EWR").
        self.region_codes = {
            int(r["DCID"]): r["regioncode"].lower() for r in self.regions_list.values()
        }
        self.v2_regions = {code: dcid for dcid, code in self.region_codes.items()}
        self.v2_regions_list = [
            {**recorded_regions[code], "id": code} for code in sorted(self.v2_regions)
        ]
        self.plan_codes: dict[int, str] = {}
        self.v2_plans_list: list[dict[str, Any]] = []
        for plan in sorted(self.plans.values(), key=_v2_plan_order):
            v2 = recorded[(V2_PLAN_TYPE[plan.plan_type], int(plan.vcpus), plan.ram_mb)]
            self.plan_codes[plan.id] = v2["id"]
            locations = sorted(plan.locations, key=lambda dcid: self.region_codes[dcid])
            self.v2_plans_list.append(
                {**v2, "locations": [self.region_codes[dcid] for dcid in locations]}
            )
        self.v2_plans = {code: plan_id for plan_id, code in self.plan_codes.items()}
        self.v2_os_list = [
            {"id": os["OSID"], "name": os["name"], "arch": os["arch"], "family": os["family"]}
            for os in sorted(self.os_list.values(), key=lambda os: os["OSID"])
        ]
        self.v2_availability = {
            self.region_codes[dcid]: [self.plan_codes[plan_id] for plan_id in plans]
            for dcid, plans in self.availability.items()
        }

    def v2_plans_of_type(self, plan_type: str | None) -> list[dict[str, Any]]:
        """GET /v2/plans?type=: "all", absent or unknown give every plan."""
        if not plan_type or plan_type == "all":
            return self.v2_plans_list
        return [p for p in self.v2_plans_list if p["type"] == plan_type]

    def plans_of_type(self, plan_type: str | None) -> dict[str, dict[str, Any]]:
        wanted = PLAN_TYPES.get(plan_type or "")
        if wanted is None:  # "all", absent or unknown
            return self.plans_list
        return {k: p for k, p in self.plans_list.items() if p["plan_type"] in wanted}

    def plan_variant(self, plan_type: str) -> dict[str, dict[str, Any]]:
        return {
            k: {field: p[field] for field in _PLAN_VARIANT_FIELDS}
            for k, p in self.plans_of_type(plan_type).items()
        }

    def deployable_systems(self) -> list[OperatingSystem]:
        """What server/os_change_list offers: every ordinary OS, none of the special ones."""
        return [os for os in self.systems.values() if os.id not in SPECIAL_OSIDS]


def _v2_plan_order(plan: Plan) -> tuple[int, int, int]:
    # /v2/plans lists vc2, then vdc, then vhf, each by size (the recorded order).
    kinds = list(V2_PLAN_TYPE)
    return (kinds.index(plan.plan_type), plan.ram_mb, int(plan.vcpus))


def _app(appid: int, name: str, short_name: str, deploy_name: str) -> dict[str, Any]:
    # `surcharge` is a number, unlike every other price (reference §4).
    return {
        "APPID": str(appid),
        "name": name,
        "short_name": short_name,
        "deploy_name": deploy_name,
        "surcharge": 0,
    }


CATALOG = Catalog()
