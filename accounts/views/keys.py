"""A team's Vultr API keys: add, replace, remove, check.

The key a user types is in this process only while Vultr is asked about it; the forms never
render it back, and `sensitive_post_parameters` keeps it out of error reports.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import actions, keys
from accounts.forms import ApiKeyForm, ReplaceKeyForm
from accounts.models import ApiKey
from accounts.permissions import Perm, get_team_object, team_view


@team_view(Perm.MANAGE_KEYS)
@sensitive_post_parameters("key")
def key_add(request):
    form = ApiKeyForm(request.POST if request.method == "POST" else None, team=request.team)
    if form.is_bound and form.is_valid():
        try:
            api_key = actions.add_api_key(
                request.team,
                request.user,
                form.cleaned_data["label"],
                form.cleaned_data["api_url"],
                form.cleaned_data["key"],
                api_version=form.cleaned_data["api_version"],
            )
        except actions.AccountError as err:
            form.add_error("key", str(err))
        else:
            return _saved(
                request,
                api_key,
                f"Vultr API {api_key.api_version} accepted the key “{api_key.label}” "
                f"({api_key.masked}); it is saved.",
            )
    return render(request, "accounts/key_add.html", {"form": form})


@team_view(Perm.MANAGE_KEYS)
@sensitive_post_parameters("key")
def key_replace(request, key_id):
    api_key = get_team_object(request, ApiKey, pk=key_id)
    form = ReplaceKeyForm(request.POST if request.method == "POST" else None, api_key=api_key)
    if form.is_bound and form.is_valid():
        old = api_key.masked
        try:
            actions.replace_api_key(
                api_key,
                request.user,
                form.cleaned_data["key"],
                api_version=form.cleaned_data["api_version"],
            )
        except actions.AccountError as err:
            form.add_error("key", f"{err} The old key ({old}) is still in use.")
        else:
            return _saved(
                request,
                api_key,
                f"“{api_key.label}” now uses the key {api_key.masked} instead of {old}, with "
                f"Vultr API {api_key.api_version}.",
            )
    return render(request, "accounts/key_replace.html", {"form": form, "api_key": api_key})


def _saved(request, api_key: ApiKey, said: str):
    """After a key is added or replaced: what the check of the key noticed (if anything), what
    was done, and back to the team's page."""
    if api_key.check_message:
        messages.warning(request, api_key.check_message)
    messages.success(request, said)
    return redirect("accounts:team_home", team=request.team.slug)


@team_view(Perm.MANAGE_KEYS)
def key_remove(request, key_id):
    api_key = get_team_object(request, ApiKey, pk=key_id)
    if request.method == "POST":
        actions.remove_api_key(api_key)
        messages.success(request, f"The key “{api_key.label}” ({api_key.masked}) is removed.")
        return redirect("accounts:team_home", team=request.team.slug)
    return render(request, "accounts/key_remove.html", {"api_key": api_key})


@team_view(Perm.MANAGE_KEYS)
@require_POST
def key_check(request, key_id):
    api_key = get_team_object(request, ApiKey, pk=key_id)
    result = keys.check_stored_key(api_key)
    if request.htmx:
        return render(request, "accounts/team_home.html#key_row", {"api_key": api_key})
    if result.ok:
        messages.success(
            request,
            f"“{api_key.label}” works: Vultr API {api_key.api_version} accepted it just now.",
        )
    else:
        messages.error(request, f"“{api_key.label}”: {result.message}")
    return redirect("accounts:team_home", team=request.team.slug)
