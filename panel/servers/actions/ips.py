"""A server's addresses: IPv4 and IPv6 lists, extra IPv4 addresses, reverse DNS.

Every change here targets the server (the audit log answers "what happened to web-01?");
the address and the PTR entry are parameters.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.permissions import Perm
from panel.vultr import Ipv4, Ipv6, ReverseDns, VultrClient

from .base import (
    ActionContext,
    mutation,
    on_server,
    query,
    read_server,
    server_scope,
)


@query
def list_ipv4(ctx: ActionContext, server_id: str) -> list[Ipv4]:
    """Main address first; empty until the server is active (reference §5)."""
    return read_server(ctx, server_id, "ipv4", lambda vultr: vultr.server_list_ipv4(server_id))


@query
def list_ipv6(ctx: ActionContext, server_id: str) -> list[Ipv6]:
    """Empty when IPv6 is off."""
    return read_server(ctx, server_id, "ipv6", lambda vultr: vultr.server_list_ipv6(server_id))


@query
def list_reverse_ipv6(ctx: ActionContext, server_id: str) -> list[ReverseDns]:
    return read_server(
        ctx, server_id, "reverse_ipv6", lambda vultr: vultr.server_reverse_list_ipv6(server_id)
    )


@mutation(Perm.SUBSCRIPTIONS)
def create_ipv4(ctx: ActionContext, server_id: str, *, reboot: bool = True) -> str | None:
    """Adds a billed IPv4 address; the server reboots unless `reboot` is False (the OS must
    then be told about the address). Returns the address when Vultr says which."""
    ip = on_server(
        ctx,
        server_id,
        lambda vultr: vultr.server_create_ipv4(server_id, reboot),
        params={"reboot": reboot},
        result_as="ip",
        conflicts=reboot,
    )
    return ip


@mutation(Perm.SUBSCRIPTIONS)
def destroy_ipv4(ctx: ActionContext, server_id: str, ip: str) -> None:
    """Removes a secondary IPv4 address; Vultr hard-restarts the server."""
    on_server(
        ctx,
        server_id,
        lambda vultr: vultr.server_destroy_ipv4(server_id, ip),
        params={"ip": ip},
        destructive=True,
        conflicts=True,  # Vultr restarts the server
    )


def _reverse_dns(
    ctx: ActionContext, server_id: str, call: Callable[[VultrClient], object], **params: str
) -> None:
    """A change to a PTR record: the server is the target, the address (and entry) are the
    parameters, and only the server's own address lists go stale, not the server list."""
    on_server(ctx, server_id, call, params=params, invalidates=(server_scope(server_id),))


@mutation(Perm.SUBSCRIPTIONS)
def set_reverse_ipv4(ctx: ActionContext, server_id: str, ip: str, entry: str) -> None:
    """Sets the PTR record of one of the server's IPv4 addresses (DNS follows in 6-12 h)."""
    _reverse_dns(
        ctx,
        server_id,
        lambda vultr: vultr.server_reverse_set_ipv4(server_id, ip, entry),
        ip=ip,
        entry=entry,
    )


@mutation(Perm.SUBSCRIPTIONS)
def default_reverse_ipv4(ctx: ActionContext, server_id: str, ip: str) -> None:
    """Resets the PTR record of an IPv4 address to Vultr's default."""
    _reverse_dns(
        ctx, server_id, lambda vultr: vultr.server_reverse_default_ipv4(server_id, ip), ip=ip
    )


@mutation(Perm.SUBSCRIPTIONS)
def set_reverse_ipv6(ctx: ActionContext, server_id: str, ip: str, entry: str) -> None:
    _reverse_dns(
        ctx,
        server_id,
        lambda vultr: vultr.server_reverse_set_ipv6(server_id, ip, entry),
        ip=ip,
        entry=entry,
    )


@mutation(Perm.SUBSCRIPTIONS)
def delete_reverse_ipv6(ctx: ActionContext, server_id: str, ip: str) -> None:
    _reverse_dns(
        ctx, server_id, lambda vultr: vultr.server_reverse_delete_ipv6(server_id, ip), ip=ip
    )
