"""One server: tabs (overview, IPv4, IPv6, bandwidth, snapshots and backups, settings), each a
page of its own and an HTMX fragment, and the actions on it.

Tab views take an optional `bound` dict: forms (by `form_id`) to show instead of fresh ones,
which is how a plain (non-htmx) POST that failed shows its error in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import Perm, team_view
from panel.operations import start as operations
from panel.servers import actions
from panel.servers.forms.server import (
    POWER_OPERATIONS,
    ActionForm,
    AddIpv4Form,
    ConfirmedForm,
    DefaultReverseIpv4Form,
    DeleteReverseIpv6Form,
    DestroyForm,
    LabelForm,
    OsChangeForm,
    ReinstallForm,
    RemoveIpv4Form,
    RestoreBackupForm,
    RestoreSnapshotForm,
    ReverseIpv4Form,
    ReverseIpv6Form,
    SnapshotForm,
)
from panel.servers.templatetags.panel import byte_size
from panel.vultr import Bandwidth, ImageStatus, IpType, Ipv6, ServerState

from .common import (
    ServerPage,
    acts,
    done,
    form_again,
    render_page,
    require,
    require_reason,
    run,
    server_page,
    vultr_page,
)
from .console import console_context
from .servers import POWER_ACTIONS, next_interval, poller

Bound = dict[str, ActionForm] | None

TABS = [
    # (URL name, title, permission needed to see the tab; None = everyone who sees servers)
    ("server_detail", "Overview", None),
    ("server_ipv4", "IPv4", None),
    ("server_ipv6", "IPv6", None),
    ("server_bandwidth", "Bandwidth", None),
    ("server_images", "Snapshots and backups", None),
    ("server_settings", "Settings", (Perm.SUBSCRIPTIONS, Perm.PROVISIONING)),
]
# The tab, and the parts that refresh themselves when the server's state changes (the header
# on every tab, the facts on the overview), as the overview's URL answers them.
FRAGMENTS = {
    "tab-panel": "panel",
    "server-head": "servers/server_base.html#head",
    "server-facts": "facts",
}


def _tabs(page: ServerPage, active: str) -> list[dict[str, Any]]:
    shown = []
    for name, title, needs in TABS:
        if needs is not None and not any(page.may(p) for p in needs):
            continue
        shown.append({"url": page.url(name), "title": title, "active": name == active})
    return shown


def _render_tab(
    request: HttpRequest, page: ServerPage, tab: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    # A long operation under way on the server: what would interfere with it is off (the
    # action layer refuses it too, `Change.conflicts`).
    hold = actions.hold_on(page.ctx, page.server.id)
    if hold is not None:
        _hold_forms(context.values(), hold)
    full = {
        **page.context(),
        "tab": tab,
        "tabs": _tabs(page, tab),
        "poller": poller({page.server.id: page.server}, next_interval(None, True, False)),
        "power_forms": _power_buttons(page),
        "hold": hold,
        **context,
    }
    return render_page(request, template, full, FRAGMENTS)


def _hold_forms(values: Any, hold: actions.Hold) -> None:
    for value in values:
        for form in value if isinstance(value, list) else [value]:
            if isinstance(form, ActionForm) and form.conflicts:
                form.held = hold


def _power_buttons(page: ServerPage) -> list[dict[str, str]]:
    if not page.may(Perm.SUBSCRIPTIONS):
        return []
    running = page.server.is_running
    offered = ["halt", "reboot"] if running else ["start"]
    label = page.confirm_text
    return [
        {
            "op": op,
            "button": POWER_OPERATIONS[op][0],
            "ask": POWER_OPERATIONS[op][2].format(label=label),
            "url": page.url("server_power", op=op),
        }
        for op in offered
    ]


def _read(call, *args) -> tuple[Any, str]:
    """(result, "") or (None, the error to show in place of the data)."""
    try:
        return call(*args), ""
    except actions.ActionError as err:
        return None, str(err)


def _bound(bound: Bound, form_id: str, make) -> ActionForm:
    if bound and form_id in bound:
        return bound[form_id]
    return make()


def _answer(
    request: HttpRequest,
    page: ServerPage,
    form: ActionForm,
    call: Callable[[actions.ActionContext, dict[str, Any]], Any],
    *,
    then: str,
    said: Callable[[Any], str],
    tab: Callable[[HttpRequest, ServerPage, Bound], HttpResponse],
) -> HttpResponse:
    """The POST of a form in one of the tabs: `call` (through `run`); if it worked, on to `then`
    saying `said(what call returned)`, otherwise the `tab` again with the form's errors."""
    ok, result = run(page, form, call)
    if ok:
        return done(request, then, said(result))
    return form_again(request, form, lambda bound: tab(request, page, bound))


