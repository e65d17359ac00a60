"""Fixtures of the Vultr pages' tests: both API versions, URLs of the key's pages, an operator."""

import pytest
from django.urls import reverse

from tests.fixtures.accounts import each_api_version

# Every test here runs with a v1 key and with a v2 key to the same simulated account.
api_version = each_api_version


@pytest.fixture
def url(members, stored_key):
    """url(name, **kwargs): a page of the team's `stored_key` (namespace "panel")."""

    def make(name: str, **kwargs) -> str:
        kwargs = {"team": members.team.slug, "key_id": stored_key.pk, **kwargs}
        return reverse(f"panel:{name}", kwargs=kwargs)

    return make


@pytest.fixture
def urls(url):
    """The deploy wizard's pages (test_deploy.py and test_deploy_v2.py); other modules here
    define `urls` of their own."""
    return {"deploy": url("deploy"), "create": url("deploy_create")}


@pytest.fixture
def server_url(url, demo):
    """server_url(name, label="web-01", **kwargs): a page of the demo server with that label."""

    def make(name: str, label: str = "web-01", **kwargs) -> str:
        return url(name, server_id=demo.id(label), **kwargs)

    return make


@pytest.fixture
def operator(members, login_as):
    return login_as(members.operator)
