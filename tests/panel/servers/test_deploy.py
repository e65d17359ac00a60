"""The deploy wizard: region → plan → image → options → review → create, against the simulator.

Each step is checked before the next; bad answers are named and nothing is ordered; Vultr's
errors appear in the wizard; the final step is one audited `create_server` call."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from panel.audit.models import AuditEntry, TeamSettings
from panel.servers import actions
from tests.panel.helpers import inject_fault, refusals, refused_times

pytestmark = pytest.mark.django_db

VULTR_ACTIONS = [n for n in actions.__all__ if getattr(getattr(actions, n), "action_kind", "")]

HTMX = {"HX-Request": "true", "HX-Target": "wizard", "HX-Current-URL": "http://testserver/"}
_STATE = re.compile(r'name="state" value="([^"]+)"')
NEW_JERSEY, PLAN_1GB, UBUNTU_20 = "1", "201", "387"
# The same as v2 names them (v2 reference §1.6: region and plan codes; OS ids are the same).
V2_CODES = {NEW_JERSEY: "ewr", PLAN_1GB: "vc2-1c-1gb"}


# v1 names a US region with its state, v2 gives only the country (v2 reference §6).
NEW_JERSEY_NAME = {"v1": "New Jersey (NJ)", "v2": "New Jersey (US)"}


def code(api_version: str, id: str) -> str:
    """A v1 catalogue id as the key's API version names it."""
    return id if api_version == "v1" else V2_CODES[id]


def iso_id(vultr) -> str:
    """The id of the demo account's first ISO, as the key's API version names it."""
    return vultr.panel_id(next(iter(vultr.get("iso/list").json())), "iso")


class Wizard:
    """Walks the wizard like a browser without JavaScript: each answer carries the signed
    state from the last page."""

    def __init__(self, client, urls, headers=None, api_version="v1"):
        self.client, self.urls, self.headers = client, urls, headers or {}
        self.state = ""
        self.region, self.plan = code(api_version, NEW_JERSEY), code(api_version, PLAN_1GB)
        self.region_name = NEW_JERSEY_NAME[api_version]

    def _keep(self, response):
        found = _STATE.search(response.content.decode())
        if found:
            self.state = found.group(1)
        return response

    def start(self):
        return self._keep(self.client.get(self.urls["deploy"], headers=self.headers))

    def answer(self, step: str, **data):
        form = {"state": self.state, "step": step, **data}
        return self._keep(self.client.post(self.urls["deploy"], form, headers=self.headers))

    def back(self, step: str):
        form = {"state": self.state, "back": step}
        return self._keep(self.client.post(self.urls["deploy"], form, headers=self.headers))

    def create(self):
        return self.client.post(self.urls["create"], {"state": self.state}, headers=self.headers)

    def up_to_review(self, image=f"os:{UBUNTU_20}", **options):
        self.start()
        self.answer("region", region=self.region)
        self.answer("plan", plan=self.plan)
        self.answer("image", image=image)
        return self.answer("options", **{"label": "web-04", **options})


@pytest.fixture
def wizard(members, login_as, urls, api_version):
    return Wizard(login_as(members.operator), urls, api_version=api_version)


def _text(response) -> str:
    return response.content.decode()


def _entries():
    """Audit entries of Vultr actions (sign-ins and other account events are audited too)."""
    return AuditEntry.objects.filter(action__in=VULTR_ACTIONS)


# -- who may ---------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_login(login_as, urls):
    response = login_as(None).get(urls["deploy"])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_hides_the_team_from_outsiders(members, login_as, urls):
    client = login_as(members.outsider)

    assert client.get(urls["deploy"]).status_code == 404
    assert client.post(urls["create"]).status_code == 404
    assert not _entries().exists()


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_it_rejects_viewer(members, login_as, urls, demo, role):
    client = login_as(members.with_role(role))
    before = len(demo.servers())

    assert client.get(urls["deploy"]).status_code == 403
    assert client.post(urls["deploy"], {"step": "region", "region": "1"}).status_code == 403
    response = client.post(urls["create"], {"state": "anything"})

    assert response.status_code == 403
    assert len(demo.servers()) == before
    # The three refusals: the first written at once, the others counted (one more entry).
    refused = refusals(members.team)
    assert refused_times(refused) == 3
    assert (refused[0].action, refused[0].actor) == ("permission_denied", members.with_role(role))


