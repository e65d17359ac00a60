"""The action layer: one function per thing a user does with Vultr, and the reads the pages
need. Views, Celery tasks and bulk actions all call these; nothing calls the provider library
around them (DESIGN, "Layers").

    from panel.servers import actions

    ctx = actions.ActionContext.from_request(request, api_key_id=key.pk, reason=reason)
    try:
        actions.reboot_server(ctx, "41326859")
    except actions.ActionError as err:   # Vultr's words, ready to show next to the form
        form.add_error(None, str(err))
    # actions.ActionDenied (a PermissionDenied) propagates: the view answers 403.

Each mutating function checks the permission, calls Vultr with the team's key, writes exactly
one `panel.audit.models.AuditEntry` and invalidates the cached lists it changed (see `base`).
"""

from .account import account_info
from .backups import list_backups, restore_backup
from .base import (
    ActionContext,
    ActionDenied,
    ActionError,
    Hold,
    NotFound,
    ServerHeld,
    hold_on,
    register_hold_finder,
    together,
)
from .catalog import availability, isos, operating_systems, plans, regions
from .ips import (
    create_ipv4,
    default_reverse_ipv4,
    delete_reverse_ipv6,
    destroy_ipv4,
    list_ipv4,
    list_ipv6,
    list_reverse_ipv6,
    set_reverse_ipv4,
    set_reverse_ipv6,
)
from .scripts import (
    create_startupscript,
    destroy_startupscript,
    list_startupscripts,
    update_startupscript,
)
from .servers import (
    change_server_os,
    create_server,
    destroy_server,
    get_server,
    halt_server,
    list_servers,
    open_console,
    os_change_list,
    reboot_server,
    reinstall_server,
    reveal_root_password,
    server_bandwidth,
    set_server_label,
    start_server,
)
from .snapshots import (
    create_snapshot,
    destroy_snapshot,
    list_snapshots,
    restore_snapshot,
    snapshot_ids_taken_from,
    update_snapshot,
)
from .sshkeys import create_sshkey, destroy_sshkey, list_sshkeys, update_sshkey

# The modules, one per resource, for code that walks every action (tests, docs).
MODULES = ("servers", "ips", "snapshots", "backups", "sshkeys", "scripts", "account", "catalog")

__all__ = [
    "MODULES",
    "ActionContext",
    "ActionDenied",
    "ActionError",
    "NotFound",
    "Hold",
    "ServerHeld",
    "hold_on",
    "register_hold_finder",
    "account_info",
    "availability",
    "change_server_os",
    "create_ipv4",
    "create_server",
    "create_snapshot",
    "create_sshkey",
    "create_startupscript",
    "default_reverse_ipv4",
    "delete_reverse_ipv6",
    "destroy_ipv4",
    "destroy_server",
    "destroy_snapshot",
    "destroy_sshkey",
    "destroy_startupscript",
    "get_server",
    "halt_server",
    "isos",
    "list_backups",
    "list_ipv4",
    "list_ipv6",
    "list_reverse_ipv6",
    "list_servers",
    "list_snapshots",
    "list_sshkeys",
    "list_startupscripts",
    "operating_systems",
    "open_console",
    "os_change_list",
    "plans",
    "reboot_server",
    "regions",
    "reinstall_server",
    "restore_backup",
    "reveal_root_password",
    "restore_snapshot",
    "server_bandwidth",
    "set_reverse_ipv4",
    "set_reverse_ipv6",
    "set_server_label",
    "snapshot_ids_taken_from",
    "start_server",
    "together",
    "update_snapshot",
    "update_sshkey",
    "update_startupscript",
]
