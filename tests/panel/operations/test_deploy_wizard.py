"""The deploy wizard's last step starts a create-server operation: the order goes out through
it (recorded first, reconciled by its tag), the answer shows the operation live, and a lost
answer keeps the order claimed so that it is never placed twice."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from panel.operations import polling
from panel.operations.models import Operation
from tests.panel.helpers import demo_order
from tests.panel.servers.test_deploy import Wizard

pytestmark = pytest.mark.django_db


@pytest.fixture
def wizard(members, login_as, stored_key):
    kwargs = {"team": members.team.slug, "key_id": stored_key.pk}
    urls = {
        "deploy": reverse("panel:deploy", kwargs=kwargs),
        "create": reverse("panel:deploy_create", kwargs=kwargs),
    }
    return Wizard(login_as(members.operator), urls)


def test_the_wizard_orders_through_an_operation_and_shows_it(wizard, members, stored_key, vultr):
    wizard.up_to_review(tag="web")
    response = wizard.create()

    op = Operation.objects.get()
    assert (op.kind, op.status, op.phase, op.confirmed) == (
        "create_server",
        "running",
        "waiting",
        True,
    )
    server = vultr.get("server/list", SUBID=op.target_id).json()
    # The operation's token tagged the server until its id was saved; then the user's tag.
    assert server["label"] == "web-04" and server["tag"] == "web"
    assert [s.name for s in op.steps.all()] == ["queued", "sent", "tagged"]
    done = wizard.client.get(response["Location"]).content.decode()
    loader = reverse("operations:server", args=[members.team.slug, stored_key.pk, op.target_id])
    assert f'hx-get="{loader}?panels=1"' in done
    panels = wizard.client.get(loader, {"panels": "1"}).content.decode()
    assert f'id="op-{op.pk}"' in panels and "Sent to Vultr: server" in panels
    assert 'hx-trigger="every 2s"' in panels

    # The workers' part: watched until ready.
    vultr.sim.advance(61)
    assert polling.poll_key(stored_key.pk).to_check == []
    op.refresh_from_db()
    assert op.status == "succeeded", op.error


def test_a_lost_answer_keeps_the_order_claimed(wizard, vultr, settings):
    settings.PANEL_VULTR_TIMEOUT = 1
    wizard.up_to_review()
    vultr.sim.inject_fault(count=1, delay=1.5, path="/v1/server/create", key=vultr.key)

    page = wizard.create().content.decode()
    assert "Vultr did not answer in time" in page and "looking for the server" in page
    op = Operation.objects.get()
    assert (op.status, op.phase, op.confirmed) == ("running", "waiting", False)

    time.sleep(0.7)  # Vultr made the server after all
    again = wizard.create().content.decode()
    assert "This order is being placed already" in again
    assert Operation.objects.count() == 1

    polling.poll_key(op.api_key_id)
    op.refresh_from_db()
    assert op.confirmed and op.target_id
    assert list(vultr.get("server/list", tag=op.token).json()) == [op.target_id]


def test_a_request_that_never_went_out_may_be_placed_again(wizard, vultr):
    wizard.up_to_review()
    vultr.sim.inject_fault(count=1, status=503, path="/v1/server/create", key=vultr.key)

    assert "rate limit was reached" in wizard.create().content.decode()
    assert Operation.objects.get().status == "cancelled"

    assert wizard.create().status_code == 302
    assert Operation.objects.filter(status="running").count() == 1


def test_the_database_lets_one_operation_take_an_order(op_ctx):
    # Two requests placing one order at once: the second cannot record it (the claim).
    from django.db import IntegrityError

    from panel.operations import start

    start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"), order_token="order-1")
    with pytest.raises(IntegrityError):
        start.start_create_server(
            op_ctx, demo_order(op_ctx, "1", "201", "387"), order_token="order-1"
        )
    start.start_create_server(op_ctx, demo_order(op_ctx, "1", "201", "387"), order_token="order-2")
    assert Operation.objects.filter(order_token__startswith="order-").count() == 2
