"""What Vultr offers through a key: regions, plans, operating systems, and the account's ISOs.

Each list is read on its own, so one that Vultr fails to send leaves the others on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.views.decorators.http import require_GET

from accounts.permissions import Perm, team_view
from panel.servers import actions

from .common import key_page, render_page


def _read(call: Callable[[actions.ActionContext], list[Any]], ctx) -> tuple[list[Any], str]:
    try:
        return call(ctx), ""
    except actions.ActionError as err:
        return [], str(err)


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_GET
def catalog(request, key_id):
    page = key_page(request, key_id)
    regions, regions_error = _read(actions.regions, page.ctx)
    plans, plans_error = _read(actions.plans, page.ctx)
    systems, systems_error = _read(actions.operating_systems, page.ctx)
    isos, isos_error = _read(actions.isos, page.ctx)
    region_names = {r.id: r.name for r in regions}
    context = {
        **page.context(),
        "regions": sorted(regions, key=lambda r: (r.continent, r.name)),
        "regions_error": regions_error,
        "plans": [
            {
                "plan": plan,
                "locations": sorted(region_names.get(r, r) for r in plan.available_locations),
            }
            for plan in sorted(plans, key=lambda p: (p.price_per_month, p.ram_mb, p.id))
        ],
        "plans_error": plans_error,
        "systems": sorted(systems, key=lambda s: (s.family, s.name)),
        "systems_error": systems_error,
        "isos": sorted(isos, key=lambda i: i.filename.lower()),
        "isos_error": isos_error,
    }
    return render_page(request, "servers/catalog/catalog.html", context)
