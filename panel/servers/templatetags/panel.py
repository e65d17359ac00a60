"""Template helpers for the Vultr pages: status badges, units, money."""

from __future__ import annotations

from decimal import Decimal

from django import template

from panel import words
from panel.vultr import PowerStatus, Server, ServerState, ServerStatus

register = template.Library()


def badge(server: Server | None) -> tuple[str, str]:
    """(text, CSS class) of a server's status badge, in the words of panel/words.py. "busy"
    badges mark a server that is about to change by itself; the badge poller refreshes faster
    while any is shown."""
    if server is None:
        return words.BADGE["gone"], "error"
    if server.status is ServerStatus.PENDING:
        return words.BADGE["pending"], "busy"
    if server.status is not ServerStatus.ACTIVE:
        return words.BADGE.get(server.status.value, server.status.value), "error"
    if server.power_status is PowerStatus.STOPPED:
        return words.BADGE["stopped"], "stopped"
    if server.server_state is ServerState.OK:
        return words.BADGE["ok"], "ok"
    return words.BADGE.get(server.server_state.value, server.server_state.value), "busy"


@register.inclusion_tag("servers/_badge.html")
def server_badge(server: Server | None, server_id: str = "", oob: bool = False) -> dict:
    text, css = badge(server)
    return {
        "id": server.id if server else server_id,
        "text": text,
        "css": css,
        "oob": oob,
        "api": status_title(server) if server else "",
    }


@register.filter
def status_words(server: Server) -> str:
    """The status row of a server: "active · power on · installing or booting"."""
    return words.server_status(
        server.status.value, server.power_status.value, server.server_state.value
    )


@register.filter
def status_title(server: Server) -> str:
    """The same in the API's values, for a tooltip."""
    return words.api_status(
        server.status.value, server.power_status.value, server.server_state.value
    )


@register.filter
def image_status(status) -> str:
    """A snapshot's or backup's status in words ("being taken", "complete")."""
    value = getattr(status, "value", status)
    return words.IMAGE_STATUS.get(value, value)


@register.filter
def action_words(name: str) -> str:
    """An action's or operation kind's name in words ("Add IPv4 address")."""
    return words.action(name)


@register.filter
def megabytes(value: int | None) -> str:
    """RAM in MB as people say it: "1 GB", "512 MB"."""
    if value is None:
        return "—"
    if value >= 1024 and value % 1024 == 0:
        return f"{value // 1024} GB"
    return f"{value} MB"


@register.filter
def byte_size(value: int | None) -> str:
    """Bytes in decimal units, as Vultr counts bandwidth: "1.23 GB"."""
    if value is None:
        return "—"
    size = float(value)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(size) < 1000 or unit == "TB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.2f} {unit}"
        size /= 1000
    return f"{size:.2f} TB"  # not reached


@register.filter
def usd(value: Decimal | float | None) -> str:
    """Dollars with cents; a negative balance is credit, shown as such by the templates."""
    if value is None:
        return "—"
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


@register.filter
def percent_of(value: float | int | None, total: float | int | None) -> int:
    """Whole percent of `total`, between 0 and 100 (for meters)."""
    if not value or not total:
        return 0
    return max(0, min(100, round(float(value) * 100 / float(total))))


@register.filter
def negate(value: Decimal | None) -> Decimal | None:
    return None if value is None else -value


@register.filter
def absolute(value: Decimal | None) -> Decimal | None:
    """v1 shows payments with either sign; people read them as amounts."""
    return None if value is None else abs(value)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with `changes` applied (None removes a parameter); a change
    of anything but the page starts again at page 1."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None
