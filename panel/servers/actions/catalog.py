"""What Vultr offers: regions, plans, operating systems, ISOs, and which plans can be deployed
in a region right now.

Plans and regions are public in v1, but sent with a key they include plans special to that
account (reference §1), so they are cached per key like everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from accounts.permissions import Perm
from panel.servers.cache import CATALOG_SECONDS
from panel.vultr import Iso, OperatingSystem, Plan, Region, VultrClient

from .base import CATALOG, ActionContext, query, read

T = TypeVar("T")

# Capacity comes and goes; the deploy wizard should not offer a plan that sold out an hour ago.
AVAILABILITY_SECONDS = 60


def _catalog(ctx: ActionContext, name: str, fetch: Callable[[VultrClient], T]) -> T:
    """One of the catalogue's lists, cached per key for CATALOG_SECONDS."""
    return read(ctx, Perm.SUBSCRIPTIONS_VIEW, CATALOG, name, fetch, seconds=CATALOG_SECONDS)


@query
def regions(ctx: ActionContext) -> list[Region]:
    return _catalog(ctx, "regions", lambda v: v.regions_list())


@query
def plans(ctx: ActionContext) -> list[Plan]:
    return _catalog(ctx, "plans", lambda v: v.plans_list())


@query
def operating_systems(ctx: ActionContext) -> list[OperatingSystem]:
    return _catalog(ctx, "os", lambda v: v.os_list())


@query
def isos(ctx: ActionContext) -> list[Iso]:
    """The account's own ISOs (not a catalogue: they are uploaded by the account)."""
    return read(ctx, Perm.SUBSCRIPTIONS_VIEW, "isos", "list", lambda v: v.iso_list())


@query
def availability(ctx: ActionContext, region_id: str) -> list[str]:
    """Ids of the plans that can be deployed in the region now."""
    return read(
        ctx,
        Perm.SUBSCRIPTIONS_VIEW,
        CATALOG,
        f"availability:{region_id}",
        lambda v: v.regions_availability(region_id),
        seconds=AVAILABILITY_SECONDS,
    )
