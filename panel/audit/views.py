"""The audit pages: the team's log with filters, one entry with its request, the export, and
the retention setting. Everything is read through `request.team` (team_view): an outsider gets
404, a member without audit_view 403 (and a `permission_denied` entry)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from accounts.permissions import Perm, team_view
from panel.audit import export
from panel.audit import record as audit
from panel.audit.forms import AuditFilterForm, RetentionForm
from panel.audit.models import AuditChain, TeamSettings
from panel.audit.queries import page, request_group, team_entries


def _cursor(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@team_view(Perm.AUDIT_VIEW)
@require_safe
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    found = page(
        filters.apply(team_entries(request.team, request.user)),
        before=_cursor(request, "before"),
        after=_cursor(request, "after"),
    )
    context = {
        "form": form,
        "filters": filters,
        "query": filters.as_query(),
        "page": found,
        "head": AuditChain.objects.filter(key=request.team.pk).first(),
        "actors": request.team.memberships.order_by("user__username").values_list(
            "user__username", flat=True
        ),
        "may_set_retention": request.membership.may(Perm.OWNERSHIP),
        "retention_days": TeamSettings.for_team(request.team).audit_retention_days,
    }
    template = "audit/log.html"
    if request.htmx and request.htmx.target == "audit-results":
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@team_view(Perm.AUDIT_VIEW)
@require_safe
def audit_entry(request, entry_id: int):
    readable = team_entries(request.team, request.user)
    entry = get_object_or_404(readable, pk=entry_id)
    return render(
        request, "audit/entry.html", {"entry": entry, "group": request_group(entry, readable)}
    )


@team_view(Perm.AUDIT_VIEW)
@require_safe
def audit_export(request, fmt: str):
    if fmt not in export.FORMATS:
        raise Http404("No such export format")
    form = AuditFilterForm(request.GET or None)
    if problems := form.problems():
        # The page shows an invalid filter next to its field and leaves it out; a download
        # cannot, and the whole log is not what was asked for.
        return HttpResponseBadRequest(
            "The export was not made: " + " ".join(problems),
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    audit.record(
        "audit_exported",
        team=request.team,
        target=("audit_log", str(request.team.pk), request.team.name),
        params={"format": fmt, "filters": filters.as_query()},
    )
    entries = filters.apply(team_entries(request.team, request.user))
    lines = export.csv_lines(entries) if fmt == "csv" else export.jsonl(entries)
    content_type, extension = export.FORMATS[fmt]
    response = StreamingHttpResponse(lines, content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{request.team.slug}-{stamp}.{extension}"'
    )
    return response


@team_view(Perm.OWNERSHIP)
def audit_retention(request):
    """Only owners: a shorter retention deletes history."""
    settings = TeamSettings.for_team(request.team)
    form = RetentionForm(request.POST if request.method == "POST" else None, instance=settings)
    if form.is_bound and form.is_valid():
        form.save()  # the change itself is recorded (panel.audit.receivers)
        days = form.cleaned_data["audit_retention_days"]
        messages.success(
            request,
            f"Audit entries are kept for {days} days." if days else "Audit entries are kept.",
        )
        return redirect("panel:audit", team=request.team.slug)
    return render(request, "audit/retention.html", {"form": form})
