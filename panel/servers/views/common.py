"""What the Vultr pages share: finding the team's key and server for a URL, rendering a page or
its HTMX fragment, and answering a form's POST.

Conventions (STYLE items 6 and 7):

- A page and its fragments live in one template. A request from htmx whose target is a known
  fragment id (``HX-Target``) gets that partial; anything else gets the whole page, so every
  link and form also works without JavaScript.
- After a successful POST: htmx gets ``HX-Location`` (the page to show next, fetched and swapped
  by htmx) or ``HX-Trigger``; a plain form gets a redirect. Never a 302 into a fragment.
- A failed action re-renders its form with Vultr's words next to it: for htmx, the form alone
  (it replaces itself); otherwise the whole page with that form in place. Never an error page.

A view that changes something is declared with `acts` (403 before the input is read), then
reads straight down: `run` (the form, then the action), then `done` or `form_again`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseLocation

from accounts.models import ApiKey
from accounts.permissions import Perm, team_view
from accounts.roles import denial
from panel.audit import denials
from panel.audit.models import TeamSettings
from panel.servers import actions
from panel.servers.actions.base import Target, refuse
from panel.servers.forms.server import ActionForm
from panel.vultr import InvalidParameterError, Server
from panel.vultr import validation as shape


class Unavailable(Exception):
    """Vultr could not tell us what the page needs; `str()` says why, in its words."""


@dataclass
class KeyPage:
    """The team's API key named in the URL, and the context to act through it."""

    request: HttpRequest
    api_key: ApiKey
    ctx: actions.ActionContext
    api_keys: list[ApiKey]

    def context(self) -> dict[str, Any]:
        return {"api_key": self.api_key, "api_keys": self.api_keys}

    def may(self, perm: Perm) -> bool:
        return self.request.membership.may(perm)

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(
            f"panel:{name}",
            kwargs={"team": self.request.team.slug, "key_id": self.api_key.pk, **kwargs},
        )


@dataclass
class ServerPage(KeyPage):
    server: Server = field(default=None)  # type: ignore[assignment]

    @property
    def confirm_text(self) -> str:
        """What to type to confirm a destructive change: the label, or the id without one."""
        return self.server.label or self.server.id

    def context(self) -> dict[str, Any]:
        return {**super().context(), "server": self.server}

    def url(self, name: str, **kwargs: Any) -> str:
        return super().url(name, server_id=self.server.id, **kwargs)

    def key_url(self, name: str, **kwargs: Any) -> str:
        """A URL of the key's pages (the server list), not of this server's."""
        return super().url(name, **kwargs)

    def target(self) -> Target:
        return Target("server", self.server.id, self.server.label)


def key_page(request: HttpRequest, key_id: int) -> KeyPage:
    """The key in the URL, if it is this team's (another team's key: 404).

    The team's keys are loaded anyway for the key switcher; the one in the URL is looked up
    among them, which is `get_team_object`'s rule (scoped to ``request.team``) without a
    second query.
    """
    api_keys = list(request.team.api_keys.all())
    api_key = next((k for k in api_keys if k.pk == key_id), None)
    if api_key is None:
        raise Http404("No such API key in this team")
    ctx = actions.ActionContext.from_request(request, api_key.pk, api_key=api_key)
    return KeyPage(request, api_key, ctx, api_keys)


def has_id_shape(api_key: ApiKey, object_id: str) -> bool:
    """Whether `object_id` can name a server (or other object) of the key's API version."""
    try:
        require_id_shape(api_key, object_id)
    except Http404:
        return False
    return True


def require_id_shape(api_key: ApiKey, object_id: str, noun: str = "object") -> None:
    """404 for an id that cannot name anything of the key's API version, before any call to
    Vultr: v2 names servers, snapshots, SSH keys and scripts by UUID (reference §1.6; Vultr
    answers anything else with 400 "Invalid UUID format."), v1 by its short ids."""
    try:
        if api_key.api_version == "v2":
            shape.uuid_id(noun, object_id)
        else:
            shape.identifier(noun, object_id)
            if len(object_id) == 36 and object_id.count("-") == 4:
                raise InvalidParameterError(noun, "a v2 id for a v1 key")
    except InvalidParameterError:
        raise Http404(f"No such {noun} in this account") from None


