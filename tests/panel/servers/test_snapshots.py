"""The snapshots page: every snapshot of the key's account with status, size, source and date;
take one of a server; delete one by typing its name. Against the simulator."""

from __future__ import annotations

import pytest

from panel.audit.models import AuditEntry, TeamSettings
from tests.panel.helpers import HTMX
from tests.panel.helpers import action_entries as _entries
from tests.panel.helpers import text as _text

pytestmark = pytest.mark.django_db


# -- the list --------------------------------------------------------------------------------


def test_it_lists_every_snapshot_with_status_size_and_date(operator, url, demo):
    page = _text(operator.get(url("snapshot_list")))

    for snapshot_id, snapshot in demo.snapshots().items():
        assert snapshot_id in page
        assert f"{int(snapshot['size']) / 10**9:.1f} GB" in page
        assert f'<span class="badge ok">{snapshot["status"]}</span>' in page
    assert "before upgrade to 20.04" in page


def test_it_names_the_source_of_snapshots_taken_through_the_panel(operator, url, demo):
    operator.post(url("snapshot_take"), {"server": demo.id("web-02"), "description": "mine"})

    page = _text(operator.get(url("snapshot_list")))

    server_url = url("server_detail", server_id=demo.id("web-02"))
    assert f'<a href="{server_url}">web-02</a>' in page
    assert "pending" in page


def test_the_source_outlives_the_audit_entries(operator, url, demo):
    # A team's audit retention prunes old entries; which server a snapshot came from is data of
    # its own (SnapshotSource) and stays.
    operator.post(url("snapshot_take"), {"server": demo.id("web-02"), "description": "mine"})
    AuditEntry._base_manager.filter(action="create_snapshot").delete()  # as retention does

    page = _text(operator.get(url("snapshot_list")))

    server_url = url("server_detail", server_id=demo.id("web-02"))
    assert f'<a href="{server_url}">web-02</a>' in page


def test_a_read_error_is_shown_in_the_page(operator, url, vultr):
    vultr.sim.inject_fault(status=503, key=vultr.key, path="/v1/snapshot/list")

    response = operator.get(url("snapshot_list"))

    assert response.status_code == 200
    assert "rate limit was reached" in _text(response)


# -- taking one ------------------------------------------------------------------------------


def test_taking_a_snapshot_of_a_server(operator, url, demo):
    before = set(demo.snapshots())

    response = operator.post(
        url("snapshot_take"), {"server": demo.id("web-02"), "description": "before the upgrade"}
    )

    assert response.status_code == 302
    assert response["Location"] == url("snapshot_list")
    (new_id,) = set(demo.snapshots()) - before
    assert demo.snapshots()[new_id]["description"] == "before the upgrade"
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id, entry.target_label) == (
        "create_snapshot",
        "succeeded",
        demo.id("web-02"),
        "web-02",
    )
    assert entry.params["snapshot_id"] == new_id


def test_taking_a_snapshot_with_htmx_answers_with_hx_location(operator, url, demo):
    response = operator.post(url("snapshot_take"), {"server": demo.id("web-02")}, headers=HTMX)

    assert response.status_code == 200
    assert url("snapshot_list") in response["HX-Location"]


def test_the_form_offers_only_active_servers(operator, url, demo):
    page = _text(operator.get(url("snapshot_list")))

    assert f'value="{demo.id("web-02")}"' in page
    assert f'value="{demo.id("web-03")}"' not in page  # still being deployed


def test_vultrs_real_412_for_a_pending_server_is_shown_next_to_the_form(operator, url, demo):
    before = set(demo.snapshots())

    response = operator.post(url("snapshot_take"), {"server": demo.id("web-03")}, headers=HTMX)

    page = _text(response)
    assert response.status_code == 200
    assert "Vultr refused: Server is still being deployed" in page
    assert 'id="form-takesnapshot"' in page
    assert set(demo.snapshots()) == before


def test_an_unknown_server_is_refused_before_vultr_is_asked(operator, url, demo):
    response = operator.post(url("snapshot_take"), {"server": "12345678"})

    assert "Select a valid choice" in _text(response)
    assert not _entries().exists()


FAULTS = [
    (412, "Unable to create snapshot: too many snapshots", "Vultr refused: Unable to create"),
    (403, None, "Vultr rejected the API key"),
    (503, None, "rate limit was reached"),
    (500, None, "Vultr failed: Internal server error"),
]


