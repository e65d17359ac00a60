"""The snapshots page: every snapshot of the key's account with status, size, source and date;
take one of a server; delete one by typing its name. Against the simulator."""

from __future__ import annotations

import pytest

from panel.audit.models import AuditEntry
from tests.panel.helpers import HTMX, inject_fault
from tests.panel.helpers import action_entries as _entries
from tests.panel.helpers import text as _text

pytestmark = pytest.mark.django_db


# -- the list --------------------------------------------------------------------------------


def test_it_lists_every_snapshot_with_status_size_and_date(operator, url, demo):
    page = _text(operator.get(url("snapshot_list")))

    assert len(demo.snapshots()) == 3
    for snapshot_id, snapshot in demo.snapshots().items():
        assert demo.vultr.panel_id(snapshot_id) in page  # v2: the UUID
        assert f"{int(snapshot['size']) / 10**9:.1f} GB" in page
        assert snapshot["status"] == "complete"
        assert 'title="Vultr API: status complete">complete</span>' in page
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


def test_a_read_error_is_shown_in_the_page(operator, url, vultr, api_version):
    inject_fault(vultr, {"status": 503}, v1="/v1/snapshot/list", v2="/v2/snapshots")

    response = operator.get(url("snapshot_list"))

    assert response.status_code == 200
    assert "rate limit was reached" in _text(response)
    said = {"v1": "Rate limit reached", "v2": "Vultr said: rate limit exceeded"}[api_version]
    assert said in _text(response)


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
    new_id = demo.vultr.panel_id(new_id)  # as the key's version names it
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id, entry.target_label) == (
        "create_snapshot",
        "succeeded",
        demo.id("web-02"),
        "web-02",
    )
    assert entry.params["snapshot_id"] == new_id


def test_the_form_offers_only_active_servers(operator, url, demo):
    page = _text(operator.get(url("snapshot_list")))

    assert f'value="{demo.id("web-02")}"' in page
    assert f'value="{demo.id("web-03")}"' not in page  # still being deployed


def test_vultrs_real_refusal_for_a_pending_server_is_shown_next_to_the_form(
    operator, url, demo, api_version
):
    before = set(demo.snapshots())
    # v1 answers 412, v2 500 "Server is currently locked" (v2 reference §1.3, §8.3).
    said = {
        "v1": "Vultr refused: Server is still being deployed",
        "v2": "Vultr refused: Server is currently locked",
    }[api_version]

    response = operator.post(url("snapshot_take"), {"server": demo.id("web-03")}, headers=HTMX)

    page = _text(response)
    assert response.status_code == 200
    assert said in page
    assert 'id="form-takesnapshot"' in page
    assert set(demo.snapshots()) == before


def test_an_unknown_server_is_refused_before_vultr_is_asked(operator, url, demo, api_version):
    unknown = {"v1": "12345678", "v2": "cb676a46-66fd-4dfb-b839-443f2e6c0b60"}[api_version]

    response = operator.post(url("snapshot_take"), {"server": unknown})

    assert "Select a valid choice" in _text(response)
    assert not _entries().exists()


# -- deleting one ----------------------------------------------------------------------------


def test_the_delete_page_says_what_is_lost_and_asks_for_the_name(operator, url, demo):
    nightly = demo.snapshot_id("db-01 nightly")

    page = _text(operator.get(url("snapshot_delete", snapshot_id=nightly)))

    assert "Type “db-01 nightly” to confirm" in page
    assert "deleted at Vultr for good" in page
    assert 'data-confirm="db-01 nightly"' in page


def test_a_snapshot_without_description_is_confirmed_by_its_id(operator, url, demo):
    nameless = next(k for k, s in demo.snapshots().items() if not s["description"])
    shown = demo.vultr.panel_id(nameless)  # its id as the page names it (v2: the UUID)

    response = operator.post(url("snapshot_delete", snapshot_id=shown), {"confirm": shown})

    assert response.status_code == 302
    assert nameless not in demo.snapshots()


