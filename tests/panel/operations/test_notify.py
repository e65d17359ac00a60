"""When an operation ends: a notice to the actor, and the team's email addresses and webhooks
for ready servers and failed operations, webhooks retried with backoff, logged, and never sent
into the panel's own network."""

from __future__ import annotations

import hashlib
import hmac
import json
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

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

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


def test_webhooks_give_up_after_their_last_attempt(op_ctx, members, loopback_allowed):
    receiver = Receiver(*[500] * notify.MAX_ATTEMPTS)
    try:
        AlertTarget.objects.create(team=members.team, channel="webhook", address=receiver.url)
        op = start.start_reinstall_server(op_ctx, "1")
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
    op_ctx, members, receiver, settings
):
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = False
    # Saved while allowed (or resolved elsewhere then); refused at delivery, nothing sent.
    AlertTarget.objects.create(team=members.team, channel="webhook", address=receiver.url)
    op = start.start_reinstall_server(op_ctx, "1")
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
    ],
)
def test_non_public_addresses_are_refused(address):
    assert notify.refused_address(address)


def test_public_addresses_are_allowed():
    assert not notify.refused_address("45.77.1.2")
    assert not notify.refused_address("2001:19f0::1")


def test_only_http_urls(settings):
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = True
    for url in ["ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/", "x"]:
        with pytest.raises(ValidationError):
            notify.check_webhook_url(url)
    notify.check_webhook_url("http://127.0.0.1:9/hook")