@pytest.mark.parametrize(("status", "body", "shown"), FAULTS, ids=[str(f[0]) for f in FAULTS])
def test_vultrs_errors_are_shown_next_to_the_form(operator, url, demo, vultr, status, body, shown):
    before = set(demo.snapshots())
    vultr.sim.inject_fault(status=status, body=body, key=vultr.key, path="/v1/snapshot/create")

    response = operator.post(url("snapshot_take"), {"server": demo.id("web-02")})

    assert response.status_code == 200
    page = _text(response)
    assert shown in page
    assert "<html" in page and "db-01 nightly" in page  # the whole page, with the list
    assert set(demo.snapshots()) == before


def test_a_timeout_says_the_snapshot_may_have_been_taken(operator, url, demo, vultr, settings):
    operator.get(url("snapshot_list"))  # servers cached before Vultr slows down
    settings.PANEL_VULTR_TIMEOUT = 1
    vultr.sim.inject_fault(delay=2, key=vultr.key, path="/v1/snapshot/create")

    response = operator.post(url("snapshot_take"), {"server": demo.id("web-02")}, headers=HTMX)

    assert "Vultr did not answer in time. It may still have happened" in _text(response)


# -- deleting one ----------------------------------------------------------------------------


def test_the_delete_page_says_what_is_lost_and_asks_for_the_name(operator, url, demo):
    nightly = demo.snapshot_id("db-01 nightly")

    page = _text(operator.get(url("snapshot_delete", snapshot_id=nightly)))

    assert "Type “db-01 nightly” to confirm" in page
    assert "deleted at Vultr for good" in page
    assert 'data-confirm="db-01 nightly"' in page


def test_deleting_with_the_right_name(operator, url, demo):
    nightly = demo.snapshot_id("db-01 nightly")

    response = operator.post(
        url("snapshot_delete", snapshot_id=nightly), {"confirm": "db-01 nightly"}
    )

    assert response.status_code == 302
    assert nightly not in demo.snapshots()
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id) == (
        "destroy_snapshot",
        "succeeded",
        nightly,
    )


def test_a_snapshot_without_description_is_confirmed_by_its_id(operator, url, demo):
    nameless = next(k for k, s in demo.snapshots().items() if not s["description"])

    response = operator.post(url("snapshot_delete", snapshot_id=nameless), {"confirm": nameless})

    assert response.status_code == 302
    assert nameless not in demo.snapshots()


def test_a_wrong_name_deletes_nothing(operator, url, demo):
    nightly = demo.snapshot_id("db-01 nightly")

    response = operator.post(url("snapshot_delete", snapshot_id=nightly), {"confirm": "db-01"})

    assert "Type “db-01 nightly” exactly to confirm." in _text(response)
    assert nightly in demo.snapshots()
    assert not _entries().exists()


def test_the_team_may_require_a_reason_which_goes_into_the_audit_entry(
    operator, url, demo, members
):
    TeamSettings.objects.create(team=members.team, require_reason=True)
    nightly = demo.snapshot_id("db-01 nightly")
    target = url("snapshot_delete", snapshot_id=nightly)

    assert "Reason (required in this team)" in _text(operator.get(target))
    refused = operator.post(target, {"confirm": "db-01 nightly"})
    assert nightly in demo.snapshots()
    assert "This field is required." in _text(refused)

    operator.post(target, {"confirm": "db-01 nightly", "reason": "superseded by tonight's"})

    assert nightly not in demo.snapshots()
    assert _entries().get().reason == "superseded by tonight's"


def test_an_unknown_snapshot_is_not_found(operator, url):
    assert operator.get(url("snapshot_delete", snapshot_id="0000000000000")).status_code == 404


def test_a_real_412_on_delete_is_shown_next_to_the_form(operator, url, demo, vultr):
    nightly = demo.snapshot_id("db-01 nightly")
    operator.get(url("snapshot_list"))  # the panel's list still has it...
    assert vultr.post("snapshot/destroy", SNAPSHOTID=nightly).status_code == 200  # ...Vultr not

    response = operator.post(
        url("snapshot_delete", snapshot_id=nightly), {"confirm": "db-01 nightly"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Vultr refused: Invalid snapshot.  Check SNAPSHOTID value" in _text(response)


@pytest.mark.parametrize(("status", "body", "shown"), FAULTS, ids=[str(f[0]) for f in FAULTS])
def test_vultrs_errors_on_delete_are_shown_next_to_the_form(
    operator, url, demo, vultr, status, body, shown
):
    nightly = demo.snapshot_id("db-01 nightly")
    vultr.sim.inject_fault(status=status, body=body, key=vultr.key, path="/v1/snapshot/destroy")

    response = operator.post(
        url("snapshot_delete", snapshot_id=nightly), {"confirm": "db-01 nightly"}
    )

    assert response.status_code == 200
    assert shown in _text(response)
    assert nightly in demo.snapshots()