def test_a_viewer_finds_no_deploy_link(members, login_as, stored_key):
    target = reverse(
        "panel:snapshot_list", kwargs={"team": members.team.slug, "key_id": stored_key.pk}
    )

    viewer_page = _text(login_as(members.viewer).get(target))
    operator_page = _text(login_as(members.operator).get(target))

    deploy = reverse("panel:deploy", kwargs={"team": members.team.slug, "key_id": stored_key.pk})
    assert f'href="{deploy}"' not in viewer_page
    assert f'href="{deploy}"' in operator_page


# -- the steps -------------------------------------------------------------------------------


def test_the_first_step_offers_vultrs_regions(wizard):
    page = _text(wizard.start())

    assert "Where should the server run?" in page
    assert f'value="{wizard.region}"' in page and wizard.region_name in page
    assert "Frankfurt (DE)" in page


def _available(vultr, api_version: str) -> set[str]:
    """The plans New Jersey can deploy now, as the key's API version names them."""
    if api_version == "v1":
        return {str(p) for p in vultr.get("regions/availability", DCID=NEW_JERSEY).json()}
    return set(vultr.v2("GET", "regions/ewr/availability").json()["available_plans"])


def _plans(vultr, api_version: str) -> set[str]:
    if api_version == "v1":
        return set(vultr.get("plans/list").json())
    return {plan["id"] for plan in vultr.v2("GET", "plans", per_page=500).json()["plans"]}


def test_the_plan_step_offers_what_the_region_has_now_with_prices(wizard, vultr, api_version):
    wizard.start()

    page = _text(wizard.answer("region", region=wizard.region))

    assert "Plans available in New Jersey now" in page
    available = _available(vultr, api_version)
    assert wizard.plan in available
    for plan_id in available:
        assert f'value="{plan_id}"' in page
    assert "$5.00</strong>/month" in page


def test_a_missing_region_is_named_and_the_step_shown_again(wizard):
    wizard.start()

    page = _text(wizard.answer("region"))

    assert "Choose a region." in page
    assert "Where should the server run?" in page


def test_an_unknown_region_is_refused(wizard, api_version):
    unknown = {"v1": "999", "v2": "zzz"}[api_version]
    wizard.start()

    page = _text(wizard.answer("region", region=unknown))

    assert f"Vultr has no region {unknown}" in page


def test_a_plan_the_region_cannot_deploy_now_is_refused(wizard, vultr, api_version):
    wizard.start()
    wizard.answer("region", region=wizard.region)
    available = _available(vultr, api_version)
    elsewhere = sorted(_plans(vultr, api_version) - available)[0]

    page = _text(wizard.answer("plan", plan=elsewhere))

    assert f"Plan {elsewhere} cannot be deployed in {wizard.region_name} right now" in page


def test_the_image_step_offers_systems_isos_and_finished_snapshots(wizard, vultr, demo):
    wizard.start()
    wizard.answer("region", region=wizard.region)

    page = _text(wizard.answer("plan", plan=wizard.plan))

    assert f'value="os:{UBUNTU_20}"' in page
    assert 'value="os:159"' not in page and 'value="os:164"' not in page
    assert f'value="iso:{iso_id(vultr)}"' in page
    assert f'value="snapshot:{demo.snapshot_id("db-01 nightly")}"' in page


def test_a_skipped_step_is_asked_for_first(wizard):
    wizard.start()

    page = _text(wizard.answer("image", image=f"os:{UBUNTU_20}"))

    assert "Choose a region." in page


def test_a_bad_hostname_is_named(wizard):
    page = _text(wizard.up_to_review(hostname="not a host!"))

    assert "Not a host name" in page
    assert "Review the order" not in page


def test_ssh_keys_are_not_taken_for_an_iso(wizard, vultr, demo):
    iso = iso_id(vultr)

    page = _text(wizard.up_to_review(image=f"iso:{iso}", ssh_keys=demo.sshkey_id("laptop")))

    assert "SSH keys are installed only on a fresh Linux or BSD system" in page
    assert "Review the order" not in page


def _tag(api_version: str, tags: str) -> dict[str, str]:
    """The wizard's tag field: v1 has one tag, v2 a list of them (v2 reference §3)."""
    return {"tag": tags} if api_version == "v1" else {"tags": tags}


