"""libcloud 3.9.1's ``VultrNodeDriverV2`` runs unmodified against the simulator (v2 reference §7).

It is what ``get_driver(Provider.VULTR)`` gives by default (api_version "2"), aimed here with
``secure=False, host=..., port=...``. It sends ``per_page=500`` on every request and a JSON
content type on every call, reads instances with ``data[...]``, stops nodes through the bulk
``POST /instances/halt`` and does not retry a 429 (reference §1.4, §7).
"""

from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from libcloud.common.vultr import VultrException
from libcloud.compute.providers import get_driver
from libcloud.compute.types import NodeState, Provider, VolumeSnapshotState

# libcloud fingerprints the key, so it must be a real one.
SSH_KEY = (
    Ed25519PrivateKey.generate()
    .public_key()
    .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    .decode()
)


def driver(account, key=None):
    cls = get_driver(Provider.VULTR)
    port = urlsplit(account.url).port
    return cls(key or account.key, secure=False, host="127.0.0.1", port=port)


def create_node(lc, name: str, size_id: str, location_id: str, image_id: str, **extra):
    """Orders a node the libcloud way: size, location and image objects from its own lists."""
    size = next(s for s in lc.list_sizes() if s.id == size_id)
    location = next(loc for loc in lc.list_locations() if loc.id == location_id)
    image = next(i for i in lc.list_images() if i.id == image_id)
    return lc.create_node(name, size, location, image=image, **extra)


def settle(account):
    account.sim.advance(account.sim.config()["provisioning_seconds"] + 1)


def test_it_is_the_v2_driver_by_default(vultr_account):
    assert type(driver(vultr_account)).__name__ == "VultrNodeDriverV2"


def test_it_lists_nodes_with_their_states(vultr_account):
    nodes = driver(vultr_account).list_nodes()
    assert len(nodes) == 13
    by_name = {node.name: node for node in nodes}
    assert by_name["web-01"].state == NodeState.RUNNING
    assert by_name["staging"].state == NodeState.STOPPED  # active + stopped
    assert by_name["web-03"].state == NodeState.PENDING
    web = by_name["web-01"]
    assert web.size == "vc2-1c-1gb" and web.image == "387"
    assert web.extra["location"] == "ewr" and web.extra["tag"] == "web"
    assert web.public_ips[0].count(".") == 3 and ":" in web.public_ips[1]  # v4 and v6
    assert web.private_ips and "ipv6" in web.extra["features"]


def test_it_lists_sizes_locations_and_images(vultr_account):
    lc = driver(vultr_account)
    sizes = {size.id: size for size in lc.list_sizes()}
    assert sizes["vc2-1c-1gb"].ram == 1024 and sizes["vc2-1c-1gb"].price == 5
    locations = {location.id: location for location in lc.list_locations()}
    assert locations["ewr"].name == "New Jersey" and locations["ewr"].country == "US"
    images = {image.id: image for image in lc.list_images()}
    assert images["387"].name == "Ubuntu 20.04 x64"
    available = lc.ex_list_available_sizes_for_location(locations["sjc"])
    assert "vc2-24c-96gb" in available  # 208, only in Silicon Valley (DCID 12)
    assert "vc2-24c-96gb" not in lc.ex_list_available_sizes_for_location(locations["ewr"])


def test_it_creates_operates_and_destroys_a_node(vultr_empty_account):
    account = vultr_empty_account
    lc = driver(account)
    node = create_node(lc, "lc-node", "vc2-1c-2gb", "ams", "387", ex_hostname="lc.example")
    assert node.state == NodeState.PENDING
    assert node.extra["disk"] == 0 and node.public_ips[0] == "0.0.0.0"

    # Vultr refuses to destroy a server that is still being set up (reference §1.3).
    with pytest.raises(VultrException) as refused:
        lc.destroy_node(node)
    assert refused.value.code == 500
    assert "Server is currently locked" in refused.value.message

    settle(account)
    node = lc.ex_get_node(node.id)
    assert node.state == NodeState.RUNNING and node.public_ips[0] != "0.0.0.0"
    assert lc.reboot_node(node)
    settle(account)
    assert lc.stop_node(node)  # the bulk POST /instances/halt
    assert lc.ex_get_node(node.id).state == NodeState.STOPPED
    assert lc.start_node(node)
    settle(account)
    assert lc.ex_get_node(node.id).state == NodeState.RUNNING

    bigger = next(s for s in lc.list_sizes() if s.id == "vc2-2c-4gb")
    assert lc.ex_resize_node(node, bigger)
    assert lc.ex_get_node(node.id).size == "vc2-2c-4gb"
    settle(account)

    # The same server seen through v1: its plan and region under their v1 ids.
    (subid,) = account.get("server/list").json()
    v1 = account.server(subid)
    assert (v1["VPSPLANID"], v1["DCID"], v1["label"]) == ("203", "7", "lc-node")

    assert lc.destroy_node(node)
    with pytest.raises(VultrException) as gone:
        lc.ex_get_node(node.id)
    assert (gone.value.code, gone.value.message) == (404, "instance not found")
    assert lc.list_nodes() == []


def test_it_manages_key_pairs(vultr_empty_account):
    lc = driver(vultr_empty_account)
    imported = lc.import_key_pair_from_string("laptop", SSH_KEY)
    assert imported.name == "laptop" and imported.public_key == SSH_KEY
    assert [k.name for k in lc.list_key_pairs()] == ["laptop"]
    assert lc.get_key_pair(imported.extra["id"]).public_key == SSH_KEY
    # The v1 view of the same key.
    assert [k["name"] for k in vultr_empty_account.get("sshkey/list").json().values()] == ["laptop"]
    assert lc.delete_key_pair(imported)
    assert lc.list_key_pairs() == []


def test_it_manages_snapshots(vultr_empty_account):
    account = vultr_empty_account
    lc = driver(account)
    node = create_node(lc, "snap-me", "vc2-1c-1gb", "ewr", "387")
    settle(account)
    snapshot = lc.ex_create_snapshot(node, description="before upgrade")
    assert snapshot.state == VolumeSnapshotState.CREATING
    assert [s.id for s in lc.ex_list_snapshots()] == [snapshot.id]
    settle(account)
    done = lc.ex_get_snapshot(snapshot.id)
    assert done.state == VolumeSnapshotState.AVAILABLE and done.size > 0
    assert done.extra["description"] == "before upgrade" and done.extra["os_id"] == 387
    assert lc.ex_delete_snapshot(done)
    assert lc.ex_list_snapshots() == []


def test_it_surfaces_vultr_errors(vultr_account):
    with pytest.raises(VultrException) as denied:
        driver(vultr_account, key="NOT-A-KEY").list_nodes()
    assert str(denied.value) == "(401) Invalid API token."
    with pytest.raises(VultrException) as malformed:
        driver(vultr_account).ex_get_node("12345678")
    assert str(malformed.value) == "(400) Invalid UUID format."


def test_it_does_not_retry_a_429(vultr_account):
    vultr_account.sim.inject_fault(kind="rate_limit", key=vultr_account.key)
    with pytest.raises(VultrException) as limited:
        driver(vultr_account).list_nodes()
    assert (limited.value.code, limited.value.message) == (429, "rate limit exceeded")
