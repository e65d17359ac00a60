"""The audit page in real headless Chromium: filters swap the results in place (htmx) and keep
the address, pages go older and back, an entry opens with its request, and a phone-width
screen still reads."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from panel.audit.models import AuditEntry
from tests.fixtures.accounts import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("AUDIT_SCREENSHOTS")  # a folder: save screenshots there to look at


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def signed_in(live_server, page: Page, members, write):
    for n in range(60):
        write(
            "reboot_server" if n % 3 else "destroy_server",
            outcome=AuditEntry.Outcome.FAILED if n % 10 == 0 else AuditEntry.Outcome.SUCCEEDED,
            error="Unable to destroy server: too young" if n % 10 == 0 else "",
            request_id=f"req-{n // 2:04d}",
            params={"n": n},
        )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(members.auditor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/t/{members.team.slug}/audit/")
    return page


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def rows(page: Page):
    return page.locator("table.audit-entries tbody tr")


def test_filter_page_and_open_an_entry(signed_in: Page, members):
    page = signed_in
    expect(rows(page)).to_have_count(50)
    expect(page.locator("code.audit-hash")).to_be_visible()
    shot(page, "log")

    page.get_by_label("Action").select_option("destroy_server")
    page.get_by_role("button", name="Show").click()
    expect(rows(page)).to_have_count(20)
    expect(page).to_have_url(re.compile(r"action=destroy_server"))

    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Show").click()
    expect(rows(page)).to_have_count(2)  # n = 0 and 30
    shot(page, "filtered")

    page.get_by_role("link", name="Clear").click()
    page.get_by_role("link", name="Older →").click()
    expect(rows(page)).to_have_count(10)
    page.get_by_role("link", name="← Newer").click()
    expect(rows(page)).to_have_count(50)

    rows(page).first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Everything request")).to_be_visible()
    expect(page.locator("tr.audit-current")).to_have_count(1)
    shot(page, "entry")


def test_a_phone_width_screen(signed_in: Page):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()

    expect(rows(page).first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "phone")
