"""Servers: the list, one server, its bandwidth and OS choices; power, label, reinstall, OS
change, destroy and create."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.permissions import Perm
from panel.audit.models import TeamSettings
from panel.servers.cache import VultrCache
from panel.servers.models import ServerPassword
from panel.vultr import Bandwidth, CreatedServer, OsChangeOption, Server, VultrClient
from panel.vultr.domain import NewServer

from . import catalog
from .base import (
    ACCOUNT,
    SERVERS,
    ActionContext,
    ActionError,
    Change,
    NotFound,
    Target,
    mutation,
    on_server,
    order_options,
    perform,
    query,
    read,
    read_server,
    server_scopes,
    server_target,
)

logger = logging.getLogger(__name__)

# Bandwidth is counted per day; a minute is fresh enough for a chart.
BANDWIDTH_SECONDS = 60
# The OS choices of a server change only when Vultr changes its catalogue.
OS_CHANGE_SECONDS = 300


def _shareable(server: Server) -> Server:
    # The root password and the console URL are secrets, and the console URL expires
    # (reference §4): neither goes into the shared cache.
    return dataclasses.replace(server, default_password="", kvm_url=None)


def _fetch_servers(vultr: VultrClient) -> list[Server]:
    return [_shareable(server) for server in vultr.server_list()]


def _remember_labels(store: VultrCache, servers: list[Server]) -> None:
    store.remember_labels({server.id: server.label for server in servers})


# -- reads -----------------------------------------------------------------------------------


@query
def list_servers(ctx: ActionContext) -> list[Server]:
    """Every server of the key's account (root passwords and console URLs blanked)."""

    def fetch(vultr: VultrClient) -> list[Server]:
        asked = timezone.now()
        servers = _fetch_servers(vultr)
        _forget_passwords_of_gone_servers(ctx, servers, asked)
        # Once per fetch, not per read: every reader then shares the one cached list.
        if any(s.location == s.region_id or not s.cost_per_month for s in servers):
            servers = _with_catalog(ctx, servers)
        return servers

    return read(
        ctx,
        Perm.SUBSCRIPTIONS_VIEW,
        SERVERS,
        "list",
        fetch,
        after_fetch=_remember_labels,
    )


# A server just created may be missing from a list for a little while (v2 reference §8.2: even
# GET /instances/{id} answers 404 at first), and a list asked for before the create answered
# cannot hold it: only passwords kept well before the list was asked for are forgotten.
PASSWORD_GRACE = datetime.timedelta(minutes=10)


def _forget_passwords_of_gone_servers(
    ctx: ActionContext, servers: list[Server], asked: datetime.datetime
) -> None:
    """A fresh, complete list no longer holds a server whose root password the panel kept:
    it was destroyed (elsewhere, or the panel would have forgotten it then). Forget it."""
    if ctx.api_key_id is None:
        return
    try:
        ServerPassword.forget_all_but(
            ctx.team,
            ctx.api_key_id,
            {server.id for server in servers},
            kept_before=asked - PASSWORD_GRACE,
        )
    except DatabaseError:
        # The list matters more; the next fresh list tries again.
        logger.warning("Could not forget the root passwords of destroyed servers", exc_info=True)


def _with_catalog(ctx: ActionContext, servers: list[Server]) -> list[Server]:
    """v2 names a server's region only by its code ("ewr") and its plan only by its code, with
    no monthly cost (v2 reference §3): the city and the plan's price come from the catalogue,
    read through the key's cache (an hour fresh, shared with the deploy wizard and the
    catalogue page), so that pages show, search and sort the same things for both versions.
    If Vultr cannot give the catalogue now, the codes stay and the list is shown anyway."""
    try:
        cities = {region.id: region.name for region in catalog.regions(ctx)}
        prices = {plan.id: plan.price_per_month for plan in catalog.plans(ctx)}
    except ActionError:
        return servers
    found = []
    for server in servers:
        changes: dict = {}
        if server.location == server.region_id and server.region_id in cities:
            changes["location"] = cities[server.region_id]
        if not server.cost_per_month and server.plan_id in prices:
            changes["cost_per_month"] = prices[server.plan_id]
        found.append(dataclasses.replace(server, **changes) if changes else server)
    return found


@query
def get_server(ctx: ActionContext, server_id: str) -> Server:
    """One server, from the (cached) list; `NotFound` if the account has no such server."""
    for server in list_servers(ctx):
        if server.id == server_id:
            return server
    raise NotFound(f"There is no server {server_id} in this Vultr account.")