def _tab_view(
    tab: Callable[[HttpRequest, ServerPage], HttpResponse],
) -> Callable[..., HttpResponse]:
    """The GET of a tab that anyone who sees servers may see."""

    @team_view(Perm.SUBSCRIPTIONS_VIEW)
    @vultr_page
    def view(request, key_id, server_id):
        return tab(request, server_page(request, key_id, server_id))

    return view


def _tab_post(
    action: Callable[..., Any],
    name: str,
    form_class: type[ActionForm],
    call: Callable[[ServerPage, actions.ActionContext, dict[str, Any]], Any],
    *,
    then: str,
    said: Callable[[ServerPage, dict[str, Any], Any], str],
    tab: Callable[[HttpRequest, ServerPage, Bound], HttpResponse],
    form_kwargs: Callable[[HttpRequest, ServerPage], dict[str, Any]] = lambda request, page: {},
) -> Callable[..., HttpResponse]:
    """The POST view (URL name `name`) of one form in a tab, which does `action`: the form
    bound to the POST, then `_answer` with `call(page, ctx, data)`; on success on to the tab
    `then`, saying `said(page, data, what call returned)`."""

    @acts(action)
    @require_POST
    @vultr_page
    def view(request, key_id, server_id):
        page = server_page(request, key_id, server_id)
        form = form_class(request.POST, action=page.url(name), **form_kwargs(request, page))
        return _answer(
            request,
            page,
            form,
            lambda ctx, data: call(page, ctx, data),
            then=page.url(then),
            said=lambda result: said(page, form.cleaned_data, result),
            tab=tab,
        )

    view.__name__ = view.__qualname__ = name
    return view


# -- overview --------------------------------------------------------------------------------


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@vultr_page
def server_detail(request, key_id, server_id):
    page = server_page(request, key_id, server_id)
    context = console_context(page)
    return _render_tab(request, page, "server_detail", "servers/server_overview.html", context)


# -- power -----------------------------------------------------------------------------------


@acts(*POWER_ACTIONS.values(), pick=lambda request, kwargs: POWER_ACTIONS.get(kwargs["op"]))
@require_POST
@vultr_page
def server_power(request, key_id, server_id, op):
    page = server_page(request, key_id, server_id)
    action = POWER_ACTIONS.get(op)
    if action is None:
        raise Http404("No such power operation")
    # Back to where the button was pressed, if that was one of this server's pages.
    here = page.url("server_detail")
    current = request.htmx.current_url_abs_path if request.htmx else None
    next_url = current if current and current.startswith(here) else here
    try:
        action(page.ctx, page.server.id)
    except actions.ActionError as err:
        if request.htmx:
            return render(
                request, "servers/server_base.html#power_error", {"power_error": str(err)}
            )
        messages.error(request, str(err))
        return redirect(next_url)
    return done(request, next_url, f"{page.confirm_text}: {POWER_OPERATIONS[op][1]}.")


# -- addresses -------------------------------------------------------------------------------


def _ipv4_tab(request: HttpRequest, page: ServerPage, bound: Bound = None) -> HttpResponse:
    addresses, error = _read(actions.list_ipv4, page.ctx, page.server.id)
    rows = []
    for address in addresses or []:
        rows.append(
            {
                "address": address,
                "main": address.type is IpType.MAIN,
                "secondary": address.type is IpType.SECONDARY,
                "reverse_url": page.url("server_ipv4_reverse") + f"?ip={address.ip}",
                "remove_url": page.url("server_ipv4_remove") + f"?ip={address.ip}",
            }
        )
    add_form = None
    if page.may(Perm.SUBSCRIPTIONS):
        add_form = _bound(
            bound,
            "form-addipv4",
            lambda: AddIpv4Form(action=page.url("server_ipv4_add"), server_label=page.confirm_text),
        )
    context = {"rows": rows, "error": error, "add_form": add_form}
    return _render_tab(request, page, "server_ipv4", "servers/server_ipv4.html", context)


