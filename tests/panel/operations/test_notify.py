"""When an operation ends: a notice to the actor, and the team's email addresses and webhooks
for ready servers and failed operations, webhooks retried with backoff, logged, and never sent
into the panel's own network."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from panel.operations import notify, runner, start
from panel.operations.models import AlertDelivery, AlertTarget, Notice, Operation
from tests.panel.helpers import demo_order

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook receiver on loopback that answers with the given statuses in turn."""

    def __init__(
        self, *statuses: int, host: str = "127.0.0.1", port: int = 0, body: bytes = b""
    ) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    found = Receiver(500, 200)
    yield found
    found.close()


@pytest.fixture
def loopback_allowed(settings):
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = True
    any_port(settings)


def any_port(settings):
    # The receivers listen on a free port, not 80 or 443.
    settings.PANEL_WEBHOOK_PORTS = range(1, 65536)


def test_the_actor_gets_a_notice_when_a_server_is_ready(op_ctx, drive, members):
    op = drive(
        start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387", label="web-9"))
    )
    notice = Notice.objects.get()
    assert notice.user == members.operator and notice.operation == op
    assert notice.level == "success"
    assert notice.text == f"Server web-9 is ready at {op.result['main_ip']}."


def test_the_team_is_emailed_when_a_server_is_ready(op_ctx, drive, members):
    AlertTarget.objects.create(team=members.team, channel="email", address="ops@example.com")
    op = drive(
        start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387", label="web-9"))
    )
    delivery = AlertDelivery.objects.get()
    assert (delivery.operation, delivery.event) == (op, "ready")

    assert notify.deliver(delivery.pk) is None
    (message,) = mail.outbox
    assert message.to == ["ops@example.com"] and "web-9 is ready" in message.subject
    assert op.result["main_ip"] in message.body
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1


