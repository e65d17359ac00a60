"""The snapshots page: every snapshot of the key's account with status, size, source and date;
take one of a server; delete one by typing its name. Against the simulator."""

from __future__ import annotations

import pytest

from panel.audit.models import AuditEntry
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


# -- deleting one ----------------------------------------------------------------------------


def test_the_delete_page_says_what_is_lost_and_asks_for_the_name(operator, url, demo):
    nightly = demo.snapshot_id("db-01 nightly")

    page = _text(operator.get(url("snapshot_delete", snapshot_id=nightly)))

    assert "Type “db-01 nightly” to confirm" in page
    assert "deleted at Vultr for good" in page
    assert 'data-confirm="db-01 nightly"' in page


def test_a_snapshot_without_description_is_confirmed_by_its_id(operator, url, demo):
    nameless = next(k for k, s in demo.snapshots().items() if not s["description"])

    response = operator.post(url("snapshot_delete", snapshot_id=nameless), {"confirm": nameless})

    assert response.status_code == 302
    assert nameless not in demo.snapshots()


def test_a_real_412_on_delete_is_shown_next_to_the_form(operator, url, demo, vultr):
    nightly = demo.snapshot_id("db-01 nightly")
    operator.get(url("snapshot_list"))  # the panel's list still has it...
    assert vultr.post("snapshot/destroy", SNAPSHOTID=nightly).status_code == 200  # ...Vultr not

    response = operator.post(
        url("snapshot_delete", snapshot_id=nightly), {"confirm": "db-01 nightly"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Vultr refused: Invalid snapshot.  Check SNAPSHOTID value" in _text(response)