@query
def server_bandwidth(ctx: ActionContext, server_id: str) -> Bandwidth:
    return read_server(
        ctx,
        server_id,
        "bandwidth",
        lambda vultr: vultr.server_bandwidth(server_id),
        seconds=BANDWIDTH_SECONDS,
    )


@query
def os_change_list(ctx: ActionContext, server_id: str) -> list[OsChangeOption]:
    """The operating systems this server may switch to."""
    return read_server(
        ctx,
        server_id,
        "os_change",
        lambda vultr: vultr.server_os_change_list(server_id),
        seconds=OS_CHANGE_SECONDS,
    )


# -- power and label -------------------------------------------------------------------------


@mutation(Perm.SUBSCRIPTIONS)
def start_server(ctx: ActionContext, server_id: str) -> None:
    """Powers the server on (a running server is restarted)."""
    on_server(ctx, server_id, lambda vultr: vultr.server_start(server_id), conflicts=True)


@mutation(Perm.SUBSCRIPTIONS)
def halt_server(ctx: ActionContext, server_id: str) -> None:
    """Hard power-off; the server is still billed."""
    on_server(ctx, server_id, lambda vultr: vultr.server_halt(server_id), conflicts=True)


@mutation(Perm.SUBSCRIPTIONS)
def reboot_server(ctx: ActionContext, server_id: str) -> None:
    """Hard reboot."""
    on_server(ctx, server_id, lambda vultr: vultr.server_reboot(server_id), conflicts=True)


@mutation(Perm.SUBSCRIPTIONS)
def set_server_label(ctx: ActionContext, server_id: str, label: str) -> None:
    """Renames the server; the audit entry names it by its old label."""
    on_server(
        ctx,
        server_id,
        lambda vultr: vultr.server_label_set(server_id, label),
        params={"label": label},
    )


# -- destructive changes ---------------------------------------------------------------------


def _replace_disk(
    ctx: ActionContext,
    server_id: str,
    call: Callable[[VultrClient], object],
    params: dict[str, Any],
    done: str,
) -> None:
    """A change that overwrites the server's disk (a reinstall, an OS change, a restore):
    destructive, refused while a long operation holds the server, and after it the root
    password kept from the create answer no longer opens the server (/etc/shadow is the new
    disk's). v2 answers these with the instance but no `default_password` (v2 reference §2,
    the field only in the create answer, §3), so there is no new one to keep: the old one is
    forgotten, and the reveal says why (`done`: "reinstalled", ...)."""
    on_server(ctx, server_id, call, params=params, destructive=True, conflicts=True)
    if ctx.api_key_id is not None:
        when = timezone.now().strftime("%d %b %Y at %H:%M UTC")
        because = f"{done} through the panel on {when}"
        ServerPassword.outdate(ctx.team, ctx.api_key_id, server_id, because)


@mutation(Perm.PROVISIONING)
def reinstall_server(ctx: ActionContext, server_id: str, hostname: str | None = None) -> None:
    """Reinstalls the same OS: everything on the disk is lost; the IP addresses stay."""
    _replace_disk(
        ctx,
        server_id,
        lambda vultr: vultr.server_reinstall(server_id, hostname),
        {"hostname": hostname},
        "reinstalled",
    )


@mutation(Perm.PROVISIONING)
def change_server_os(ctx: ActionContext, server_id: str, os_id: str) -> None:
    """Installs another OS from `os_change_list`: everything on the disk is lost."""
    _replace_disk(
        ctx,
        server_id,
        lambda vultr: vultr.server_os_change(server_id, os_id),
        {"os_id": os_id},
        "given another operating system",
    )


@mutation(Perm.PROVISIONING)
def destroy_server(ctx: ActionContext, server_id: str) -> None:
    """Deletes the server, its disk and its backups, and releases its addresses. Vultr
    refuses within 5 minutes of creation (reference §7)."""
    on_server(
        ctx,
        server_id,
        lambda vultr: vultr.server_destroy(server_id),
        invalidates=(*server_scopes(server_id), ACCOUNT, "backups"),
        destructive=True,
        conflicts=True,
    )
    # Gone with the server: nothing left that it opens.
    if ctx.api_key_id is not None:
        ServerPassword.forget(ctx.team, ctx.api_key_id, server_id)


