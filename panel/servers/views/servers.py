"""The server list of one key: search, filters, sort, pages, self-refreshing status badges and
bulk power actions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.permissions import Perm, team_view
from panel import words
from panel.servers import actions
from panel.servers.actions.base import Target
from panel.servers.forms.server import POWER_OPERATIONS, BulkForm
from panel.servers.templatetags.panel import badge, megabytes, usd
from panel.vultr import Server

from .common import acts, has_id_shape, key_page, render_page

PAGE_SIZE = 50
# The most badges one poll refreshes (two pages' worth).
MAX_POLLED = 2 * PAGE_SIZE
# Fired by the badge poller's answer when a badge changed (HX-Trigger).
BADGES_CHANGED = "badges-changed"

POWER_ACTIONS = {
    "start": actions.start_server,
    "halt": actions.halt_server,
    "reboot": actions.reboot_server,
}

SORTS = {
    "label": lambda s: (s.label.lower(), s.id),
    "status": lambda s: badge(s)[0],
    "ip": lambda s: tuple(int(p) for p in (s.main_ip or "0.0.0.0").split(".")),
    "location": lambda s: s.location,
    "os": lambda s: s.os,
    "created": lambda s: s.date_created.timestamp() if s.date_created else 0,
    "cost": lambda s: s.cost_per_month,
}


COLUMNS = [
    ("label", "Server"),
    ("status", "Status"),
    ("ip", "Address"),
    ("location", "Location"),
    ("os", "OS"),
    ("cost", "Cost"),
]


@dataclass(frozen=True)
class ListQuery:
    """What the user asked the list to show (all from the query string)."""

    q: str = ""
    status: str = ""
    power: str = ""
    region: str = ""
    sort: str = "label"

    @classmethod
    def from_get(cls, get: QueryDict) -> ListQuery:
        sort = get.get("sort", "label")
        if sort.removeprefix("-") not in SORTS:
            sort = "label"
        return cls(
            q=get.get("q", "").strip(),
            status=get.get("status", ""),
            power=get.get("power", ""),
            region=get.get("region", ""),
            sort=sort,
        )

    def matches(self, server: Server) -> bool:
        if self.status and server.status.value != self.status:
            return False
        if self.power and server.power_status.value != self.power:
            return False
        if self.region and server.region_id != self.region:
            return False
        if self.q:
            needle = self.q.lower()
            haystack = (
                server.label,
                server.id,
                server.main_ip or "",
                server.v6_main_ip or "",
                server.internal_ip or "",
                server.tag or "",
                server.location,
                server.os,
            )
            return any(needle in field.lower() for field in haystack)
        return True

    def apply(self, servers: list[Server]) -> list[Server]:
        found = [s for s in servers if self.matches(s)]
        key = SORTS[self.sort.removeprefix("-")]
        return sorted(found, key=key, reverse=self.sort.startswith("-"))

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.status or self.power or self.region)


# -- badges ----------------------------------------------------------------------------------


def badge_version(servers: dict[str, Server | None]) -> str:
    """A short fingerprint of the badges shown, to tell whether anything changed."""
    text = "|".join(f"{sid}:{badge(server)[0]}" for sid, server in sorted(servers.items()))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def next_interval(previous: int | None, changed: bool, busy: bool) -> int:
    """Seconds until the next badge poll: fast after a change, then slower while nothing
    changes, and never very slow while a server is in the middle of something."""
    fastest = settings.PANEL_CACHE_SECONDS
    if previous is None or changed:
        return fastest
    slowest = settings.PANEL_BADGE_MAX_SECONDS
    if busy:
        slowest = min(slowest, 3 * fastest)
    return max(fastest, min(slowest, round(previous * 1.5)))


def poller(servers: dict[str, Server | None], every: int) -> dict:
    return {
        "ids": ",".join(servers),
        "version": badge_version(servers),
        "every": every,
    }


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_GET
def server_badges(request, key_id):
    """The badges of the servers in `ids` that changed since `v`, as out-of-band swaps, and the
    poller with its next interval (htmx "load polling": each answer schedules the next)."""
    page = key_page(request, key_id)
    # The key's version's ids only: v1 SUBIDs are numbers, v2's are UUIDs.
    asked = request.GET.get("ids", "").split(",")
    ids = [i for i in asked if i and has_id_shape(page.api_key, i)][:MAX_POLLED]
    try:
        previous = int(request.GET.get("every", ""))
    except ValueError:
        previous = None
    try:
        listing = {s.id: s for s in actions.list_servers(page.ctx)}
    except actions.ActionError:
        # Vultr is unhappy (rate limit, key...): keep the badges and try again later.
        state = {
            "ids": ",".join(ids),
            "version": request.GET.get("v", ""),
            "every": settings.PANEL_BADGE_MAX_SECONDS,
        }
        return render(request, "servers/_poller.html", {"poller": state, **page.context()})
    shown = {sid: listing.get(sid) for sid in ids}
    version = badge_version(shown)
    changed = version != request.GET.get("v")
    busy = any(badge(s)[1] == "busy" for s in shown.values())
    context = {
        **page.context(),
        "poller": {**poller(shown, next_interval(previous, changed, busy))},
        "changed": [(sid, server) for sid, server in shown.items()] if changed else [],
    }
    response = render(request, "servers/_poller.html", context)
    if changed:
        # The parts of the page that show more of a server's state than its badge follow.
        trigger_client_event(response, BADGES_CHANGED)
    return response


# -- the list --------------------------------------------------------------------------------


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_GET
def servers_home(request):
    """The servers of the team's first key (the nav's "Servers" link)."""
    first = request.team.api_keys.order_by("label").first()
    if first is None:
        return render(request, "servers/no_keys.html")
    return redirect("panel:server_list", team=request.team.slug, key_id=first.pk)


# Sorting and filtering 1,000 servers is a good part of the page's time, and every viewer of a
# key asks the same questions of the same cached list (panel/servers/cache.py hands each process one
# shared copy per cache entry). Answers are kept per list object, checked by identity.
_ANSWERS_MAX = 64
_answers: dict[tuple, tuple[list[Server], list[Server], list[tuple[str, str]]]] = {}


def _sorted_and_regions(
    servers: list[Server], query: ListQuery
) -> tuple[list[Server], list[tuple[str, str]]]:
    key = (id(servers), query)
    found = _answers.get(key)
    if found is not None and found[0] is servers:
        return found[1], found[2]
    shown = query.apply(servers)
    regions = sorted({(s.region_id, s.location) for s in servers}, key=lambda r: r[1])
    if len(_answers) >= _ANSWERS_MAX:
        _answers.pop(next(iter(_answers), None), None)
    # The list itself is kept in the entry, so its id cannot be reused while the entry lives.
    _answers[key] = (servers, shown, regions)
    return shown, regions


def _columns(request, query: ListQuery) -> list[dict[str, str]]:
    """Column headings that sort by themselves, the second click the other way round."""
    params = request.GET.copy()
    params.pop("page", None)
    columns = []
    for key, title in COLUMNS:
        params["sort"] = f"-{key}" if query.sort == key else key
        arrow = " ▲" if query.sort == key else " ▼" if query.sort == f"-{key}" else ""
        columns.append(
            {"href": f"{request.path}?{params.urlencode()}", "title": title, "arrow": arrow}
        )
    return columns


def _row(server: Server, list_url: str) -> dict[str, str]:
    """What a row of the list shows, worked out here rather than in template tags: with 1,000
    servers cached, rendering is most of the page's time (bench/list_page.py)."""
    text, css = badge(server)
    return {
        "id": server.id,
        "name": server.label or server.id,
        # The detail page is the list's URL plus the id (panel/urls.py), no reverse() per row.
        "url": f"{list_url}{server.id}/",
        "tag": server.tag or "",
        "size": f"{server.vcpu_count} vCPU · {megabytes(server.ram_mb)} · {server.disk_gb} GB",
        "badge": text,
        "badge_css": css,
        "ip": server.main_ip or "—",
        "location": server.location,
        "os": server.os,
        "cost": usd(server.cost_per_month),
    }


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_GET
def server_list(request, key_id):
    page = key_page(request, key_id)
    query = ListQuery.from_get(request.GET)
    error = ""
    try:
        servers = actions.list_servers(page.ctx)
    except actions.ActionError as err:
        servers, error = [], str(err)
    shown, regions = _sorted_and_regions(servers, query)
    paginated = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = {s.id: s for s in paginated.object_list}
    list_url = page.url("server_list")
    context = {
        **page.context(),
        "query": query,
        "servers": paginated,
        "rows": [_row(server, list_url) for server in paginated.object_list],
        "can_power": page.may(Perm.SUBSCRIPTIONS),
        "total": len(servers),
        "error": error,
        "regions": regions,
        "statuses": [
            (s, words.SERVER_STATUS[s]) for s in ("pending", "active", "suspended", "closed")
        ],
        "powers": [("running", "on"), ("stopped", "off")],
        "columns": _columns(request, query),
        "poller": poller(on_page, next_interval(None, True, False)),
        "operations": POWER_OPERATIONS,
    }
    return render_page(request, "servers/server_list.html", context, {"results": "results"})


