"""Deviations from the v2 reference found by going through it line by line (§1.2, §2, §3.1, §7,
§9), each checked over real HTTP, plus what real clients (pyvultr 0.1.5, vultr-python-client
1.0.2) need from the routes the reference lists under "other instance sub-resources"."""

import base64
import http.client
from urllib.parse import urlsplit

import requests

NEW = {"region": "ewr", "plan": "vc2-1c-1gb", "os_id": 387}


def settle(account):
    account.sim.advance(account.sim.config()["provisioning_seconds"] + 1)


def create(account, **body):
    response = account.v2("POST", "instances", json={**NEW, **body})
    assert response.status_code == 202, response.text
    return response.json()["instance"]


def raw(account, method, path, headers=None):
    """One request on a fresh connection: status, headers and the exact bytes received."""
    url = urlsplit(account.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_user_data_comes_back_as_it_was_sent(vultr_empty_account):
    account = vultr_empty_account
    cloud_init = base64.b64encode(b"#cloud-config\npackages: [nginx]\n").decode()
    instance = create(account, user_data=cloud_init)
    got = account.v2("GET", f"instances/{instance['id']}/user-data")
    assert got.status_code == 200
    assert got.json() == {"user_data": {"data": cloud_init}}

    settle(account)
    changed = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    assert account.v2("PATCH", f"instances/{instance['id']}", json={"user_data": changed}).ok
    got = account.v2("GET", f"instances/{instance['id']}/user-data").json()
    assert got["user_data"]["data"] == changed

    # A v1 create's userdata is the same server's user data.
    subid = account.create_server(userdata=cloud_init)
    got = account.v2("GET", f"instances/{account.sim.ids(account.key, subid)['v2']}/user-data")
    assert got.json()["user_data"]["data"] == cloud_init


def test_upgrades_always_carry_all_three_keys(vultr_account):
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    for wanted in ("os", "plans", "applications", "all"):
        upgrades = vultr_account.v2("GET", f"instances/{web['id']}/upgrades", type=wanted).json()
        assert set(upgrades["upgrades"]) == {"os", "applications", "plans"}, wanted
    only_os = vultr_account.v2("GET", f"instances/{web['id']}/upgrades", type="os").json()
    assert only_os["upgrades"]["os"] and only_os["upgrades"]["plans"] == []


def test_a_snapshot_from_a_url_answers_202_pending(vultr_empty_account):
    account = vultr_empty_account
    made = account.v2(
        "POST", "snapshots/create-from-url", json={"url": "https://example.com/disk.raw"}
    )
    assert made.status_code == 202, made.text  # 202, unlike POST /snapshots' 201 (§1.2)
    snapshot = made.json()["snapshot"]
    assert list(snapshot) == [
        "id", "date_created", "description", "size", "compressed_size", "status", "os_id",
        "app_id",
    ]  # fmt: skip
    assert snapshot["status"] == "pending"
    settle(account)
    got = account.v2("GET", f"snapshots/{snapshot['id']}").json()["snapshot"]
    assert got["status"] == "complete" and got["size"] > 0
    bad = account.v2("POST", "snapshots/create-from-url", json={})
    assert (bad.status_code, bad.json()["status"]) == (400, 400)


def test_a_resizing_instance_shows_no_disk_and_no_console(vultr_empty_account):
    # Recorded PATCH answer (libcloud ex_resize_node.json): resizing + locked, disk 0, kvm "".
    account = vultr_empty_account
    instance = create(account)
    settle(account)
    resized = account.v2("PATCH", f"instances/{instance['id']}", json={"plan": "vc2-1c-2gb"})
    assert resized.status_code == 202
    body = resized.json()["instance"]
    assert (body["status"], body["server_status"]) == ("resizing", "locked")
    assert (body["disk"], body["kvm"]) == (0, "")
    settle(account)
    body = account.v2("GET", f"instances/{instance['id']}").json()["instance"]
    assert body["disk"] == 55 and body["kvm"].startswith("https://my.vultr.com/")


def test_iso_attach_status_and_detach(vultr_account):
    account = vultr_account
    (web,) = account.v2("GET", "instances", label="web-01").json()["instances"]
    (iso,) = account.v2("GET", "iso").json()["isos"]
    path = f"instances/{web['id']}/iso"
    assert account.v2("GET", path).json() == {"iso_status": {"state": "ready", "iso_id": ""}}
    attached = account.v2("POST", f"{path}/attach", json={"iso_id": iso["id"]})
    assert attached.status_code == 202
    assert attached.json()["iso_status"]["iso_id"] == iso["id"]
    assert account.v2("GET", path).json()["iso_status"] == {
        "state": "isomounted",
        "iso_id": iso["id"],
    }
    detached = account.v2("POST", f"{path}/detach")
    assert detached.status_code == 202 and "state" in detached.json()["iso_status"]
    assert account.v2("GET", path).json()["iso_status"]["iso_id"] == ""


def test_backup_schedule_is_read_and_set(vultr_account):
    account = vultr_account
    (web,) = account.v2("GET", "instances", label="web-01").json()["instances"]
    path = f"instances/{web['id']}/backup-schedule"
    schedule = account.v2("GET", path).json()["backup_schedule"]
    assert list(schedule) == ["enabled", "type", "next_scheduled_time_utc", "hour", "dow", "dom"]
    assert account.v2("POST", path, json={"type": "weekly", "hour": 3, "dow": 2}).status_code == 200
    schedule = account.v2("GET", path).json()["backup_schedule"]
    assert (schedule["type"], schedule["hour"], schedule["dow"]) == ("weekly", 3, 2)
    assert schedule["next_scheduled_time_utc"].endswith("T03:00:00+00:00")
    bad = account.v2("POST", path, json={"type": "hourly"})
    assert bad.status_code == 400 and bad.json()["status"] == 400


def test_private_networks_and_vpcs_are_empty_paged_lists(vultr_account):
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    empty_meta = {"total": 0, "links": {"next": "", "prev": ""}}
    got = vultr_account.v2("GET", f"instances/{web['id']}/private-networks").json()
    assert got == {"private_networks": [], "meta": empty_meta}
    assert vultr_account.v2("GET", f"instances/{web['id']}/vpcs").json() == {
        "vpcs": [],
        "meta": empty_meta,
    }


def test_head_and_other_methods_get_the_api_answers_not_http_server_pages(vultr_account):
    account = vultr_account
    auth = {"Authorization": f"Bearer {account.key}"}
    status, headers, body = raw(account, "HEAD", "/v2/account", auth)
    assert (status, headers["Content-Type"], body) == (200, "application/json", b"")
    for method in ("OPTIONS", "TRACE"):
        status, headers, body = raw(account, method, "/v2/account", auth)
        assert status == 405 and headers["Server"] == "nginx", method
        assert headers["Content-Type"] == "application/json"
        assert body == b'{"error":"Method not allowed.","status":405}'
        # v1 answers a wrong method with its plain-text 405 (reference §2).
        status, headers, body = raw(account, method, "/v1/account/info", {"API-Key": account.key})
        assert (status, headers["Content-Type"]) == (405, "text/html; charset=UTF-8")
        assert body.startswith(b"Invalid HTTP method")


def test_pyvultr_default_reverse_path_is_served(vultr_account):
    # pyvultr 0.1.5 posts to /instances/{id}/reverse/default (no "ipv4/").
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    path = f"instances/{web['id']}"
    ip = web["main_ip"]
    assert vultr_account.v2("POST", f"{path}/ipv4/reverse", json={"ip": ip, "reverse": "a.b"}).ok
    reset = vultr_account.v2("POST", f"{path}/reverse/default", json={"ip": ip})
    assert (reset.status_code, reset.content) == (204, b"")
    (main,) = [e for e in vultr_account.v2("GET", f"{path}/ipv4").json()["ipv4s"] if e["ip"] == ip]
    assert main["reverse"] == f"{ip}.vultr.com"


def test_requests_survive_a_session(vultr_account):
    # A keep-alive session sees HEAD answered without a body, then a normal GET after it.
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {vultr_account.key}"
        assert session.head(f"{vultr_account.url}/v2/os").status_code == 200
        assert session.get(f"{vultr_account.url}/v2/os").json()["os"]


def test_a_chunked_request_body_is_read_and_the_connection_stays_usable(vultr_empty_account):
    account = vultr_empty_account
    url = urlsplit(account.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    body = b'{"name": "chunked", "ssh_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIChunkedBody u@h"}'
    headers = {"Authorization": f"Bearer {account.key}", "Content-Type": "application/json"}
    try:
        # http.client sends an iterable body with Transfer-Encoding: chunked.
        connection.request(
            "POST", "/v2/ssh-keys", body=iter([body[:20], body[20:]]), headers=headers
        )
        created = connection.getresponse()
        assert created.status == 201, created.read()
        assert b'"name":"chunked"' in created.read()
        # The same keep-alive connection serves the next request cleanly.
        connection.request("GET", "/v2/ssh-keys", headers=headers)
        listed = connection.getresponse()
        assert listed.status == 200 and b'"total":1' in listed.read()
    finally:
        connection.close()


def test_collections_the_simulator_has_none_of_are_empty_lists(vultr_account):
    empty_meta = {"total": 0, "links": {"next": "", "prev": ""}}
    for path, name in (
        ("blocks", "blocks"),
        ("private-networks", "networks"),
        ("vpcs", "vpcs"),
        ("reserved-ips", "reserved_ips"),
        ("firewalls", "firewall_groups"),
    ):
        got = vultr_account.v2("GET", path)
        assert got.status_code == 200, path
        assert got.json() == {name: [], "meta": empty_meta}
    assert requests.get(f"{vultr_account.url}/v2/blocks").status_code == 401


def test_libcloud_lists_volumes_and_networks(vultr_account):
    from libcloud.compute.providers import get_driver
    from libcloud.compute.types import Provider

    port = urlsplit(vultr_account.url).port
    driver = get_driver(Provider.VULTR)(
        vultr_account.key, secure=False, host="127.0.0.1", port=port
    )
    assert driver.list_volumes() == []
    assert driver.ex_list_networks() == []


def test_the_create_answer_bills_nothing_yet(vultr_empty_account):
    assert create(vultr_empty_account)["pending_charges"] == 0


def test_v2_answers_carry_the_recorded_headers(vultr_account):
    # v2 reference §1.2: every recorded answer, JSON, 204 or error, has these.
    auth = {"Authorization": f"Bearer {vultr_account.key}"}
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    for method, path in (
        ("GET", "/v2/account"),
        ("GET", "/v2/nope"),
        ("POST", f"/v2/instances/{web['id']}/reboot"),
        ("GET", "/v2/instances/not-a-uuid"),
    ):
        status, headers, _ = raw(vultr_account, method, path, auth)
        assert headers["Server"] == "nginx" and headers["Cache-Control"] == "no-cache", path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Robots-Tag"] == "noindex,noarchive"
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert not any(name.lower().startswith("x-ratelimit") for name in headers)
        # The key's account, as the 2023/2024 recorded answers name it.
        account = vultr_account.v2("GET", "account").json()["account"]
        assert headers["x-user"] == account["email"]
    _, headers, _ = raw(vultr_account, "GET", "/v2/account", {"Authorization": "Bearer nope"})
    assert "x-user" not in headers


def test_percent_encoded_path_parameters_are_decoded(vultr_account):
    # vultr-python-client quotes path parameters: an IPv6 address arrives with %3A for ":".
    account = vultr_account
    (web,) = account.v2("GET", "instances", label="web-01").json()["instances"]
    path, ip = f"instances/{web['id']}/ipv6/reverse", web["v6_main_ip"]
    assert account.v2("POST", path, json={"ip": ip, "reverse": "v6.example.com"}).ok
    assert account.v2("GET", path).json()["reverse_ipv6s"]
    deleted = account.v2("DELETE", f"{path}/{ip.replace(':', '%3A')}")
    assert deleted.status_code == 204, deleted.text
    assert account.v2("GET", path).json()["reverse_ipv6s"] == []
    encoded_id = web["id"].replace("-", "%2D")
    assert account.v2("GET", f"instances/{encoded_id}").json()["instance"]["id"] == web["id"]


def test_empty_list_filters_filter_nothing(vultr_account):
    everything = vultr_account.v2("GET", "instances").json()["meta"]["total"]
    empty = vultr_account.v2("GET", "instances", label="", tag="", region="", main_ip="")
    assert empty.json()["meta"]["total"] == everything == 13
    assert vultr_account.v2("GET", "instances", label="web-01").json()["meta"]["total"] == 1


def test_a_deeply_nested_body_is_a_400_not_a_500(vultr_empty_account):
    body = b'{"label":' * 50_000 + b'"x"' + b"}" * 50_000
    response = requests.post(
        f"{vultr_empty_account.url}/v2/instances",
        data=body,
        headers={
            "Authorization": f"Bearer {vultr_empty_account.key}",
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Bad request.", "status": 400}


def test_a_body_over_the_limit_is_refused_without_reading_it(vultr_empty_account):
    url = urlsplit(vultr_empty_account.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("POST", "/v2/instances")
        connection.putheader("Content-Length", str(1024**3))
        connection.putheader("Authorization", f"Bearer {vultr_empty_account.key}")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
    finally:
        connection.close()


def test_an_iso_instance_reads_custom_installed(vultr_account):
    (iso,) = vultr_account.v2("GET", "iso").json()["isos"]
    instance = create(vultr_account, os_id=None, iso_id=iso["id"])
    assert (instance["os"], instance["os_id"]) == ("Custom Installed", 159)


def test_a_204_has_no_content_length_and_the_connection_goes_on(vultr_account):
    # RFC 9110: no Content-Length on a 204; keep-alive clients read the next answer cleanly.
    (web,) = vultr_account.v2("GET", "instances", label="web-01").json()["instances"]
    url = urlsplit(vultr_account.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    auth = {"Authorization": f"Bearer {vultr_account.key}"}
    try:
        connection.request("POST", f"/v2/instances/{web['id']}/reboot", headers=auth)
        rebooted = connection.getresponse()
        assert (rebooted.status, rebooted.read()) == (204, b"")
        assert rebooted.getheader("Content-Length") is None
        assert rebooted.getheader("Content-Type") == "text/html; charset=UTF-8"
        connection.request("GET", "/v2/account", headers=auth)
        assert connection.getresponse().status == 200
    finally:
        connection.close()
