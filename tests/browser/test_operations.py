"""Creating a server and waiting for it, in real headless Chromium (Debian's, driven by
Playwright) with a real Celery worker: the operation's page shows the live panel, the person
leaves the page while the server is built, comes back, and finds the whole timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from panel.budget.models import KeyBudget
from panel.operations import start
from panel.vultr.domain import NewServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_follow_a_create_leave_come_back_and_see_the_timeline(
    live_server, page: Page, sign_in, celery_worker, members, stored_key, vultr, ctx_for
):
    KeyBudget.objects.create(api_key=stored_key, requests_per_second=100, poll_seconds=0.3)
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    sign_in(members.operator)

    # Started as the deploy wizard starts it (panel/operations/start.py), queued for the worker.
    op = start.start_create_server(
        ctx_for(members.operator), NewServer("1", "201", "387", label="browser-made")
    )

    # The operation's address shows its live panel.
    page.goto(f"{live_server.url}/t/{members.team.slug}/operations/{op.pk}/")
    panel = page.locator("section.op-panel")
    expect(panel).to_contain_text("Create server · browser-made")
    operation_url = page.url
    expect(panel.locator(".op-timeline")).to_contain_text("Sent to Vultr", timeout=15_000)

    # Leave while Vultr builds the server (60 simulated seconds, moved on at once).
    page.get_by_role("link", name="Operations").first.click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    vultr.sim.advance(61)

    # Come back: the timeline is complete, and the panel has stopped asking for news.
    page.goto(operation_url)
    panel = page.locator("section.op-panel")
    expect(panel.locator(".op-status")).to_have_text("Succeeded", timeout=20_000)
    timeline = panel.locator(".op-timeline")
    for step in ["Queued by oscar", "Sent to Vultr", "Ready: active, power on, set up", "Done"]:
        expect(timeline).to_contain_text(step)
    op.refresh_from_db()
    expect(panel).to_contain_text(op.result["main_ip"])
    expect(panel).not_to_have_attribute("hx-trigger", re.compile("every"))
    expect(panel.locator("progress")).to_have_attribute("value", "100")
    # The notice in the header says so too.
    expect(page.locator("#op-notices")).to_contain_text("Server browser-made is ready")
    assert page.evaluate("window.__cspViolations") == []
    assert page_errors == []


def test_notices_collapse_and_keep_a_gap_before_the_breadcrumb(
    live_server, page: Page, sign_in, members, stored_key, server_id
):
    from datetime import timedelta

    from django.utils import timezone

    from panel.operations.models import Notice

    now = timezone.now()
    for n in range(1, 6):
        Notice.objects.create(
            user=members.operator,
            team=members.team,
            text=f"Server web-{n} is ready",
            created_at=now - timedelta(minutes=10 - n),
        )
    sign_in(members.operator)

    page.goto(
        f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/servers/{server_id('web-01')}/"
    )

    notices = page.locator("#op-notices")
    expect(notices).to_contain_text("Server web-5 is ready")
    expect(notices.locator(".op-notice")).to_have_count(3)  # two in full, one line for the rest
    older = notices.get_by_role("link", name=re.compile("3 older notices"))
    expect(older).to_have_attribute("href", f"/t/{members.team.slug}/operations/")
    last = notices.locator(".op-notice").last.bounding_box()
    crumbs = page.locator(".crumbs").first.bounding_box()
    assert last and crumbs
    assert crumbs["y"] - (last["y"] + last["height"]) >= 12  # a visible gap

    notices.get_by_role("button", name="Dismiss all").click()
    expect(notices).to_be_hidden()
    assert page.evaluate("window.__cspViolations") == []
