"""The Vultr account behind a key: balance, pending charges and the last payment (billing
permission only)."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from accounts.permissions import Perm, team_view
from panel.servers import actions

from .common import key_page, render_page


@team_view(Perm.BILLING)
@require_GET
def vultr_account(request, key_id):
    page = key_page(request, key_id)
    account, error = None, ""
    try:
        account = actions.account_info(page.ctx)
    except actions.ActionError as err:
        error = str(err)
    context = {**page.context(), "account": account, "error": error}
    return render_page(request, "servers/account/account.html", context)
