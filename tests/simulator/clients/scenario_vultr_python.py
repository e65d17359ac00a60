"""vultr-python 0.2.0 (cssnr) against the simulator, run in .venv-clients (see conftest.py).

    python scenario_vultr_python.py URL KEY

Only the client's documented way of aiming it is used: ``Vultr.url`` is a class attribute.
Prints one JSON object of what the client saw; any unexpected exception fails the run.
"""

import base64
import json

from scenario_common import KEY, SSH_KEY, URL, advance
from vultr import Vultr, VultrException


def error_of(call):
    try:
        call()
    except VultrException as error:
        return [error.status, error.error, str(error)]
    return None


Vultr.url = f"{URL}/v2"
client = Vultr(KEY)
seen = {}
seen["regions"] = sorted(r["id"] for r in client.list_regions())
seen["plans"] = [p["id"] for p in client.list_plans()]
seen["os"] = [o["id"] for o in client.list_os()]
seen["instances_before"] = len(client.list_instances())

created = client.create_instance("ewr", "vc2-1c-1gb", os_id=387, label="vp", tags=["cssnr"])
seen["created"] = {k: created[k] for k in ("status", "server_status", "main_ip", "tags")}
seen["created_has_password"] = bool(created.get("default_password"))
seen["locked_delete"] = error_of(lambda: client.delete_instance(created))
advance(61)
got = client.get_instance(created["id"])
seen["settled"] = [got["status"], got["power_status"], got["server_status"]]
updated = client.update_instance(created, label="vp-renamed")
seen["updated_label"] = updated["label"]
seen["ipv4"] = [ip["type"] for ip in client.list_ipv4(created)]
seen["post_halt"] = client.post(f"/instances/{created['id']}/halt")
seen["halted"] = client.get_instance(created)["power_status"]
client.post("/instances/start", instance_ids=[created["id"]])
seen["started"] = client.get_instance(created)["power_status"]

key = client.create_key("laptop", SSH_KEY)
seen["key"] = client.get_key(key)["name"]
# update_key wrongly expects a body back from a 204 (v2 reference §7): the generic patch works.
seen["patch_key"] = client.patch(f"/ssh-keys/{key['id']}", name="desk")
seen["keys"] = [k["name"] for k in client.list_keys()]
client.delete_key(key)

body = base64.b64encode(b"#!/bin/sh\necho vultr-python\n").decode()
script = client.create_script("hello", body)
seen["script"] = base64.b64decode(client.get_script(script)["script"]).decode()
seen["scripts"] = [s["name"] for s in client.list_scripts()]
client.delete_script(script)

seen["delete"] = client.delete_instance(created)
seen["instances_after"] = len(client.list_instances())
seen["missing"] = error_of(lambda: client.get_instance(created["id"]))
seen["bad_uuid"] = error_of(lambda: client.get_instance("12345"))
seen["bad_plan"] = error_of(lambda: client.create_instance("ewr", "vc2-24c-96gb", os_id=387))
seen["unauthorized"] = error_of(lambda: Vultr("NOT-A-KEY").list_instances())
print(json.dumps(seen))
