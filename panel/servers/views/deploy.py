"""The deploy wizard: region → plan → image → options → review → create.

The answers so far travel with the form as one signed hidden field (`state`), bound to the
team, the key and the user, so the wizard needs no session rows, works in several tabs at once
and is a chain of plain forms without JavaScript; htmx only swaps the wizard in place. Each
step is checked against what Vultr offers now before the next one is shown, and the create
view checks the whole order again, so a tampered, stale or skipped step never reaches Vultr.

Creating goes through a create-server operation in `deploy_create` (panel/operations: the
request is sent while the person waits, then workers follow the server until it is ready, shown
live on the done page). A double click must not order two servers: each order has an id, kept
on its operation as `order_token`, which the database holds unique per key (see `_placed`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core import signing
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from accounts.permissions import Perm, team_view
from panel.operations import start as operations
from panel.operations.models import Operation
from panel.servers import actions
from panel.servers.forms.deploy import (
    BACKUP_SHARE,
    MAX_QUANTITY,
    OS_CUSTOM,
    OS_SNAPSHOT,
    STEP_FORMS,
    StepForm,
    numbered,
    plan_kind,
    plan_name,
    region_name,
    snapshot_name,
    split_image,
)
from panel.vultr import Plan
from panel.vultr.domain import NewServer

from .common import KeyPage, acts, done, key_page, render_page, server_page, vultr_page
from .servers import next_interval, poller

STEPS = ("region", "plan", "image", "options", "review")
# An order form older than this starts again: prices and capacity may have changed.
STATE_SECONDS = 2 * 3600
TEMPLATE = "servers/deploy/wizard.html"


def _read(action: Callable[[actions.ActionContext], list[Any]]) -> cached_property[Any]:
    """An `Offer` attribute: what `action` reads for the offer's key, once per offer."""
    return cached_property(lambda offer: action(offer.ctx))


class Offer:
    """What this account can order now, read lazily through the action layer (cached per key).
    Any read may raise `actions.ActionError` with Vultr's words."""

    def __init__(self, ctx: actions.ActionContext, api_version: str = "v1") -> None:
        self.ctx = ctx
        self.api_version = api_version

    regions = _read(actions.regions)
    all_plans = _read(actions.plans)
    systems = _read(actions.operating_systems)
    isos = _read(actions.isos)
    snapshots = _read(actions.list_snapshots)
    sshkeys = _read(actions.list_sshkeys)
    scripts = _read(actions.list_startupscripts)

    def region(self, region_id: str):
        return next((r for r in self.regions if r.id == region_id), None)

    def plans_in(self, region_id: str) -> list[Plan]:
        """The plans Vultr can deploy in the region right now, cheapest first."""
        if self.region(region_id) is None:
            return []
        available = set(actions.availability(self.ctx, region_id))
        found = [p for p in self.all_plans if p.id in available]
        return sorted(found, key=lambda p: (p.price_per_month, p.ram_mb, p.id))

    def form(self, step: str, state: dict[str, Any], data=None) -> StepForm:
        """The form of `step`, bound to `data`, or unbound showing the answers in `state`."""
        cls = STEP_FORMS[step]
        extra: dict[str, Any]
        if step == "region":
            extra = {"regions": self.regions}
        elif step == "plan":
            region = self.region(state.get("region", ""))
            extra = {
                "plans": self.plans_in(state.get("region", "")),
                "region": region_name(region) if region else "this region",
            }
        elif step == "image":
            extra = {"systems": self.systems, "isos": self.isos, "snapshots": self.snapshots}
        else:
            kind, ident = split_image(state.get("image", ""))
            system = next((s for s in self.systems if s.id == ident), None)
            extra = {
                "sshkeys": self.sshkeys,
                "scripts": self.scripts,
                "image_kind": kind,
                "windows": kind == "os" and system is not None and system.windows,
                "api_version": self.api_version,
            }
        if data is None:
            return cls(initial=state, **extra)
        return cls(data, **extra)

    def first_problem(self, state: dict[str, Any], before: str) -> StepForm | None:
        """The first step before `before` whose answers in `state` are not (or no longer)
        valid, as a bound form carrying the errors; None if all are."""
        for step in STEPS[: STEPS.index(before)]:
            form = self.form(step, state, data=state)
            if not form.is_valid():
                return form
        return None