@mutation(Perm.PROVISIONING, invalidates=(SERVERS, ACCOUNT))
def create_server(ctx: ActionContext, new: NewServer, *, finding_tag: str = "") -> str:
    """Orders a server (billing starts at once) and returns its id; Vultr then builds it.

    `new` is the order as the wizard (or a script) built it, passed on whole: a new option
    touches the form that fills it and the transport that sends it, nothing in between.
    Never retried by the provider library once it may have reached Vultr (a second success
    would be a second server): on a timeout, look for the server before trying again.

    `finding_tag`, when given, is sent as the server's only tag instead of the order's own
    (an operation's token, by which a lost answer's server is found; the operation puts the
    user's tags back once it has the id). The audit entry shows the order as the user gave it.
    """
    options = order_options(new)
    sent = (
        order_options(dataclasses.replace(new, tag=finding_tag, tags=()))
        if finding_tag
        else options
    )
    answer: list[CreatedServer] = []

    @sensitive_variables()
    def call(vultr: VultrClient) -> str:
        answer.append(vultr.server_order(**sent))
        return answer[0].id  # only the id goes on, into the audit entry

    server_id = perform(
        ctx,
        Change(
            # The id is Vultr's answer; the label is what the user will recognise.
            Target("server", "", new.label or ""),
            params=options,
            result_as="target_id",
        ),
        call,
    )
    # v2 gives the root password in this answer and never again: kept encrypted for the
    # reveal (`reveal_root_password`). v1 lists it with the server, so nothing is kept.
    if answer[0].default_password and ctx.api_key_id is not None:
        ServerPassword.keep(ctx.team, ctx.api_key_id, server_id, answer[0].default_password)
    return server_id


# -- console and root password ---------------------------------------------------------------


class NotOffered(ActionError):
    """The team has switched console access off, or Vultr does not give what was asked."""


def _fresh_server(vultr: VultrClient, server_id: str) -> Server:
    # Straight from Vultr, never from the cache: the cached list holds neither the password
    # nor the console URL (`_shareable`), and the URL expires (reference §4).
    for server in vultr.server_list():
        if server.id == server_id:
            return server
    raise NotFound(f"There is no server {server_id} in this Vultr account.")


def _console_change(ctx: ActionContext, server_id: str) -> Change:
    if not TeamSettings.for_team(ctx.team).console_access:
        raise NotOffered(f"{ctx.team.name} has switched console and password access off.")
    # "destructive": the team's required reason applies, as for any sensitive action.
    return Change(server_target(ctx, server_id), invalidates=(), destructive=True)


@mutation(Perm.CONSOLE)
def open_console(ctx: ActionContext, server_id: str) -> str:
    """The server's web console URL, fetched now (an audited event)."""

    def call(vultr: VultrClient) -> str:
        url = _fresh_server(vultr, server_id).kvm_url
        if not url:
            raise NotOffered(
                "Vultr gives no console for this server yet (is it still installing?)."
            )
        return url

    return perform(ctx, _console_change(ctx, server_id), call)


@mutation(Perm.CONSOLE)
def reveal_root_password(ctx: ActionContext, server_id: str) -> str:
    """The server's root password (an audited event), never cached.

    v1 lists it with every server: fetched now, never stored. v2 gives it only in the answer
    to the create request: the one the panel kept when it created the server with this key
    (`create_server`); a server made elsewhere has no password the API can give.
    """

    @sensitive_variables()
    def call(vultr: VultrClient) -> str:
        # Fetched in both versions: the server must still exist in this account.
        password = _fresh_server(vultr, server_id).default_password
        if not password and ctx.api_key_id is not None:
            password = ServerPassword.reveal(ctx.team, ctx.api_key_id, server_id) or ""
        if not password and ctx.api_key_id is not None:
            outdated = ServerPassword.outdated(ctx.team, ctx.api_key_id, server_id)
            if outdated:
                raise NotOffered(
                    "The root password of this server is not available through the API: the "
                    "panel kept the one Vultr gave when it created the server, but the server "
                    f"was {outdated}, which gave it a new root password that Vultr's API "
                    "does not give. The old one was forgotten."
                )
        if not password:
            raise NotOffered(
                "The root password of this server is not available through the API: Vultr "
                "gives it only in the answer to the create request, and this server was not "
                "created through the panel with this key."
            )
        return password

    return perform(ctx, _console_change(ctx, server_id), call)
