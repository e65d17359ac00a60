"""Shared fixtures. Service fixtures (simulator, Redis, Celery worker) live in tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.simulator",
]
