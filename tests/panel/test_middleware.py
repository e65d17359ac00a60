"""Every response names its request id; a sane incoming X-Request-ID is kept."""

import re

import pytest

from panel.middleware import request_id_from


@pytest.mark.django_db
def test_it_gives_each_request_an_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_it_keeps_the_id_a_proxy_assigned(client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "edge-1234abcd"})

    assert response["X-Request-ID"] == "edge-1234abcd"


@pytest.mark.parametrize(
    "value", ["", "short", "has spaces in it", "<script>alert(1)</script>", "x" * 65, "é" * 10]
)
def test_it_replaces_ids_that_are_not_sane(value):
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_from(value))


def test_it_accepts_uuids_with_dashes():
    value = "0f8fad5b-d9cb-469f-a165-70867728950e"

    assert request_id_from(value) == value
