"""Who may do what in which team: the one place that answers it.

Every page that shows team data lives under ``/t/<team slug>/`` and is a function view wrapped
in `team_view`; every action and task that acts for a user asks `may`. Nothing else decides.

    from accounts.permissions import Perm, get_team_object, may, team_view

    # urls.py: the team's slug is always the URL argument named "team".
    path("t/<slug:team>/servers/<int:server_id>/", views.server_detail, name="server_detail")

    @team_view(Perm.SUBSCRIPTIONS_VIEW)
    def server_detail(request, server_id):        # "team" is consumed by the decorator
        server = get_team_object(request, Server, pk=server_id)  # another team's row: 404
        ...request.team, request.membership, request.membership.may(Perm.PROVISIONING)...

    # actions and tasks (no request): check again, with the user the action is for
    if not may(user, team, Perm.PROVISIONING):
        raise PermissionDenied

What `team_view(perm)` does, in this order:

1. anonymous: redirect to the login page, coming back here afterwards (HTMX: HX-Redirect);
2. the user is not a member of the team in the URL (or it does not exist): 404, so that
   outsiders cannot even learn which team slugs exist;
3. the team requires two-factor authentication and this session has not passed it: redirect
   to set it up (or to enter a code, if the user already has it), then back here;
4. the member's role lacks `perm`: 403 (PermissionDenied), with the one message of
   `accounts.roles.denial`, and the refusal on the record;
5. otherwise `request.team` and `request.membership` are set, the team is remembered as the
   user's last team (where ``/`` goes), and the view runs.

A view declares the permission it really needs, here and nowhere else: a view that does an
action needs the action's (panel.servers.views.common.acts). `team_view()` without a permission
admits every member. `Perm.OWNERSHIP` is held by owners only.
A decorated view carries its permission as ``view.team_permission``; a test checks that every
URL under ``t/<slug:team>/`` is served by a `team_view`.
Templates get ``membership`` in their context (accounts.context_processors) and test
``{% if "manage_keys" in membership.permissions %}``.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Membership, Team, User
from accounts.roles import ROLE_PERMISSIONS, Perm, Role, denial, may_grant, permissions_of
from accounts.twofactor import has_two_factor
from panel.audit import denials

__all__ = [
    "Perm",
    "Role",
    "ROLE_PERMISSIONS",
    "permissions_of",
    "may_grant",
    "may",
    "membership_for",
    "team_view",
    "get_team_object",
]


def may(user, team: Team, perm: Perm | str) -> bool:
    """Whether `user` may do `perm` in `team`. Unknown permission names raise ValueError, so a
    typo fails loudly instead of denying (or allowing) quietly."""
    perm = Perm(perm)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
    return role is not None and perm in permissions_of(role)


def membership_for(user: User, slug: str) -> Membership:
    """The user's membership in the team with this slug; Http404 for everyone else."""
    try:
        return Membership.objects.select_related("team").get(user=user, team__slug=slug)
    except Membership.DoesNotExist:
        raise Http404("No such team") from None


def team_view(perm: Perm | str | None = None, *, refused=None):
    """Decorator for every view of team data; see the module docstring.

    `refused(request, membership, perm, message, kwargs)` records a refusal in place of the
    default `permission_denied` entry (a view that does one action records it under the
    action's name, panel.servers.views.common.acts); the answer is the same 403 either way.
    """
    perm = Perm(perm) if perm is not None else None

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, team: str, **kwargs):
            if not request.user.is_authenticated:
                return _redirect(request, None)
            membership = membership_for(request.user, team)
            if membership.team.require_2fa and not request.user.is_verified():
                return _redirect(request, _two_factor_url(request, membership.team))
            if perm is not None and not membership.may(perm):
                message = denial(membership.team.name, perm, membership.get_role_display())
                if refused is None:
                    denials.denied(request, membership.team, perm, message)
                else:
                    refused(request, membership, perm, message, kwargs)
                raise PermissionDenied(message)
            request.team = membership.team
            request.membership = membership
            if request.user.last_team_id != membership.team_id:
                User.objects.filter(pk=request.user.pk).update(last_team=membership.team)
            return view(request, *args, **kwargs)

        wrapper.team_permission = perm
        return wrapper

    return decorator


def get_team_object(request, model: type[Model] | QuerySet, **lookup):
    """A row of the current team (``request.team``), or 404 if it is another team's."""
    queryset = model if isinstance(model, QuerySet) else model._default_manager.all()
    return get_object_or_404(queryset.filter(team=request.team), **lookup)


def _two_factor_url(request, team: Team) -> str:
    if has_two_factor(request.user):
        # Signed in before turning two-factor on, or in a session that skipped it.
        messages.info(request, f"{team.name} requires two-factor authentication: enter a code.")
        name = "accounts:verify_session"
    else:
        messages.info(
            request, f"{team.name} requires two-factor authentication: set it up to continue."
        )
        name = "accounts:2fa_enrol"
    return f"{reverse(name)}?{urlencode({'next': _here(request)})}"


def _here(request) -> str:
    # An HTMX request comes from a page; after signing in, that page is where to return, not
    # the fragment URL (often POST-only) the request was sent to.
    if request.htmx and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return request.get_full_path()


def _redirect(request, url: str | None):
    if url is None:
        url = redirect_to_login(_here(request)).url
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
