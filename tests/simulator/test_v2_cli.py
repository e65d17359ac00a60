"""Choosing the API versions and the v2 rate limit from the command line."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ANNOUNCEMENT = re.compile(r"^Vultr (v1|v2) simulator listening on (http://127\.0\.0\.1:\d+)\n$")

pytestmark = pytest.mark.slow


def start(*command):
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    match = ANNOUNCEMENT.match(proc.stdout.readline())
    if not match:
        proc.kill()
        pytest.fail("no announcement")
    return proc, match.group(1), match.group(2)


def stop(proc):
    proc.terminate()
    assert proc.wait(timeout=10) == 0


def test_both_versions_by_default_with_30_requests_per_second_for_v2():
    proc, version, url = start(
        sys.executable, "-m", "panel.simulator", "--port", "0", "--key", "K", "--demo",
        "--rate-limit", "0",
    )  # fmt: skip
    try:
        assert version == "v1"  # the line scripts already wait for
        v1 = requests.get(f"{url}/v1/server/list", headers={"API-Key": "K"}).json()
        v2 = requests.get(f"{url}/v2/instances", headers={"Authorization": "Bearer K"}).json()
        assert len(v1) == v2["meta"]["total"] == 13
        assert requests.get(f"{url}/_sim/config").json()["v2_rate_limit"] == 30.0
    finally:
        stop(proc)


def test_v2_only_with_its_own_rate_limit_as_a_management_command():
    proc, version, url = start(
        sys.executable, "manage.py", "vultr_simulator", "--port", "0", "--key", "K",
        "--api", "v2", "--v2-rate-limit", "2", "--v2-not-found-seconds", "5",
    )  # fmt: skip
    try:
        assert version == "v2"
        session = requests.Session()
        v1 = session.get(f"{url}/v1/account/info", headers={"API-Key": "K"})
        assert v1.status_code == 400  # no v1 here
        codes = [
            session.get(f"{url}/v2/account", headers={"Authorization": "Bearer K"}).status_code
            for _ in range(4)
        ]
        assert codes[:2] == [200, 200] and 429 in codes
        config = session.get(f"{url}/_sim/config").json()
        assert (config["v2_rate_limit"], config["v2_not_found_seconds"]) == (2.0, 5.0)
    finally:
        stop(proc)
