"""The actions on a server's pages, against the simulator: each does its job, answers htmx with
HX-Location (a plain form with a redirect), writes its audit entry, and shows Vultr's errors
next to its form."""

from __future__ import annotations

import pytest

from panel.audit.models import AuditEntry, TeamSettings
from tests.panel.helpers import vultr_entries

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}


@pytest.fixture
def url(server_url):
    """Every page here is one of a server's (conftest.server_url)."""
    return server_url


def _entry() -> AuditEntry:
    return vultr_entries().get()


def test_reboot_with_htmx_answers_with_hx_location(operator, url, demo):
    target = url("server_power", op="reboot")

    response = operator.post(target, headers=HTMX)

    assert response.status_code == 200
    assert '"path": "/t/' in response["HX-Location"]
    assert demo.server("web-01")["server_state"] == "installingbooting"
    entry = _entry()
    assert (entry.action, entry.outcome, entry.target_label) == (
        "reboot_server",
        "succeeded",
        "web-01",
    )
    assert entry.request_id == response["X-Request-ID"]
    assert entry.ip == "127.0.0.1"


def test_halt_and_start_as_plain_forms_redirect(operator, url, demo):
    halted = operator.post(url("server_power", op="halt"))
    assert halted.status_code == 302
    assert demo.server("web-01")["power_status"] == "stopped"

    started = operator.post(url("server_power", op="start"))
    assert started.status_code == 302
    assert demo.server("web-01")["power_status"] == "running"

    page = operator.get(started["Location"]).content.decode()
    assert "web-01: started." in page


def test_a_power_failure_is_shown_next_to_the_buttons(operator, url, demo, api_version):
    target = url("server_power", "web-03", op="reboot")  # still being deployed: a real 412
    # v2 answers 500 "Server is currently locked" (v2 reference §8.3).
    said = {"v1": "Server is still being deployed", "v2": "Server is currently locked"}

    response = operator.post(target, headers=HTMX)

    assert response.status_code == 200
    assert said[api_version] in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert _entry().outcome == "failed"


def test_an_unknown_power_operation_is_not_found(operator, url):
    assert operator.post(url("server_power", op="explode")).status_code == 404


def test_it_renames_a_server(operator, url, demo):
    response = operator.post(url("server_label"), {"label": "web-01-new"}, headers=HTMX)

    assert "HX-Location" in response
    assert demo.server("web-01-new") is not None
    assert _entry().params == {"label": "web-01-new"}