server_ipv4 = _tab_view(_ipv4_tab)


def _add_ipv4(ctx: actions.ActionContext, server_id: str, *, reboot: bool) -> str | None:
    """With a reboot, an operation follows the server until the address is listed; without
    one there is nothing to wait for."""
    if reboot:
        return operations.start_create_ipv4(ctx, server_id, now=True).result.get("ip")
    return actions.create_ipv4(ctx, server_id, reboot=False)


server_ipv4_add = _tab_post(
    actions.create_ipv4,
    "server_ipv4_add",
    AddIpv4Form,
    lambda page, ctx, data: _add_ipv4(ctx, page.server.id, reboot=data["reboot"]),
    form_kwargs=lambda request, page: {"server_label": page.confirm_text},
    then="server_ipv4",
    said=lambda page, _, ip: f"Vultr added {ip or 'an IPv4 address'} to {page.confirm_text}.",
    tab=_ipv4_tab,
)


def _address_form_page(
    request: HttpRequest, page: ServerPage, tab: str, form: ActionForm, about: str = ""
) -> HttpResponse:
    """A page (and fragment) holding one form about one item, under the server's tabs."""
    context = {"form": form, "about": about, "back": page.url(tab)}
    return _render_tab(request, page, tab, "servers/server_form.html", context)


@acts(actions.destroy_ipv4)
@vultr_page
def server_ipv4_remove(request, key_id, server_id):
    page = server_page(request, key_id, server_id)
    ip = request.POST.get("ip") if request.method == "POST" else request.GET.get("ip", "")
    explanation = (
        f"The address {ip} is released for good and billing for it stops; it may go to "
        f"another Vultr customer. Vultr hard-restarts {page.confirm_text} to remove it."
    )

    def make(data=None):
        return RemoveIpv4Form(
            data,
            action=page.url("server_ipv4_remove"),
            explanation=explanation,
            expected=page.confirm_text,
            require_reason=require_reason(request),
            initial={"ip": ip},
        )

    if request.method == "POST":
        form = make(request.POST)
        ok, _ = run(
            page, form, lambda ctx, data: actions.destroy_ipv4(ctx, page.server.id, data["ip"])
        )
        if ok:
            return done(
                request, page.url("server_ipv4"), f"{ip} is removed from {page.confirm_text}."
            )
        return form_again(
            request, form, lambda bound: _address_form_page(request, page, "server_ipv4", form)
        )
    return _address_form_page(request, page, "server_ipv4", make())


@acts(actions.set_reverse_ipv4)
@vultr_page
def server_ipv4_reverse(request, key_id, server_id):
    """Set (POST) the PTR record of one address; GET shows the form and the reset button."""
    page = server_page(request, key_id, server_id)
    ip = request.POST.get("ip") if request.method == "POST" else request.GET.get("ip", "")
    addresses, _ = _read(actions.list_ipv4, page.ctx, page.server.id)
    current = next((a.reverse for a in addresses or [] if a.ip == ip), None)

    def render_both(form: ActionForm, reset: ActionForm) -> HttpResponse:
        context = {"form": form, "second_form": reset, "back": page.url("server_ipv4")}
        context["about"] = f"Reverse DNS of {ip}" + (f": now {current}" if current else "")
        return _render_tab(request, page, "server_ipv4", "servers/server_form.html", context)

    def reset_form() -> ActionForm:
        return DefaultReverseIpv4Form(
            action=page.url("server_ipv4_reverse_default"), initial={"ip": ip}
        )

    action_url = page.url("server_ipv4_reverse")
    if request.method == "POST":
        form = ReverseIpv4Form(request.POST, action=action_url)
        ok, _ = run(
            page,
            form,
            lambda ctx, data: actions.set_reverse_ipv4(
                ctx, page.server.id, data["ip"], data["entry"]
            ),
        )
        if ok:
            return done(
                request,
                page.url("server_ipv4"),
                f"The reverse DNS of {ip} is now {form.cleaned_data['entry']}.",
            )
        return form_again(request, form, lambda bound: render_both(form, reset_form()))
    form = ReverseIpv4Form(action=action_url, initial={"ip": ip, "entry": current or ""})
    return render_both(form, reset_form())


