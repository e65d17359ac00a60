"""v1 clients written by others work against the simulator unmodified (reference §11).

- apache-libcloud 3.9.1 ``VultrNodeDriverV1``: API-Key header, pointed here with host/port.
- PyPI ``vultr`` 1.0.1 (python-vultr): ``api_key`` in the query string for GET and POST. Its
  base URL lives in each resource object's ``api_endpoint`` attribute, which is all we change
  (plus its client-side pacing, through its own ``set_requests_per_second``).
"""

from urllib.parse import urlsplit

import pytest
from libcloud.common.types import InvalidCredsError, LibcloudError
from libcloud.compute.drivers.vultr import VultrNodeDriverV1
from libcloud.compute.types import NodeState
from vultr import Vultr, VultrError
from vultr.utils import VultrBase

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGthirdpartyclientkey user@host"


def libcloud_driver(account, key=None):
    port = urlsplit(account.url).port
    return VultrNodeDriverV1(key or account.key, host="127.0.0.1", port=port, secure=False)


def python_vultr(account, key=None):
    client = Vultr(key or account.key)
    pending = [client]
    while pending:
        resource = pending.pop()
        resource.api_endpoint = account.url
        resource.set_requests_per_second(1000)  # it sleeps to keep 1 request/s by default
        pending.extend(v for v in vars(resource).values() if isinstance(v, VultrBase))
    return client


def pick(items, wanted):
    return next(item for item in items if str(item.id) == wanted)


# -- libcloud -------------------------------------------------------------------------------------


def test_libcloud_lists_nodes_with_their_states(vultr_account):
    nodes = libcloud_driver(vultr_account).list_nodes()
    assert len(nodes) == 13
    states = {node.state for node in nodes}
    assert {NodeState.RUNNING, NodeState.PENDING, NodeState.STOPPED} <= states
    running = next(n for n in nodes if n.state == NodeState.RUNNING)
    assert running.public_ips and running.created_at is not None
    assert running.size is not None and running.image is not None
    assert running.extra["server_state"] in ("ok", "installingbooting")


def test_libcloud_lists_sizes_locations_and_images(vultr_account):
    driver = libcloud_driver(vultr_account)
    sizes = driver.list_sizes()
    assert {s.id for s in sizes} >= {"201", "202", "400"}
    assert next(s for s in sizes if s.id == "201").price == 5.0
    locations = driver.list_locations()
    assert any(loc.name == "New Jersey" and loc.country == "US" for loc in locations)
    images = driver.list_images()
    assert any(image.name == "Ubuntu 20.04 x64" for image in images)


def test_libcloud_creates_reboots_and_destroys_a_node(vultr_empty_account):
    account = vultr_empty_account
    driver = libcloud_driver(account)
    size, image = pick(driver.list_sizes(), "201"), pick(driver.list_images(), "387")
    location = pick(driver.list_locations(), "1")

    node = driver.create_node("libcloud-node", size, image, location)
    assert node.name == "libcloud-node"
    assert node.state == NodeState.PENDING

    account.sim.advance(400)  # deployed, and past the 5-minute destroy guard
    assert driver.reboot_node(node) is True
    assert driver.destroy_node(node) is True
    assert driver.list_nodes() == []


def test_libcloud_sees_vultr_errors(vultr_empty_account):
    account = vultr_empty_account
    driver = libcloud_driver(account)
    node = driver.create_node(
        "young",
        pick(driver.list_sizes(), "201"),
        pick(driver.list_images(), "387"),
        pick(driver.list_locations(), "1"),
    )
    with pytest.raises(LibcloudError, match="within 5 minutes"):
        driver.destroy_node(node)
    with pytest.raises(InvalidCredsError):
        libcloud_driver(account, key="wrong").list_nodes()


def test_libcloud_manages_key_pairs(vultr_empty_account):
    driver = libcloud_driver(vultr_empty_account)
    assert driver.list_key_pairs() == []
    assert driver.create_key_pair("laptop", SSH_KEY) is True
    (key_pair,) = driver.list_key_pairs()
    assert (key_pair.name, key_pair.pub_key) == ("laptop", SSH_KEY)
    assert driver.delete_key_pair(key_pair) is True
    assert driver.list_key_pairs() == []


# -- python-vultr ---------------------------------------------------------------------------------


def test_python_vultr_lists_the_catalog_and_servers(vultr_account):
    client = python_vultr(vultr_account)
    assert "387" in client.os.list()
    assert "201" in client.plans.list()
    assert 400 in client.regions.availability(9)
    assert client.regions.list()["9"]["name"] == "Frankfurt"
    servers = client.server.list()
    assert len(servers) == 13
    subid = next(iter(servers))
    assert client.server.list(subid)["SUBID"] == subid
    assert set(client.server.bandwidth(subid)) == {"incoming_bytes", "outgoing_bytes"}
    assert subid in client.server.ipv4.list(subid)
    assert float(client.account.info()["balance"]) < 0
    assert client.backup.list()


def test_python_vultr_drives_a_server(vultr_empty_account):
    account = vultr_empty_account
    client = python_vultr(account)
    subid = client.server.create(1, 201, 387, {"label": "py", "enable_ipv6": "yes"})["SUBID"]
    with pytest.raises(VultrError, match="Servers cannot be destroyed within 5 minutes"):
        client.server.destroy(subid)

    account.sim.advance(400)
    assert client.server.label_set(subid, "renamed") == {}  # its rendering of an empty body
    assert client.server.halt(subid) == {}
    assert client.server.list(subid)["power_status"] == "stopped"
    assert client.server.start(subid) == {}
    assert client.server.ipv6.list_ipv6(subid)[subid][0]["type"] == "main_ip"
    snapshot_id = client.snapshot.create(subid)["SNAPSHOTID"]
    assert snapshot_id in client.snapshot.list()
    assert client.server.destroy(subid) == {}
    assert client.server.list() == []


def test_python_vultr_manages_keys_and_scripts(vultr_empty_account):
    client = python_vultr(vultr_empty_account)
    sshkey_id = client.sshkey.create("laptop", SSH_KEY)["SSHKEYID"]
    assert client.sshkey.list()[sshkey_id]["name"] == "laptop"
    client.sshkey.destroy(sshkey_id)
    script_id = client.startupscript.create("hello", "#!/bin/sh\necho hi")["SCRIPTID"]
    assert client.startupscript.list()[str(script_id)]["name"] == "hello"


def test_python_vultr_sees_vultr_errors(vultr_account):
    with pytest.raises(VultrError, match="Invalid or missing API key"):
        python_vultr(vultr_account, key="wrong").server.list()
    # The same check python-vultr's own test suite makes against the real API.
    with pytest.raises(VultrError) as failure:
        python_vultr(vultr_account).server.label_set("", "")
    assert str(failure.value) == (
        "Request failed. Check the response body for a more detailed description. Body: \n"
        "Invalid server.  Check SUBID value and ensure your API key matches the server's account"
    )
