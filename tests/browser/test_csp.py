"""The Content-Security-Policy in real headless Chromium: the key pages load, and htmx swaps
parts of them, without the browser blocking anything (no CSP violation event, no console
error about the policy)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.accounts import PASSWORD
from tests.fixtures.browser import WATCH_CSP
from tests.panel.helpers import Demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    settings.PANEL_VULTR_RETRIES = 0


@pytest.fixture
def watched(page: Page):
    """The page, with CSP violations and console errors collected."""
    console: list[str] = []
    page.add_init_script(WATCH_CSP)

    def on_console(message) -> None:
        # Browsers ask for /favicon.ico by themselves; the panel has none (404), harmlessly.
        if message.type == "error" and "favicon.ico" not in message.location.get("url", ""):
            console.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.append(str(error)))
    page.console_errors = console  # type: ignore[attr-defined]
    return page


def _assert_clean(page: Page, where: str) -> None:
    assert page.evaluate("window.__cspViolations") == [], where
    blocked = [m for m in page.console_errors if "Content Security Policy" in m]  # type: ignore[attr-defined]
    assert blocked == [], where
    assert page.console_errors == [], where  # type: ignore[attr-defined]


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_key_pages_load_without_csp_violations(watched, live_server, members, stored_key, vultr):
    page = watched
    server = Demo(vultr).id("web-01")
    team = f"{live_server.url}/t/{members.team.slug}/"
    key = f"{team}k/{stored_key.pk}/"

    page.goto(f"{live_server.url}/accounts/login/")
    _assert_clean(page, "login")
    page.get_by_label("Username").fill(members.owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))

    for url in [
        team,
        f"{team}members/",
        f"{team}dashboard/",
        f"{key}servers/",
        f"{key}servers/{server}/",
        f"{key}servers/{server}/ipv4/",
        f"{key}servers/{server}/bandwidth/",  # the server-drawn SVG chart
        f"{key}servers/{server}/settings/",
        f"{key}deploy/",
        f"{key}snapshots/",
        f"{key}ssh-keys/",
        f"{key}scripts/",
        f"{key}catalog/",
        f"{key}billing/",
        f"{live_server.url}/accounts/",
        f"{live_server.url}/accounts/2fa/setup/",  # the server-drawn QR code
    ]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
        _assert_clean(page, url)


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_htmx_swaps_and_our_script_run_under_the_policy(
    watched, live_server, members, stored_key, vultr
):
    page = watched
    server = Demo(vultr).id("mail")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(members.owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/servers/{server}/")

    # htmx (from its static file) swaps the tab in and pushes the URL...
    page.get_by_role("navigation", name="Server").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile("/settings/$"))
    # ...and static/js/panel.js enables the destroy button once the label is typed.
    form = page.locator("#form-destroy")
    button = form.get_by_role("button", name="Destroy this server")
    expect(button).to_be_disabled()
    form.get_by_label("Type “mail” to confirm").fill("mail")
    expect(button).to_be_enabled()

    _assert_clean(page, "server settings after an htmx swap")
