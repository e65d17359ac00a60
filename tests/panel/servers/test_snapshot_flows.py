"""From the Snapshots page to the two things a snapshot is for: restoring it onto a server
(choose the server, then its confirm page) and deploying a new server from it."""

from __future__ import annotations

import re

import pytest

from tests.panel.helpers import V2_PLANS, V2_REGIONS, text

pytestmark = pytest.mark.django_db

SNAPSHOT = "before upgrade to 20.04"


def test_each_finished_snapshot_offers_deploy_and_restore(operator, url, demo):
    snapshot_id = demo.snapshot_id(SNAPSHOT)
    page = text(operator.get(url("snapshot_list")))

    assert f'href="{url("deploy")}?snapshot={snapshot_id}">Deploy…</a>' in page
    assert f'href="{url("snapshot_restore", snapshot_id=snapshot_id)}">Restore…</a>' in page


def test_restore_asks_which_server_then_confirms_on_its_page(operator, url, demo):
    snapshot_id = demo.snapshot_id(SNAPSHOT)
    chooser = text(operator.get(url("snapshot_restore", snapshot_id=snapshot_id)))

    assert f"Restore “{SNAPSHOT}”" in chooser
    target = url("server_restore_snapshot", server_id=demo.id("web-01"))
    link = f"{target}?snapshot={snapshot_id}"
    assert f'href="{link}">Restore onto this server…</a>' in chooser

    confirm = operator.get(link)
    assert confirm.status_code == 200
    assert f"replaced by snapshot “{SNAPSHOT}” ({snapshot_id})" in text(confirm)


def test_a_viewer_may_not_choose_a_server_to_restore_onto(members, login_as, url, demo):
    viewer = login_as(members.viewer)
    snapshot_id = demo.snapshot_id(SNAPSHOT)

    assert viewer.get(url("snapshot_restore", snapshot_id=snapshot_id)).status_code == 403
    assert "Restore…" not in text(viewer.get(url("snapshot_list")))


def test_an_unknown_snapshot_has_no_restore_page(operator, url, demo):
    server = demo.id("web-01")

    known = demo.snapshot_id(SNAPSHOT)
    near_miss = known[:-1] + ("1" if known.endswith("0") else "0")  # one character off
    for unknown in ("nope", near_miss):
        confirm = operator.get(
            url("server_restore_snapshot", server_id=server) + f"?snapshot={unknown}"
        )
        assert confirm.status_code == 404, unknown
    assert operator.get(url("server_restore_snapshot", server_id=server)).status_code == 404
    assert (
        operator.get(url("server_restore_backup", server_id=server) + "?backup=nope").status_code
        == 404
    )


def test_deploy_from_a_snapshot_comes_with_the_snapshot_chosen(operator, url, demo, api_version):
    region = "1" if api_version == "v1" else V2_REGIONS["1"]
    plan = "201" if api_version == "v1" else V2_PLANS["201"]
    snapshot_id = demo.snapshot_id(SNAPSHOT)
    state = re.compile(r'name="state" value="([^"]+)"')

    page = text(operator.get(url("deploy") + f"?snapshot={snapshot_id}"))
    page = text(
        operator.post(
            url("deploy"), {"state": state.search(page)[1], "step": "region", "region": region}
        )
    )
    page = text(
        operator.post(url("deploy"), {"state": state.search(page)[1], "step": "plan", "plan": plan})
    )

    assert re.search(rf'<option value="snapshot:{snapshot_id}"[^>]*selected', page), page[-3000:]
