"""vultr-python-client 1.0.2 (generated from Vultr's OpenAPI spec) against the simulator, run
in .venv-clients (see conftest.py).

    python scenario_vultr_python_client.py URL KEY

Aimed as its README says: ``Configuration(host=...)`` and ``access_token``. The generated
client checks every answer against the spec's schemas, so this is a check of the simulator's
shapes too. Prints one JSON object of what the client saw.
"""

import json

import vultr_python_client
from scenario_common import KEY, SSH_KEY, URL, advance
from vultr_python_client.apis.tags import (
    account_api,
    instances_api,
    os_api,
    plans_api,
    region_api,
    snapshot_api,
    ssh_api,
)


def plain(value):
    """The client's frozendict/Decimal/str subclasses as plain JSON values."""
    return json.loads(
        json.dumps(value, default=lambda o: str(o) if not hasattr(o, "items") else dict(o))
    )


def api_error(call):
    try:
        call()
    except vultr_python_client.ApiException as error:
        return [error.status, json.loads(error.body)]
    return None


config = vultr_python_client.Configuration(host=f"{URL}/v2")
config.access_token = KEY
seen = {}
with vultr_python_client.ApiClient(config) as client:
    instances = instances_api.InstancesApi(client)
    seen["account_email"] = str(
        account_api.AccountApi(client).get_account().body["account"]["email"]
    )
    seen["os_count"] = len(os_api.OsApi(client).list_os().body["os"])
    seen["plans"] = [str(p["id"]) for p in plans_api.PlansApi(client).list_plans().body["plans"]]
    seen["regions"] = [
        str(r["id"]) for r in region_api.RegionApi(client).list_regions().body["regions"]
    ]
    listed = instances.list_instances(query_params={"per_page": 5}).body
    seen["listed"] = [len(listed["instances"]), int(listed["meta"]["total"])]
    cursor = str(listed["meta"]["links"]["next"])
    second = instances.list_instances(query_params={"per_page": 5, "cursor": cursor}).body
    seen["second_page"] = len(second["instances"])

    created = instances.create_instance(
        body={"region": "ewr", "plan": "vc2-1c-1gb", "os_id": 387, "label": "gen"}
    ).body["instance"]
    iid = str(created["id"])
    seen["created"] = [str(created["status"]), str(created["server_status"])]
    seen["locked_delete"] = api_error(
        lambda: instances.delete_instance(path_params={"instance-id": iid})
    )
    advance(61)
    got = instances.get_instance(path_params={"instance-id": iid}).body["instance"]
    seen["settled"] = [str(got["status"]), str(got["power_status"]), str(got["server_status"])]
    instances.halt_instance(path_params={"instance-id": iid})
    instances.start_instance(path_params={"instance-id": iid})
    instances.reboot_instance(path_params={"instance-id": iid})
    instances.halt_instances(body={"instance_ids": [iid]})
    seen["halted"] = str(
        instances.get_instance(path_params={"instance-id": iid}).body["instance"]["power_status"]
    )
    updated = instances.update_instance(
        path_params={"instance-id": iid}, body={"label": "gen-renamed"}
    ).body["instance"]
    seen["updated_label"] = str(updated["label"])

    keys = ssh_api.SshApi(client)
    key = keys.create_ssh_key(body={"name": "laptop", "ssh_key": SSH_KEY}).body["ssh_key"]
    keys.update_ssh_key(path_params={"ssh-key-id": str(key["id"])}, body={"name": "desk"})
    seen["keys"] = [str(k["name"]) for k in keys.list_ssh_keys().body["ssh_keys"]]
    keys.delete_ssh_key(path_params={"ssh-key-id": str(key["id"])})

    snapshots = snapshot_api.SnapshotApi(client)
    snapshot = snapshots.create_snapshot(body={"instance_id": iid, "description": "gen"}).body
    seen["snapshot"] = str(snapshot["snapshot"]["status"])
    seen["snapshots"] = len(snapshots.list_snapshots().body["snapshots"])

    # Sub-resources, each answer checked against the spec's schema by the client.
    path = {"instance-id": iid}
    seen["upgrades"] = sorted(
        instances.get_instance_upgrades(path_params=path, query_params={"type": "os"})
        .body["upgrades"]
        .keys()
    )
    seen["user_data"] = str(
        instances.get_instance_userdata(path_params=path).body["user_data"]["data"]
    )
    instances.create_instance_backup_schedule(path_params=path, body={"type": "daily", "hour": 5})
    seen["schedule_hour"] = int(
        instances.get_instance_backup_schedule(path_params=path).body["backup_schedule"]["hour"]
    )
    seen["iso_state"] = str(
        instances.get_instance_iso_status(path_params=path).body["iso_status"]["state"]
    )
    from_url = snapshots.create_snapshot_create_from_url(body={"url": "https://example.com/d.raw"})
    seen["from_url"] = [int(from_url.response.status), str(from_url.body["snapshot"]["status"])]

    instances.delete_instance(path_params={"instance-id": iid})
    seen["missing"] = api_error(lambda: instances.get_instance(path_params={"instance-id": iid}))

bad = vultr_python_client.Configuration(host=f"{URL}/v2")
bad.access_token = "NOT-A-KEY"
with vultr_python_client.ApiClient(bad) as client:
    seen["unauthorized"] = api_error(lambda: instances_api.InstancesApi(client).list_instances())
print(json.dumps(seen))
