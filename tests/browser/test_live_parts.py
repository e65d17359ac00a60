"""Everything a page shows of a server's or a snapshot's state follows a running operation, in
real headless Chromium with a real Celery worker, without a reload: the snapshot row, the
server's header and facts, the card of a server just ordered; and nothing polls any more once
the operation has ended.

The page-side caches of Vultr's lists are kept long here (30 s): what the page shows after an
operation moved must come from Vultr's answer of that moment, not from a list of before.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from panel.budget.models import KeyBudget
from panel.operations import start
from panel.operations.models import Operation
from tests.fixtures.accounts import each_api_version
from tests.panel.helpers import Demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = 20_000  # ms: a poll of the worker, a poll of the page, a refresh


# Each page is followed with a v1 key and with a v2 key to the same simulated account.
api_version = each_api_version


@pytest.fixture(autouse=True)
def _live_settings(settings, monkeypatch, stored_key):
    settings.PANEL_CACHE_SECONDS = 30
    settings.PANEL_BADGE_MAX_SECONDS = 60
    settings.PANEL_VULTR_RETRIES = 0
    # The worker polls Vultr every 0.3 s; the page asks for news every second.
    KeyBudget.objects.create(api_key=stored_key, requests_per_second=100, poll_seconds=0.3)
    monkeypatch.setattr("panel.operations.views.LIST_SECONDS", 1)
    monkeypatch.setattr("panel.operations.views.PANEL_SECONDS", 1)


@pytest.fixture
def key_url(live_server, members, stored_key) -> str:
    return f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}"


def _nothing_polls(page: Page) -> None:
    """No part of the page asks for news on a timer any more (the header's notices aside)."""
    expect(page.locator("[hx-trigger*='every']:not(#op-notices)")).to_have_count(0, timeout=LONG)


def _wait_for(condition, page: Page, seconds: float = 20) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("the worker did not get there in time")


def test_a_snapshot_row_follows_its_operation(sign_in, members, vultr, key_url, celery_worker):
    demo = Demo(vultr)
    page = sign_in(members.operator)
    page.goto(f"{key_url}/snapshots/")
    page.get_by_label("Of the server").select_option(demo.id("web-01"))
    page.get_by_label("Description").fill("live-parts")
    page.get_by_role("button", name="Take a snapshot").click()

    row = page.locator("tr", has_text="live-parts")
    expect(row).to_contain_text("being taken", timeout=LONG)
    expect(row).to_contain_text("0.0 GB")

    vultr.sim.advance(vultr.sim.config()["provisioning_seconds"] + 1)

    expect(row.locator(".badge")).to_have_text("complete", timeout=LONG)
    expect(row).not_to_contain_text("0.0 GB")
    _nothing_polls(page)


def test_the_server_header_and_facts_follow_a_reinstall(
    sign_in, members, vultr, key_url, celery_worker, ctx_for
):
    server_id = Demo(vultr).id("web-01")
    page = sign_in(members.operator)
    op = start.start_reinstall_server(ctx_for(members.operator), server_id)
    page.goto(f"{key_url}/servers/{server_id}/")
    status = page.locator("dl.facts dt:text-is('Status') + dd")
    badge = page.locator(f"header.server-head #badge-{server_id}")
    expect(status).to_contain_text(re.compile("locked|installing or booting"), timeout=LONG)
    expect(badge).not_to_have_text("running")
    # The worker's poll has seen it busy too (else it would wait out the settling time).
    _wait_for(lambda: Operation.objects.get(pk=op.pk).seen_busy, page)

    vultr.sim.advance(vultr.sim.config()["provisioning_seconds"])

    expect(page.locator("#server-operations")).to_contain_text("Succeeded", timeout=LONG)
    expect(status).to_contain_text("ready", timeout=LONG)
    expect(badge).to_have_text("running")
    _nothing_polls(page)
    # Issue 13 item 1: the operations card the polls swapped in shows no template syntax.
    _no_template_syntax(page)


def test_the_card_of_a_server_just_ordered_follows_its_operation(
    sign_in, members, vultr, key_url, celery_worker, ctx_for
):
    from tests.panel.helpers import demo_order

    ctx = ctx_for(members.operator)
    page = sign_in(members.operator)
    op = start.start_create_server(ctx, demo_order(ctx, label="live-card"))
    # The wizard's last page, as the wizard shows it once the order has its server id.
    _wait_for(lambda: Operation.objects.get(pk=op.pk).target_id, page)
    op.refresh_from_db()
    page.goto(f"{key_url}/deploy/done/{op.target_id}/")
    card = page.locator("section.deployed")
    expect(card).to_contain_text("not assigned yet")

    vultr.sim.advance(vultr.sim.config()["provisioning_seconds"] + 1)

    expect(page.locator(".op-panel .op-status")).to_have_text("Succeeded", timeout=LONG)
    op.refresh_from_db()
    assert op.status == Operation.Status.SUCCEEDED
    expect(card).to_contain_text(op.result["main_ip"], timeout=LONG)
    expect(card).not_to_contain_text("not assigned yet")
    expect(card.locator(f"#badge-{op.target_id}")).to_have_text("running")
    _nothing_polls(page)


def test_power_is_off_while_a_reinstall_holds_the_server(
    sign_in, members, vultr, key_url, celery_worker
):
    server_id = Demo(vultr).id("web-01")
    page = sign_in(members.operator)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{key_url}/servers/{server_id}/settings/")
    page.locator("#form-reinstall input[name=confirm]").fill("web-01")
    page.get_by_role("button", name="Reinstall").click()

    reboot = page.get_by_role("button", name="Reboot")
    expect(page.locator(".server-hold")).to_contain_text(
        "Reinstall server is under way", timeout=LONG
    )
    expect(reboot).to_be_disabled()
    expect(page.get_by_role("button", name="Halt")).to_be_disabled()

    # A button switched back on by hand: the action layer refuses, naming the operation.
    page.evaluate("document.querySelector('[data-op=reboot]').disabled = false")
    reboot.click()
    expect(page.locator("#power-result")).to_contain_text(
        "Reinstall server is under way on web-01", timeout=LONG
    )

    op = Operation.objects.get(kind=Operation.Kind.REINSTALL_SERVER)
    _wait_for(lambda: Operation.objects.get(pk=op.pk).seen_busy, page)
    vultr.sim.advance(vultr.sim.config()["provisioning_seconds"])

    expect(page.locator(".server-hold")).to_have_count(0, timeout=LONG)
    expect(page.get_by_role("button", name="Reboot")).to_be_enabled()
    _nothing_polls(page)


def test_the_server_facts_follow_the_badge_after_a_reboot(
    sign_in, members, vultr, key_url, settings
):
    # A reboot is no long operation: the badge poller sees it end, and the facts follow.
    settings.PANEL_CACHE_SECONDS, settings.PANEL_BADGE_MAX_SECONDS = 1, 2
    server_id = Demo(vultr).id("web-01")
    page = sign_in(members.operator)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{key_url}/servers/{server_id}/")
    page.get_by_role("button", name="Reboot").click()
    status = page.locator("dl.facts dt:text-is('Status') + dd")
    badge = page.locator(f"header.server-head #badge-{server_id}")
    expect(status).to_contain_text("installing or booting", timeout=LONG)

    vultr.sim.advance(vultr.sim.config()["provisioning_seconds"] / 6 + 1)

    expect(badge).to_have_text("running", timeout=LONG)
    expect(status).to_contain_text("ready", timeout=LONG)


def _no_template_syntax(page) -> None:
    """No text of the page as Chromium shows it is Django template syntax."""
    text = page.locator("body").inner_text()
    for syntax in ("{#", "#}", "{%", "%}"):
        assert syntax not in text, f"{syntax!r} shown on {page.url}"