def _every_option(demo, api_version: str, hostname: str) -> dict:
    """The wizard's optional answers, each given: an SSH key, a startup script, IPv6, automatic
    backups, the hostname and the tag "web"."""
    return {
        "ssh_keys": [demo.sshkey_id("laptop")],
        "script": demo.script_id("install-docker"),
        "ipv6": "on",
        "auto_backups": "on",
        "hostname": hostname,
        **_tag(api_version, "web"),
    }


def test_the_review_shows_every_answer_and_the_monthly_cost(wizard, demo, api_version):
    page = _text(wizard.up_to_review(**_every_option(demo, api_version, "web-04.example.com")))

    assert "Review the order" in page
    for shown in (wizard.region_name, "Ubuntu 20.04 x64", "laptop", "install-docker"):
        assert shown in page
    assert "web-04.example.com" in page
    # $5.00 plan + 20% for automatic backups.
    assert "$1.00" in page and "$6.00 a month" in page


def test_back_keeps_the_answers(wizard):
    wizard.up_to_review()

    page = _text(wizard.back("plan"))

    assert f'value="{wizard.plan}" required checked' in page


def test_a_tampered_state_starts_again_and_orders_nothing(wizard, demo):
    wizard.up_to_review()
    before = len(demo.servers())
    wizard.state = wizard.state[:-3] + "AAA"

    response = wizard.create()

    assert "This order form has expired or was changed" in _text(response)
    assert len(demo.servers()) == before
    assert not _entries().exists()


# -- creating --------------------------------------------------------------------------------


def test_it_creates_the_server_and_links_to_it(wizard, demo, members, stored_key, api_version):
    before = set(demo.servers())
    # v2 has no private network option (its VPCs are another matter, v2 reference §2).
    v1_only = {"private_network": "on"} if api_version == "v1" else {}
    wizard.up_to_review(**_every_option(demo, api_version, "web-04"), **v1_only)

    response = wizard.create()

    assert response.status_code == 302, _text(response)
    (subid,) = set(demo.servers()) - before
    server = demo.server(subid)
    new_id = demo.vultr.panel_id(subid)  # as the key's version names it (v2: the UUID)
    assert (server["label"], server["DCID"], server["VPSPLANID"], server["OSID"]) == (
        "web-04",
        NEW_JERSEY,
        PLAN_1GB,
        UBUNTU_20,
    )
    assert (server["tag"], server["auto_backups"]) == ("web", "yes")
    # Addresses show once Vultr has assigned them, a while into provisioning.
    demo.vultr.sim.advance(demo.vultr.sim.config()["provisioning_seconds"] + 1)
    settled = demo.server(subid)
    assert settled["v6_networks"]
    assert settled["internal_ip"] or api_version == "v2"
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id) == ("create_server", "succeeded", new_id)
    assert entry.params["ssh_key_ids"] == [demo.sshkey_id("laptop")]
    assert entry.params["script_id"] == demo.script_id("install-docker")
    assert entry.params["hostname"] == "web-04"

    done = wizard.client.get(response["Location"])
    page = _text(done)
    assert new_id in page
    server_url = reverse(
        "panel:server_detail",
        kwargs={"team": members.team.slug, "key_id": stored_key.pk, "server_id": new_id},
    )
    assert f'href="{server_url}"' in page
    assert "Vultr accepted the order" in page


def test_it_deploys_a_snapshot_with_os_164(wizard, demo):
    snapshot_id = demo.snapshot_id("db-01 nightly")
    before = set(demo.servers())
    wizard.up_to_review(image=f"snapshot:{snapshot_id}")

    assert wizard.create().status_code == 302

    (new_id,) = set(demo.servers()) - before
    assert demo.server(new_id)["OSID"] == "164"  # read through v1
    assert _entries().get().params["snapshot_id"] == snapshot_id


def test_it_deploys_an_iso_with_os_159(wizard, demo, vultr):
    iso = iso_id(vultr)
    before = set(demo.servers())
    wizard.up_to_review(image=f"iso:{iso}")

    assert wizard.create().status_code == 302

    (new_id,) = set(demo.servers()) - before
    assert demo.server(new_id)["OSID"] == "159"
    assert _entries().get().params["iso_id"] == iso


