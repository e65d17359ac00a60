"""The production files are valid: docker-compose.yml parses, the services the README names
exist."""

import shutil
import subprocess

import pytest

from panel.local_stack import BASE_DIR
from tests.fixtures.ci import needs


@pytest.fixture(autouse=True)
def compose():
    """docker-compose (Debian package) validates the file; .ci/run installs it."""
    needs(
        "docker-compose",
        shutil.which("docker-compose") is not None,
        "apt-get install docker-compose",
    )


def test_compose_file_is_valid():
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_compose_runs_every_service_with_health_checks():
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    import yaml

    services = yaml.safe_load(result.stdout)["services"]

    assert set(services) == {"web", "worker", "beat", "redis", "postgres"}
    for name in ("web", "worker", "redis", "postgres"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A panel worker")
    assert services["beat"]["command"].startswith("celery -A panel beat")
