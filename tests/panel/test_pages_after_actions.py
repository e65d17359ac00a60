"""After every action that changes a server, the next list or detail page shows the change at
once, though the page before the action had filled the cache and the cache would keep its copy
for an hour here: the action layer's invalidation, not the cache's expiry, makes it fresh.

Written against URLs and pages only (and the simulator, which stands in for Vultr), so that it
holds whatever module the views and actions live in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
MESSAGES = re.compile(r"<li[^>]*class=\"[^\"]*(success|info|warning|error)\"[^>]*>.*?</li>", re.S)


@dataclass(frozen=True)
class Case:
    label: str  # the demo server acted on
    page: str  # "list", or the server's tab: "" (overview), "ipv4/", "ipv6/"
    action: str  # the action's path under the server, or "power/<op>/"
    form: Callable[[Demo], dict]
    before: Callable[[Demo], str]  # text on the page before, gone after
    after: Callable[[Demo], str]  # text on the page after, absent before
    prepare: Callable[[Demo], None] | None = None


def state(text: str) -> Callable[[Demo], str]:
    return lambda demo: text


def _secondary(demo: Demo) -> str:
    return next(
        a["ip"] for a in demo.ipv4("cache-01") if a["ip"] != demo.server("cache-01")["main_ip"]
    )


CASES = {
    "reboot": Case("web-01", "", "power/reboot/", lambda d: {}, state("· ready<"),
                   state("· installing or booting<")),
    "halt": Case("web-01", "", "power/halt/", lambda d: {}, state("· power on ·"),
                 state("· power off ·")),
    "start": Case("web-01", "", "power/start/", lambda d: {}, state("· power off ·"),
                  state("· power on ·"),
                  prepare=lambda d: d.vultr.post("server/halt", SUBID=d.v1_id("web-01"))),
    "label": Case("web-01", "list", "settings/label/", lambda d: {"label": "renamed-web"},
                  state(">web-01<"), state(">renamed-web<")),
    "reinstall": Case("web-01", "", "settings/reinstall/", lambda d: {"confirm": "web-01"},
                      state("· ready<"), state("· locked while Vultr works on it<")),
    "os-change": Case("web-01", "", "settings/os/", lambda d: {"confirm": "web-01", "os_id": "352"},
                      state("(OS 387"), state("(OS 352")),
    "restore-snapshot": Case(
        "web-02", "", "images/restore-snapshot/",
        lambda d: {"snapshot": d.snapshot_id("before upgrade to 20.04"), "confirm": "web-02"},
        state("· ready<"), state("· locked while Vultr works on it<")),
    "restore-backup": Case(
        "db-01", "", "images/restore-backup/",
        lambda d: {"backup": d.backup_ids("db-01")[0], "confirm": "db-01"},
        state("· ready<"), state("· locked while Vultr works on it<")),
    "destroy": Case("mail", "list", "settings/destroy/", lambda d: {"confirm": "mail"},
                    state(">mail<"), state("")),
    "ipv4-add": Case("cache-01", "ipv4/", "ipv4/add/", lambda d: {},
                     lambda d: d.server("cache-01")["main_ip"], _secondary),
    "ipv4-remove": Case("cache-01", "ipv4/", "ipv4/remove/",
                        lambda d: {"ip": _secondary(d), "confirm": "cache-01"},
                        _secondary, state(""),
                        prepare=lambda d: d.add_secondary_ip("cache-01")),
    "reverse-ipv4": Case("web-02", "ipv4/", "ipv4/reverse/",
                         lambda d: {"ip": d.server("web-02")["main_ip"],
                                    "entry": "fresh.example.org"},
                         lambda d: d.server("web-02")["main_ip"], state("fresh.example.org")),
    "reverse-ipv6": Case("web-01", "ipv6/", "ipv6/reverse/",
                         lambda d: {"ip": d.server("web-01")["v6_main_ip"],
                                    "entry": "fresh6.example.org"},
                         lambda d: d.server("web-01")["v6_main_ip"], state("fresh6.example.org")),
}  # fmt: skip


@pytest.mark.parametrize("api_version", ["v1", "v2"])
@pytest.mark.parametrize("name", list(CASES))
def test_the_next_page_shows_the_change(
    name, members, login_as, stored_key, demo, settings, api_version
):
    # The cache keeps an entry for an hour: only invalidation can make the next page fresh.
    settings.PANEL_CACHE_SECONDS = 3600
    case = CASES[name]
    if case.prepare:
        case.prepare(demo)
    owner = login_as(members.owner)
    base = f"/t/{members.team.slug}/k/{stored_key.pk}/servers/"
    server = f"{base}{demo.id(case.label)}/"
    page = base if case.page == "list" else server + case.page
    before = case.before(demo)
    after_text = "" if name == "ipv4-add" else case.after(demo)

    first = owner.get(page)  # fills the cache
    assert first.status_code == 200
    assert before in first.content.decode()
    if after_text:
        assert after_text not in first.content.decode()

    form = case.form(demo)
    answer = owner.post(server + case.action, form, headers=HTMX)
    assert answer.status_code == 200 and "HX-Location" in answer, answer.content.decode()[:1000]

    # The page, without the message that confirms the action (it names what changed).
    now = MESSAGES.sub("", owner.get(page).content.decode())
    if name in ("destroy", "ipv4-remove"):
        assert before not in now
    elif name == "ipv4-add":
        assert case.after(demo) in now  # the new address, known only now
    else:
        assert after_text in now
        if before.startswith(("· ", "(OS", ">")):
            assert before not in now