def test_htmx_swaps_the_wizard_and_ends_with_hx_location(
    members, login_as, urls, demo, api_version
):
    wizard = Wizard(login_as(members.operator), urls, headers=HTMX, api_version=api_version)

    first = wizard.start()
    review = wizard.up_to_review()
    response = wizard.create()

    assert "<html" not in _text(first) and 'id="wizard"' in _text(first)
    assert "<html" not in _text(review) and "Review the order" in _text(review)
    assert response.status_code == 200
    assert "/deploy/done/" in response["HX-Location"]


def test_a_double_submit_orders_one_server(wizard, demo):
    before = len(demo.servers())
    wizard.up_to_review()

    first = wizard.create()
    second = wizard.create()

    assert len(demo.servers()) == before + 1
    assert first["Location"] == second["Location"]
    assert "This order was placed already" in _text(wizard.client.get(second["Location"]))
    assert _entries().filter(action="create_server").count() == 1


def test_creating_needs_no_reason_even_when_the_team_requires_them(wizard, demo, members):
    TeamSettings.objects.create(team=members.team, require_reason=True)
    before = len(demo.servers())
    wizard.up_to_review()

    assert wizard.create().status_code == 302
    assert len(demo.servers()) == before + 1


# -- Vultr's errors, in the wizard -----------------------------------------------------------


def test_a_real_refusal_is_shown_on_the_review_step(wizard, demo, vultr, api_version):
    laptop = demo.sshkey_id("laptop")
    wizard.up_to_review(ssh_keys=[laptop])
    # Deleted behind the panel's back: the cached list still has it, Vultr does not.
    assert vultr.post("sshkey/destroy", SSHKEYID=vultr.v1_id(laptop)).status_code == 200
    before = len(demo.servers())
    # v1 answers 412, v2 400 (v2 reference §1.3).
    said = {
        "v1": "Invalid SSH key.  Check SSHKEYID value",
        "v2": "Invalid ssh key.",
    }[api_version]

    response = wizard.create()

    page = _text(response)
    assert response.status_code == 200
    assert f"Vultr refused: {said}" in page
    assert "Review the order" in page
    assert len(demo.servers()) == before
    entry = _entries().get()
    assert entry.outcome == "failed" and said in entry.error


# As v1 answers them; a v2 key gets v2's answers (helpers.inject_fault): its 400 for a plan
# the region does not have now is "Invalid plan chosen." (v2 reference §1.3, §8.7).
FAULTS = [
    (412, "Plan is not available in the selected datacenter", "Vultr refused: Plan is not"),
    (403, None, "Vultr rejected the API key"),
    (503, None, "rate limit was reached"),
    (500, None, "Vultr failed: Internal server error"),
]
V2_FAULTS = {
    412: ("Invalid plan chosen.", "Vultr refused: Invalid plan chosen."),
    403: (None, ": Invalid API token."),
    503: (None, "Vultr said: rate limit exceeded"),
}


def _inject_on_create(vultr, **fault) -> None:
    inject_fault(vultr, fault, v1="/v1/server/create", v2="/v2/instances", method="POST")


@pytest.mark.parametrize(("status", "body", "shown"), FAULTS, ids=[str(f[0]) for f in FAULTS])
def test_vultrs_errors_on_create_are_shown_inline(
    wizard, demo, vultr, status, body, shown, api_version
):
    wizard.up_to_review()
    before = len(demo.servers())
    if api_version == "v2" and status in V2_FAULTS:
        body, shown = V2_FAULTS[status][0] or body, V2_FAULTS[status][1]
    _inject_on_create(vultr, status=status, body=body)

    response = wizard.create()

    assert response.status_code == 200
    page = _text(response)
    assert shown in page
    assert "Review the order" in page and "Create the server" in page
    assert len(demo.servers()) == before


def test_a_create_that_times_out_says_it_may_have_happened(wizard, demo, vultr, settings):
    wizard.up_to_review()
    settings.PANEL_VULTR_TIMEOUT = 1
    _inject_on_create(vultr, delay=2)

    response = wizard.create()

    page = _text(response)
    assert "Vultr did not answer in time. It may still have happened" in page


def test_after_a_failed_create_the_order_can_be_placed_again(wizard, demo, vultr):
    wizard.up_to_review()
    before = len(demo.servers())
    _inject_on_create(vultr, status=503)
    wizard.create()

    assert wizard.create().status_code == 302
    assert len(demo.servers()) == before + 1


