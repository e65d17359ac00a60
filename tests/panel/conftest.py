"""Panel tests talk to the session's simulator; errors should show on the first try."""

import pytest


@pytest.fixture(autouse=True)
def _no_retries(settings):
    # The provider library retries reads; a test that injects one fault wants to see it.
    settings.PANEL_VULTR_RETRIES = 0
    settings.PANEL_VULTR_TIMEOUT = 5
