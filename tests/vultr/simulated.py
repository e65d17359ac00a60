"""What the tests of `VultrClient` against the simulator share, for v1 and v2 alike
(test_client_against_simulator.py and its _v2 sibling)."""

from __future__ import annotations

import socket

from panel.vultr import VultrClient

ED25519_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB26pKE1H+CWhdXzeqBOwCcyUUhKVgIrU3xWC0ra9GxJ me"
UBUNTU_20 = "387"


def connect(account, api_version: str = "v1", **options) -> VultrClient:
    """A client for the test's account, with short timeouts and retries that do not sleep."""
    options.setdefault("timeout", (2.0, 5.0))
    options.setdefault("sleep", lambda seconds: None)
    return VultrClient(account.key, base_url=account.url, api_version=api_version, **options)


def by_label(client: VultrClient, label: str):
    (server,) = client.server_list(label=label)
    return server


def settle(sim, fraction: float = 1.0) -> None:
    """Moves the clock past (a fraction of) one provisioning period."""
    sim.advance(sim.config()["provisioning_seconds"] * fraction + 1)


def inject(account, **fault) -> None:
    """A fault for the test's own key only."""
    account.sim.inject_fault(key=account.key, **fault)


def recorder():
    """A list, and an `on_response` hook that appends each attempt to it."""
    attempts: list[tuple] = []
    return attempts, lambda *args: attempts.append(args)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
