"""Which long operation holds a server: while a reinstall, restore, OS change, destroy, create
or address-with-reboot runs, a power button, another reinstall or a destroy would interfere
(a reboot in the middle of a reinstall was accepted, and the reinstall then looked done too
early). The action layer refuses such changes (`Change.conflicts`) and pages disable their
buttons; both ask `hold_of`, which apps.py registers with the action layer, since that layer
never imports this app.
"""

from __future__ import annotations

from django.urls import reverse

from panel.servers.actions import ActionContext, Hold

from .kinds import KINDS
from .models import Operation

HOLDING_KINDS = tuple(kind for kind, spec in KINDS.items() if spec.holds_server)


def holding_operation(ctx: ActionContext, server_id: str) -> Operation | None:
    """The oldest operation not ended that holds the server of ctx's key, other than the one
    ctx acts for."""
    if ctx.api_key_id is None or not server_id:
        return None
    return (
        Operation.objects.for_team(ctx.team)
        .filter(
            api_key_id=ctx.api_key_id,
            target_id=server_id,
            kind__in=HOLDING_KINDS,
            status__in=Operation.ACTIVE,
        )
        .exclude(token=ctx.operation)
        .order_by("created_at")
        .first()
    )


def hold_of(ctx: ActionContext, server_id: str) -> Hold | None:
    op = holding_operation(ctx, server_id)
    if op is None:
        return None
    return Hold(
        operation=op.get_kind_display(),
        started_by=op.actor_name,
        started_at=op.created_at,
        url=reverse("operations:detail", kwargs={"team": ctx.team.slug, "operation_id": op.pk}),
    )
