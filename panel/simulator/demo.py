"""Fill an account like a real one that has been in use for a while.

Everything comes from the account's RNG, which is seeded by its key, so the same key always
gets the same servers, IDs, addresses and passwords; only the dates follow the clock.
"""

from __future__ import annotations

import base64
from typing import NamedTuple

from .catalog import CATALOG
from .state import DAY, REINSTALL, Account, Server

_UBUNTU_20, _UBUNTU_18, _CENTOS_8, _DEBIAN_10 = 387, 270, 362, 352
_FREEBSD_12, _FEDORA_32, _WINDOWS_2016 = 327, 389, 240


class _Spec(NamedTuple):
    label: str
    tag: str
    dcid: int
    plan: int
    osid: int
    ipv6: bool = False
    private: bool = False
    backups: bool = False


# Ten settled servers, then one halted, one reinstalling and one just ordered.
_SETTLED = (
    _Spec("web-01", "web", 1, 201, _UBUNTU_20, ipv6=True, private=True),
    _Spec("web-02", "web", 1, 201, _UBUNTU_20, private=True),
    _Spec("db-01", "database", 1, 203, _CENTOS_8, private=True, backups=True),
    _Spec("cache-01", "database", 2, 202, _DEBIAN_10),
    _Spec("api-eu-01", "api", 24, 202, _UBUNTU_18, ipv6=True),
    _Spec("api-eu-02", "api", 7, 202, _UBUNTU_18),
    _Spec("mail", "", 9, 400, _DEBIAN_10),
    _Spec("vpn-tokyo", "vpn", 25, 201, _FREEBSD_12),
    _Spec("ci-runner", "ci", 12, 204, _UBUNTU_20, backups=True),
    _Spec("rdp-la", "", 5, 203, _WINDOWS_2016),
)
_HALTED = _Spec("staging", "staging", 3, 201, _UBUNTU_20)
_REINSTALLING = _Spec("build-02", "ci", 4, 202, _FEDORA_32)
_PENDING = _Spec("web-03", "web", 1, 201, _UBUNTU_20)

# For bulk accounts: (DCID, VPSPLANID) pairs that are deployable, and common images.
_BULK_PLACES = tuple(
    (dcid, plan.id)
    for plan in CATALOG.plans.values()
    if plan.plan_type == "SSD" and plan.id <= 203
    for dcid in sorted(plan.locations)
)
_BULK_SYSTEMS = (_UBUNTU_20, _UBUNTU_18, _DEBIAN_10, _CENTOS_8)


def _server(account: Account, spec: _Spec, created: float) -> Server:
    plan = CATALOG.plans[spec.plan]
    assert spec.dcid in plan.locations, spec  # keep the table honest with the catalog
    server = account.provision(created, spec.dcid, plan, spec.osid)
    server.op = 0  # deployed long ago
    server.label, server.tag = spec.label, spec.tag
    if spec.ipv6:
        account.enable_ipv6(server)
    if spec.private:
        account.enable_private_network(server)
    if spec.backups:
        server.auto_backups, server.backups_since = True, created
    return server


def _ssh_public_key(account: Account, comment: str) -> str:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + account.rng.randbytes(32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def fill(account: Account, now: float) -> None:
    rng = account.rng
    # Oldest first, so that SUBIDs and dates tell the same story; the last two are for the
    # halted and the reinstalling server.
    days_ago = sorted((rng.uniform(2, 90) for _ in range(len(_SETTLED) + 2)), reverse=True)
    settled = [
        _server(account, spec, now - days * DAY)
        for spec, days in zip(_SETTLED, days_ago[: len(_SETTLED)], strict=True)
    ]

    _server(account, _HALTED, now - days_ago[-2] * DAY).power = "stopped"

    reinstalling = _server(account, _REINSTALLING, now - days_ago[-1] * DAY)
    # Three quarters into a reinstall: active + installingbooting for a little while yet.
    length = account.world.op_length(REINSTALL)
    reinstalling.start_op(REINSTALL, now - 0.75 * length, length)

    pending = account.provision(now, _PENDING.dcid, CATALOG.plans[_PENDING.plan], _PENDING.osid)
    pending.label, pending.tag = _PENDING.label, _PENDING.tag

    for server, description, age in (
        (settled[0], "before upgrade to 20.04", 0.5),
        (settled[2], "db-01 nightly", 0.1),
        (settled[4], "", 0.25),
    ):
        # `age` is a fraction of the server's own age, so no snapshot predates its server.
        taken = now - age * (now - server.created)
        snapshot = account.create_snapshot(taken, server.subid, description)
        snapshot.ready_at = taken + 600

    for name, comment in (("laptop", "alice@laptop"), ("ci-deploy", "deploy@ci")):
        public_key = _ssh_public_key(account, comment)
        account.create_sshkey(now - rng.uniform(30, 120) * DAY, name, public_key)

    account.create_script(
        now - 40 * DAY,
        "install-docker",
        "#!/bin/bash\ncurl -fsSL https://get.docker.com | sh\n",
        "boot",
    )
    account.create_script(
        now - 12 * DAY, "netboot", "#!ipxe\nchain https://boot.netboot.xyz\n", "pxe"
    )
    account.add_iso(now - 33 * DAY, "debian-10.6.0-amd64-netinst.iso", 349_175_808)

    account.balance = f"-{rng.uniform(20, 400):.2f}"
    account.last_payment = (now - rng.uniform(1, 28) * DAY, "-50.00")
    account.changed()


def add_servers(account: Account, now: float, count: int) -> None:
    """``count`` settled, running servers, created in the last 90 days; fast enough for 10,000."""
    rng = account.rng
    first = len(account.servers) + 1
    for number in range(first, first + count):
        dcid, plan_id = rng.choice(_BULK_PLACES)
        spec = _Spec(f"server-{number:05d}", "", dcid, plan_id, rng.choice(_BULK_SYSTEMS))
        _server(account, spec, now - rng.uniform(1, 90) * DAY)
    account.changed()