def test_a_real_refusal_on_delete_is_shown_next_to_the_form(
    operator, url, demo, vultr, api_version
):
    nightly = demo.snapshot_id("db-01 nightly")
    operator.get(url("snapshot_list"))  # the panel's list still has it...
    gone = vultr.post("snapshot/destroy", SNAPSHOTID=vultr.v1_id(nightly))
    assert gone.status_code == 200  # ...Vultr not: v1 answers 412, v2 404
    said = {
        "v1": "Vultr refused: Invalid snapshot.  Check SNAPSHOTID value",
        "v2": "Vultr refused: snapshot not found",
    }[api_version]

    response = operator.post(
        url("snapshot_delete", snapshot_id=nightly), {"confirm": "db-01 nightly"}, headers=HTMX
    )

    assert response.status_code == 200
    assert said in _text(response)


# -- editing one (v2) ------------------------------------------------------------------------


# v2 changes a snapshot's description (PUT /snapshots/{id}); v1 cannot change a snapshot.
@pytest.mark.parametrize("api_version", ["v2"])
def test_on_v2_the_description_can_be_changed(operator, url, demo, api_version):
    nightly = demo.snapshot_id("db-01 nightly")
    target = url("snapshot_edit", snapshot_id=nightly)
    assert f'href="{target}"' in _text(operator.get(url("snapshot_list")))
    assert 'value="db-01 nightly"' in _text(operator.get(target))

    response = operator.post(target, {"description": "db-01 last night"})

    assert response.status_code == 302
    assert demo.snapshot(nightly)["description"] == "db-01 last night"
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id, entry.target_label) == (
        "update_snapshot",
        "succeeded",
        nightly,
        "db-01 nightly",
    )
    assert entry.params == {"description": "db-01 last night"}


@pytest.mark.parametrize("api_version", ["v2"])
def test_on_v2_vultrs_refusal_of_an_edit_is_shown_next_to_the_form(
    operator, url, demo, vultr, api_version
):
    nightly = demo.snapshot_id("db-01 nightly")
    vultr.sim.inject_fault(
        status=400, body="Invalid description.", key=vultr.key, path="/v2/snapshots/{snapshot-id}"
    )

    response = operator.post(
        url("snapshot_edit", snapshot_id=nightly), {"description": "x"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Vultr refused: Invalid description." in _text(response)
    assert demo.snapshot(nightly)["description"] == "db-01 nightly"


@pytest.mark.parametrize("api_version", ["v2"])
def test_on_v2_saving_the_same_description_says_so(operator, url, demo, api_version):
    target = url("snapshot_edit", snapshot_id=demo.snapshot_id("db-01 nightly"))

    response = operator.post(target, {"description": "db-01 nightly"})

    assert "Nothing changed: edit the description first." in _text(response)
    assert not _entries().exists()


# v1 only: v1 has no call that changes a snapshot (v2 keys get the edit page, tested above).
@pytest.mark.parametrize("api_version", ["v1"])
def test_on_v1_there_is_no_edit_page(operator, url, demo, vultr, api_version):
    nightly = demo.snapshot_id("db-01 nightly")
    target = url("snapshot_edit", snapshot_id=nightly)
    assert f'href="{target}"' not in _text(operator.get(url("snapshot_list")))
    vultr.sim.reset_stats()

    assert operator.get(target).status_code == 404
    assert operator.post(target, {"description": "x"}).status_code == 404
    assert vultr.sim.stats()["total"] == 0
    assert demo.snapshot(nightly)["description"] == "db-01 nightly"


def test_viewers_may_not_edit_and_outsiders_find_nothing(members, login_as, url, demo):
    nightly = demo.snapshot_id("db-01 nightly")
    target = url("snapshot_edit", snapshot_id=nightly)

    assert login_as(members.viewer).post(target, {"description": "x"}).status_code == 403
    assert login_as(members.outsider).post(target, {"description": "x"}).status_code == 404
    assert demo.snapshot(nightly)["description"] == "db-01 nightly"
