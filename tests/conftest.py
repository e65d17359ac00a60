"""Shared fixtures. Service fixtures (simulator, Celery worker) live in tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.accounts",
    "tests.fixtures.browser",
    "tests.fixtures.panel",
    "tests.fixtures.services",
    "tests.fixtures.simulator",
]
