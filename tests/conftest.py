"""Shared fixtures, one plugin module per area in tests/fixtures/.

The simulator comes first: the other fixture modules import from it.
"""

pytest_plugins = [
    "tests.fixtures.simulator",
    "tests.fixtures.services",
    "tests.fixtures.accounts",
    "tests.fixtures.panel",
    "tests.fixtures.browser",
    "tests.fixtures.ci",
]
