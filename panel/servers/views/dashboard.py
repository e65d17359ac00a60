"""A team's dashboard: per API key, its servers by state, the account's money (for members with
`billing`) and the key's health; and the team's recent operations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
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


def _attempt(call):
    """(result, None) or (None, the ActionError)."""
    try:
        return call(), None
    except actions.ActionError as err:
        return None, err


def reads(request, api_key: ApiKey) -> list[tuple[actions.ActionContext, Callable]]:
    """What the dashboard asks Vultr about one key: its servers, and its account for members
    with `billing`. Independent of each other and of the other keys' (`actions.together`)."""
    ctx = actions.ActionContext.from_request(request, api_key.pk, api_key=api_key)
    wanted = [(ctx, lambda: _attempt(lambda: actions.list_servers(ctx)))]
    if request.membership.may(Perm.BILLING):
        wanted.append((ctx, lambda: _attempt(lambda: actions.account_info(ctx))))
    return wanted


def summarise(api_key: ApiKey, servers_read, account_read=None) -> KeySummary:
    summary = KeySummary(api_key)
    servers, err = servers_read
    if err is not None:
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
    if account_read is not None and not summary.rejected:
        summary.account, err = account_read
        if err is not None:
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
    # Every key's reads at once: a cold dashboard waits for its slowest key, not their sum.
    wanted = [reads(request, key) for key in keys]
    answers = iter(actions.together(*(read for per_key in wanted for read in per_key)))
    summaries = [
        summarise(key, *(next(answers) for _ in per_key))
        for key, per_key in zip(keys, wanted, strict=True)
    ]
    context = {
        "summaries": summaries,
        "recent": entries[:RECENT],
        "recent_everyone": everyone,
        "key_labels": {key.pk: key.label for key in keys},
    }
    return render_page(request, "servers/dashboard.html", context)
