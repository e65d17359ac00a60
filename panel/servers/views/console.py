"""A server's web console and root password: each opening or reveal is an audited action
(`actions.open_console`, `actions.reveal_root_password`), behind `Perm.CONSOLE` and the team's
`console_access` setting.

The password (v1: fetched from Vultr at the moment of the reveal; v2: the one the panel kept
from its create answer, `ServerPassword`) goes only into that one answer (never cached:
`never_cache`); the page asks for the hidden state again after
`HIDE_AFTER_SECONDS`. The console URL is a secret too: it goes only into the redirect that
opens it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import Perm
from panel.audit.models import TeamSettings
from panel.servers import actions

from .common import ServerPage, acts, server_page, vultr_page

# Long enough to copy it, short enough that a screen left open does not show it for long.
HIDE_AFTER_SECONDS = 30


class ConsoleForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Kept in the team's audit log.",
    )

    def __init__(self, data=None, *, require_reason: bool, prefix: str):
        super().__init__(data, prefix=prefix, auto_id=f"{prefix}-%s")
        self.fields["reason"].required = require_reason
        self.fields["reason"].label = (
            "Reason (required in this team)" if require_reason else "Reason (optional)"
        )


def console_context(page: ServerPage, **extra: Any) -> dict[str, Any]:
    """What `servers/_console.html` needs; empty for members without `Perm.CONSOLE`."""
    if not page.may(Perm.CONSOLE):
        return {}
    settings = TeamSettings.for_team(page.request.team)
    if not settings.console_access:
        return {"console": {"off": True}}
    forms_ = {
        name: extra.pop(f"{name}_form", None)
        or ConsoleForm(require_reason=settings.require_reason, prefix=name)
        for name in ("console", "password")
    }
    return {
        "console": {
            "console_url": page.url("server_console"),
            "password_url": page.url("server_password"),
            "console_form": forms_["console"],
            "password_form": forms_["password"],
            "hide_after": HIDE_AFTER_SECONDS,
            **extra,
        }
    }


def _reason(request: HttpRequest, prefix: str) -> tuple[ConsoleForm, str | None]:
    form = ConsoleForm(
        request.POST,
        require_reason=TeamSettings.for_team(request.team).require_reason,
        prefix=prefix,
    )
    return form, (form.cleaned_data["reason"] if form.is_valid() else None)


@acts(actions.open_console)
@require_POST
@never_cache
@vultr_page
def server_console(request, key_id, server_id):
    """Opens (in the new tab the form targets) the console URL Vultr gives right now."""
    page = server_page(request, key_id, server_id)
    form, reason = _reason(request, "console")
    back = page.url("server_detail")
    if reason is None:
        messages.error(request, "To open the console, give a reason: this team asks for one.")
        return redirect(back)
    try:
        url = actions.open_console(page.ctx.with_reason(reason), page.server.id)
    except actions.ActionError as err:
        messages.error(request, str(err))
        return redirect(back)
    # Not a redirect: the page's CSP allows forms to post only to the panel ("form-action
    # 'self'"), which in Chromium covers where the answer redirects too. This page (in the
    # tab the form opened) moves on to Vultr's console by itself, with a link as well.
    return render(request, "servers/console_open.html", {**page.context(), "console_url": url})


@acts(actions.reveal_root_password)
@require_http_methods(["GET", "POST"])
@never_cache
@vultr_page
def server_password(request, key_id, server_id):
    """POST reveals the root password in the answer; GET is the hidden state (what the
    revealed password is swapped back to)."""
    page = server_page(request, key_id, server_id)
    extra: dict[str, Any] = {}
    if request.method == "POST":
        form, reason = _reason(request, "password")
        if reason is None:
            extra["password_form"] = form
        else:
            try:
                ctx = page.ctx.with_reason(reason)
                extra["password"] = actions.reveal_root_password(ctx, page.server.id)
            except actions.ActionError as err:
                extra["password_error"] = str(err)
    context = {**page.context(), **console_context(page, **extra)}
    if request.htmx:
        return render(request, "servers/_console.html#password", context)
    return render(request, "servers/server_console.html", context)
