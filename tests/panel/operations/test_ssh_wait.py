"""The "wait for SSH" step of create-and-wait, with real sockets: the new server's address is
a loopback address of its own (127.0.0.x), and port 22 there is either a real listening socket
(the step passes) or closed (the step fails once its time limit has passed). The probe itself
is not replaced.

Listening on port 22 needs root (CI runs as root); elsewhere the test skips, and with CI=true
it fails (tests/fixtures/ci.py).

Both API versions: the demo account's usual order (New Jersey, 1 GB, Ubuntu) in the key's ids.

Panel internals used: panel.operations.start.start_create_server (with a NewServer) and the
`drive` fixture (panel.operations.runner/polling), as the other operations tests do; and the
simulator's World.new_ipv4, to give the new server its loopback address.
"""

from __future__ import annotations

import random
import socket
import threading
import time

import pytest

from panel.operations import start
from panel.operations.models import Operation
from panel.simulator.state import World
from tests.fixtures.ci import needs
from tests.panel.helpers import demo_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def loopback_ip(monkeypatch) -> str:
    """The address the next server created in the simulator gets: 127.0.0.x, x unused here."""
    ip = f"127.0.0.{random.randint(2, 254)}"
    original = World.new_ipv4
    handed = []

    def new_ipv4(self, rng, dcid):
        if not handed:
            handed.append(ip)
            self._ips.add(ip)
            return ip
        return original(self, rng, dcid)

    monkeypatch.setattr(World, "new_ipv4", new_ipv4)
    return ip


@pytest.fixture
def ssh_listener(loopback_ip):
    """A real socket listening on loopback_ip:22 that accepts and closes connections."""
    sock = socket.socket()
    try:
        sock.bind((loopback_ip, 22))
    except PermissionError:
        sock.close()
        needs("permission to listen on port 22", False, "run the suite as root, as CI does")
    sock.listen(8)
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield accepted
    sock.close()


def test_a_listening_port_22_lets_the_create_succeed(op_ctx, drive, loopback_ip, ssh_listener):
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx), probe_ssh=True))

    assert op.status == Operation.Status.SUCCEEDED, op.error
    assert op.result["main_ip"] == loopback_ip
    assert op.result["ssh"] is True
    # The kernel completes the handshake from the listen backlog: the probe may be done before
    # the listener's thread has taken the connection off it.
    deadline = time.monotonic() + 30
    while not ssh_listener and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ssh_listener, "the probe never connected"


def test_a_closed_port_22_fails_after_the_time_limit(op_ctx, drive, loopback_ip, settings):
    settings.PANEL_OPERATION_SSH_PROBE_SECONDS = 2
    with socket.socket() as probe:  # nothing listens there: the port is closed
        assert probe.connect_ex((loopback_ip, 22)) != 0
    op = start.start_create_server(op_ctx, demo_order(op_ctx), probe_ssh=True)

    started = time.monotonic()
    while True:
        try:
            op = drive(op, limit=10)
            break
        except AssertionError:  # still waiting for port 22: real time must pass
            assert time.monotonic() - started < 60, "the operation never gave up"
            time.sleep(0.5)

    assert op.status == Operation.Status.FAILED
    assert op.result["main_ip"] == loopback_ip
    assert "nothing answered on port 22" in op.error and "within 2 s" in op.error
    assert time.monotonic() - started >= 2
