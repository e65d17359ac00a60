"""Fixtures of the Vultr pages' tests: the demo account, URLs of the key's pages, an operator."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.panel.helpers import Demo, deselect_v2_runs

# Modules whose tests still speak v1 only: they inject faults on v1 paths with v1 status
# codes (412, 503), expect v1's texts ("Server is still being deployed") or send v1 catalogue
# ids. Their v2 runs are deselected (reported in the summary) until they are ported (issue 9 §4).
V2_NOT_YET = {
    "test_deploy",
}


@pytest.fixture(params=["v1", "v2"])
def api_version(request) -> str:
    """Every test here runs with a v1 key and with a v2 key to the same simulated account."""
    return request.param


def pytest_collection_modifyitems(config, items):
    deselect_v2_runs(config, items, Path(__file__).parent, V2_NOT_YET)


@pytest.fixture
def demo(vultr) -> Demo:
    return Demo(vultr)


@pytest.fixture
def url(members, stored_key):
    """url(name, **kwargs): a page of the team's `stored_key` (namespace "panel")."""

    def make(name: str, **kwargs) -> str:
        kwargs = {"team": members.team.slug, "key_id": stored_key.pk, **kwargs}
        return reverse(f"panel:{name}", kwargs=kwargs)

    return make


@pytest.fixture
def server_url(url, demo):
    """server_url(name, label="web-01", **kwargs): a page of the demo server with that label."""

    def make(name: str, label: str = "web-01", **kwargs) -> str:
        return url(name, server_id=demo.id(label), **kwargs)

    return make


@pytest.fixture
def operator(members, login_as):
    return login_as(members.operator)
