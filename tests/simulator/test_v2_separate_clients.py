"""vultr-python 0.2.0 and vultr-python-client 1.0.2 run unmodified against the simulator.

Each runs in .venv-clients (see conftest.py) as a subprocess: a scenario script in clients/
drives the client over real HTTP and prints what it saw as one JSON object.
"""

import json
import subprocess

import pytest

from tests.simulator.conftest import CLIENTS

pytestmark = pytest.mark.slow


def run(python, script, account):
    done = subprocess.run(
        [str(python), str(CLIENTS / script), account.url, account.key],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


LOCKED = "Unable to destroy server: Unable to remove VM: Server is currently locked"


def test_vultr_python(clients_python, vultr_empty_account):
    seen = run(clients_python, "scenario_vultr_python.py", vultr_empty_account)
    assert "ewr" in seen["regions"] and "vc2-1c-1gb" in seen["plans"] and 387 in seen["os"]
    assert seen["instances_before"] == 0
    assert seen["created"] == {
        "status": "pending",
        "server_status": "none",
        "main_ip": "0.0.0.0",
        "tags": ["cssnr"],
    }
    assert seen["created_has_password"]
    assert seen["locked_delete"] == [500, LOCKED, f"Error 500: {LOCKED}"]
    assert seen["settled"] == ["active", "running", "ok"]
    assert seen["updated_label"] == "vp-renamed"
    assert seen["ipv4"] == ["main_ip"]
    assert (seen["post_halt"], seen["halted"], seen["started"]) == (None, "stopped", "running")
    assert (seen["key"], seen["patch_key"], seen["keys"]) == ("laptop", None, ["desk"])
    assert seen["script"] == "#!/bin/sh\necho vultr-python\n" and seen["scripts"] == ["hello"]
    assert (seen["delete"], seen["instances_after"]) == (None, 0)
    assert seen["missing"] == [404, "instance not found", "Error 404: instance not found"]
    assert seen["bad_uuid"][:2] == [400, "Invalid UUID format."]
    assert seen["bad_plan"][:2] == [400, "Invalid plan chosen."]
    assert seen["unauthorized"] == [401, "Invalid API token.", "Error 401: Invalid API token."]


def test_vultr_python_client(clients_python, vultr_account):
    seen = run(clients_python, "scenario_vultr_python_client.py", vultr_account)
    assert seen["account_email"].endswith("@example.com") and seen["os_count"] == 26
    assert "vc2-1c-1gb" in seen["plans"] and "ewr" in seen["regions"]
    assert seen["listed"] == [5, 13] and seen["second_page"] == 5
    assert seen["created"] == ["pending", "none"]
    assert seen["locked_delete"] == [500, {"error": LOCKED, "status": 500}]
    assert seen["settled"] == ["active", "running", "ok"]
    assert seen["halted"] == "stopped" and seen["updated_label"] == "gen-renamed"
    assert sorted(seen["keys"]) == ["ci-deploy", "desk", "laptop"]  # two demo keys + ours
    assert seen["snapshot"] == "pending" and seen["snapshots"] == 4
    assert seen["upgrades"] == ["applications", "os", "plans"]
    assert seen["user_data"] == "" and seen["schedule_hour"] == 5 and seen["iso_state"] == "ready"
    assert seen["from_url"] == [202, "pending"]
    assert seen["missing"] == [404, {"error": "instance not found", "status": 404}]
    assert seen["unauthorized"] == [401, {"error": "Invalid API token.", "status": 401}]
