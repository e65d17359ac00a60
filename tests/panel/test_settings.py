"""Settings come from the environment; a bad value stops start-up naming the variable."""

import pytest

from tests.fixtures.fresh_django import generated_once, run_manage, shell_prints, start_django


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false, got 'maybe'"),
        ("DEBUG", "yes", "DEBUG must be true or false, got 'yes'"),
        ("BEHIND_TLS_PROXY", "1", "BEHIND_TLS_PROXY must be true or false, got '1'"),
        ("SESSION_COOKIE_SECURE", "off", "SESSION_COOKIE_SECURE must be true or false, got 'off'"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is not a usable database URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL starting with redis://"),
        ("VULTR_API_URL", "api.vultr.com", "VULTR_API_URL must be a URL starting with http://"),
        ("SESSION_COOKIE_AGE", "soon", "SESSION_COOKIE_AGE must be an integer, got 'soon'"),
        (
            "PANEL_OPERATION_V2_POLL_SECONDS",
            "0.05",
            "PANEL_OPERATION_V2_POLL_SECONDS must be at least 0.2, got 0.05",
        ),
        (
            "PANEL_OPERATION_POLL_SECONDS",
            "5s",
            "PANEL_OPERATION_POLL_SECONDS must be a number, got '5s'",
        ),
        ("PANEL_VULTR_RATE_LIMIT", "0", "PANEL_VULTR_RATE_LIMIT must be at least 0.01, got 0"),
        ("PANEL_VULTR_V2_RATE_LIMIT", "inf", "must be a finite number, got 'inf'"),
    ],
)
def test_it_names_the_bad_variable(tmp_path, variable, value, message):
    result = start_django(tmp_path, **{variable: value})

    assert result.returncode != 0
    assert message in result.stderr


def test_a_request_id_from_a_proxy_needs_a_proxy(tmp_path):
    result = start_django(tmp_path, PANEL_PROXY_REQUEST_ID="true")

    assert result.returncode != 0
    assert "PANEL_PROXY_REQUEST_ID=true needs BEHIND_TLS_PROXY=true" in result.stderr


def test_the_data_folder_and_the_database_are_its_owners_alone(tmp_path):
    # The SQLite file holds password hashes and django-otp's TOTP seeds.
    result = start_django(tmp_path)
    assert result.returncode == 0, result.stderr
    migrate = run_manage(tmp_path, "migrate", "-v0", timeout=120)
    assert migrate.returncode == 0, migrate.stderr

    data = tmp_path / "data"
    assert data.stat().st_mode & 0o777 == 0o700
    database = data / "panel.sqlite3"
    assert database.stat().st_size > 0  # a real database, made by migrate in the file
    assert database.stat().st_mode & 0o777 == 0o600
    for path in data.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


def test_a_data_folder_made_looser_before_is_tightened(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "panel.sqlite3").touch(mode=0o644)
    (data / "panel.sqlite3").chmod(0o644)

    result = start_django(tmp_path)

    assert result.returncode == 0, result.stderr
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "panel.sqlite3").stat().st_mode & 0o777 == 0o600


def test_it_starts_with_no_configuration_and_keeps_its_generated_secret(tmp_path):
    secret_file = generated_once(tmp_path, "secret_key")

    assert len(secret_file.read_text().strip()) >= 50
    assert secret_file.stat().st_mode & 0o077 == 0


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text("from-a-file-" + "x" * 50)

    result = start_django(tmp_path, SECRET_KEY_FILE=str(key_file))

    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "data" / "secret_key").exists()


def test_it_refuses_an_unreadable_secret_file(tmp_path):
    result = start_django(tmp_path, SECRET_KEY_FILE=str(tmp_path / "missing"))

    assert result.returncode != 0
    assert "SECRET_KEY_FILE: cannot read" in result.stderr


def test_the_local_sqlite_database_lets_readers_and_one_writer_work_at_once(tmp_path):
    """SQLite (the local run, tests, benchmarks): write-ahead logging, so that the web and the
    workers read while one of them writes, and commits without a sync of the whole file each
    (bench/creates.py --api v2: 100 creates' commits took most of the workers' time)."""
    query = (
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], "
        "c.execute('PRAGMA synchronous').fetchone()[0])"
    )
    assert shell_prints(tmp_path, query).split() == ["wal", "1"]  # 1: NORMAL
