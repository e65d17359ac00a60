"""The deploy wizard with a v2 key: v2's region and plan codes, its options (hostname,
several tags, several SSH keys, IPv6, backups), and Vultr's v2 errors in its words."""

from __future__ import annotations

import pytest

from tests.panel.servers.test_deploy import Wizard, _text

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_version() -> str:
    return "v2"


@pytest.fixture
def wizard(members, login_as, urls):
    return Wizard(login_as(members.operator), urls)


def _walk(wizard, **options):
    wizard.start()
    wizard.answer("region", region="ewr")
    wizard.answer("plan", plan="vc2-1c-1gb")
    wizard.answer("image", image="os:387")
    return wizard.answer("options", **{"label": "web-04", **options})


def test_it_offers_v2s_codes_and_options(wizard):
    page = _text(wizard.start())
    assert 'value="ewr"' in page
    page = _text(wizard.answer("region", region="ewr"))
    assert 'value="vc2-1c-1gb"' in page
    wizard.answer("plan", plan="vc2-1c-1gb")
    page = _text(wizard.answer("image", image="os:387"))
    assert 'name="tags"' in page and 'name="hostname"' in page
    assert 'name="ipv6"' in page and 'name="auto_backups"' in page
    assert 'name="tag"' not in page and 'name="private_network"' not in page


def test_it_orders_with_every_v2_option(wizard, demo, vultr):
    keys = [demo.sshkey_id("laptop"), demo.sshkey_id("ci-deploy")]
    review = _text(
        _walk(
            wizard,
            hostname="web-04.example.com",
            tags="web, blue, web",
            ssh_keys=keys,
            ipv6="on",
            auto_backups="on",
        )
    )
    assert "web, blue" in review

    response = wizard.create()

    assert response.status_code == 302, _text(response)
    server_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    instance = vultr.v2("GET", f"instances/{server_id}").json()["instance"]
    assert instance["label"] == "web-04"
    assert instance["hostname"] == "web-04.example.com"
    assert instance["tags"] == ["web", "blue"]
    assert instance["region"] == "ewr" and instance["plan"] == "vc2-1c-1gb"
    assert {"ipv6", "auto_backups"} <= set(instance["features"])


def test_vultrs_400_is_shown_next_to_the_order_in_its_words(wizard, demo, vultr):
    _walk(wizard)
    before = len(demo.servers())
    vultr.sim.inject_fault(
        count=1,
        status=400,
        body="Invalid plan chosen.",
        api="v2",
        method="POST",
        path="/v2/instances",
        key=vultr.key,
    )

    response = wizard.create()

    page = _text(response)
    assert response.status_code == 200
    assert "Invalid plan chosen." in page
    assert "Create the server" in page
    assert len(demo.servers()) == before
