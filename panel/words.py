"""The words people read for what Vultr's API and the panel's code call by their own names.

One table for every page: server pages and badges, the audit log, operations and their
timelines, notices. A page shows these words and keeps the API value where a curious reader
finds it (a tooltip, or the detail of an audit entry), never "installingbooting" or
"Create ipv4" in the running text.

Plain data, importing nothing: the audit app (a leaf), the provider-neutral views and the
operations all read it. tests/panel/test_words.py checks that every action the action layer
registers and every kind of operation has its words here.
"""

from __future__ import annotations

# What each action of the action layer (panel/servers/actions, by function name) and each kind
# of operation (panel/operations/models.py, the same names) is called on the pages. Operation
# kinds take their labels from here, so a change here needs a (choices-only) migration there.
ACTIONS: dict[str, str] = {
    "create_server": "Create server",
    "destroy_server": "Destroy server",
    "start_server": "Start server",
    "halt_server": "Halt server",
    "reboot_server": "Reboot server",
    "reinstall_server": "Reinstall server",
    "change_server_os": "Change operating system",
    "set_server_label": "Rename server",
    "restore_snapshot": "Restore snapshot",
    "restore_backup": "Restore backup",
    "create_snapshot": "Take snapshot",
    "destroy_snapshot": "Delete snapshot",
    "update_snapshot": "Change snapshot description",
    "create_ipv4": "Add IPv4 address",
    "destroy_ipv4": "Remove IPv4 address",
    "set_reverse_ipv4": "Set reverse DNS of an IPv4 address",
    "default_reverse_ipv4": "Reset reverse DNS of an IPv4 address",
    "set_reverse_ipv6": "Set reverse DNS of an IPv6 address",
    "delete_reverse_ipv6": "Delete reverse DNS of an IPv6 address",
    "create_sshkey": "Add SSH key",
    "update_sshkey": "Change SSH key",
    "destroy_sshkey": "Delete SSH key",
    "create_startupscript": "Add startup script",
    "update_startupscript": "Change startup script",
    "destroy_startupscript": "Delete startup script",
    "open_console": "Open web console",
    "reveal_root_password": "Reveal root password",
}

# A server's three states (reference v1 §6; v2 §3 calls the third `server_status`), for status
# rows and messages: "active · power on · installing or booting".
SERVER_STATUS: dict[str, str] = {
    "pending": "installing",
    "active": "active",
    "suspended": "suspended",
    "closed": "closed",
    "resizing": "changing plan",
    "unknown": "unknown",
}
POWER_STATUS: dict[str, str] = {
    "running": "power on",
    "stopped": "power off",
    "unknown": "power unknown",
}
SERVER_STATE: dict[str, str] = {
    "none": "starting",
    "locked": "locked while Vultr works on it",
    # Vultr's one word for both: a fresh install and any later boot.
    "installingbooting": "installing or booting",
    "isomounting": "mounting an ISO",
    "ok": "ready",
    "unknown": "unknown",
}

# The one word of a server's badge (panel/servers/templatetags/panel.py picks the state that
# matters most): short, for tables and headings.
BADGE: dict[str, str] = {
    "gone": "gone",
    "pending": "installing",
    "stopped": "stopped",
    "ok": "running",
    "none": "starting",
    "locked": "locked",
    "installingbooting": "booting",
    "isomounting": "mounting ISO",
    "suspended": "suspended",
    "closed": "closed",
    "resizing": "changing plan",
    "unknown": "unknown",
}

# Snapshots and backups (reference v1 §5).
IMAGE_STATUS: dict[str, str] = {
    "pending": "being taken",
    "complete": "complete",
    "unknown": "unknown",
}


def action(name: str) -> str:
    """The words for an action or operation kind; an unknown name as readable as it gets."""
    return ACTIONS.get(name) or name.replace("_", " ").capitalize()


def server_status(status: str, power: str, state: str) -> str:
    """A server's status in words: "active · power on · ready". Power and state mean something
    only while the server is active (reference v1 §6): a pending server is "installing"."""
    said = SERVER_STATUS.get(status, status)
    if status != "active":
        return said
    return " · ".join((said, POWER_STATUS.get(power, power), SERVER_STATE.get(state, state)))


def api_status(status: str, power: str, state: str) -> str:
    """The same status in the API's own values, for a tooltip."""
    return f"Vultr API: status {status}, power_status {power}, server_state {state}"