def test_a_failed_read_is_shown_in_the_wizard_not_as_an_error_page(wizard, vultr, monkeypatch):
    # Failures are shared with waiting readers for a moment; "Try again" should really retry.
    monkeypatch.setattr("panel.servers.cache.FAILURE_SECONDS", 0)
    inject_fault(vultr, {"status": 503}, v1="/v1/regions/list", v2="/v2/regions")

    response = wizard.start()

    assert response.status_code == 200
    page = _text(response)
    assert "rate limit was reached" in page
    assert "Try again" in page

    retried = _text(wizard.back("region"))
    assert "Where should the server run?" in retried


# -- several at once -------------------------------------------------------------------------


def _new_labels(demo, before) -> list[str]:
    return sorted(demo.server(i)["label"] for i in set(demo.servers()) - before)


def test_several_servers_are_ordered_each_as_its_own_operation(wizard, demo, members):
    from panel.operations.models import Operation

    before = set(demo.servers())
    review = _text(wizard.up_to_review(quantity="3", label="web-{n}", hostname="web-{n}"))
    assert "web-1, web-2, web-3" in review
    assert "$15.00 a month for 3 servers" in review
    assert "Create the 3 servers" in review

    response = wizard.create()

    assert response.status_code == 302 and "/deploy/order/" in response["Location"]
    assert _new_labels(demo, before) == ["web-1", "web-2", "web-3"]
    ops = Operation.objects.filter(team=members.team, kind="create_server")
    assert len({op.order_token for op in ops}) == 3
    assert sorted(op.params["hostname"] for op in ops) == ["web-1", "web-2", "web-3"]
    done = _text(wizard.client.get(response["Location"]))
    assert "3 servers are being built" in done
    for op in ops:
        assert op.target_id in done and op.target_label in done
    # Sent again (a double click, a reload): nothing more is ordered.
    again = wizard.create()
    assert again["Location"] == response["Location"]
    assert len(set(demo.servers()) - before) == 3
    assert _entries().filter(action="create_server").count() == 3


def test_a_retry_after_a_failure_orders_only_the_servers_not_yet_ordered(wizard, demo, vultr):
    before = set(demo.servers())
    wizard.up_to_review(quantity="3", label="db-{n}")
    # The first create goes through (a delay alone serves it), the second is refused.
    create = {"v1": "/v1/server/create", "v2": "/v2/instances", "method": "POST"}
    inject_fault(vultr, {"delay": 0.01}, **create)
    inject_fault(vultr, {"status": 503}, **create)

    failed = _text(wizard.create())

    assert "Server 1 was ordered (3 in all)" in failed
    assert _new_labels(demo, before) == ["db-1"]
    assert wizard.create().status_code == 302
    assert _new_labels(demo, before) == ["db-1", "db-2", "db-3"]


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "At least 1 server"),
        ({"quantity": "11"}, "quantity", "At most 10 servers at once"),
        ({"quantity": "two"}, "quantity", "as a number"),
        ({"quantity": "2", "label": "web"}, "label", "needs {n} where each server"),
        ({"quantity": "2", "label": "web-{n}", "hostname": "web"}, "hostname", "needs {n}"),
        ({"quantity": "10", "label": "x" * 254 + "-{n}"}, "label", "257 characters long for"),
        ({"label": "x" * 256}, "label", "256 characters long; Vultr takes at most 255"),
    ],
    ids=["zero", "eleven", "not-a-number", "no-n", "hostname-no-n", "too-long", "one-too-long"],
)
def test_a_bad_quantity_or_pattern_is_named_next_to_its_field(
    wizard, demo, options, field, message
):
    before = len(demo.servers())

    page = _text(wizard.up_to_review(**options))

    assert "Review the order" not in page
    # The message sits in the field's own group, between its label and its input.
    group = re.search(rf'<label for="id_{field}".*?name="{field}"', page, re.S)
    assert group and message in group.group(0), page
    assert len(demo.servers()) == before


def test_an_order_page_is_hidden_from_outsiders(wizard, members, login_as, stored_key):
    wizard.up_to_review(quantity="2", label="app-{n}")
    order_url = wizard.create()["Location"]

    assert login_as(members.outsider).get(order_url).status_code == 404
    assert login_as(members.viewer).get(order_url).status_code == 200
    unknown = reverse(
        "panel:deploy_order",
        kwargs={"team": members.team.slug, "key_id": stored_key.pk, "order": "nope"},
    )
    assert wizard.client.get(unknown).status_code == 404
