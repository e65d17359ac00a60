"""Deviations from the v1 reference found by going through it line by line (§1-§5), each
checked over real HTTP."""

import requests


def test_every_public_endpoint_of_the_reference_is_served_without_a_key(simulator):
    # reference §1: the public endpoints, each answering JSON without a key.
    url = f"{simulator.url}/v1"
    vc2 = requests.get(f"{url}/regions/availability_vc2", params={"DCID": 1})
    assert vc2.status_code == 200 and vc2.headers["Content-Type"] == "application/json"
    assert 201 in vc2.json() and 115 not in vc2.json()  # vc2 plans only
    vdc2 = requests.get(f"{url}/regions/availability_vdc2", params={"DCID": 1}).json()
    assert 115 in vdc2 and 201 not in vdc2
    # No bare metal and no object storage here: empty lists, sent as [] (reference §4).
    for path, params in (
        ("regions/availability_baremetal", {"DCID": 1}),
        ("plans/list_baremetal", {}),
        ("objectstorage/list_cluster", {}),
    ):
        response = requests.get(f"{url}/{path}", params=params)
        assert (response.status_code, response.text) == (200, "[]"), path
    bad = requests.get(f"{url}/regions/availability_vc2", params={"DCID": 99})
    assert bad.status_code == 412 and bad.text.startswith("Invalid DCID.")
    assert requests.get(f"{url}/regions/availability_vdc2").status_code == 412
