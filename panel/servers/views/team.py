"""A team's settings for the Vultr pages (the rest of its settings are in accounts)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.permissions import Perm, team_view
from panel.audit.models import TeamSettings
from panel.servers.forms.server import TeamSafetyForm


@team_view(Perm.MANAGE_USERS)
def team_safety(request):
    form = TeamSafetyForm(
        request.POST if request.method == "POST" else None,
        instance=TeamSettings.for_team(request.team),
    )
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Safety settings saved.")
        return redirect("panel:team_safety", team=request.team.slug)
    return render(request, "servers/team_safety.html", {"form": form})