def server_page(request: HttpRequest, key_id: int, server_id: str) -> ServerPage:
    page = key_page(request, key_id)
    require_id_shape(page.api_key, server_id, "server")
    try:
        server = actions.get_server(page.ctx, server_id)
    except actions.NotFound:
        raise Http404("No such server in this account") from None
    except actions.ActionError as err:
        raise Unavailable(str(err)) from None
    return ServerPage(page.request, page.api_key, page.ctx, page.api_keys, server)


def vultr_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Shows an `Unavailable` as a message in the page (or fragment), not as an error page."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Unavailable as err:
            template = "servers/unavailable.html"
            if request.htmx and request.htmx.target:
                template += "#message"
            return render(request, template, {"error": str(err)})

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    fragments: dict[str, str] | None = None,
) -> HttpResponse:
    """The page, or the partial that `fragments` maps the request's HX-Target to: a partial of
    `template`, or "other.html#partial" for one of the template it extends."""
    partial = (fragments or {}).get(request.htmx.target or "") if request.htmx else None
    if partial:
        template = partial if "#" in partial else f"{template}#{partial}"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def done(request: HttpRequest, url: str, message: str) -> HttpResponse:
    """After a successful POST: say so on the next page, and go there."""
    messages.success(request, message)
    if request.htmx:
        return HttpResponseLocation(url)
    return redirect(url)


def require(request: HttpRequest, perm: Perm) -> None:
    """For pages that only show a form: members who could not use it get 403."""
    if not request.membership.may(perm):
        membership = request.membership
        raise PermissionDenied(denial(request.team.name, perm, membership.get_role_display()))


def require_reason(request: HttpRequest) -> bool:
    return TeamSettings.for_team(request.team).require_reason


def acts(
    *choices: Callable[..., Any],
    pick: Callable[[HttpRequest, dict[str, Any]], Callable[..., Any] | None] | None = None,
    target: str | Callable[[HttpRequest, dict[str, Any]], Target] = "server",
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """`team_view` for a view that does one action (`@mutation`), or one of a few that need the
    same permission (`pick` names which, from the request): the view requires the action's
    permission, so a member without it gets 403 before anything is looked up or read. A refused
    POST is recorded under the action's name, as a refused call of the action itself would be,
    with the `target` type and the object the URL names (or `target(request, kwargs)`)."""
    perms = {action.perm for action in choices}
    if len(perms) != 1:
        raise ValueError(f"One view, one permission: {sorted(perms)}")

    def refused(request, membership, perm, message, kwargs) -> None:
        api_key = membership.team.api_keys.filter(pk=kwargs.get("key_id")).first()
        if request.method != "POST" or api_key is None:
            denials.denied(request, membership.team, perm, message)
            return
        ctx = actions.ActionContext.from_request(
            request, api_key.pk, api_key=api_key, membership=membership
        )
        action = (pick(request, kwargs) if pick else None) or choices[0]
        if callable(target):
            what = target(request, kwargs)
        else:
            ids = [v for k, v in kwargs.items() if k.endswith("_id") and k != "key_id"]
            what = Target(target, ids[0] if ids else "", "")
        refuse(ctx, action, what, message)

    return team_view(perms.pop(), refused=refused)


def run(
    page: KeyPage, form: ActionForm, call: Callable[[actions.ActionContext, dict[str, Any]], Any]
) -> tuple[bool, Any]:
    """Validates `form` and runs `call(ctx, cleaned_data)` with the reason the form gave.
    Returns (True, its result); (False, None) with the error in the form if it failed."""
    if not form.is_valid():
        return False, None
    ctx = page.ctx.with_reason(form.cleaned_data.get("reason") or "")
    try:
        return True, call(ctx, form.cleaned_data)
    except actions.ActionError as err:
        form.add_error(None, str(err))
        return False, None


def form_again(
    request: HttpRequest,
    form: ActionForm,
    page_with: Callable[[dict[str, ActionForm]], HttpResponse],
) -> HttpResponse:
    """The HTMX re-render of a failed form: for htmx the form alone (it replaces itself);
    otherwise the whole page (`page_with`) with that form in place."""
    if request.htmx:
        return render(request, "servers/_action_form.html", {"form": form})
    return page_with({form.form_id: form})