server_ipv4_reverse_default = _tab_post(
    actions.default_reverse_ipv4,
    "server_ipv4_reverse_default",
    DefaultReverseIpv4Form,
    lambda page, ctx, data: actions.default_reverse_ipv4(ctx, page.server.id, data["ip"]),
    then="server_ipv4",
    said=lambda page, data, _: f"The reverse DNS of {data['ip']} is Vultr's default.",
    tab=_ipv4_tab,
)


def _ipv6_tab(request: HttpRequest, page: ServerPage, bound: Bound = None) -> HttpResponse:
    server = page.server
    # The server's addresses are in the server list the page already has (v1 `v6_networks`,
    # v2 `v6_main_ip`/`v6_network`: the main address of each network, as list_ipv6 gives
    # them): only the reverse DNS entries need a read, and none when IPv6 is off.
    addresses = [
        Ipv6(net.main_ip, net.network, net.network_size, IpType.MAIN)
        for net in server.v6_networks
        if net.main_ip
    ]
    error = ""
    if addresses:
        reverse, reverse_error = _read(actions.list_reverse_ipv6, page.ctx, server.id)
    else:
        reverse, reverse_error = [], ""
    may_change = page.may(Perm.SUBSCRIPTIONS)
    entries = []
    for entry in reverse or []:
        delete = None
        if may_change:
            delete = DeleteReverseIpv6Form(
                action=page.url("server_ipv6_reverse_delete"), initial={"ip": entry.ip}
            )
        entries.append({"entry": entry, "delete_form": delete})
    set_form = None
    if may_change and addresses:
        set_form = _bound(
            bound,
            "form-reverseipv6",
            lambda: ReverseIpv6Form(
                action=page.url("server_ipv6_reverse"),
                initial={"ip": page.server.v6_main_ip},
            ),
        )
    leftovers = [f for k, f in (bound or {}).items() if k != "form-reverseipv6"]
    context = {
        "addresses": addresses,
        "error": error,
        "reverse": entries,
        "reverse_error": reverse_error,
        "set_form": set_form,
        "leftovers": leftovers,
    }
    return _render_tab(request, page, "server_ipv6", "servers/server_ipv6.html", context)


server_ipv6 = _tab_view(_ipv6_tab)


server_ipv6_reverse = _tab_post(
    actions.set_reverse_ipv6,
    "server_ipv6_reverse",
    ReverseIpv6Form,
    lambda page, ctx, data: actions.set_reverse_ipv6(
        ctx, page.server.id, data["ip"], data["entry"]
    ),
    then="server_ipv6",
    said=lambda page, data, _: f"The reverse DNS of {data['ip']} is set.",
    tab=_ipv6_tab,
)

server_ipv6_reverse_delete = _tab_post(
    actions.delete_reverse_ipv6,
    "server_ipv6_reverse_delete",
    DeleteReverseIpv6Form,
    lambda page, ctx, data: actions.delete_reverse_ipv6(ctx, page.server.id, data["ip"]),
    then="server_ipv6",
    said=lambda page, data, _: f"The reverse DNS entry of {data['ip']} is deleted.",
    tab=_ipv6_tab,
)


# -- bandwidth -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


CHART_WIDTH, CHART_HEIGHT, CHART_DAYS = 600, 200, 30


def bandwidth_chart(bandwidth: Bandwidth) -> dict[str, Any]:
    """Bars for the last 30 days, incoming and outgoing side by side, scaled to the busiest
    day; coordinates for an SVG whose viewBox is CHART_WIDTH × CHART_HEIGHT."""
    days = bandwidth.days[-CHART_DAYS:]
    if not days:
        return {"bars": [], "days": []}
    peak = max(max(d.incoming_bytes, d.outgoing_bytes) for d in days) or 1
    slot = CHART_WIDTH / len(days)
    width = slot * 0.4
    bars = []
    for i, day in enumerate(days):
        for offset, value, css, word in (
            (0.1, day.incoming_bytes, "bar-in", "in"),
            (0.5, day.outgoing_bytes, "bar-out", "out"),
        ):
            height = round(value / peak * CHART_HEIGHT, 1)
            bars.append(
                Bar(
                    x=round(i * slot + slot * offset, 1),
                    y=round(CHART_HEIGHT - height, 1),
                    width=round(width, 1),
                    height=height,
                    css=css,
                    title=f"{day.day:%d %b}: {byte_size(value)} {word}",
                )
            )
    return {
        "bars": bars,
        "days": list(reversed(days)),
        "peak": peak,
        "first": days[0].day,
        "last": days[-1].day,
        "incoming": sum(d.incoming_bytes for d in days),
        "outgoing": sum(d.outgoing_bytes for d in days),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
    }


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@vultr_page
def server_bandwidth(request, key_id, server_id):
    page = server_page(request, key_id, server_id)
    bandwidth, error = _read(actions.server_bandwidth, page.ctx, page.server.id)
    chart = bandwidth_chart(bandwidth) if bandwidth else None
    context = {"chart": chart, "error": error}
    return _render_tab(request, page, "server_bandwidth", "servers/server_bandwidth.html", context)


