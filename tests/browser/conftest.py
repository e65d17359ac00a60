"""Shared by the browser tests: cookies over plain http, and signing in through the form."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.accounts import PASSWORD
from tests.fixtures.browser import WATCH_CSP


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    # Plain http on localhost: cookies cannot be Secure-only here.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def quick_pages(settings):
    """Badges poll (and lists expire) every second, so that tests need not wait long; a failed
    request to Vultr is not tried again."""
    settings.PANEL_CACHE_SECONDS = 1
    settings.PANEL_BADGE_MAX_SECONDS = 2
    settings.PANEL_VULTR_RETRIES = 0


@pytest.fixture
def servers_url(live_server, members, stored_key) -> str:
    """The address of the servers page of the team's `stored_key`."""
    return f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/servers/"


@pytest.fixture
def sign_in(live_server, page: Page):
    """sign_in(user): the page, signed in through the login form, with what the page's CSP
    blocks collected in `window.__cspViolations`."""

    def go(user) -> Page:
        page.add_init_script(WATCH_CSP)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile("/accounts/login/"))
        return page

    return go