def test_an_invalid_form_comes_back_with_its_error(operator, url, demo):
    response = operator.post(url("server_label"), {"label": ""}, headers=HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<form id="form-label"')
    assert "This field is required." in page
    assert not vultr_entries().exists()


# The label is set with PATCH /v2/instances/{id}; v2's failures (v2 reference §1.3, §1.4).
V2_INSTANCE = "/v2/instances/{instance-id}"
V2_FAULTS = {
    412: ({"status": 400, "body": "Label is too long."}, "Vultr refused: Label is too long."),
    403: ({"status": 401, "body": "Invalid API token."}, "Vultr rejected the API key “Production”"),
    503: ({"kind": "rate_limit"}, "rate limit was reached; try again in a moment"),
}


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"status": 412, "body": "Label is too long."}, "Vultr refused: Label is too long."),
        ({"status": 403}, "Vultr rejected the API key “Production”"),
        ({"status": 503}, "rate limit was reached; try again in a moment"),
        ({"delay": 1.5}, "Vultr did not answer in time. It may still have happened"),
    ],
    ids=["412", "403", "503", "timeout"],
)
def test_vultrs_errors_appear_next_to_the_form(
    operator, url, vultr, settings, fault, words, api_version
):
    settings.PANEL_VULTR_TIMEOUT = 0.5
    target = url("server_label")
    if api_version == "v1":
        vultr.sim.inject_fault(key=vultr.key, path="/v1/server/label_set", **fault)
    else:
        fault, words = V2_FAULTS.get(fault.get("status"), (fault, words))
        vultr.sim.inject_fault(key=vultr.key, path=V2_INSTANCE, method="PATCH", **fault)

    response = operator.post(target, {"label": "x"}, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<form id="form-label"')
    assert words in page
    assert _entry().outcome == "failed"


def test_a_failed_plain_form_shows_the_whole_page_with_the_error(operator, url, vultr, api_version):
    target = url("server_label")
    if api_version == "v1":
        vultr.sim.inject_fault(status=412, body="Nope.", key=vultr.key, path="/v1/server/label_set")
    else:
        vultr.sim.inject_fault(status=400, body="Nope.", key=vultr.key, path=V2_INSTANCE)

    response = operator.post(target, {"label": "x"})

    page = response.content.decode()
    assert "<html" in page
    assert "Vultr refused: Nope." in page
    assert 'value="x"' in page  # the user's input is kept


# -- destructive actions ----------------------------------------------------------------------


def test_destroy_needs_the_label_typed(members, login_as, url, demo):
    owner = login_as(members.owner)

    wrong = owner.post(url("server_destroy", "mail"), {"confirm": "mai"}, headers=HTMX)

    assert "Type “mail” exactly to confirm." in wrong.content.decode()
    assert demo.server("mail") is not None
    assert not vultr_entries().exists()

    right = owner.post(url("server_destroy", "mail"), {"confirm": "mail"}, headers=HTMX)

    assert "/servers/" in right["HX-Location"]
    assert demo.server("mail") is None
    assert _entry().action == "destroy_server"


# v1's rule only: v2 has no 5-minute minimum age for a destroy.
@pytest.mark.parametrize("api_version", ["v1"])
def test_destroying_a_young_server_shows_vultrs_refusal(members, login_as, url, vultr, api_version):
    vultr.create_active_server(label="young")

    response = login_as(members.owner).post(
        url("server_destroy", "young"), {"confirm": "young"}, headers=HTMX
    )

    page = response.content.decode()
    assert "Vultr refused: Unable to destroy server: Servers cannot be destroyed within 5 " in page
    assert 'role="alert"' in page


def test_a_team_can_require_a_reason(members, login_as, url, demo):
    TeamSettings.objects.create(team=members.team, require_reason=True)
    owner = login_as(members.owner)

    form = owner.get(url("server_settings")).content.decode()
    assert "Reason (required in this team)" in form

    missing = owner.post(url("server_reinstall"), {"confirm": "web-01"}, headers=HTMX)
    assert "This field is required." in missing.content.decode()

    owner.post(url("server_reinstall"), {"confirm": "web-01", "reason": "broken"}, headers=HTMX)
    assert demo.server("web-01")["server_state"] == "locked"
    assert _entry().reason == "broken"


def test_it_reinstalls(members, login_as, url, demo):
    response = login_as(members.owner).post(
        url("server_reinstall"), {"confirm": "web-01", "hostname": "web1"}, headers=HTMX
    )

    assert "HX-Location" in response
    assert demo.server("web-01")["server_state"] == "locked"
    assert _entry().params == {"hostname": "web1"}


def test_it_changes_the_os(members, login_as, url, demo):
    response = login_as(members.owner).post(
        url("server_os"), {"confirm": "web-01", "os_id": "352"}, headers=HTMX
    )

    assert "HX-Location" in response
    assert demo.server("web-01")["OSID"] == "352"


def test_it_refuses_an_os_not_on_offer(members, login_as, url, demo):
    response = login_as(members.owner).post(
        url("server_os"), {"confirm": "web-01", "os_id": "999"}, headers=HTMX
    )

    assert "Select a valid choice" in response.content.decode()
    assert demo.server("web-01")["OSID"] == "387"


# -- addresses ---------------------------------------------------------------------------------


def test_it_adds_an_ipv4_address_without_a_reboot(operator, url, demo):
    response = operator.post(url("server_ipv4_add", "cache-01"), {}, headers=HTMX)

    assert "HX-Location" in response
    assert len(demo.ipv4("cache-01")) == 2
    assert demo.server("cache-01")["server_state"] == "ok"  # no reboot
    assert _entry().params["reboot"] is False


def test_it_adds_an_ipv4_address_with_a_reboot(operator, url, demo):
    operator.post(url("server_ipv4_add", "cache-01"), {"reboot": "on"}, headers=HTMX)

    assert demo.server("cache-01")["server_state"] == "installingbooting"


def test_it_removes_a_secondary_address_after_confirmation(operator, url, demo):
    ip = demo.add_secondary_ip("cache-01")
    target = url("server_ipv4_remove", "cache-01")

    page = operator.get(target, {"ip": ip}).content.decode()
    assert f"The address {ip} is released for good" in page

    response = operator.post(target, {"ip": ip, "confirm": "cache-01"}, headers=HTMX)
    assert "HX-Location" in response
    assert ip not in {a["ip"] for a in demo.ipv4("cache-01")}


def test_removing_the_main_address_shows_vultrs_refusal(operator, url, demo):
    ip = demo.server("cache-01")["main_ip"]

    response = operator.post(
        url("server_ipv4_remove", "cache-01"), {"ip": ip, "confirm": "cache-01"}, headers=HTMX
    )

    assert "the main IP address cannot be removed" in response.content.decode()


def test_it_sets_and_resets_reverse_dns_of_an_ipv4_address(operator, url, demo):
    ip = demo.server("web-02")["main_ip"]
    target = url("server_ipv4_reverse", "web-02")

    form = operator.get(target, {"ip": ip}).content.decode()
    assert "Reverse DNS of" in form and "Reset to Vultr&#x27;s default" in form

    operator.post(target, {"ip": ip, "entry": "www.example.org"}, headers=HTMX)
    assert demo.ipv4("web-02")[0]["reverse"] == "www.example.org"

    operator.post(url("server_ipv4_reverse_default", "web-02"), {"ip": ip}, headers=HTMX)
    assert demo.ipv4("web-02")[0]["reverse"] != "www.example.org"
    assert list(vultr_entries().values_list("action", flat=True)) == [
        "default_reverse_ipv4",
        "set_reverse_ipv4",
    ]


def test_a_bad_reverse_entry_is_refused_before_vultr(operator, url, demo):
    ip = demo.server("web-02")["main_ip"]

    response = operator.post(
        url("server_ipv4_reverse", "web-02"), {"ip": ip, "entry": "not a host"}, headers=HTMX
    )

    page = response.content.decode()
    assert "Not a host name: use letters, digits and hyphens" in page
    assert "entry:" not in page  # the API parameter's name is no word for a person
    assert demo.ipv4("web-02")[0]["reverse"] != "not a host"


def test_a_bad_reverse_ipv6_entry_names_no_parameter(operator, url, demo):
    v6 = demo.server("web-01")["v6_main_ip"]

    response = operator.post(
        url("server_ipv6_reverse", "web-01"), {"ip": v6, "entry": "bad_host!"}, headers=HTMX
    )

    page = response.content.decode()
    assert "Not a host name" in page and "entry:" not in page
    assert demo.reverse_ipv6("web-01") == []


def test_it_sets_and_deletes_reverse_dns_of_an_ipv6_address(operator, url, demo):
    v6 = demo.server("web-01")["v6_main_ip"]

    operator.post(url("server_ipv6_reverse"), {"ip": v6, "entry": "six.example"}, headers=HTMX)
    assert [r["reverse"] for r in demo.reverse_ipv6("web-01")] == ["six.example"]

    operator.post(url("server_ipv6_reverse_delete"), {"ip": v6}, headers=HTMX)
    assert demo.reverse_ipv6("web-01") == []


# -- snapshots and backups ---------------------------------------------------------------------


def test_it_takes_a_snapshot(operator, url, demo):
    before = set(demo.snapshots())

    response = operator.post(url("server_snapshot"), {"description": "pre"}, headers=HTMX)

    assert "/images/" in response["HX-Location"]
    (new,) = set(demo.snapshots()) - before
    page = operator.get(url("server_images")).content.decode()
    assert demo.vultr.panel_id(new) in page and "this server" in page


def test_it_restores_a_snapshot_after_confirmation(members, login_as, url, demo):
    owner = login_as(members.owner)
    snapshot = demo.snapshot_id("before upgrade to 20.04")
    target = url("server_restore_snapshot", "web-02")

    page = owner.get(target, {"snapshot": snapshot}).content.decode()
    assert "Everything on web-02" in page and "before upgrade to 20.04" in page

    owner.post(target, {"snapshot": snapshot, "confirm": "web-02"}, headers=HTMX)
    assert demo.server("web-02")["server_state"] == "locked"
    assert _entry().params == {"snapshot_id": snapshot}


def test_it_restores_a_backup_after_confirmation(members, login_as, url, demo):
    owner = login_as(members.owner)
    backup = demo.backup_ids("db-01")[0]
    target = url("server_restore_backup", "db-01")

    assert backup in owner.get(target, {"backup": backup}).content.decode()

    owner.post(target, {"backup": backup, "confirm": "db-01"}, headers=HTMX)
    assert demo.server("db-01")["server_state"] == "locked"


def test_restoring_a_backup_of_another_server_shows_vultrs_refusal(
    members, login_as, url, demo, api_version
):
    backup = demo.backup_ids("db-01")[0]

    response = login_as(members.owner).post(
        url("server_restore_backup", "ci-runner"),
        {"backup": backup, "confirm": "ci-runner"},
        headers=HTMX,
    )

    said = {"v1": "Invalid backup.", "v2": "backup not found"}[api_version]
    assert f"Vultr refused: {said}" in response.content.decode()
