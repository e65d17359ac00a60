"""A server's web console and root password in real Chromium: the owner reveals the password
(hidden again by itself) and opens the console in a new tab, each on the audit log; a viewer
finds neither."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from panel.audit.models import AuditEntry
from panel.servers.views import console
from tests.fixtures.accounts import each_api_version

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quick_pages"),
]

api_version = each_api_version


# v1 lists the root password; v2 gives it only when the panel orders the server.
@pytest.mark.parametrize("api_version", ["v1"])
def test_the_owner_reveals_the_password_and_it_hides_again(
    sign_in, members, servers_url, demo, api_version, monkeypatch
):
    monkeypatch.setattr(console, "HIDE_AFTER_SECONDS", 2)
    password = demo.server("web-01")["default_password"]
    page = sign_in(members.owner)
    page.goto(f"{servers_url}{demo.id('web-01')}/")

    page.get_by_role("button", name="Reveal root password").click()

    expect(page.get_by_test_id("root-password")).to_have_text(password)
    entry = AuditEntry.objects.get(action="reveal_root_password")
    assert (entry.outcome, entry.actor) == ("succeeded", members.owner)
    assert password not in str(entry.params)
    # Hidden again by itself, the button back in its place.
    expect(page.get_by_test_id("root-password")).to_have_count(0, timeout=6000)
    expect(page.get_by_role("button", name="Reveal root password")).to_be_visible()
    assert password not in page.content()


def test_v2_servers_say_the_password_is_not_available(
    sign_in, members, servers_url, demo, api_version
):
    page = sign_in(members.admin)
    page.goto(f"{servers_url}{demo.id('web-01')}/")

    page.get_by_role("button", name="Reveal root password").click()

    if api_version == "v2":
        expect(page.locator("#root-password [role=alert]")).to_contain_text(
            "not available through the API"
        )
    else:
        expect(page.get_by_test_id("root-password")).to_be_visible()


def test_the_console_opens_in_a_new_tab_and_is_audited(
    sign_in, members, servers_url, demo, api_version, page: Page
):
    # Vultr's console page itself is not part of the test: answer it locally.
    page.context.route("https://my.vultr.com/**", lambda route: route.fulfill(body="Vultr console"))
    sign_in(members.owner)
    page.goto(f"{servers_url}{demo.id('web-01')}/")

    with page.expect_popup() as opened:
        page.get_by_role("button", name="Open web console").click()

    tab = opened.value
    # The new tab moves on from the panel's page to Vultr's console by itself.
    tab.wait_for_url("https://my.vultr.com/subs/**")
    expect(tab.locator("body")).to_have_text("Vultr console")
    entry = AuditEntry.objects.get(action="open_console")
    assert (entry.outcome, entry.target_id) == ("succeeded", demo.id("web-01"))


def test_a_viewer_finds_neither(sign_in, members, servers_url, demo, api_version):
    page = sign_in(members.viewer)
    page.goto(f"{servers_url}{demo.id('web-01')}/")

    expect(page.get_by_role("heading", name="Overview")).to_have_count(1)
    expect(page.get_by_role("button", name="Reveal root password")).to_have_count(0)
    expect(page.get_by_role("button", name="Open web console")).to_have_count(0)
    expect(page.locator("#console-access")).to_have_count(0)