# -- snapshots and backups -------------------------------------------------------------------


def _images_tab(request: HttpRequest, page: ServerPage, bound: Bound = None) -> HttpResponse:
    (snapshots, snapshot_error), (backups, backup_error) = actions.together(
        (page.ctx, lambda: _read(actions.list_snapshots, page.ctx)),
        (page.ctx, lambda: _read(actions.list_backups, page.ctx, page.server.id)),
    )
    taken_here = actions.snapshot_ids_taken_from(page.ctx, page.server.id)
    may_restore = page.may(Perm.PROVISIONING)
    snapshot_rows = [
        {
            "snapshot": s,
            "here": s.id in taken_here,
            "restore_url": page.url("server_restore_snapshot") + f"?snapshot={s.id}"
            if may_restore and s.status is ImageStatus.COMPLETE
            else None,
        }
        for s in sorted(snapshots or [], key=lambda s: (s.id not in taken_here, s.description))
    ]
    backup_rows = [
        {
            "backup": b,
            "restore_url": page.url("server_restore_backup") + f"?backup={b.id}"
            if may_restore and b.status is ImageStatus.COMPLETE
            else None,
        }
        for b in sorted(backups or [], key=lambda b: b.date_created or 0, reverse=True)
    ]
    take_form = None
    if may_restore:
        take_form = _bound(
            bound, "form-snapshot", lambda: SnapshotForm(action=page.url("server_snapshot"))
        )
    context = {
        "snapshots": snapshot_rows,
        "snapshot_error": snapshot_error,
        "backups": backup_rows,
        "backup_error": backup_error,
        "take_form": take_form,
    }
    return _render_tab(request, page, "server_images", "servers/server_images.html", context)


server_images = _tab_view(_images_tab)


server_snapshot = _tab_post(
    actions.create_snapshot,
    "server_snapshot",
    SnapshotForm,
    lambda page, ctx, data: operations.start_create_snapshot(
        ctx, page.server.id, data["description"], now=True
    ).result.get("snapshot_id"),
    then="server_images",
    said=lambda page, _, sid: f"Vultr is taking snapshot {sid} of {page.confirm_text}.",
    tab=_images_tab,
)


def _snapshot_name(page: ServerPage, snapshot_id: str) -> str | None:
    """How the confirm page names the snapshot; None if the account has no such snapshot."""
    snapshots, error = _read(actions.list_snapshots, page.ctx)
    if error:
        return snapshot_id  # Vultr did not answer: the restore itself will say what is wrong
    snapshot = next((s for s in snapshots if s.id == snapshot_id), None)
    if snapshot is None:
        return None
    if snapshot.description:
        return f"“{snapshot.description}” ({snapshot_id})"
    return snapshot_id


def _backup_name(page: ServerPage, backup_id: str) -> str | None:
    """The backup's id, if it is one of this server's backups; None if not."""
    backups, error = _read(actions.list_backups, page.ctx, page.server.id)
    if error or any(b.id == backup_id for b in backups):
        return backup_id
    return None


# The two restores, one confirm view: what the form carries, how the image is named (None: no
# such image), and the start function of its operation.
RESTORES: dict[
    str, tuple[type[ConfirmedForm], Callable[[ServerPage, str], str | None], Callable]
] = {
    "snapshot": (RestoreSnapshotForm, _snapshot_name, operations.start_restore_snapshot),
    "backup": (RestoreBackupForm, _backup_name, operations.start_restore_backup),
}


