"""`VultrClient`: the one object the rest of the panel uses to talk to Vultr.

It is version-neutral: it checks what each argument means (a label is not blank, an address
is an address, an SSH key is a public key) and hands over to a transport that knows the wire
format: `V1Transport` or `V2Transport`, chosen by `api_version`. Callers do not change with
the version (DESIGN: "its provider layer is version-neutral"); ids are strings in both (v1
decimal SUBIDs, v2 UUIDs), and each transport refuses ids of the other version's shape where
it can tell.

Every method returns domain objects or plain values and raises only `VultrError` subclasses.
Nothing here waits for a server to become ready; that loop lives in one place in the
operations layer (STYLE item 9).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import requests

from . import validation as check
from .domain import (
    Account,
    Backup,
    Bandwidth,
    CreatedServer,
    Ipv4,
    Ipv6,
    Iso,
    NewServer,
    OperatingSystem,
    OsChangeOption,
    Plan,
    Region,
    ReverseDns,
    ScriptType,
    Server,
    Snapshot,
    SshKey,
    StartupScript,
)
from .errors import InvalidParameterError, UnexpectedResponseError
from .transports import Transport
from .transports.http import Connection, RateLimiter, RawResponse, ResponseHook
from .transports.v1 import V1Transport
from .transports.v2 import V2Transport

DEFAULT_BASE_URL = "https://api.vultr.com"
DEFAULT_API_VERSION = "v1"
TRANSPORTS: dict[str, type[V1Transport] | type[V2Transport]] = {
    "v1": V1Transport,
    "v2": V2Transport,
}


class VultrClient:
    """A Vultr account, reached with one API key over one keep-alive session.

    `base_url` is the API host (`https://api.vultr.com`); the transport adds `/v1` or `/v2`.
    `api_version` is "v1" or "v2" (the API the key is meant for). `timeout` is (connect,
    read) seconds, or one number for both. `max_retries` bounds the retries of requests that
    are safe to repeat (see `transports.http`). `rate_limiter` is
    called before every attempt, retries included, and blocks until a request may go out.
    `on_response(method, path, status, elapsed_s)` is called after every attempt, with
    status None when no answer came. `sleep` is how retries wait; tests pass a fake.

    Not thread-safe: create one client per thread or task.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_retries: int = 3,
        rate_limiter: RateLimiter | None = None,
        on_response: ResponseHook | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        check.text("api_key", api_key)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidParameterError("max_retries", "must be an int >= 0")
        transport_class = TRANSPORTS.get(api_version) if isinstance(api_version, str) else None
        if transport_class is None:
            raise InvalidParameterError(
                "api_version", f"must be one of {', '.join(TRANSPORTS)}, got {api_version!r}"
            )
        self._transport: Transport = transport_class(
            api_key,
            Connection(
                base_url=check.http_url("base_url", base_url),
                timeout=timeout,
                max_retries=max_retries,
                rate_limiter=rate_limiter,
                on_response=on_response,
                session=session,
                sleep=sleep,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"VultrClient(base_url={self._transport.base_url!r}, "
            f"api_version={self._transport.api_version!r})"
        )

    def close(self) -> None:
        """Closes the session if the client created it."""
        self._transport.close()

    def __enter__(self) -> VultrClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- raw escape hatch (the seed's this_get / this_post) ---------------------------------

    @property
    def api_version(self) -> str:
        return self._transport.api_version

    def get(self, path: str, **params: str) -> RawResponse:
        """GET `path` ("server/list" in v1, "instances" in v2: relative to the API version's
        root) and return the answer whatever its status. Raises only on transport failures."""
        return self._transport.raw("GET", path, params)

    def post(self, path: str, **data: str) -> RawResponse:
        """POST `data` to `path` (a form in v1, a JSON object in v2) and return the answer
        whatever its status. Never retried unless the request certainly did not reach
        Vultr."""
        return self._transport.raw("POST", path, data)

    def patch(self, path: str, **data: object) -> RawResponse:
        """PATCH `data` (a JSON object) to `path`: API v2 only ("instances/<id>" with
        ``tags=[...]``, which no method covers). Returns the answer whatever its status."""
        return self._transport.raw("PATCH", path, data)  # type: ignore[arg-type]

    # -- account and catalogue --------------------------------------------------------------

    def account_info(self) -> Account:
        return self._transport.account_info()

    def os_list(self) -> list[OperatingSystem]:
        return self._transport.os_list()

    def iso_list(self) -> list[Iso]:
        return self._transport.iso_list()

    def plans_list(self) -> list[Plan]:
        return self._transport.plans_list()

    def regions_list(self) -> list[Region]:
        return self._transport.regions_list()

    def regions_availability(self, region_id: str) -> list[str]:
        """Ids of the plans that can be deployed in the region right now."""
        return self._transport.regions_availability(check.identifier("region_id", region_id))

    # -- servers ----------------------------------------------------------------------------

    def server_list(
        self,
        *,
        subid: str | None = None,
        tag: str | None = None,
        label: str | None = None,
        main_ip: str | None = None,
    ) -> list[Server]:
        """All servers, or those matching one filter (API v1 allows only one at a time; v2
        combines them). An unknown `subid` raises `RequestFailedError` (v1: "Invalid server.";
        v2: its subclass `NotFoundError`)."""
        return self._transport.server_list(
            subid=check.optional_identifier("subid", subid),
            tag=check.optional_text("tag", tag),
            label=check.optional_text("label", label),
            main_ip=None if main_ip is None else check.ipv4("main_ip", main_ip),
        )

    def server_get(self, subid: str) -> Server:
        servers = self.server_list(subid=subid)
        if not servers:
            raise UnexpectedResponseError(f"The answer did not contain server {subid}")
        return servers[0]

    def server_bandwidth(self, subid: str) -> Bandwidth:
        return self._transport.server_bandwidth(check.identifier("subid", subid))

    def server_create(self, *args: Any, **kwargs: Any) -> str:
        """`server_order` (the same arguments), answering the new server's id only."""
        return self.server_order(*args, **kwargs).id

    def server_order(
        self,
        region_id: str,
        plan_id: str,
        os_id: str,
        *,
        label: str | None = None,
        hostname: str | None = None,
        tag: str | None = None,
        tags: Iterable[str] = (),
        ssh_key_ids: Iterable[str] = (),
        script_id: str | None = None,
        snapshot_id: str | None = None,
        iso_id: str | None = None,
        ipxe_chain_url: str | None = None,
        app_id: str | None = None,
        userdata: str | bytes | None = None,
        enable_ipv6: bool = False,
        enable_private_network: bool = False,
        network_ids: Iterable[str] = (),
        auto_backups: bool = False,
        ddos_protection: bool = False,
        notify_activate: bool = True,
        firewall_group_id: str | None = None,
        reserved_ip_v4: str | None = None,
    ) -> CreatedServer:
        """Orders a server and returns its id (with v2, also its root password: Vultr gives
        it in this answer only); it is then built in the background.

        Billing starts at once and the request is never retried after it may have reached
        Vultr: on a timeout, look for the server (for example by label) before trying again.
        `userdata` is the raw cloud-init content. `snapshot_id`, `iso_id`/`ipxe_chain_url`
        and `app_id` go with the matching special `os_id` (reference §7; v2 needs no special
        `os_id`, and ignores the v1 ones). `tags` is v2's list (v1 takes one tag in all);
        v2 installs every key of `ssh_key_ids`.
        """
        new = NewServer(
            region_id=check.identifier("region_id", region_id),
            plan_id=check.identifier("plan_id", plan_id),
            os_id=check.identifier("os_id", os_id),
            label=check.optional_text("label", label),
            hostname=check.optional_hostname("hostname", hostname),
            tag=check.optional_text("tag", tag),
            tags=check.texts("tags", tags),
            ssh_key_ids=check.identifiers("ssh_key_ids", ssh_key_ids),
            script_id=check.optional_identifier("script_id", script_id),
            snapshot_id=check.optional_identifier("snapshot_id", snapshot_id),
            iso_id=check.optional_identifier("iso_id", iso_id),
            ipxe_chain_url=None
            if ipxe_chain_url is None
            else check.http_url("ipxe_chain_url", ipxe_chain_url),
            app_id=check.optional_identifier("app_id", app_id),
            userdata=check.userdata(userdata),
            enable_ipv6=check.flag("enable_ipv6", enable_ipv6),
            enable_private_network=check.flag("enable_private_network", enable_private_network),
            network_ids=check.identifiers("network_ids", network_ids),
            auto_backups=check.flag("auto_backups", auto_backups),
            ddos_protection=check.flag("ddos_protection", ddos_protection),
            notify_activate=check.flag("notify_activate", notify_activate),
            firewall_group_id=check.optional_identifier("firewall_group_id", firewall_group_id),
            reserved_ip_v4=None
            if reserved_ip_v4 is None
            else check.ipv4("reserved_ip_v4", reserved_ip_v4),
        )
        images = {
            "snapshot_id": new.snapshot_id,
            "iso_id": new.iso_id,
            "ipxe_chain_url": new.ipxe_chain_url,
            "app_id": new.app_id,
        }
        chosen = [name for name, value in images.items() if value is not None]
        if len(chosen) > 1:
            raise InvalidParameterError(chosen[1], f"cannot be combined with {chosen[0]}")
        if new.network_ids and new.enable_private_network:
            # network_ids attaches the given networks *instead of* a new one (reference §7).
            raise InvalidParameterError(
                "enable_private_network", "cannot be combined with network_ids"
            )
        return self._transport.server_create(new)

    def server_destroy(self, subid: str) -> None:
        """Deletes the server and its data for good; Vultr refuses within 5 minutes of
        creation (reference §7)."""
        self._transport.server_destroy(check.identifier("subid", subid))

    def server_start(self, subid: str) -> None:
        """Powers on; a running server is restarted."""
        self._transport.server_start(check.identifier("subid", subid))

    def server_halt(self, subid: str) -> None:
        """Hard power-off; the server is still billed."""
        self._transport.server_halt(check.identifier("subid", subid))

    def server_reboot(self, subid: str) -> None:
        """Hard reboot."""
        self._transport.server_reboot(check.identifier("subid", subid))

    def server_reinstall(self, subid: str, hostname: str | None = None) -> None:
        """Reinstalls the same OS: all data is lost, the IP address is kept."""
        self._transport.server_reinstall(
            check.identifier("subid", subid), check.optional_hostname("hostname", hostname)
        )

    def server_label_set(self, subid: str, label: str) -> None:
        self._transport.server_label_set(
            check.identifier("subid", subid), check.text("label", label)
        )

    def server_create_ipv4(self, subid: str, reboot: bool = True) -> str | None:
        """Adds a billed IPv4 address; returns it when Vultr says which (v1 usually does
        not). The server reboots unless `reboot` is False."""
        return self._transport.server_create_ipv4(
            check.identifier("subid", subid), check.flag("reboot", reboot)
        )

    def server_destroy_ipv4(self, subid: str, ip: str) -> None:
        """Removes a secondary IPv4 address; the server is hard-restarted."""
        self._transport.server_destroy_ipv4(check.identifier("subid", subid), check.ipv4("ip", ip))

    def server_list_ipv4(self, subid: str) -> list[Ipv4]:
        """The server's IPv4 addresses, main address first (only for active servers)."""
        return self._transport.server_list_ipv4(check.identifier("subid", subid))

    def server_list_ipv6(self, subid: str) -> list[Ipv6]:
        """The server's IPv6 addresses; empty when IPv6 is off."""
        return self._transport.server_list_ipv6(check.identifier("subid", subid))

    def server_os_change_list(self, subid: str) -> list[OsChangeOption]:
        return self._transport.server_os_change_list(check.identifier("subid", subid))

    def server_os_change(self, subid: str, os_id: str) -> None:
        """Installs another OS from `server_os_change_list`: all data is lost."""
        self._transport.server_os_change(
            check.identifier("subid", subid), check.identifier("os_id", os_id)
        )

    def server_restore_backup(self, subid: str, backup_id: str) -> None:
        """Overwrites the server's disk with the backup."""
        self._transport.server_restore_backup(
            check.identifier("subid", subid), check.identifier("backup_id", backup_id)
        )

    def server_restore_snapshot(self, subid: str, snapshot_id: str) -> None:
        """Overwrites the server's disk with the snapshot."""
        self._transport.server_restore_snapshot(
            check.identifier("subid", subid), check.identifier("snapshot_id", snapshot_id)
        )

    def server_reverse_default_ipv4(self, subid: str, ip: str) -> None:
        """Resets the PTR record of an IPv4 address to Vultr's default."""
        self._transport.server_reverse_default_ipv4(
            check.identifier("subid", subid), check.ipv4("ip", ip)
        )

    def server_reverse_set_ipv4(self, subid: str, ip: str, entry: str) -> None:
        """Sets the PTR record of an IPv4 address; DNS takes 6 to 12 hours to follow."""
        self._transport.server_reverse_set_ipv4(
            check.identifier("subid", subid),
            check.ipv4("ip", ip),
            check.hostname("entry", entry),
        )

    def server_reverse_set_ipv6(self, subid: str, ip: str, entry: str) -> None:
        self._transport.server_reverse_set_ipv6(
            check.identifier("subid", subid),
            check.ipv6("ip", ip),
            check.hostname("entry", entry),
        )

    def server_reverse_delete_ipv6(self, subid: str, ip: str) -> None:
        self._transport.server_reverse_delete_ipv6(
            check.identifier("subid", subid), check.ipv6("ip", ip)
        )

    def server_reverse_list_ipv6(self, subid: str) -> list[ReverseDns]:
        return self._transport.server_reverse_list_ipv6(check.identifier("subid", subid))

    # -- snapshots and backups --------------------------------------------------------------

    def snapshot_create(self, subid: str, description: str | None = None) -> str:
        """Starts a snapshot of a (possibly running) server and returns the snapshot id; it
        is `pending` until complete."""
        return self._transport.snapshot_create(
            check.identifier("subid", subid), check.optional_text("description", description)
        )

    def snapshot_destroy(self, snapshot_id: str) -> None:
        self._transport.snapshot_destroy(check.identifier("snapshot_id", snapshot_id))

    def snapshot_update(self, snapshot_id: str, description: str) -> None:
        """Changes a snapshot's description (API v2 only: v1 refuses it before any request)."""
        self._transport.snapshot_update(
            check.identifier("snapshot_id", snapshot_id), check.text("description", description)
        )

    def snapshot_list(self) -> list[Snapshot]:
        return self._transport.snapshot_list()

    def backup_list(self, subid: str | None = None, backup_id: str | None = None) -> list[Backup]:
        """All backups, or those of one server, or one backup."""
        return self._transport.backup_list(
            subid=check.optional_identifier("subid", subid),
            backup_id=check.optional_identifier("backup_id", backup_id),
        )

    # -- SSH keys ---------------------------------------------------------------------------

    def sshkey_create(self, name: str, ssh_key: str) -> str:
        """Stores a public key (one authorized_keys line) and returns its id."""
        return self._transport.sshkey_create(
            check.text("name", name), check.ssh_public_key("ssh_key", ssh_key)
        )

    def sshkey_update(
        self, sshkey_id: str, name: str | None = None, ssh_key: str | None = None
    ) -> None:
        """Renames and/or replaces a key; servers installed earlier keep the old one."""
        if name is None and ssh_key is None:
            raise InvalidParameterError("name", "give a new name, a new ssh_key, or both")
        self._transport.sshkey_update(
            check.identifier("sshkey_id", sshkey_id),
            check.optional_text("name", name),
            None if ssh_key is None else check.ssh_public_key("ssh_key", ssh_key),
        )

    def sshkey_destroy(self, sshkey_id: str) -> None:
        """Deletes the key; servers that have it keep it."""
        self._transport.sshkey_destroy(check.identifier("sshkey_id", sshkey_id))

    def sshkey_list(self) -> list[SshKey]:
        return self._transport.sshkey_list()

    # -- startup scripts --------------------------------------------------------------------

    def startupscript_create(
        self, name: str, script: str, type: ScriptType | str = ScriptType.BOOT
    ) -> str:
        """Stores a script and returns its id. `boot` scripts run on the OS's first boot,
        `pxe` scripts are run by iPXE at power-on."""
        return self._transport.startupscript_create(
            check.text("name", name), check.text("script", script), check.script_type(type)
        )

    def startupscript_update(
        self,
        script_id: str,
        name: str | None = None,
        script: str | None = None,
        type: ScriptType | str | None = None,
    ) -> None:
        """Renames, rewrites and (API v2 only: v1 refuses it) retypes a script."""
        if name is None and script is None and type is None:
            raise InvalidParameterError("name", "give a new name, a new script, or both")
        self._transport.startupscript_update(
            check.identifier("script_id", script_id),
            check.optional_text("name", name),
            check.optional_text("script", script),
            None if type is None else check.script_type(type),
        )

    def startupscript_destroy(self, script_id: str) -> None:
        self._transport.startupscript_destroy(check.identifier("script_id", script_id))

    def startupscript_list(self) -> list[StartupScript]:
        return self._transport.startupscript_list()
