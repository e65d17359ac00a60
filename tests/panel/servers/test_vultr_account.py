"""The billing page of a key's Vultr account: balance, pending charges, last payment; only for
members with the billing permission. Against the simulator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.panel.helpers import inject_fault

pytestmark = pytest.mark.django_db

# Anonymous visitors and outsiders: test_access.py, with every other Vultr page.


@pytest.fixture
def url(members, stored_key):
    return reverse(
        "panel:vultr_account", kwargs={"team": members.team.slug, "key_id": stored_key.pk}
    )


@pytest.mark.parametrize("role", ["operator", "auditor", "viewer"])
def test_it_rejects_members_without_billing(members, login_as, url, role):
    response = login_as(members.with_role(role)).get(url)

    assert response.status_code == 403
    assert "see the account balance and charges" in response.content.decode()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_it_shows_balance_charges_and_last_payment(members, login_as, url, vultr, role):
    info = vultr.get("account/info").json()

    page = login_as(members.with_role(role)).get(url).content.decode()

    balance = -float(info["balance"])  # v1 shows credit as a negative balance
    assert f"${balance:,.2f} credit" in page
    assert f"${float(info['pending_charges']):,.2f}" in page
    paid = -float(info["last_payment_amount"])
    assert f"${paid:,.2f} on " in page


def test_the_key_navigation_offers_billing_only_to_billing_members(members, login_as, url):
    servers = url.replace("billing/", "servers/")

    owner_page = login_as(members.owner).get(servers).content.decode()
    operator_page = login_as(members.operator).get(servers).content.decode()

    assert f'href="{url}"' in owner_page
    assert f'href="{url}"' not in operator_page


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (
            403,
            {
                "v1": ("Vultr rejected the API key", ": Invalid API key."),
                "v2": ("Vultr rejected the API key", ": Invalid API token."),
            },
        ),
        (503, {"v1": "rate limit was reached", "v2": "Vultr said: rate limit exceeded"}),
        (
            500,
            {
                "v1": "Vultr failed: Internal server error",
                "v2": "Vultr failed: Internal server error.",
            },
        ),
        (412, {"v1": "Vultr refused: Request failed", "v2": "Vultr refused: Bad request."}),
    ],
    ids=["403", "503", "500", "412"],
)
def test_vultrs_errors_are_shown_in_the_page(
    members, login_as, url, vultr, status, shown, api_version
):
    inject_fault(vultr, {"status": status}, v1="/v1/account/info", v2="/v2/account")

    response = login_as(members.owner).get(url)

    assert response.status_code == 200
    said = shown[api_version]
    for words in (said,) if isinstance(said, str) else said:
        assert words in response.content.decode()


def test_a_timeout_is_shown_in_the_page(members, login_as, url, vultr, settings):
    settings.PANEL_VULTR_TIMEOUT = 1
    inject_fault(vultr, {"delay": 2}, v1="/v1/account/info", v2="/v2/account")

    response = login_as(members.owner).get(url)

    assert response.status_code == 200
    assert "Vultr did not answer in time." in response.content.decode()
