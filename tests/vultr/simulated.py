"""What the tests of `VultrClient` against the simulator share, for v1 and v2 alike
(test_client_against_simulator.py, its _v2 sibling and its _both sibling)."""

from __future__ import annotations

import socket

import requests

from panel.vultr import ScriptType, VultrClient

ED25519_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB26pKE1H+CWhdXzeqBOwCcyUUhKVgIrU3xWC0ra9GxJ me"
UBUNTU_20 = "387"


def connect(account, api_version: str = "v1", **options) -> VultrClient:
    """A client for the test's account, with short timeouts and retries that do not sleep."""
    options.setdefault("timeout", (2.0, 5.0))
    options.setdefault("sleep", lambda seconds: None)
    return VultrClient(account.key, base_url=account.url, api_version=api_version, **options)


def watched(account, api_version: str = "v1") -> tuple[VultrClient, list, list]:
    """A client for the test's account that keeps every request it sends (each attempt), and
    the tokens it took from its rate limiter: (client, requests, tokens)."""
    session = requests.Session()
    seen: list[requests.PreparedRequest] = []
    session.hooks["response"].append(lambda response, **kwargs: seen.append(response.request))
    tokens: list[int] = []
    client = connect(account, api_version, session=session, rate_limiter=lambda: tokens.append(1))
    return client, seen, tokens


def by_label(client: VultrClient, label: str):
    (server,) = client.server_list(label=label)
    return server


def create_web_04(client: VultrClient, region: str, plan: str, **options) -> str:
    """Orders web-04 (web-04.example.com) on Ubuntu 20.04 with every SSH key of the account, its
    boot script, user data, IPv6 and automatic backups, and `options`; the new server's id."""
    key_ids = [k.id for k in client.sshkey_list()]
    boot_script = next(s for s in client.startupscript_list() if s.type is ScriptType.BOOT)
    return client.server_create(
        region,
        plan,
        UBUNTU_20,
        label="web-04",
        hostname="web-04.example.com",
        ssh_key_ids=key_ids,
        script_id=boot_script.id,
        userdata="#cloud-config\n",
        enable_ipv6=True,
        auto_backups=True,
        **options,
    )


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
