"""Deploying a server through the wizard in real headless Chromium (Debian's, driven by
Playwright) against the live simulator: each step swapped in by htmx, the order reviewed with
its monthly cost, the new server's page reached from the end of the wizard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.fixtures.accounts import each_api_version

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quick_pages"),
]

# The wizard is walked with a v1 key and with a v2 key (plan codes, several tags).
api_version = each_api_version


# The 1 GB plan of the demo catalogue, as each version names it.
PLAN_1GB = {"v1": "201", "v2": "vc2-1c-1gb"}


def test_deploying_through_the_wizard_shows_the_new_server(
    sign_in, live_server, members, stored_key, demo, api_version
):
    page = sign_in(members.operator)
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    before = set(demo.servers())
    page.goto(f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/servers/")
    page.get_by_role("navigation", name=f"Vultr account {stored_key.label}").get_by_role(
        "link", name="Deploy"
    ).click()
    wizard = page.locator("#wizard")

    # 1. Region. Nothing chosen: the browser's own check keeps the form from going out.
    expect(wizard.get_by_role("heading", name="Where should the server run?")).to_be_visible()
    # v2's regions name no US state, only the country.
    wizard.get_by_label({"v1": "New Jersey (NJ)", "v2": "New Jersey (US)"}[api_version]).check()
    wizard.get_by_role("button", name="Next").click()

    # 2. Plan: what New Jersey can deploy now, with prices.
    expect(wizard.get_by_role("heading", name="Plans available in New Jersey now")).to_be_visible()
    expect(wizard.locator(".plans").first).to_contain_text("$5.00/month")
    wizard.locator(f'input[name="plan"][value="{PLAN_1GB[api_version]}"]').check()
    wizard.get_by_role("button", name="Next").click()

    # 3. Image.
    wizard.get_by_label("Install").select_option(label="Ubuntu 20.04 x64")
    wizard.get_by_role("button", name="Next").click()

    # 4. Options; a bad hostname is named and the step stays.
    wizard.get_by_label("laptop").check()
    wizard.get_by_label("Automatic backups").check()
    wizard.get_by_role("textbox", name="Label:", exact=True).fill("web-04")
    wizard.get_by_label("Hostname").fill("not a host!")
    wizard.get_by_role("button", name="Review").click()
    expect(wizard.get_by_text("Not a host name")).to_be_visible()
    expect(wizard.get_by_label("laptop")).to_be_checked()
    wizard.get_by_label("Hostname").fill("web-04")
    if api_version == "v2":  # v2 takes several tags
        wizard.get_by_label("Tags").fill("web, blue")
    wizard.get_by_role("button", name="Review").click()

    # 5. Review with the monthly cost: $5.00 plan + 20% for backups.
    expect(wizard.get_by_role("heading", name="Review the order")).to_be_visible()
    expect(wizard.locator(".cost .total")).to_have_text("$6.00 a month")
    expect(wizard.locator("dl.review")).to_contain_text("laptop")
    if api_version == "v2":
        expect(wizard.locator("dl.review")).to_contain_text("web, blue")
    assert set(demo.servers()) == before  # nothing ordered yet
    # The whole wizard stayed on one page: htmx swapped each step in.
    expect(page).to_have_url(re.compile(r"/deploy/$"))

    wizard.get_by_role("button", name="Create the server").click()

    expect(page.get_by_text("Vultr accepted the order")).to_be_visible()
    (new_subid,) = set(demo.servers()) - before
    new_id = demo.vultr.panel_id(new_subid)  # the UUID with a v2 key
    expect(page.locator(".server-id")).to_have_text(new_id)
    assert demo.server(new_id)["label"] == "web-04"
    if api_version == "v2":
        instance = demo.vultr.v2("GET", f"instances/{new_id}").json()["instance"]
        assert instance["tags"] == ["web", "blue"] and instance["hostname"] == "web-04"

    page.get_by_role("link", name="Go to the server").click()

    expect(page.get_by_role("heading", name=re.compile("web-04"))).to_be_visible()
    expect(page).to_have_url(re.compile(f"/servers/{new_id}/$"))
    assert page.evaluate("window.__cspViolations") == []
    assert page_errors == []


def test_the_plan_step_groups_plans_by_type_and_a_click_on_a_card_chooses(
    sign_in, live_server, members, stored_key, api_version
):
    page = sign_in(members.operator)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/deploy/")
    wizard = page.locator("#wizard")
    wizard.get_by_label({"v1": "New Jersey (NJ)", "v2": "New Jersey (US)"}[api_version]).check()
    wizard.get_by_role("button", name="Next").click()
    expect(wizard.get_by_role("heading", name="Plans available in New Jersey now")).to_be_visible()

    # Each kind of plan is a group of its own, named, with a filter that starts at the first.
    for kind in ("Regular", "High frequency", "Dedicated"):
        heading = wizard.get_by_role("heading", name=kind, exact=True, include_hidden=True)
        expect(heading).to_be_attached()
    regular = wizard.locator('.plan-group[data-kind="regular"]')
    fast = wizard.locator('.plan-group[data-kind="high-frequency"]')
    expect(regular).to_be_visible()
    expect(fast).to_be_hidden()
    # The step fits a phone in a few screens (it was 4,895 px tall as one long table).
    assert page.evaluate("document.documentElement.scrollHeight") < 2200

    wizard.get_by_role("radio", name="High frequency").check()
    expect(fast).to_be_visible()
    expect(regular).to_be_hidden()
    # A click anywhere on the card (here on its price) chooses the plan, not only the radio.
    card = fast.locator(".plan-card").first
    card.locator(".plan-price").click()
    expect(card.locator('input[name="plan"]')).to_be_checked()
    chosen = card.get_attribute("data-plan")

    wizard.get_by_role("radio", name="All types").check()
    expect(regular).to_be_visible()
    expect(fast).to_be_visible()
    wizard.get_by_role("button", name="Next").click()
    expect(wizard.get_by_role("heading", name="What should it run?")).to_be_visible()
    # Back at the plan step, the filter opens at the chosen plan's kind.
    wizard.get_by_role("button", name="Back").click()
    expect(wizard.locator(f'input[name="plan"][value="{chosen}"]')).to_be_checked()
    expect(fast).to_be_visible()
    expect(regular).to_be_hidden()
    assert page.evaluate("window.__cspViolations") == []


def test_going_back_keeps_the_answers(sign_in, live_server, members, stored_key):
    page = sign_in(members.operator)
    page.goto(f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/deploy/")
    wizard = page.locator("#wizard")
    wizard.get_by_label("Frankfurt (DE)").check()
    wizard.get_by_role("button", name="Next").click()
    expect(wizard.get_by_role("heading", name="Plans available in Frankfurt now")).to_be_visible()

    wizard.get_by_role("button", name="Back").click()

    expect(wizard.get_by_label("Frankfurt (DE)")).to_be_checked()
    assert page.evaluate("window.__cspViolations") == []


def test_a_viewer_has_no_deploy_link_and_is_refused(sign_in, live_server, members, stored_key):
    page = sign_in(members.viewer)
    page.goto(f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/servers/")

    key_nav = page.get_by_role("navigation", name=f"Vultr account {stored_key.label}")
    expect(key_nav.get_by_role("link", name="Snapshots")).to_be_visible()
    expect(key_nav.get_by_role("link", name="Deploy")).to_have_count(0)

    response = page.goto(f"{live_server.url}/t/{members.team.slug}/k/{stored_key.pk}/deploy/")
    assert response is not None and response.status == 403
