"""The server pages in real headless Chromium (Debian's, driven by Playwright) against the live
simulator: sign in, badges that change by themselves, reboot with confirmation, destroy with a
typed label, a viewer without buttons, and a phone-width screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.accounts import each_api_version

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quick_pages"),
]

# Each page is walked with a v1 key and with a v2 key (UUIDs in the URLs).
api_version = each_api_version


def _badge(page: Page, subid: str):
    return page.locator(f"#badge-{subid}")


def _no_then_yes(page: Page) -> list[str]:
    """The questions the page asks from now on (confirm dialogs), in order: the first one is
    answered no, every later one yes."""
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    return questions


def test_a_member_signs_in_and_finds_the_servers(sign_in, live_server, members, stored_key):
    page = sign_in(members.operator)
    page.goto(f"{live_server.url}/t/{members.team.slug}/")

    page.get_by_role("navigation", name=members.team.name).get_by_role(
        "link", name="Servers"
    ).click()

    expect(page.locator("table.servers tbody tr")).to_have_count(13)
    page.get_by_label("Search").fill("web")
    expect(page.locator("table.servers tbody tr")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"\?q=web"))


def test_a_badge_changes_when_the_server_finishes_installing(sign_in, members, servers_url, demo):
    pending = demo.id("web-03")
    page = sign_in(members.viewer)
    page.goto(servers_url)
    expect(_badge(page, pending)).to_have_text("installing")

    demo.vultr.sim.advance(demo.vultr.sim.config()["provisioning_seconds"] + 1)

    expect(_badge(page, pending)).to_have_text("running", timeout=15_000)


# The list's HTMX does not depend on the key's API version: walked once.
@pytest.mark.parametrize("api_version", ["v2"])
def test_searching_sorting_and_paging_keep_one_results_card(
    sign_in, members, servers_url, monkeypatch
):
    monkeypatch.setattr("panel.servers.views.servers.PAGE_SIZE", 2)
    page = sign_in(members.viewer)
    page.goto(servers_url)
    results = page.locator("[id=results]")
    rows = page.locator("table.servers tbody tr")
    expect(results).to_have_count(1)

    page.get_by_label("Search").fill("web")  # web-01, web-02, web-03: two pages
    expect(page.locator(".pagination")).to_contain_text("Page 1 of 2")
    expect(results).to_have_count(1)

    page.locator("th a").first.click()  # by label, the other way round from the default
    expect(page.locator("th a").first).to_contain_text("▼")
    expect(results).to_have_count(1)
    expect(rows.first).to_contain_text("web-03")

    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")
    expect(results).to_have_count(1)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("web-01")

    page.get_by_label("Status").select_option("active")  # web-03 is still installing
    expect(page.locator(".pagination")).to_have_count(0)
    expect(results).to_have_count(1)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("web-02")  # the sort outlives the filter


def test_reboot_asks_first_then_reboots(sign_in, members, servers_url, demo):
    subid = demo.id("web-01")
    page = sign_in(members.operator)
    page.goto(f"{servers_url}{subid}/")
    questions = _no_then_yes(page)

    page.get_by_role("button", name="Reboot").click()  # dismissed: nothing happens
    page.wait_for_timeout(300)
    assert demo.server(subid)["server_state"] == "ok"

    page.get_by_role("button", name="Reboot").click()  # accepted
    expect(page.get_by_text("web-01: rebooting.")).to_be_visible()
    assert questions[0].startswith("Reboot web-01 now?")
    assert demo.server(subid)["server_state"] == "installingbooting"
    expect(_badge(page, subid)).to_have_text(re.compile("booting|running"))


def test_adding_an_address_reboots_only_when_asked_and_confirmed(
    sign_in, members, servers_url, demo
):
    subid = demo.id("cache-01")
    page = sign_in(members.operator)
    page.goto(f"{servers_url}{subid}/ipv4/")
    questions = _no_then_yes(page)
    form = page.locator("#form-addipv4")
    reboot = form.get_by_label("Reboot the server now")
    expect(reboot).not_to_be_checked()

    # Unticked: added at once, no question, no reboot.
    form.get_by_role("button", name="Add an address").click()
    expect(page.get_by_text(re.compile(r"Vultr added .* to cache-01"))).to_be_visible()
    assert questions == []
    assert len(demo.ipv4("cache-01")) == 2
    assert demo.server(subid)["server_state"] == "ok"

    # Ticked: asked as the Reboot button asks; dismissed, nothing is sent.
    form = page.locator("#form-addipv4")
    form.get_by_label("Reboot the server now").check()
    form.get_by_role("button", name="Add an address").click()
    page.wait_for_timeout(300)
    assert questions == ["Reboot cache-01 now? It is a hard reset."]
    assert len(demo.ipv4("cache-01")) == 2

    # Accepted: the address is added and the server reboots.
    form.get_by_role("button", name="Add an address").click()
    expect(page.locator("#form-addipv4 input[name=reboot]")).not_to_be_checked()
    assert len(questions) == 2
    assert len(demo.ipv4("cache-01")) == 3
    assert demo.server(subid)["server_state"] == "installingbooting"


def test_destroy_needs_the_label_typed(sign_in, members, servers_url, demo):
    subid = demo.id("mail")
    page = sign_in(members.owner)
    page.goto(f"{servers_url}{subid}/")
    page.get_by_role("navigation", name="Server").get_by_role("link", name="Settings").click()

    form = page.locator("#form-destroy")
    button = form.get_by_role("button", name="Destroy this server")
    expect(form).to_contain_text("are gone for good")
    expect(button).to_be_disabled()
    form.get_by_label("Type “mail” to confirm").fill("mai")
    expect(button).to_be_disabled()
    form.get_by_label("Type “mail” to confirm").fill("mail")
    expect(button).to_be_enabled()
    button.click()

    expect(page.get_by_text("mail is destroyed.")).to_be_visible()
    expect(page).to_have_url(servers_url)
    expect(page.locator("table.servers tbody tr")).to_have_count(12)
    assert demo.server(subid) is None


# v1's rule only: v2 has no 5-minute minimum age for a destroy (it refuses while locked).
@pytest.mark.parametrize("api_version", ["v1"])
def test_destroy_waits_for_vultrs_first_five_minutes(
    sign_in, members, servers_url, demo, api_version, page: Page
):
    young = demo.vultr.create_active_server(label="young")
    created = datetime.strptime(demo.server(young)["date_created"], "%Y-%m-%d %H:%M:%S")
    page.clock.install()
    sign_in(members.owner)
    before = datetime.now(UTC).replace(tzinfo=None)
    page.goto(f"{servers_url}{young}/settings/")
    after = datetime.now(UTC).replace(tzinfo=None)
    # Five minutes from the creation, or from now when the simulator's clock runs ahead of ours
    # (it has skipped install times): never a wait longer than Vultr's.
    possible = "|".join(
        {
            (min(created, moment) + timedelta(minutes=5)).strftime("%H:%M")
            for moment in (before, after)
        }
    )

    form = page.locator("#form-destroy")
    button = form.get_by_role("button", name="Destroy this server")
    expect(form.locator(".wait-note")).to_contain_text(
        re.compile(rf"destroying young is possible from ({possible}) UTC, in \d+ minutes?\.")
    )
    form.get_by_label("Type “young” to confirm").fill("young")
    expect(button).to_be_disabled()  # typed, but Vultr would refuse

    # When the moment comes the page lets go by itself, without a reload.
    seconds = int(button.get_attribute("data-wait-seconds"))
    page.clock.run_for(seconds * 1000 + 1000)
    expect(button).to_be_enabled()
    expect(form.locator(".wait-note")).to_have_count(0)


def test_a_viewer_finds_no_action_buttons(sign_in, members, servers_url, demo):
    page = sign_in(members.viewer)
    page.goto(servers_url)

    expect(page.locator("table.servers tbody tr")).to_have_count(13)
    expect(page.locator("input[name=server]")).to_have_count(0)
    expect(page.locator("main button[name=op]")).to_have_count(0)

    page.get_by_role("link", name="web-01").click()
    expect(page.get_by_role("heading", name=re.compile("web-01"))).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    server_tabs = page.get_by_role("navigation", name="Server")
    expect(server_tabs.get_by_role("link", name="Settings")).to_have_count(0)
    server_tabs.get_by_role("link", name="IPv4").click()
    expect(page.locator("main table")).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_role("link", name="Remove…")).to_have_count(0)


def test_bulk_halt_reports_each_server(sign_in, members, servers_url, demo):
    page = sign_in(members.operator)
    page.goto(servers_url)
    page.on("dialog", lambda dialog: dialog.accept())

    page.get_by_label("Select web-01").check()
    page.get_by_label("Select web-02").check()
    page.get_by_role("button", name="Halt").click()

    results = page.locator("#bulk-results")
    expect(results).to_contain_text("web-01: done halted")
    expect(results).to_contain_text("web-02: done halted")
    expect(_badge(page, demo.id("web-01"))).to_have_text("stopped", timeout=10_000)


def test_the_pages_fit_a_phone(sign_in, members, servers_url, demo, page: Page):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(members.owner)

    for url in [
        servers_url,
        f"{servers_url}{demo.id('web-01')}/",
        f"{servers_url}{demo.id('web-01')}/ipv4/",
        f"{servers_url}{demo.id('web-01')}/bandwidth/",
        f"{servers_url}{demo.id('web-01')}/settings/",
    ]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (url, overflow)


def test_no_content_security_policy_violations(sign_in, members, servers_url, demo, page: Page):
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(members.owner)

    page.goto(servers_url)
    page.goto(f"{servers_url}{demo.id('web-01')}/bandwidth/")
    page.get_by_role("navigation", name="Server").get_by_role("link", name="Settings").click()
    expect(page.locator("#form-destroy")).to_be_visible()

    assert violations == []


LONG = "x" * 255  # Vultr's longest label, and no space to break it at


@pytest.mark.parametrize("width", [1280, 375])
def test_long_names_fit_the_page(sign_in, members, servers_url, demo, page: Page, width):
    subid = demo.id("web-01")
    v1 = demo.v1_id("web-01")
    demo.vultr.post("server/label_set", SUBID=v1, label=LONG)
    demo.vultr.post("server/tag_set", SUBID=v1, tag="t" * 255)
    demo.vultr.post("startupscript/create", name="s" * 255, script="#!/bin/sh\necho hi\n")
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(members.owner)
    key_url = servers_url.removesuffix("servers/")

    for url in [
        servers_url,
        f"{servers_url}{subid}/",
        f"{servers_url}{subid}/ipv4/",
        f"{servers_url}{subid}/images/",
        f"{servers_url}{subid}/settings/",
        f"{key_url}snapshots/",
        f"{key_url}scripts/",
        f"{key_url.split('/k/')[0]}/dashboard/",
    ]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (url, width, overflow)

    # Cut names keep their whole text on hover.
    page.goto(servers_url)
    assert page.locator(f'[title="{LONG}"]').count() >= 1
    page.goto(f"{servers_url}{subid}/")
    assert page.locator(f'h1 [title="{LONG}"]').count() == 1