def test_a_webhook_gets_the_operation_and_the_servers_ip_retried_until_it_answers(
    op_ctx, drive, members, receiver, loopback_allowed
):
    target = AlertTarget.objects.create(
        team=members.team, channel="webhook", address=receiver.url, on_ready=True
    )
    op = drive(
        start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387", label="web-9"))
    )
    delivery = AlertDelivery.objects.get()

    delay = notify.deliver(delivery.pk)  # the receiver answers 500
    assert delay is not None and 15 <= delay <= 30
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.log[0]["status"] == 500
    assert notify.deliver(delivery.pk) is None  # then 200
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and [e["status"] for e in delivery.log] == [500, 200]

    headers, body = receiver.received[-1]
    payload = json.loads(body)
    assert payload["event"] == "ready"
    assert payload["operation"]["id"] == op.pk and payload["operation"]["status"] == "succeeded"
    assert payload["server"] == {
        "id": op.target_id,
        "label": "web-9",
        "main_ip": op.result["main_ip"],
    }
    expected = hmac.new(target.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Panel-Signature"] == f"sha256={expected}"


def test_webhooks_give_up_after_their_last_attempt(op_ctx, server_id, members, loopback_allowed):
    receiver = Receiver(*[500] * notify.MAX_ATTEMPTS)
    try:
        AlertTarget.objects.create(team=members.team, channel="webhook", address=receiver.url)
        op = start.start_reinstall_server(op_ctx, server_id("web-01"))
        runner.fail(Operation.objects.get(pk=op.pk), "Vultr refused: no")
        delivery = AlertDelivery.objects.get()
        assert delivery.event == "failed"
        for _ in range(notify.MAX_ATTEMPTS):
            last = notify.deliver(delivery.pk)
        assert last is None
        delivery.refresh_from_db()
        assert delivery.status == "failed" and delivery.attempts == notify.MAX_ATTEMPTS
    finally:
        receiver.close()


def test_only_the_events_a_target_wants(op_ctx, drive, members):
    AlertTarget.objects.create(
        team=members.team, channel="email", address="a@example.com", on_ready=False
    )
    drive(start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387")))
    assert not AlertDelivery.objects.exists()


def test_a_webhook_into_the_panels_network_is_refused_when_delivered(
    op_ctx, server_id, members, receiver, settings
):
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = False
    any_port(settings)
    # Saved while allowed (or resolved elsewhere then); refused at delivery, nothing sent.
    AlertTarget.objects.create(team=members.team, channel="webhook", address=receiver.url)
    op = start.start_reinstall_server(op_ctx, server_id("web-01"))
    runner.fail(Operation.objects.get(pk=op.pk), "no")
    delivery = AlertDelivery.objects.get()
    assert notify.deliver(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "not a public address" in delivery.log[0]["error"]
    assert receiver.received == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        # NAT64 (RFC 6052) and 6to4 forms of loopback, the metadata service, a private network
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::a01:203",
        "2002:7f00:1::1",
        "2002:a9fe:a9fe::1",
        "2002:c0a8:101::",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert notify.refused_address(address)


def test_public_addresses_are_allowed():
    assert not notify.refused_address("45.77.1.2")
    assert not notify.refused_address("2001:19f0::1")
    # NAT64 and 6to4 forms of a public address are public too.
    assert not notify.refused_address("64:ff9b::2d4d:102")
    assert not notify.refused_address("2002:2d4d:102::1")


def test_only_http_urls(settings):
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = True
    for url in ["ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/", "x"]:
        with pytest.raises(ValidationError):
            notify.check_webhook_url(url)
    notify.check_webhook_url("http://127.0.0.1/hook")
    notify.check_webhook_url("https://127.0.0.1:443/hook")


def test_only_web_ports_unless_configured(settings):
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = True
    for url in ["http://127.0.0.1:6379/", "https://127.0.0.1:25/", "http://127.0.0.1:8080/"]:
        with pytest.raises(ValidationError, match="port 80, 443 only"):
            notify.check_webhook_url(url)
    with pytest.raises(ValidationError, match="port"):
        notify.check_webhook_url("http://127.0.0.1:99999/")
    settings.PANEL_WEBHOOK_PORTS = [80, 443, 8080]
    notify.check_webhook_url("http://127.0.0.1:8080/")


def test_a_webhook_goes_to_the_address_that_was_checked(
    op_ctx, server_id, members, settings, monkeypatch
):
    """DNS rebinding: the name resolves to an allowed address when checked and to an inner one
    afterwards; the request must still go to the checked address, naming the host."""
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = False
    checked = Receiver()
    inner = Receiver(host="127.0.0.2", port=checked.port)
    any_port(settings)
    # Here 127.0.0.1 plays a public address and 127.0.0.2 the panel's own network.
    real_refused = notify.refused_address
    monkeypatch.setattr(
        notify,
        "refused_address",
        lambda ip: ip == "127.0.0.2" or (real_refused(ip) and not ip.startswith("127.")),
    )
    answers = iter(["127.0.0.1"])
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_dns(host, port, *args, **kwargs):
        if host != "hook.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        ip = next(answers, "127.0.0.2")  # the first answer, then the rebound one
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    try:
        AlertTarget.objects.create(
            team=members.team, channel="webhook", address=f"http://hook.example:{checked.port}/h"
        )
        op = start.start_reinstall_server(op_ctx, server_id("web-01"))
        runner.fail(Operation.objects.get(pk=op.pk), "no")
        delivery = AlertDelivery.objects.get()
        assert notify.deliver(delivery.pk) is None
        delivery.refresh_from_db()
        assert delivery.status == "delivered", delivery.log
        assert inner.received == []
        ((headers, _body),) = checked.received
        assert headers["Host"] == f"hook.example:{checked.port}"
    finally:
        checked.close()
        inner.close()


def test_a_refused_webhook_shows_its_status_never_its_body(
    op_ctx, server_id, members, loopback_allowed
):
    receiver = Receiver(500, body=b"<h1>Internal admin</h1> db_password=hunter2")
    try:
        AlertTarget.objects.create(team=members.team, channel="webhook", address=receiver.url)
        op = start.start_reinstall_server(op_ctx, server_id("web-01"))
        runner.fail(Operation.objects.get(pk=op.pk), "no")
        delivery = AlertDelivery.objects.get()
        notify.deliver(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.log[0]["status"] == 500
        assert delivery.log[0]["error"] == "HTTP 500"
    finally:
        receiver.close()
