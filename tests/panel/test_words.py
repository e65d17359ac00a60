"""Pages speak a person's words (panel/words.py), not the API's: "installing or booting", not
"installingbooting"; "Add IPv4 address", not "Create ipv4". The API's value stays within reach,
in a tooltip or in an audit entry's detail (attributes and <code>, which these tests skip)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from panel import words
from panel.audit.events import EVENTS, vultr_actions
from panel.audit.models import AuditEntry
from panel.operations import polling, runner, start
from panel.operations.models import Operation
from panel.servers import actions
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db

# The API's own values for a server's state, which no page's text may show.
API_STATES = ["installingbooting", "isomounting", "state ok", "state locked", "power running"]


class _Text(HTMLParser):
    """The text a reader sees: no attributes (tooltips), no <code> (API values on purpose)."""

    SKIP = {"code", "script", "style", "title"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def raw_forms(name: str) -> list[str]:
    """How an action's name reads when it leaks: `create_ipv4`, "create ipv4"."""
    spaced = name.replace("_", " ")
    forms = [name]
    if words.action(name).lower() != spaced:
        forms.append(spaced)
    return forms


def test_every_action_and_operation_kind_has_words():
    names = set(vultr_actions()) | set(Operation.Kind.values)
    assert "create_ipv4" in names and "destroy_startupscript" in names
    missing = sorted(names - set(words.ACTIONS))
    assert missing == [], "give these actions words in panel/words.py"
    for name in names:
        assert words.action(name)[0].isupper(), name
    assert words.action("create_ipv4") == "Add IPv4 address"
    assert words.action("change_server_os") == "Change operating system"
    for kind in Operation.Kind:
        assert kind.label == words.ACTIONS[kind.value]


def test_events_and_actions_do_not_share_a_name():
    assert set(EVENTS).isdisjoint(words.ACTIONS)


def test_no_page_shows_the_api_words(members, login_as, stored_key, vultr, ctx_for):
    demo = Demo(vultr)
    ctx = ctx_for(members.owner)
    slug = members.team.slug
    actions.create_ipv4(ctx, demo.id("cache-01"), reboot=False)
    actions.destroy_startupscript(ctx, demo.script_id("install-docker"))
    actions.reboot_server(ctx, demo.id("web-02"))
    start.start_change_server_os(ctx, demo.id("web-01"), "352", now=True)
    operation = Operation.objects.get()
    vultr.sim.advance(2)
    for operation_id in polling.poll_key(stored_key.pk).to_check:
        runner.advance(operation_id)
    assert operation.steps.filter(name="busy").exists()

    owner = login_as(members.owner)
    servers = f"/t/{slug}/k/{stored_key.pk}/servers/"
    pages = {
        "booting server": f"{servers}{demo.id('web-02')}/",
        "locked server": f"{servers}{demo.id('web-01')}/",
        "server list": servers,
        "audit log": reverse("panel:audit", args=[slug]),
        "dashboard": reverse("panel:dashboard", args=[slug]),
        "operations": reverse("operations:list", args=[slug]),
        "operation": reverse("operations:detail", args=[slug, operation.pk]),
    }
    for entry in AuditEntry.objects.filter(team=members.team):
        pages[f"entry {entry.action}"] = reverse("panel:audit_entry", args=[slug, entry.pk])
    leaks = set(API_STATES)
    for name in set(vultr_actions()) | set(Operation.Kind.values):
        leaks.update(raw_forms(name))

    seen = {}
    for what, url in pages.items():
        response = owner.get(url)
        assert response.status_code == 200, what
        text = visible_text(response.content.decode())
        seen[what] = text
        found = [leak for leak in leaks if leak.lower() in text.lower()]
        assert found == [], f"{what} shows {found}"

    assert "active · power on · installing or booting" in seen["booting server"]
    assert "locked while Vultr works on it" in seen["locked server"]
    assert "Add IPv4 address" in seen["audit log"]
    assert "Delete startup script" in seen["audit log"]
    assert "Change operating system" in seen["operations"]
    assert "Installing the new operating system (locked" in seen["operation"]
    # The API's value is still there for whoever looks for it.
    booting = owner.get(pages["booting server"]).content.decode()
    assert 'title="Vultr API: status active, power_status running, ' in booting
    assert "server_state installingbooting" in booting
    # Once it ends, the notice says it in the same words.
    for _ in range(30):
        vultr.sim.advance(30)
        for operation_id in polling.poll_key(stored_key.pk).to_check:
            runner.advance(operation_id)
    operation.refresh_from_db()
    assert not operation.is_active
    notices = visible_text(owner.get(reverse("operations:notices", args=[slug])).content.decode())
    assert "Change operating system of web-01" in notices
    assert [leak for leak in leaks if leak.lower() in notices.lower()] == []
    entry = AuditEntry.objects.get(action="create_ipv4")
    detail = owner.get(reverse("panel:audit_entry", args=[slug, entry.pk])).content.decode()
    assert "<code>create_ipv4</code>" in detail
