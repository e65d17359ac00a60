"""A team's pages: its home, settings, leaving, ownership transfer and deletion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import actions, lockout
from accounts.forms import DeleteTeamForm, TeamForm, TeamSettingsForm, TransferForm
from accounts.permissions import Perm, team_view
from accounts.roles import DESCRIPTIONS
from panel.audit import record as audit


@login_required
def team_create(request):
    form = TeamForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            team = actions.create_team(request.user, form.cleaned_data["name"])
            # The team's first entry (a personal team's is its user's sign-up).
            audit.record("team_created", team=team, target=("team", str(team.pk), team.name))
        messages.success(request, f"{team.name} is ready. Invite people or add an API key.")
        return redirect("accounts:team_home", team=team.slug)
    return render(request, "accounts/team_create.html", {"form": form})


@team_view()
def team_home(request):
    team, membership = request.team, request.membership
    members = None
    locked = {}
    if membership.may(Perm.MANAGE_USERS):
        members = list(team.memberships.select_related("user").order_by("user__username"))
        locked = lockout.locked_out_until(m.user.username for m in members)
    return render(
        request,
        "accounts/team_home.html",
        {
            "members": members,
            "member_count": team.memberships.count(),
            "locked": locked,
            "api_keys": team.api_keys.select_related("added_by", "replaced_by"),
            "permissions": [
                (perm, DESCRIPTIONS[perm], perm in membership.permissions) for perm in Perm
            ],
            "pending_invitations": team.invitations.pending().count()
            if membership.may(Perm.MANAGE_USERS)
            else 0,
        },
    )


@team_view(Perm.MANAGE_USERS)
def team_settings(request):
    form = TeamSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=request.team,
        user=request.user,
    )
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Team settings saved.")
        return redirect("accounts:team_settings", team=request.team.slug)
    return render(request, "accounts/team_settings.html", {"form": form})


@team_view()
@require_POST
def team_leave(request):
    try:
        actions.leave_team(request.membership)
    except actions.AccountError as err:
        messages.error(request, str(err))
        return redirect("accounts:team_home", team=request.team.slug)
    messages.success(request, f"You have left {request.team.name}.")
    return redirect("accounts:home")


@team_view(Perm.OWNERSHIP)
def team_transfer(request):
    form = TransferForm(
        request.POST if request.method == "POST" else None, owner=request.membership
    )
    if form.is_bound and form.is_valid():
        new_owner = form.cleaned_data["member"]
        try:
            actions.transfer_ownership(request.team, request.membership, new_owner)
        except actions.AccountError as err:
            form.add_error(None, str(err))
        else:
            messages.success(
                request,
                f"{new_owner.user.username} now owns {request.team.name}; you are an admin.",
            )
            return redirect("accounts:team_home", team=request.team.slug)
    return render(request, "accounts/team_transfer.html", {"form": form})


@team_view(Perm.OWNERSHIP)
def team_delete(request):
    form = DeleteTeamForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        name = request.team.name
        try:
            actions.delete_team(request.team, form.cleaned_data["confirm_name"])
        except actions.AccountError as err:
            form.add_error("confirm_name", str(err))
        else:
            messages.success(request, f"{name} and its API keys are deleted.")
            return redirect("accounts:home")
    return render(request, "accounts/team_delete.html", {"form": form})