@acts(
    actions.restore_snapshot,
    actions.restore_backup,
    pick=lambda request, kwargs: getattr(actions, f"restore_{kwargs['source']}", None),
)
@vultr_page
def server_restore(request, key_id, server_id, source):
    """Restore a snapshot or a backup onto the server (GET: the confirm form)."""
    page = server_page(request, key_id, server_id)
    form_class, name_of, start = RESTORES[source]
    image_id = (request.POST if request.method == "POST" else request.GET).get(source, "")
    name = name_of(page, image_id)
    if name is None and request.method != "POST":
        # A confirm page for an image that is not there would ask to restore nothing. (A POST
        # goes on: the action layer records the attempt and Vultr's refusal.)
        raise Http404(f"No {source} {image_id!r} to restore onto this server")
    explanation = (
        f"Everything on {page.confirm_text}'s disk now is replaced by {source} "
        f"{name or image_id}. Files written since the {source} was taken are lost."
    )
    form = form_class(
        request.POST if request.method == "POST" else None,
        action=page.url(f"server_restore_{source}"),
        explanation=explanation,
        expected=page.confirm_text,
        require_reason=require_reason(request),
        initial={source: image_id},
    )
    if request.method == "POST":
        ok, _ = run(
            page, form, lambda ctx, data: start(ctx, page.server.id, data[source], now=True)
        )
        if ok:
            return done(
                request,
                page.url("server_detail"),
                f"{page.confirm_text} is being restored from {source} {image_id}.",
            )
        return form_again(
            request, form, lambda bound: _address_form_page(request, page, "server_images", form)
        )
    return _address_form_page(request, page, "server_images", form)


# -- settings --------------------------------------------------------------------------------


def _settings_tab(request: HttpRequest, page: ServerPage, bound: Bound = None) -> HttpResponse:
    server, reason = page.server, require_reason(request)
    forms: list[ActionForm] = []
    os_error = ""
    if page.may(Perm.SUBSCRIPTIONS):
        forms.append(
            _bound(
                bound,
                "form-label",
                lambda: LabelForm(action=page.url("server_label"), initial={"label": server.label}),
            )
        )
    if page.may(Perm.PROVISIONING):
        confirm = {"expected": page.confirm_text, "require_reason": reason}
        forms.append(
            _bound(
                bound,
                "form-reinstall",
                lambda: ReinstallForm(
                    action=page.url("server_reinstall"),
                    explanation=(
                        f"Everything on the disk is erased and {server.os} is installed "
                        "afresh. The IP addresses stay."
                    ),
                    **confirm,
                ),
            )
        )
        choices, os_error = _os_choices(page)
        if choices:
            forms.append(
                _bound(
                    bound,
                    "form-oschange",
                    lambda: OsChangeForm(
                        action=page.url("server_os"),
                        explanation=(
                            f"Everything on the disk is erased and the new system replaces "
                            f"{server.os}. The IP addresses stay."
                        ),
                        choices=choices,
                        **confirm,
                    ),
                )
            )
        forms.append(
            _bound(
                bound,
                "form-destroy",
                lambda: DestroyForm(
                    action=page.url("server_destroy"),
                    explanation=_destroy_explanation(page),
                    **confirm,
                    **destroy_wait(page),
                ),
            )
        )
    context = {"forms": forms, "os_error": os_error}
    return _render_tab(request, page, "server_settings", "servers/server_settings.html", context)


def _destroy_explanation(page: ServerPage) -> str:
    return (
        f"The server, its disk, its automatic backups and its IP addresses "
        f"({page.server.main_ip or 'none yet'}) are gone for good; billing stops. "
        "Snapshots are kept."
    )


# Vultr's API v1 refuses to destroy a server in its first 5 minutes (v1 reference §7, the
# message in §2). v2 has no such age (v2 reference §8.3): it refuses while the server's
# server_status is none or locked, that is while Vultr is still setting it up.
V1_DESTROY_MIN_AGE = timedelta(minutes=5)