# -- the signed state ------------------------------------------------------------------------


def _salt(page: KeyPage) -> str:
    return f"panel.deploy:{page.request.team.pk}:{page.api_key.pk}:{page.request.user.pk}"


def _dump(page: KeyPage, state: dict[str, Any]) -> str:
    return signing.dumps(state, salt=_salt(page), compress=True)


def _load(page: KeyPage, value: str) -> dict[str, Any] | None:
    """The state in the form, or None if it is missing, tampered with or too old."""
    try:
        state = signing.loads(value, salt=_salt(page), max_age=STATE_SECONDS)
    except signing.BadSignature:
        return None
    return state if isinstance(state, dict) else None


def _answers(form: StepForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


# -- pages -----------------------------------------------------------------------------------


def _show(
    request: HttpRequest,
    page: KeyPage,
    offer: Offer,
    state: dict[str, Any],
    step: str,
    form: StepForm | None = None,
    error: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        **page.context(),
        "steps": [(name, STEPS.index(name) < STEPS.index(step)) for name in STEPS],
        "step": step,
        "state_token": _dump(page, state),
        "error": error,
        "deploy_url": page.url("deploy"),
        "create_url": page.url("deploy_create"),
    }
    try:
        if step == "review":
            context["order"] = _review(offer, state)
        else:
            context["form"] = form or offer.form(step, state)
            if step == "plan":
                form = context["form"]
                context["plans"] = form.plans
                context["plan_groups"] = form.groups
                context["region"] = offer.region(state.get("region", ""))
                # The filter starts at the chosen plan's kind, or the first (the cheapest).
                chosen = next((p for p in form.plans if p.id == form["plan"].value()), None)
                context["plan_filter"] = (
                    plan_kind(chosen)[0]
                    if chosen
                    else (form.groups[0]["key"] if form.groups else "")
                )
    except actions.ActionError as err:
        # Without what Vultr offers, the step cannot be shown; the page offers to try again.
        context["error"] = f"{error} {err}".strip()
    return render_page(request, TEMPLATE, context, {"wizard": "wizard"})


def _new_order() -> dict[str, Any]:
    """A new order's state: no answers yet, and the order's id (its operations' order_token)."""
    return {"order": secrets.token_urlsafe(12)}


def _start_again(request: HttpRequest, page: KeyPage, offer: Offer, error: str) -> HttpResponse:
    """The first step of a new order, saying why (`error`) the one sent could not be used."""
    return _show(request, page, offer, _new_order(), "region", error=error)


def _review(offer: Offer, state: dict[str, Any]) -> dict[str, Any]:
    """What the review step shows: every answer by name, and the monthly cost."""
    plan = next(p for p in offer.all_plans if p.id == state["plan"])
    kind, ident = split_image(state["image"])
    windows = False
    if kind == "os":
        system = next(s for s in offer.systems if s.id == ident)
        image, windows = system.name, system.windows
    elif kind == "iso":
        image = "ISO " + next(i.filename for i in offer.isos if i.id == ident)
    else:
        image = "Snapshot " + snapshot_name(next(s for s in offer.snapshots if s.id == ident))
    backups = (
        (plan.price_per_month * BACKUP_SHARE).quantize(Decimal("0.01"))
        if state.get("auto_backups")
        else Decimal(0)
    )
    quantity = _quantity(state)
    return {
        "quantity": quantity,
        "labels": [numbered(state.get("label") or "", n) for n in range(1, quantity + 1)],
        "monthly_all": (plan.price_per_month + backups) * quantity,
        "region": region_name(offer.region(state["region"])),
        "plan": plan,
        "plan_name": plan_name(plan),
        "image": image,
        "windows": windows,
        "ssh_keys": [k.name for k in offer.sshkeys if k.id in state.get("ssh_keys", [])],
        "script": next((s.name for s in offer.scripts if s.id == state.get("script")), ""),
        "ipv6": state.get("ipv6"),
        "private_network": state.get("private_network"),
        "auto_backups": state.get("auto_backups"),
        "label": state.get("label"),
        "hostname": state.get("hostname"),
        "tag": state.get("tag"),
        "tags": state.get("tags") or ([state["tag"]] if state.get("tag") else []),
        "v2": offer.api_version == "v2",
        "backups_cost": backups,
        "monthly": plan.price_per_month + backups,
    }


@team_view(Perm.PROVISIONING)
def deploy(request, key_id):
    """Every step of the wizard: GET starts an order, each POST answers one step (`step`) or
    goes back to an earlier one (`back`)."""
    page = key_page(request, key_id)
    offer = Offer(page.ctx, page.api_key.api_version)
    if request.method != "POST":
        state = _new_order()
        # "Deploy…" on the Snapshots page: the image step comes with that snapshot chosen
        # (checked there, as any answer is, against the account's finished snapshots).
        if request.GET.get("snapshot"):
            state["image"] = f"snapshot:{request.GET['snapshot'][:64]}"
        return _show(request, page, offer, state, "region")

    state = _load(page, request.POST.get("state", ""))
    if state is None:
        return _start_again(
            request, page, offer, "This order form has expired or was changed; please start again."
        )
    back = request.POST.get("back", "")
    step = back or request.POST.get("step", "")
    if step not in STEPS:
        step = "region"
    try:
        # Every step before this one must hold (a skipped or stale step is shown again).
        problem = offer.first_problem(state, before=step)
        if problem is not None:
            return _show(request, page, offer, state, problem.step, problem)
        if back or step == "review":
            return _show(request, page, offer, state, step)
        form = offer.form(step, state, data=request.POST)
        if not form.is_valid():
            return _show(request, page, offer, state, step, form)
    except actions.ActionError as err:
        return _show(request, page, offer, state, step, error=str(err))
    state = {**state, **_answers(form)}
    return _show(request, page, offer, state, STEPS[STEPS.index(step) + 1])


def _quantity(state: dict[str, Any]) -> int:
    return int(state.get("quantity") or 1)


def _order_tokens(state: dict[str, Any]) -> list[str]:
    """One order token per server: each server is its own operation, placed at most once
    however often the form is sent (a retry orders only the servers not yet placed)."""
    quantity = _quantity(state)
    if quantity == 1:
        return [state["order"]]
    return [f"{state['order']}-{n}" for n in range(1, quantity + 1)]


@acts(actions.create_server)
@require_POST
def deploy_create(request, key_id):
    """Places the order reviewed in the last step: one `create_server` operation per server."""
    page = key_page(request, key_id)
    offer = Offer(page.ctx, page.api_key.api_version)
    state = _load(page, request.POST.get("state", ""))
    if state is None or "order" not in state:
        return _start_again(
            request,
            page,
            offer,
            "This order form has expired or was changed; nothing was ordered. Please start again.",
        )
    try:
        problem = offer.first_problem(state, before="review")
    except actions.ActionError as err:
        return _show(request, page, offer, state, "review", error=str(err))
    if problem is not None:
        return _show(request, page, offer, state, problem.step, problem)

    if _quantity(state) > 1:
        return _create_several(request, page, offer, state)

    def being_placed() -> HttpResponse:
        return _show(
            request, page, offer, state, "review", error="This order is being placed already."
        )

    placed = _placed(page, state["order"])
    if placed is not None:
        if not placed.target_id:
            return being_placed()
        return done(
            request,
            page.url("deploy_done", server_id=placed.target_id),
            f"This order was placed already: server {placed.target_id}. Nothing more was ordered.",
        )
    try:
        # An operation sends the order (recorded before it goes out, found again by its tag if
        # Vultr's answer is lost) and follows the server until it is ready (panel/operations).
        # Its order token is unique per key: of two requests placing one order, one records it.
        server_id = operations.start_create_server(
            page.ctx, _order(state), order_token=state["order"], now=True
        ).target_id
    except IntegrityError:
        return being_placed()
    except operations.OrderInDoubt as err:
        # Vultr may have made the server: the order stays taken, so it is never placed twice.
        return _show(request, page, offer, state, "review", error=str(err))
    except actions.ActionError as err:
        _release(page, state["order"])
        return _show(request, page, offer, state, "review", error=str(err))
    label = state.get("label") or server_id
    return done(
        request,
        page.url("deploy_done", server_id=server_id),
        f"Vultr accepted the order: server {label} (id {server_id}) is being built.",
    )


def _release(page: KeyPage, token: str) -> None:
    """Nothing was ordered: the same order may be placed again."""
    Operation.objects.for_team(page.request.team).filter(
        api_key_id=page.api_key.pk,
        order_token=token,
        status__in=(Operation.Status.FAILED, Operation.Status.CANCELLED),
    ).update(order_token="")


def _create_several(
    request: HttpRequest, page: KeyPage, offer: Offer, state: dict[str, Any]
) -> HttpResponse:
    """Places each server of the order in turn, skipping those placed already (by an earlier
    send of this form, or by another request sending it at the same time)."""
    tokens = _order_tokens(state)
    placed_now = 0
    for n, token in enumerate(tokens, start=1):
        if _placed(page, token) is not None:
            continue
        try:
            operations.start_create_server(page.ctx, _order(state, n), order_token=token, now=True)
        except IntegrityError:
            continue  # another request is placing this one
        except actions.ActionError as err:
            if not isinstance(err, operations.OrderInDoubt):
                _release(page, token)
            ordered = n - 1
            which = "Server 1 was" if ordered == 1 else f"Servers 1 to {ordered} were"
            more = (
                f" {which} ordered ({len(tokens)} in all); sending the order again orders "
                "only the others."
                if ordered
                else ""
            )
            return _show(request, page, offer, state, "review", error=f"{err}{more}")
        placed_now += 1
    url = page.url("deploy_order", order=state["order"])
    if not placed_now:
        return done(request, url, "This order was placed already. Nothing more was ordered.")
    return done(
        request,
        url,
        f"Vultr accepted the order: {placed_now} servers are being built.",
    )


def _order(state: dict[str, Any], n: int = 1) -> NewServer:
    """The order of server `n` (from 1), built from the checked answers and passed on whole."""
    kind, ident = split_image(state["image"])
    return NewServer(
        region_id=state["region"],
        plan_id=state["plan"],
        os_id={"os": ident, "iso": OS_CUSTOM, "snapshot": OS_SNAPSHOT}[kind],
        iso_id=ident if kind == "iso" else None,
        snapshot_id=ident if kind == "snapshot" else None,
        ssh_key_ids=tuple(state.get("ssh_keys") or ()),
        script_id=state.get("script") or None,
        enable_ipv6=bool(state.get("ipv6")),
        enable_private_network=bool(state.get("private_network")),
        auto_backups=bool(state.get("auto_backups")),
        label=numbered(state.get("label") or "", n) or None,
        hostname=numbered(state.get("hostname") or "", n) or None,
        tag=state.get("tag") or None,
        tags=tuple(state.get("tags") or ()),
    )


def _placed(page: KeyPage, order: str) -> Operation | None:
    """The operation that took this order already, if any (its `target_id` is empty while
    Vultr's answer is awaited or was lost)."""
    return (
        Operation.objects.for_team(page.request.team)
        .filter(api_key_id=page.api_key.pk, order_token=order)
        .first()
    )


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@vultr_page
def deploy_done(request, key_id, server_id):
    """Where the wizard ends: the new server's id, its state and a link to its page."""
    page = server_page(request, key_id, server_id)
    context = {
        **page.context(),
        "poller": poller({page.server.id: page.server}, next_interval(None, True, False)),
    }
    return render_page(request, "servers/deploy/done.html", context, {"deployed-server": "card"})


@team_view(Perm.SUBSCRIPTIONS_VIEW)
def deploy_order(request, key_id, order):
    """Where the wizard ends for several servers: each server's operation, live together."""
    page = key_page(request, key_id)
    tokens = [f"{order}-{n}" for n in range(1, MAX_QUANTITY + 1)]
    found = {
        op.order_token: op
        for op in Operation.objects.for_team(request.team)
        .filter(api_key_id=page.api_key.pk, order_token__in=tokens)
        .prefetch_related("steps")
    }
    if not found:
        raise Http404("No such order.")
    ops = [found[token] for token in tokens if token in found]
    context = {
        **page.context(),
        "operations": [(op, list(op.steps.all())[-1:]) for op in ops],
        "active": any(op.is_active for op in ops),
        "order_url": page.url("deploy_order", order=order),
    }
    return render_page(request, "servers/deploy/ordered.html", context, {"ordered": "ordered"})
