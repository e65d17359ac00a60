"""An id of the wrong shape for the key's API version is a 404 from the panel, never a call
to Vultr (issue 9, bad input): v2 names objects by UUID, v1 by its short ids."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

V1_SHAPED = {"server_id": "576965", "snapshot_id": "5359435d28b9a", "sshkey_id": "541b4960f23bd"}
V2_SHAPED = "cb676a46-66fd-4dfb-b839-443f2e6c0b60"


@pytest.mark.parametrize(
    ("name", "kwarg"),
    [
        ("server_detail", "server_id"),
        ("server_ipv4", "server_id"),
        ("snapshot_delete", "snapshot_id"),
        ("sshkey_edit", "sshkey_id"),
        ("script_delete", "script_id"),
        ("deploy_done", "server_id"),
    ],
)
def test_an_id_of_the_other_versions_shape_is_a_404_without_a_request(
    name, kwarg, members, login_as, url, vultr, api_version
):
    wrong = V2_SHAPED if api_version == "v1" else V1_SHAPED.get(kwarg, "12")
    client = login_as(members.owner)
    vultr.sim.reset_stats()
    response = client.get(url(name, **{kwarg: wrong}))
    assert response.status_code == 404
    assert vultr.sim.stats()["total"] == 0


def test_a_well_shaped_id_of_the_keys_version_is_looked_up(members, login_as, url, demo):
    response = login_as(members.owner).get(url("server_detail", server_id=demo.id("web-01")))
    assert response.status_code == 200
    assert "web-01" in response.content.decode()
