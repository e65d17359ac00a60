"""Members of a team: the list, invitations, roles, removal and login unlocks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts import actions, lockout, twofactor
from accounts.forms import InviteForm, RoleForm
from accounts.models import Invitation, Membership
from accounts.permissions import Perm, get_team_object, may_grant, team_view
from accounts.views.auth import PENDING_INVITATION
from panel.audit import record as audit


def _members_page(request, invite_form=None):
    team = request.team
    members = list(team.memberships.select_related("user").order_by("user__username"))
    locked = lockout.locked_out_until(m.user.username for m in members)
    with_2fa = twofactor.users_with_two_factor(m.user for m in members)
    rows = [_row(request, m, locked, has_2fa=m.user_id in with_2fa) for m in members]
    return render(
        request,
        "accounts/members.html",
        {
            "rows": rows,
            "invite_form": invite_form or InviteForm(actor=request.membership),
            "invitations": team.invitations.pending().select_related("invited_by"),
            "invitation_valid_for": Invitation.valid_for(),
        },
    )


def _row(
    request, member: Membership, locked: dict, error: str = "", has_2fa: bool | None = None
) -> dict:
    if has_2fa is None:
        has_2fa = bool(twofactor.users_with_two_factor([member.user]))
    return {
        "member": member,
        "form": RoleForm(actor=request.membership, initial={"role": member.role}),
        "has_2fa": has_2fa,
        "locked_until": locked.get(member.user.username),
        "error": error,
        "is_you": member.user_id == request.user.pk,
        "manageable": may_grant(request.membership.role, member.role),
        # The user of a personal team stays in it, as its owner (actions._keep_the_personal_user).
        "stays": member.team.personal_for_id == member.user_id,
    }


@team_view(Perm.MANAGE_USERS)
def members(request):
    return _members_page(request)


@team_view(Perm.MANAGE_USERS)
@require_POST
def member_invite(request):
    form = InviteForm(request.POST, actor=request.membership)
    if form.is_valid():
        try:
            invitation = actions.invite(
                request.membership,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                accept_url=lambda token: request.build_absolute_uri(
                    reverse("accounts:invitation", args=[token])
                ),
            )
        except actions.AccountError as err:
            form.add_error(None, str(err))
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email} as {invitation.get_role_display()}. "
                f"The link works once, for the next {Invitation.valid_for()}.",
            )
            return redirect("accounts:members", team=request.team.slug)
    return _members_page(request, invite_form=form)


@team_view(Perm.MANAGE_USERS)
@require_POST
def member_role(request, member_id):
    member = get_team_object(request, Membership.objects.select_related("user"), pk=member_id)
    form = RoleForm(request.POST, actor=request.membership)
    error = ""
    if form.is_valid():
        try:
            member = actions.change_role(request.membership, member, form.cleaned_data["role"])
        except actions.AccountError as err:
            error = str(err)
    else:
        error = " ".join(form.errors.get("role", ["Choose a role."]))
    if member.user_id == request.user.pk and not error:
        # Your own role changed: what you may see on this page may have changed too.
        messages.success(request, f"You are now {member.get_role_display()}.")
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("accounts:team_home", team=request.team.slug)
    if request.htmx:
        locked = lockout.locked_out_until([member.user.username])
        return render(
            request,
            "accounts/members.html#member_row",
            {"row": _row(request, member, locked, error=error), "saved": not error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{member.user.username} is now {member.get_role_display()}.")
    return redirect("accounts:members", team=request.team.slug)


@team_view(Perm.MANAGE_USERS)
@require_POST
def member_remove(request, member_id):
    member = get_team_object(request, Membership.objects.select_related("user"), pk=member_id)
    is_you = member.user_id == request.user.pk
    try:
        actions.remove_member(request.membership, member)
    except actions.AccountError as err:
        messages.error(request, str(err))
        return redirect("accounts:members", team=request.team.slug)
    if is_you:
        messages.success(request, f"You have left {request.team.name}.")
        return redirect("accounts:home")
    messages.success(request, f"{member.user.username} is no longer a member.")
    return redirect("accounts:members", team=request.team.slug)


@team_view(Perm.MANAGE_USERS)
@require_POST
def member_unlock(request, member_id):
    member = get_team_object(request, Membership.objects.select_related("user"), pk=member_id)
    try:
        actions.unlock_member(request.membership, member)
    except actions.AccountError as err:
        # The page offers no Unlock button for them: only a hand-made request gets here, and
        # its refusal goes on the record (AuditRequestMiddleware).
        raise PermissionDenied(str(err)) from None
    messages.success(request, f"{member.user.username} can sign in again.")
    return redirect("accounts:members", team=request.team.slug)


@team_view(Perm.MANAGE_USERS)
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = get_team_object(request, Invitation.objects.pending(), pk=invitation_id)
    invitation.delete()
    audit.record(
        "invitation_revoked",
        team=request.team,
        target=("invitation", invitation_id, invitation.email),
    )
    messages.success(request, f"The invitation for {invitation.email} is revoked.")
    return redirect("accounts:members", team=request.team.slug)


def invitation(request, token):
    """The link in an invitation email. Anyone may open it; accepting needs an account."""
    found = Invitation.objects.for_token(token).select_related("team", "invited_by").first()
    problem = actions.invitation_problem(found)
    if problem:
        return render(
            request,
            "accounts/invitation.html",
            {"problem": problem},
            status=404 if found is None else 410,
        )
    if not request.user.is_authenticated:
        # Remembered so that sign-up stays open for this visitor even if it is closed to all.
        request.session[PENDING_INVITATION] = found.pk
        return render(request, "accounts/invitation.html", {"invitation": found})
    if request.method == "POST":
        try:
            membership = actions.accept_invitation(token, request.user)
        except actions.AccountError as err:
            return render(request, "accounts/invitation.html", {"problem": str(err)}, status=409)
        request.session.pop(PENDING_INVITATION, None)
        messages.success(
            request,
            f"Welcome to {membership.team.name}! You are {membership.get_role_display()}.",
        )
        return redirect("accounts:team_home", team=membership.team.slug)
    return render(request, "accounts/invitation.html", {"invitation": found})
