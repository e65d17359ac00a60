"""Starting the simulator from the command line, as scripts and the README do."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ANNOUNCEMENT = re.compile(r"^Vultr v1 simulator listening on (http://127\.0\.0\.1:(\d+))\n$")

pytestmark = pytest.mark.slow


def start(*command):
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = ANNOUNCEMENT.match(line)
    if not match:
        proc.kill()
        pytest.fail(f"unexpected first line: {line!r}")
    return proc, match.group(1)


def stop(proc):
    proc.terminate()
    assert proc.wait(timeout=10) == 0
    assert proc.stdout.read() == ""  # the announcement is the only output


def test_it_starts_with_python_dash_m_and_serves_demo_accounts():
    proc, url = start(
        sys.executable, "-m", "panel.simulator", "--port", "0", "--key", "K1", "--key", "K2",
        "--demo", "--rate-limit", "0",
    )  # fmt: skip
    try:
        for key in ("K1", "K2"):
            servers = requests.get(f"{url}/v1/server/list", headers={"API-Key": key}).json()
            assert len(servers) >= 12
        assert requests.get(f"{url}/v1/server/list", headers={"API-Key": "K3"}).status_code == 403
    finally:
        stop(proc)


def test_it_starts_as_a_management_command_with_a_rate_limit():
    proc, url = start(
        sys.executable, "manage.py", "vultr_simulator", "--port", "0", "--key", "K",
        "--rate-limit", "1", "--speed", "60",
    )  # fmt: skip
    try:
        session = requests.Session()
        codes = [
            session.get(f"{url}/v1/account/info", headers={"API-Key": "K"}).status_code
            for _ in range(4)
        ]
        assert codes[0] == 200 and 503 in codes
        config = session.get(f"{url}/_sim/config").json()
        assert (config["rate_limit"], config["speed"]) == (1.0, 60.0)
    finally:
        stop(proc)