def destroy_wait(page: ServerPage, now: datetime | None = None) -> dict[str, Any]:
    """Why the destroy button is off for now, and for how many seconds (0: until the page is
    reloaded, when Vultr has finished); nothing if Vultr would accept a destroy now."""
    server = page.server
    if page.api_key.api_version == "v1":
        if server.date_created is None:
            return {}
        now = now or timezone.now()
        # A date after the panel's now is a clock apart from Vultr's: never more than 5 minutes.
        possible = min(server.date_created, now) + V1_DESTROY_MIN_AGE
        seconds = (possible - now).total_seconds()
        if seconds <= 0:
            return {}
        minutes = math.ceil(seconds / 60)
        when = f"{minutes} minute{'s' if minutes != 1 else ''}"
        return {
            "wait_seconds": math.ceil(seconds),
            "wait_note": (
                "Vultr does not destroy a server in its first 5 minutes: destroying "
                f"{page.confirm_text} is possible from {possible.astimezone(UTC):%H:%M} UTC, "
                f"in {when}."
            ),
        }
    if server.server_state in (ServerState.NONE, ServerState.LOCKED):
        return {
            "wait_seconds": 0,
            "wait_note": (
                "Vultr does not destroy a server while it is still setting it up (locked): "
                f"destroying {page.confirm_text} is possible once it is unlocked, usually a "
                "minute or two after it was ordered. Reload the page then."
            ),
        }
    return {}


def _os_choices(page: ServerPage) -> tuple[list[tuple[str, str]], str]:
    options, error = _read(actions.os_change_list, page.ctx, page.server.id)
    choices = []
    for option in sorted(options or [], key=lambda o: o.name):
        if option.id == page.server.os_id:
            continue
        surcharge = f" (+${option.surcharge}/month)" if option.surcharge else ""
        choices.append((option.id, f"{option.name}{surcharge}"))
    return choices, error


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@vultr_page
def server_settings(request, key_id, server_id):
    # Refused before Vultr is asked anything (tests/security/test_authorization_matrix.py).
    membership = request.membership
    if not (membership.may(Perm.SUBSCRIPTIONS) or membership.may(Perm.PROVISIONING)):
        require(request, Perm.SUBSCRIPTIONS)
    return _settings_tab(request, server_page(request, key_id, server_id))


server_label = _tab_post(
    actions.set_server_label,
    "server_label",
    LabelForm,
    lambda page, ctx, data: actions.set_server_label(ctx, page.server.id, data["label"]),
    then="server_settings",
    said=lambda page, data, _: f"The server is now called {data['label']}.",
    tab=_settings_tab,
)


def _confirmed(request: HttpRequest, page: ServerPage) -> dict[str, Any]:
    return {"expected": page.confirm_text, "require_reason": require_reason(request)}


server_reinstall = _tab_post(
    actions.reinstall_server,
    "server_reinstall",
    ReinstallForm,
    lambda page, ctx, data: operations.start_reinstall_server(
        ctx, page.server.id, data["hostname"] or None, now=True
    ),
    form_kwargs=_confirmed,
    then="server_detail",
    said=lambda page, _, __: f"{page.confirm_text} is being reinstalled.",
    tab=_settings_tab,
)


@acts(actions.change_server_os)
@require_POST
@vultr_page
def server_os(request, key_id, server_id):
    page = server_page(request, key_id, server_id)
    choices, _ = _os_choices(page)
    form = OsChangeForm(
        request.POST,
        action=page.url("server_os"),
        choices=choices,
        **_confirmed(request, page),
    )
    return _answer(
        request,
        page,
        form,
        lambda ctx, data: operations.start_change_server_os(
            ctx, page.server.id, data["os_id"], now=True
        ),
        then=page.url("server_detail"),
        said=lambda _: (
            f"{page.confirm_text} is being installed with "
            f"{dict(choices).get(form.cleaned_data['os_id'], 'the new system')}."
        ),
        tab=_settings_tab,
    )


@acts(actions.destroy_server)
@require_POST
@vultr_page
def server_destroy(request, key_id, server_id):
    page = server_page(request, key_id, server_id)
    form = DestroyForm(
        request.POST,
        action=page.url("server_destroy"),
        explanation=_destroy_explanation(page),
        **_confirmed(request, page),
        **destroy_wait(page),
    )
    return _answer(
        request,
        page,
        form,
        lambda ctx, data: operations.start_destroy_server(ctx, page.server.id, now=True),
        then=page.key_url("server_list"),
        said=lambda _: f"{page.confirm_text} is destroyed.",
        tab=_settings_tab,
    )
