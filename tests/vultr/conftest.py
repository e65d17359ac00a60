"""Shared by the provider library's tests that answer from canned JSON."""

import pytest
import responses


@pytest.fixture
def api():
    """Vultr's side of the conversation: `responses` answers every request the test registered,
    refuses any other, and fails the test if a registered one was never asked."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def sim(vultr_account):
    """The simulator behind the test's account (its control API)."""
    return vultr_account.sim
