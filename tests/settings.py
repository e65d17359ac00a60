"""Settings for the test suite: the real settings, with a real Redis started for the run.

CI may provide REDIS_URL (a system redis-server it started); otherwise a private Redis is
started here, before Django reads its settings, and stopped when the test process exits.
"""

import atexit
import os
import tempfile
from pathlib import Path

_tmp = Path(tempfile.mkdtemp(prefix="panel-tests-"))
# Keep tests away from the developer's data folder (SQLite file, generated secrets).
os.environ.setdefault("PANEL_DATA_DIR", str(_tmp / "data"))

if not os.environ.get("REDIS_URL"):
    from panel.local_stack import free_port, start_redis, stop

    _port = free_port()
    _redis = start_redis(_port, _tmp / "redis")
    atexit.register(stop, [_redis])
    # Child processes (Celery workers started by tests) inherit this and share the same Redis.
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{_port}/0"

from panel.settings import *  # noqa: E402,F403

# Fast hashing: tests create many users; the real hasher is covered by Django itself.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: Celery worker processes started by tests share the test database,
    # and tests can search the file itself for data that must never be stored in plain text.
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "test.sqlite3")}  # noqa: F405
# Otherwise (DATABASE_URL names PostgreSQL) pytest-django creates test_<name> on that server;
# a server it cannot reach is an error of the run, never a skip.

# Browser tests run sync Playwright beside Django's live server in the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# WhiteNoise (production static files) expects the collected folder to exist.
STATIC_ROOT = _tmp / "static"  # noqa: F405
STATIC_ROOT.mkdir()
# No collectstatic before the suite: pages name static files without the manifest's hashes
# (tests/test_production_stack.py runs collectstatic and the hashed names for real).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The shared API budget (panel/budget/tokens.py) would pace the suite's simulator calls at
# Vultr's 2 requests/s; the tests of the budget give their keys their own rate (KeyBudget).
PANEL_VULTR_RATE_LIMIT = 1000.0
PANEL_VULTR_V2_RATE_LIMIT = 1000.0
PANEL_VULTR_V2_RATE_BURST = 100
