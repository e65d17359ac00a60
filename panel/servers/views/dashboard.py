"""A team's dashboard: per API key, its servers by state, the account's money (for members with
`billing`) and the key's health; and the team's recent operations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.views.decorators.http import require_GET

from accounts.models import ApiKey
from accounts.permissions import Perm, team_view
from panel.audit.models import AuditEntry
from panel.servers import actions
from panel.servers.templatetags.panel import badge
from panel.vultr import Account

from .common import render_page

RECENT = 10
# The order the states are shown in; anything else is counted under its own name.
STATES = ["running", "stopped", "installing", "booting", "locked", "starting"]


@dataclass
class KeySummary:
    api_key: ApiKey
    servers: int = 0
    states: list[tuple[str, int, str]] = field(default_factory=list)
    servers_error: str = ""
    account: Account | None = None
    account_error: str = ""
    rejected: bool = False

    @property
    def healthy(self) -> bool | None:
        """Whether the key works, by what happened just now (or its last check)."""
        if self.rejected:
            return False
        if not self.servers_error:
            return True
        return self.api_key.check_ok


def summarise(request, api_key: ApiKey) -> KeySummary:
    ctx = actions.ActionContext.from_request(request, api_key.pk)
    summary = KeySummary(api_key)
    try:
        servers = actions.list_servers(ctx)
    except actions.ActionError as err:
        summary.servers_error = str(err)
        summary.rejected = err.kind == "rejected"
    else:
        summary.servers = len(servers)
        counted = Counter(badge(s) for s in servers)
        order = {state: i for i, state in enumerate(STATES)}
        summary.states = sorted(
            ((text, n, css) for (text, css), n in counted.items()),
            key=lambda item: (order.get(item[0], len(order)), item[0]),
        )
    if request.membership.may(Perm.BILLING) and not summary.rejected:
        try:
            summary.account = actions.account_info(ctx)
        except actions.ActionError as err:
            summary.account_error = str(err)
    return summary


@team_view(Perm.SUBSCRIPTIONS_VIEW)
@require_GET
def dashboard(request):
    team, membership = request.team, request.membership
    keys = list(team.api_keys.all())
    entries = AuditEntry.objects.filter(team=team)
    # The team's whole history is for auditors; everyone else sees their own operations.
    everyone = membership.may(Perm.AUDIT_VIEW)
    if not everyone:
        entries = entries.filter(actor_id=request.user.pk)
    context = {
        "summaries": [summarise(request, key) for key in keys],
        "recent": entries[:RECENT],
        "recent_everyone": everyone,
        "key_labels": {key.pk: key.label for key in keys},
    }
    return render_page(request, "servers/dashboard.html", context)
