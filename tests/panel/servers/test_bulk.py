"""Bulk start, halt and reboot from the server list: one action and audit entry per server,
a result per row, and the badges told to refresh."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.panel.helpers import vultr_entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_url(members, stored_key):
    return reverse("panel:server_bulk", kwargs={"team": members.team.slug, "key_id": stored_key.pk})


def test_it_halts_the_selected_servers(members, login_as, bulk_url, demo):
    chosen = [demo.id("web-01"), demo.id("web-02")]

    response = login_as(members.operator).post(
        bulk_url, {"op": "halt", "server": chosen}, headers={"HX-Request": "true"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "servers-changed" in json.loads(response["HX-Trigger"])
    assert "<strong>web-01</strong>" in page and "<strong>web-02</strong>" in page
    assert page.count(">done<") == 2
    assert {demo.server(s)["power_status"] for s in chosen} == {"stopped"}
    assert sorted(vultr_entries().values_list("action", "target_label")) == [
        ("halt_server", "web-01"),
        ("halt_server", "web-02"),
    ]


def test_each_row_reports_its_own_failure(members, login_as, bulk_url, demo, api_version):
    chosen = [demo.id("web-01"), demo.id("web-03")]  # web-03 is still being deployed

    page = (
        login_as(members.operator)
        .post(bulk_url, {"op": "reboot", "server": chosen}, headers={"HX-Request": "true"})
        .content.decode()
    )

    assert page.count(">done<") == 1 and page.count(">failed<") == 1
    # v2 answers 500 "Server is currently locked" (v2 reference §8.3).
    said = {"v1": "Server is still being deployed", "v2": "Server is currently locked"}
    assert said[api_version] in page
    assert sorted(vultr_entries().values_list("outcome", flat=True)) == ["failed", "succeeded"]


def test_a_plain_form_gets_its_results_as_messages(members, login_as, bulk_url, demo):
    client = login_as(members.operator)

    response = client.post(bulk_url, {"op": "start", "server": [demo.id("staging")]})

    assert response.status_code == 302
    assert "staging: started" in client.get(response["Location"]).content.decode()
    assert demo.server("staging")["power_status"] == "running"


def test_nothing_selected_is_said_so(members, login_as, bulk_url):
    page = (
        login_as(members.operator)
        .post(bulk_url, {"op": "reboot"}, headers={"HX-Request": "true"})
        .content.decode()
    )

    assert "Select servers first." in page
    assert not vultr_entries().exists()


def test_servers_of_another_account_cannot_be_chosen(members, login_as, bulk_url):
    page = (
        login_as(members.operator)
        .post(bulk_url, {"op": "reboot", "server": ["12345678"]}, headers={"HX-Request": "true"})
        .content.decode()
    )

    assert "Select a valid choice" in page
    assert not vultr_entries().exists()


def test_a_viewer_is_refused_and_recorded(members, login_as, bulk_url, demo):
    response = login_as(members.viewer).post(
        bulk_url, {"op": "halt", "server": [demo.id("web-01")]}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 403
    assert demo.server("web-01")["power_status"] == "running"
    assert vultr_entries().get().outcome == "denied"
