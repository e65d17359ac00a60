"""Startup scripts: `boot` scripts run on an OS's first boot, `pxe` scripts from iPXE.

A script may hold passwords, so its text never goes into the audit log (see
`base.SECRET_PARAMS`): the entry says a script was given and how long it was.
"""

from __future__ import annotations

from accounts.permissions import Perm
from panel.vultr import ScriptType, StartupScript

from .base import SCRIPTS, ActionContext, add_listed, mutation, on_listed, query, read


@query
def list_startupscripts(ctx: ActionContext) -> list[StartupScript]:
    return read(ctx, Perm.SUBSCRIPTIONS_VIEW, SCRIPTS, "list", lambda v: v.startupscript_list())


@mutation(Perm.PROVISIONING, invalidates=(SCRIPTS,))
def create_startupscript(
    ctx: ActionContext, name: str, script: str, type: ScriptType | str = ScriptType.BOOT
) -> str:
    """Stores a script; returns its id."""
    return add_listed(
        ctx,
        "startupscript",
        name,
        {"name": name, "script": script, "type": str(type)},
        lambda vultr: vultr.startupscript_create(name, script, type),
    )


@mutation(Perm.PROVISIONING, invalidates=(SCRIPTS,))
def update_startupscript(
    ctx: ActionContext,
    script_id: str,
    name: str | None = None,
    script: str | None = None,
    type: ScriptType | str | None = None,
) -> None:
    """Renames and/or rewrites a script; with a v2 key it may change its type too (v1 has no
    way to: the provider library refuses it before asking Vultr)."""
    on_listed(
        ctx,
        "startupscript",
        SCRIPTS,
        script_id,
        lambda vultr: vultr.startupscript_update(script_id, name, script, type),
        params={"name": name, "script": script, "type": None if type is None else str(type)},
    )


@mutation(Perm.PROVISIONING, invalidates=(SCRIPTS,))
def destroy_startupscript(ctx: ActionContext, script_id: str) -> None:
    on_listed(
        ctx,
        "startupscript",
        SCRIPTS,
        script_id,
        lambda vultr: vultr.startupscript_destroy(script_id),
        destructive=True,
    )
