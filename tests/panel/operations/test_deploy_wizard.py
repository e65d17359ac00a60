"""The deploy wizard's last step starts a create-server operation: the order goes out through
it (recorded first, reconciled by its tag), the answer shows the operation live, and a lost
answer keeps the order claimed so that it is never placed twice. With a v1 and a v2 key."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from panel.operations import polling
from panel.operations.models import Operation
from tests.panel.helpers import V2_PLANS, V2_REGIONS, Demo, demo_order
from tests.panel.servers.test_deploy import NEW_JERSEY, PLAN_1GB, UBUNTU_20, Wizard

pytestmark = pytest.mark.django_db

# The create request as each API version sends it, for the fault control (v2 reference §2).
CREATE = {"v1": {"path": "/v1/server/create"}, "v2": {"path": "/v2/instances", "method": "POST"}}


class KeyWizard(Wizard):
    """The wizard with the ids and fields of the key's API version (v2: region and plan codes,
    a list of tags)."""

    def __init__(self, client, urls, api_version):
        super().__init__(client, urls)
        self.api_version = api_version

    def up_to_review(self, image=f"os:{UBUNTU_20}", **options):
        region, plan = NEW_JERSEY, PLAN_1GB
        if self.api_version == "v2":
            region, plan = V2_REGIONS[region], V2_PLANS[plan]
            if "tag" in options:  # v2's form takes a list of tags instead of one
                options["tags"] = options.pop("tag")
        self.start()
        self.answer("region", region=region)
        self.answer("plan", plan=plan)
        self.answer("image", image=image)
        return self.answer("options", **{"label": "web-04", **options})


@pytest.fixture
def wizard(members, login_as, stored_key):
    kwargs = {"team": members.team.slug, "key_id": stored_key.pk}
    urls = {
        "deploy": reverse("panel:deploy", kwargs=kwargs),
        "create": reverse("panel:deploy_create", kwargs=kwargs),
    }
    return KeyWizard(login_as(members.operator), urls, stored_key.api_version)


def tags_of(vultr, server_id: str) -> list[str]:
    """The server's tags as the key's API version shows them (v1 has one `tag`)."""
    if vultr.api_version == "v2":
        return vultr.v2("GET", f"instances/{server_id}").json()["instance"]["tags"]
    return [vultr.get("server/list", SUBID=server_id).json()["tag"]]


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
    # The operation's token tagged the server until its id was saved; then the user's tag.
    assert Demo(vultr).server(op.target_id)["label"] == "web-04"
    assert tags_of(vultr, op.target_id) == ["web"]
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
    vultr.sim.inject_fault(count=1, delay=1.5, key=vultr.key, **CREATE[vultr.api_version])

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
    # Exactly one server was made, the one found by the operation's tag.
    assert [s for s in Demo(vultr).servers().values() if s["label"] == "web-04"] == [
        Demo(vultr).server(op.target_id)
    ]


def test_a_request_that_never_went_out_may_be_placed_again(wizard, vultr):
    wizard.up_to_review()
    # Vultr's rate limit, which answers before doing anything: v1's 503, v2's 429.
    rate_limited = {"v1": {"status": 503}, "v2": {"kind": "rate_limit", "retry_after": 0}}
    vultr.sim.inject_fault(
        count=1, key=vultr.key, **CREATE[vultr.api_version], **rate_limited[vultr.api_version]
    )

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