@acts(
    *POWER_ACTIONS.values(),
    pick=lambda request, kwargs: POWER_ACTIONS.get(request.POST.get("op", "")),
    target=lambda request, kwargs: Target(
        "server", ",".join(request.POST.getlist("server"))[:64], "bulk"
    ),
)
@require_POST
def server_bulk(request, key_id):
    """Start, halt or reboot the selected servers, one action (and audit entry) each."""
    page = key_page(request, key_id)
    action = POWER_ACTIONS.get(request.POST.get("op", ""), actions.reboot_server)
    results: list[tuple[str, bool, str]] = []
    error = ""
    try:
        listing = {s.id: s for s in actions.list_servers(page.ctx)}
    except actions.ActionError as err:
        listing, error = {}, str(err)
    form = BulkForm(request.POST, server_ids=list(listing))
    if not error and not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not error:
        verb = POWER_OPERATIONS[form.cleaned_data["op"]][1]
        for server_id in form.cleaned_data["server"]:
            name = listing[server_id].label or server_id
            try:
                action(page.ctx, server_id)
            except actions.ActionError as err:
                results.append((name, False, str(err)))
            else:
                results.append((name, True, verb))
    if request.htmx:
        response = render(
            request,
            "servers/server_list.html#bulk_results",
            {"bulk_results": results, "bulk_error": error},
        )
        # The badge poller listens for this and refreshes at once.
        return trigger_client_event(response, "servers-changed")
    if error:
        messages.error(request, error)
    for name, ok, text in results:
        (messages.success if ok else messages.error)(request, f"{name}: {text}")
    return redirect(page.url("server_list"))
