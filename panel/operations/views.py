"""Pages of long operations: one operation's live panel, the team's list, starting one, the
running operations of a server, the keys' API budget, the team's alert addresses, and the
user's notices.

An operation's panel (progress bar and timeline) refreshes itself with htmx every
PANEL_SECONDS while the operation has not ended; the answer after the end carries no trigger,
so the polling stops by itself. Other views answer a start with the same panel
(`answer_with_panel`), so that starting something long shows its progress at once.

The panels and the lists of a server's (or a key's snapshot) operations are the only parts of
a page that poll. Each asks with the `mark` of what it shows; when the answer's mark differs
(a step was reached, an operation ended) it fires `operation-moved`, on which every other part
of the page that shows a server's or a snapshot's state refreshes itself (`hx-trigger=
"operation-moved from:body"`). Nothing polls once nothing runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from accounts.models import ApiKey, Team
from accounts.permissions import Perm, get_team_object, team_view
from panel.audit import record as audit
from panel.budget import tokens as budget
from panel.budget.models import KeyBudget
from panel.operations import start
from panel.operations.forms import (
    AlertTargetForm,
    KeyBudgetForm,
    OperationFilterForm,
)
from panel.operations.kinds import spec_for
from panel.operations.models import AlertTarget, Notice, Operation
from panel.servers.views.common import render_page

# How often an open panel asks for news (seconds), and how often a list with running
# operations does.
PANEL_SECONDS = 2
LIST_SECONDS = 5
PAGE_SIZE = 50
# Finished operations of a server stay on its page this long.
RECENT_MINUTES = 30


# Fired (HX-Trigger) by a poll that finds an operation moved, or by the start of one.
MOVED = "operation-moved"


# -- helpers for other pages -------------------------------------------------------------------


def mark_of(ops: list[Operation]) -> str:
    """What a fragment shows of these operations, in short: their steps reached and status."""
    return ".".join(f"{op.pk}-{op.status}-{len(op.reached)}" for op in ops)


def tell_if_moved(request: HttpRequest, response: HttpResponse, mark: str) -> HttpResponse:
    """Fire `operation-moved` when the poll that asked had seen another `mark`."""
    seen = request.GET.get("seen")
    if request.htmx and seen is not None and seen != mark:
        trigger_client_event(response, MOVED)
    return response


def operation_url(op: Operation) -> str:
    return reverse("operations:detail", kwargs={"team": op.team.slug, "operation_id": op.pk})


def panel_context(request: HttpRequest, op: Operation) -> dict[str, Any]:
    """What the panel partial needs (panel/operations/detail.html#panel)."""
    steps = list(op.steps.all())
    reached = set(op.reached)
    plan = [
        {"name": name, "label": label, "reached": name in reached}
        for name, label in spec_for(op).planned_steps(op)
    ]
    return {
        "op": op,
        "steps": steps,
        "plan": plan,
        "may_manage": start.may_manage(request.user, op),
        "poll_seconds": PANEL_SECONDS,
        "mark": mark_of([op]),
    }


def answer_with_panel(request: HttpRequest, op: Operation) -> HttpResponse:
    """The answer to a POST that started an operation: htmx gets the live panel in place of
    the form (and the operation's URL in the address bar); a plain form goes to its page."""
    url = operation_url(op)
    if not request.htmx:
        return redirect(url)
    response = render(request, "operations/detail.html#panel", panel_context(request, op))
    response["HX-Push-Url"] = url
    trigger_client_event(response, "operation-started")
    # The page's other parts show the server busy (and its conflicting buttons off) at once.
    trigger_client_event(response, MOVED)
    return response


def running_operations(team: Team, server_id: str) -> list[Operation]:
    """The server's operations that have not ended, and those that ended a moment ago."""
    recent = timezone.now() - timedelta(minutes=RECENT_MINUTES)
    return list(
        Operation.objects.for_team(team)
        .filter(target_id=server_id)
        .filter(Q(status__in=Operation.ACTIVE) | Q(finished_at__gte=recent))
        .order_by("-created_at")[:10]
    )


SNAPSHOT_KINDS = (Operation.Kind.CREATE_SNAPSHOT, Operation.Kind.RESTORE_SNAPSHOT)


def snapshot_operations(team: Team, api_key_id: int, snapshot_id: str | None = None):
    """Operations of the key that take or restore a snapshot (this one, if given) and have
    not ended."""
    ops = Operation.objects.for_team(team).filter(
        api_key_id=api_key_id, kind__in=SNAPSHOT_KINDS, status__in=Operation.ACTIVE
    )
    if snapshot_id is not None:
        ops = ops.filter(Q(result__snapshot_id=snapshot_id) | Q(params__snapshot_id=snapshot_id))
    return list(ops.order_by("-created_at")[:20])


def budget_context(team: Team) -> dict[str, Any]:
    """Each key's API budget in use, for the dashboard (panel/operations/_budget.html)."""
    keys = list(team.api_keys.all())
    waiting = {
        row["api_key_id"]: row["n"]
        for row in Operation.objects.for_team(team)
        .filter(status__in=Operation.ACTIVE)
        .values("api_key_id")
        .annotate(n=Count("pk"))
    }
    rows = [
        {"api_key": key, "usage": usage, "operations": waiting.get(key.pk, 0)}
        for key, usage in zip(keys, budget.usage(keys), strict=True)
    ]
    return {"budget_rows": rows, "shared_budget_rows": budget.shared_usage(keys)}


def _op(request: HttpRequest, operation_id: int) -> Operation:
    return get_team_object(
        request,
        Operation.objects.for_team(request.team).select_related("team", "actor"),
        pk=operation_id,
    )


# -- one operation -----------------------------------------------------------------------------


@team_view(Perm.SUBSCRIPTIONS_VIEW)
def operation_detail(request, operation_id):
    """The operation's page; its panel alone for htmx (the panel's own polling)."""
    op = _op(request, operation_id)
    context = panel_context(request, op)
    response = render_page(request, "operations/detail.html", context, {f"op-{op.pk}": "panel"})
    if request.htmx and not op.is_active:
        # The panel's last refresh: the header's notices have news too.
        trigger_client_event(response, "operation-ended")
    return tell_if_moved(request, response, context["mark"])


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_POST
def operation_retry(request, operation_id):
    return _manage(request, operation_id, "retry", start.retry_operation)


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_POST
def operation_cancel(request, operation_id):
    return _manage(request, operation_id, "cancel", start.cancel_operation)


def _manage(
    request: HttpRequest,
    operation_id: int,
    verb: str,
    change: Callable[[Any, Operation], object],
) -> HttpResponse:
    """A retry or cancel (`verb`): only who started the operation, or an admin, may; then its
    panel again (for htmx) or its page."""
    op = _op(request, operation_id)
    if not start.may_manage(request.user, op):
        raise PermissionDenied(f"Only who started this operation, or an admin, may {verb} it.")
    change(request.user, op)
    op.refresh_from_db()
    if request.htmx:
        return render(request, "operations/detail.html#panel", panel_context(request, op))
    return redirect(operation_url(op))


# -- the team's operations ---------------------------------------------------------------------


@team_view(Perm.SUBSCRIPTIONS_VIEW)
def operation_list(request):
    form = OperationFilterForm(request.GET or None)
    ops = Operation.objects.for_team(request.team).select_related("team")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"] == "active":
            ops = ops.filter(status__in=Operation.ACTIVE)
        elif data["status"]:
            ops = ops.filter(status=data["status"])
        if data["kind"]:
            ops = ops.filter(kind=data["kind"])
        if data["target"]:
            ops = ops.filter(
                Q(target_id=data["target"]) | Q(target_label__icontains=data["target"])
            )
        if data["mine"]:
            ops = ops.filter(actor=request.user)
    page = Paginator(ops, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "any_active": any(op.is_active for op in page),
        "list_seconds": LIST_SECONDS,
        "query": request.GET.urlencode(),
    }
    return render_page(request, "operations/list.html", context, {"operations-table": "table"})


# -- starting ----------------------------------------------------------------------------------


@team_view(Perm.SUBSCRIPTIONS_VIEW)
def server_operations(request, key_id, server_id):
    """The fragment of a server's page that lists its running operations (and polls while
    there are some)."""
    get_team_object(request, ApiKey, pk=key_id)
    ops = running_operations(request.team, server_id)
    if request.GET.get("panels"):
        # Each operation's whole panel (timeline and all), each refreshing itself.
        panels = [panel_context(request, op) for op in ops if op.is_active or ops[0] == op]
        return render(request, "operations/server_panels.html", {"panels": panels})
    context = {
        "operations": ops,
        "any_active": any(op.is_active for op in ops),
        "server_id": server_id,
        "key_id": key_id,
        "list_seconds": LIST_SECONDS,
        "mark": mark_of(ops),
    }
    response = render(request, "operations/server_operations.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return tell_if_moved(request, response, context["mark"])


@team_view(Perm.SUBSCRIPTIONS_VIEW)
def key_snapshot_operations(request, key_id):
    """The fragment of the snapshots page that lists snapshots being taken or restored."""
    get_team_object(request, ApiKey, pk=key_id)
    ops = snapshot_operations(request.team, key_id)
    mark = mark_of(ops)
    context = {"operations": ops, "key_id": key_id, "list_seconds": LIST_SECONDS, "mark": mark}
    response = render(request, "operations/snapshot_operations.html", context)
    return tell_if_moved(request, response, mark)


# -- the API budget ----------------------------------------------------------------------------


@team_view(Perm.SUBSCRIPTIONS_VIEW)
def budget_page(request):
    """Each key's use of its budget; members who manage keys set a key's own rate here."""
    key_forms = []
    if request.membership.may(Perm.MANAGE_KEYS):
        for key in request.team.api_keys.all():
            found = KeyBudget.objects.filter(api_key=key).first()
            initial = None if found else {"requests_per_second": budget.config_for(key.pk).rate}
            key_forms.append(
                (key, KeyBudgetForm(instance=found, prefix=f"key{key.pk}", initial=initial))
            )
    context = {**budget_context(request.team), "key_forms": key_forms}
    return render_page(request, "operations/budget.html", context, {"budget-usage": "usage"})


@team_view(Perm.MANAGE_KEYS)
@require_POST
def budget_set(request, key_id):
    api_key = get_team_object(request, ApiKey, pk=key_id)
    found = KeyBudget.objects.filter(api_key=api_key).first()
    before = _budget_values(found)
    if request.POST.get("reset") and found is not None:
        found.delete()
        audit.record(
            "api_budget_reset", team=request.team, target=audit.key_target(api_key), before=before
        )
    else:
        form = KeyBudgetForm(request.POST, instance=found, prefix=f"key{api_key.pk}")
        if not form.is_valid():
            context = {**budget_context(request.team), "key_forms": [(api_key, form)]}
            return render(request, "operations/budget.html", context, status=400)
        form.instance.api_key = api_key
        saved = form.save()
        audit.record(
            "api_budget_changed",
            team=request.team,
            target=audit.key_target(api_key),
            before=before,
            after=_budget_values(saved),
        )
    budget.forget_config(api_key.pk)
    return redirect("operations:budget", team=request.team.slug)


def _budget_values(found: KeyBudget | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {name: getattr(found, name) for name in KeyBudgetForm.Meta.fields}


# -- alerts ------------------------------------------------------------------------------------


@team_view(Perm.MANAGE_USERS)
def alert_list(request):
    """The team's email addresses and webhooks for ready servers and failed operations, with
    the latest deliveries."""
    form = AlertTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = form.save(commit=False)
        target.team, target.created_by = request.team, request.user
        target.save()
        audit.record("alert_target_added", team=request.team, **_alert_fields(target))
        return redirect("operations:alerts", team=request.team.slug)
    rows = [
        (target, list(target.deliveries.select_related("operation")[:20]))
        for target in AlertTarget.objects.for_team(request.team)
    ]
    context = {"form": form, "targets": rows}
    return render(
        request,
        "operations/alerts.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _alert_fields(target: AlertTarget) -> dict[str, Any]:
    # The address, not the webhook's signing secret.
    return {
        "target": ("alert_target", str(target.pk), target.address[:255]),
        "params": {
            "channel": target.channel,
            "on_ready": target.on_ready,
            "on_failed": target.on_failed,
        },
    }


@team_view(Perm.MANAGE_USERS)
@require_POST
def alert_delete(request, alert_id):
    target = get_team_object(request, AlertTarget, pk=alert_id)
    fields = _alert_fields(target)
    target.delete()
    audit.record("alert_target_removed", team=request.team, **fields)
    return redirect("operations:alerts", team=request.team.slug)


# -- notices -----------------------------------------------------------------------------------


# The newest notices shown in full; older unread ones collapse into a count that links to the
# operations list (five stacked notices pushed every page down).
NOTICES_SHOWN = 2


def _notices(request: HttpRequest, team: Team) -> HttpResponse:
    """The user's unread notices about `team` (notices of other teams wait on their pages)."""
    unread = Notice.objects.filter(user=request.user, team=team, read_at__isnull=True)
    shown = list(unread.select_related("team", "operation")[:NOTICES_SHOWN])
    context = {
        "notices": shown,
        "older": max(unread.count() - len(shown), 0),
        "notice_team": team,
    }
    return render(request, "operations/notices.html", context)


@team_view()
def notices(request):
    """The user's unread notices about this team, for the page's header (loaded by htmx)."""
    return _notices(request, request.team)


@login_required
@require_POST
def notice_dismiss(request, notice_id):
    mine = Notice.objects.filter(user=request.user).select_related("team")
    notice = get_object_or_404(mine, pk=notice_id)
    notice.read_at = timezone.now()
    notice.save(update_fields=["read_at"])
    if request.htmx:
        return _notices(request, notice.team)
    return redirect("accounts:home")


@team_view()
@require_POST
def notices_dismiss_all(request):
    """Marks every unread notice of the user about this team read."""
    Notice.objects.filter(user=request.user, team=request.team, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if request.htmx:
        return _notices(request, request.team)
    return redirect("accounts:team_home", request.team.slug)
