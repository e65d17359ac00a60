"""VultrClient with api_version="v2" against the simulator over real HTTP: every method, every
error class, and one account seen through both API versions (issue 9 §4).

Fixtures come from tests/fixtures/simulator.py: each test gets a fresh account (`vultr_account`
with demo data, `vultr_empty_account` without), all on one session-wide simulator that serves
/v1 and /v2 over the same state, without rate limits. Faults are injected for the test's own
key; a test that changes the simulator's settings restores them. Sections of
/work/shared/reference/vultr-v2-api.md are cited as §n.
"""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import re
import time
import uuid
from decimal import Decimal

import pytest
import requests

from panel.vultr import (
    AuthenticationError,
    ConnectionFailedError,
    ImageStatus,
    InvalidParameterError,
    IpType,
    MethodNotAllowedError,
    NotFoundError,
    PowerStatus,
    RateLimitedError,
    RequestFailedError,
    ScriptType,
    ServerError,
    ServerLockedError,
    ServerState,
    ServerStatus,
    UnexpectedResponseError,
    VultrClient,
    VultrTimeoutError,
)
from panel.vultr.transports import v2 as v2_transport
from tests.fixtures.simulator import new_key
from tests.vultr import simulated
from tests.vultr.simulated import (
    ED25519_KEY,
    UBUNTU_20,
    by_label,
    create_web_04,
    recorder,
    settle,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LOCKED_TEXT = "Unable to destroy server: Unable to remove VM: Server is currently locked"
MISSING = str(uuid.UUID(int=1, version=4))  # a well-formed id that names nothing


def connect(account, **options) -> VultrClient:
    return simulated.connect(account, "v2", **options)


@pytest.fixture
def client(vultr_account):
    with connect(vultr_account) as client:
        yield client


@pytest.fixture
def v1(vultr_account):
    with simulated.connect(vultr_account) as client:
        yield client


@pytest.fixture
def restore_config(simulator):
    """Puts the simulator's settings back after a test that changes them."""
    original = simulator.sim.config()
    yield simulator
    simulator.sim.configure(**original)


def inject(account, **fault) -> None:
    simulated.inject(account, api="v2", **fault)


def ids(account, some_id: str, kind: str | None = None) -> dict:
    """Both ids of one object through the control endpoint: {"kind", "v1", "v2"}."""
    params = {"key": account.key, "id": some_id, "kind": kind or ""}
    response = requests.get(f"{account.url}/_sim/ids", params=params, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def requests_of(account) -> int:
    """How many v2 requests this account's key has made so far."""
    return account.sim.stats("v2")["by_key"].get(account.key, 0)


# -- account and catalogue ------------------------------------------------------------------------


def test_account_and_catalogue(client, v1):
    account = client.account_info()
    assert isinstance(account.balance, Decimal) and account.balance < 0  # credit
    assert account.pending_charges > 0
    assert account.last_payment_date.tzinfo is not None  # "+00:00" on the wire (§1.6)
    # One account behind both versions.
    assert (account.balance, account.pending_charges) == (
        v1.account_info().balance,
        v1.account_info().pending_charges,
    )

    systems = {os.id: os for os in client.os_list()}
    assert systems[UBUNTU_20].name == "Ubuntu 20.04 x64"
    assert all(os_id.isdecimal() for os_id in systems)  # integers on the wire (§1.6)
    assert any(os.windows for os in systems.values())

    plans = {plan.id: plan for plan in client.plans_list()}
    one_gb = plans["vc2-1c-1gb"]
    assert (one_gb.ram_mb, one_gb.vcpu_count, one_gb.price_per_month) == (1024, 1, Decimal("5"))
    assert "ewr" in one_gb.available_locations
    regions = {region.id: region for region in client.regions_list()}
    assert (regions["ewr"].name, regions["ewr"].code) == ("New Jersey", "ewr")
    available = client.regions_availability("ewr")
    assert "vc2-1c-1gb" in available and set(available) <= set(plans)
    assert all("ewr" in plans[code].available_locations for code in available)

    (iso,) = client.iso_list()
    assert UUID.match(iso.id) and iso.filename.endswith(".iso") and iso.size_bytes > 0
    assert iso.status == "complete"


# -- servers --------------------------------------------------------------------------------------


def test_server_list_and_filters(client):
    servers = client.server_list()

    assert len(servers) == 13
    assert all(UUID.match(s.id) for s in servers)
    assert len({s.id for s in servers}) == 13
    assert {s.label for s in client.server_list(tag="web")} == {"web-01", "web-02", "web-03"}
    web = by_label(client, "web-01")
    assert (web.plan_id, web.region_id, web.os_id) == ("vc2-1c-1gb", "ewr", UBUNTU_20)
    assert web.tags == ("web",) and web.hostname == "vultr.guest"
    assert web.default_password == ""  # only the create answer has it (§3)
    assert client.server_list(main_ip=web.main_ip) == [web]
    assert client.server_list(subid=web.id) == [web]
    assert client.server_get(web.id) == web
    pending = by_label(client, "web-03")
    # v2 shows the power already on while pending (§3.1).
    assert (pending.status, pending.server_state, pending.power_status, pending.main_ip) == (
        ServerStatus.PENDING,
        ServerState.NONE,
        PowerStatus.RUNNING,
        None,
    )
    assert not pending.is_ready
    assert by_label(client, "staging").power_status is PowerStatus.STOPPED


def test_server_list_beyond_one_page(simulator):
    # The transport asks for the largest page v2 serves (500, §1.5): 520 servers take two.
    key = new_key()
    simulator.sim.add_account(key, servers=520)
    attempts, hook = recorder()
    client = VultrClient(
        key, base_url=simulator.url, api_version="v2", timeout=(2.0, 10.0), on_response=hook
    )

    servers = client.server_list()

    assert len(servers) == len({s.id for s in servers}) == 520
    assert [path for _, path, *_ in attempts] == ["/v2/instances", "/v2/instances"]
    assert len(VultrClient(key, base_url=simulator.url).server_list()) == 520  # and v1 agrees
    last = servers[-1]
    assert client.server_list(label=last.label) == [last]


def list_reads(client: VultrClient, web_id: str, db_id: str) -> dict:
    """Every paged list the client reads, by name."""
    return {
        "os": client.os_list,
        "plans": client.plans_list,
        "regions": client.regions_list,
        "instances": client.server_list,
        "snapshots": client.snapshot_list,
        "backups": client.backup_list,
        "backups of db-01": lambda: client.backup_list(subid=db_id),
        "ssh-keys": client.sshkey_list,
        "startup-scripts": client.startupscript_list,
        "ipv4 of web-01": lambda: client.server_list_ipv4(web_id),
    }


def test_every_list_follows_the_cursor(client, vultr_account, monkeypatch):
    # Pages of 2 make every list run over several pages (§1.5, §8.5).
    web, db = by_label(client, "web-01"), by_label(client, "db-01")
    whole = {name: read() for name, read in list_reads(client, web.id, db.id).items()}
    monkeypatch.setattr(v2_transport, "PER_PAGE", "2")

    for name in whole:
        attempts, hook = recorder()
        paging = connect(vultr_account, on_response=hook)
        assert list_reads(paging, web.id, db.id)[name]() == whole[name], name
        assert len(whole[name]) >= 2, name
        pages = -(-len(whole[name]) // 2)
        assert len(attempts) == pages, name


def test_os_change_options_leave_out_v1s_special_systems(client):
    web = by_label(client, "web-01")

    options = client.server_os_change_list(web.id)

    assert any(o.windows for o in options) and UBUNTU_20 in {o.id for o in options}
    # v1's special OSIDs are no upgrade targets.
    assert not {"159", "164", "180", "186"} & {o.id for o in options}


def test_reverse_dns_ipv6(client):
    web = by_label(client, "web-01")

    # Given compressed, sent expanded (§8.9).
    compressed = ipaddress.IPv6Address(web.v6_main_ip).compressed
    client.server_reverse_set_ipv6(web.id, compressed, "v6.example.com")
    (entry,) = client.server_reverse_list_ipv6(web.id)
    assert entry.reverse == "v6.example.com"
    assert ipaddress.IPv6Address(entry.ip) == ipaddress.IPv6Address(web.v6_main_ip)
    client.server_reverse_delete_ipv6(web.id, compressed)
    assert client.server_reverse_list_ipv6(web.id) == []


def test_secondary_ipv4(client):
    web = by_label(client, "web-02")

    ip = client.server_create_ipv4(web.id, reboot=False)  # v2 names the new address (§2)
    secondary = [a for a in client.server_list_ipv4(web.id) if a.type is IpType.SECONDARY]
    assert [a.ip for a in secondary] == [ip]

    client.server_destroy_ipv4(web.id, ip)
    assert all(a.type is not IpType.SECONDARY for a in client.server_list_ipv4(web.id))


def test_a_snapshot_description_can_be_changed(client):
    snapshot_id = client.snapshot_list()[0].id

    client.snapshot_update(snapshot_id, "after upgrade")  # v2 only (PUT /snapshots/{id})

    (snapshot,) = [s for s in client.snapshot_list() if s.id == snapshot_id]
    assert snapshot.description == "after upgrade"


def test_startup_scripts_travel_base64_and_read_back_as_text(client):
    text = "#!/bin/sh\necho 'héllo ✓' > /etc/motd\n"
    script_id = client.startupscript_create("motd", text)
    assert UUID.match(script_id)
    on_wire = client.get(f"startup-scripts/{script_id}").json()["startup_script"]["script"]
    assert base64.b64decode(on_wire).decode() == text  # base64 on the wire (§2)
    (script,) = [s for s in client.startupscript_list() if s.id == script_id]
    assert (script.type, script.script) == (ScriptType.BOOT, text)

    pxe_id = client.startupscript_create("chain", "#!ipxe\nshell", type=ScriptType.PXE)
    client.startupscript_update(pxe_id, script="#!ipxe\nchain http://boot.example/x")
    client.startupscript_update(pxe_id, name="chain (new)")
    (pxe,) = [s for s in client.startupscript_list() if s.id == pxe_id]
    assert (pxe.name, pxe.type, pxe.script) == (
        "chain (new)",
        ScriptType.PXE,
        "#!ipxe\nchain http://boot.example/x",
    )
    client.startupscript_update(pxe_id, type="boot")  # v2 changes the type too (§2)
    (booted,) = [s for s in client.startupscript_list() if s.id == pxe_id]
    assert (booted.name, booted.type) == ("chain (new)", ScriptType.BOOT)

    client.startupscript_destroy(script_id)
    client.startupscript_destroy(pxe_id)
    assert not {script_id, pxe_id} & {s.id for s in client.startupscript_list()}


def test_create_walks_the_state_machine_to_ok_then_destroy(client, sim):
    subid = create_web_04(client, "ewr", "vc2-1c-1gb", tags=["web", "new"])

    assert UUID.match(subid)
    fresh = client.server_get(subid)
    # §3.1: pending, power already running, no address yet.
    assert (fresh.status, fresh.power_status, fresh.server_state) == (
        ServerStatus.PENDING,
        PowerStatus.RUNNING,
        ServerState.NONE,
    )
    assert (fresh.main_ip, fresh.gateway_v4, fresh.disk_gb) == (None, None, 0)
    assert not fresh.is_ready and fresh.label == "web-04"
    assert (fresh.hostname, fresh.tags) == ("web-04.example.com", ("web", "new"))
    assert fresh.auto_backups and {"auto_backups", "ipv6"} <= set(fresh.features)
    assert (fresh.plan_id, fresh.region_id, fresh.os_id) == ("vc2-1c-1gb", "ewr", UBUNTU_20)

    # Not destroyable while none or locked (§1.3, §8.3): a ServerLockedError, nothing done.
    with pytest.raises(ServerLockedError) as caught:
        client.server_destroy(subid)
    assert (caught.value.status, str(caught.value), caught.value.retryable) == (
        500,
        LOCKED_TEXT,
        False,
    )

    seen = []
    for _ in range(8):
        server = client.server_get(subid)
        state = (server.status, server.server_state)
        if not seen or seen[-1] != state:
            seen.append(state)
        sim.advance(sim.config()["provisioning_seconds"] / 6)
    assert seen[0] == (ServerStatus.PENDING, ServerState.NONE)
    assert (ServerStatus.ACTIVE, ServerState.LOCKED) in seen
    assert seen[-1] == (ServerStatus.ACTIVE, ServerState.OK)
    assert seen.index((ServerStatus.ACTIVE, ServerState.LOCKED)) < seen.index(
        (ServerStatus.ACTIVE, ServerState.INSTALLINGBOOTING)
    )
    settle(sim)
    ready = client.server_get(subid)
    assert ready.is_ready and ready.has_ipv6 and ready.main_ip not in (None, "0.0.0.0")
    assert ready.kvm_url and ready.disk_gb == 25 and ready.netmask_v4
    assert ready.main_ip in {a.ip for a in client.server_list_ipv4(subid)}

    # v2 has no 5-minute rule (v1's, v1 reference §7): once set up, the delete goes through.
    client.server_destroy(subid)
    assert subid not in {s.id for s in client.server_list()}
    with pytest.raises(NotFoundError, match="instance not found"):
        client.server_get(subid)


def test_power_actions_wait_for_setup(vultr_empty_account):
    # §8.3: power actions while server_status is none or locked are refused, nothing done.
    account = vultr_empty_account
    client = connect(account)
    subid = client.server_create("ewr", "vc2-1c-1gb", UBUNTU_20)

    for fraction, state in ((0.1, ServerState.NONE), (0.45, ServerState.LOCKED)):
        account.sim.advance(account.sim.config()["provisioning_seconds"] * fraction)
        assert client.server_get(subid).server_state is state
        for action in (client.server_halt, client.server_start, client.server_reboot):
            with pytest.raises(ServerLockedError, match="^Server is currently locked$"):
                action(subid)
        assert client.server_get(subid).power_status is PowerStatus.RUNNING

    settle(account.sim)
    client.server_halt(subid)
    assert client.server_get(subid).power_status is PowerStatus.STOPPED


# -- errors ---------------------------------------------------------------------------------------


def test_bad_key_is_authentication_error(vultr_account):
    client = VultrClient("not-a-key", base_url=vultr_account.url, api_version="v2")

    with pytest.raises(AuthenticationError) as caught:
        client.account_info()

    assert (caught.value.status, str(caught.value)) == (401, "Invalid API token.")
    # The public catalogue answers even so (§1.1).
    assert "vc2-1c-1gb" in client.regions_availability("ewr")


def test_unknown_server_is_not_found(client):
    for call in (
        client.server_get,
        client.server_bandwidth,
        client.server_halt,
        client.server_destroy,
        lambda sid: client.server_label_set(sid, "x"),
        lambda sid: client.snapshot_create(sid),
    ):
        with pytest.raises(NotFoundError) as caught:
            call(MISSING)
        assert (caught.value.status, str(caught.value)) == (404, "instance not found")
        assert isinstance(caught.value, RequestFailedError) and not caught.value.retryable


def test_unknown_objects_are_not_found(client):
    with pytest.raises(NotFoundError, match="snapshot not found"):
        client.snapshot_destroy(MISSING)
    with pytest.raises(NotFoundError, match="Invalid ssh key."):
        client.sshkey_destroy(MISSING)
    with pytest.raises(NotFoundError, match="Invalid startup script ID"):
        client.startupscript_update(MISSING, name="x")


def test_v1_shaped_ids_are_refused_before_sending(vultr_account, client):
    db_id = by_label(client, "db-01").id
    attempts, hook = recorder()
    watched = connect(vultr_account, on_response=hook)
    before = requests_of(vultr_account)

    for call in (
        lambda: watched.server_get("41326859"),
        lambda: watched.server_destroy("41326859"),
        lambda: watched.snapshot_destroy("5359435d28b9a"),
        lambda: watched.sshkey_update("541b4960f23bd", name="x"),
        lambda: watched.server_restore_backup(db_id, "543d34149403a"),
    ):
        with pytest.raises(InvalidParameterError, match="UUID"):
            call()

    assert attempts == []
    assert requests_of(vultr_account) == before  # nothing reached the simulator


def test_invalid_uuid_that_reaches_vultr_is_request_failed(vultr_account, client):
    # Ids inside a create body are not checked before sending: Vultr's 400 comes back (§8.8).
    before = len(client.server_list())

    with pytest.raises(RequestFailedError) as caught:
        client.server_create("ewr", "vc2-1c-1gb", UBUNTU_20, ssh_key_ids=["541b4960f23bd"])

    assert (caught.value.status, str(caught.value)) == (400, "Invalid UUID format.")
    assert not isinstance(caught.value, NotFoundError)
    assert len(client.server_list()) == before
    raw = client.get("instances/41326859")
    assert (raw.status, raw.json()) == (400, {"error": "Invalid UUID format.", "status": 400})


def test_invalid_plan_and_plan_not_in_region(client):
    before = len(client.server_list())

    with pytest.raises(RequestFailedError) as caught:
        client.server_create("ewr", "vc2-99c-1tb", UBUNTU_20)
    assert (caught.value.status, str(caught.value)) == (400, "Invalid plan chosen.")

    plans = client.plans_list()
    region, plan = next(
        (region.id, plan.id)
        for plan in plans
        for region in client.regions_list()
        if region.id not in plan.available_locations
    )
    assert plan not in client.regions_availability(region)
    with pytest.raises(RequestFailedError, match=r"^Invalid plan chosen\.$"):
        client.server_create(region, plan, UBUNTU_20)

    with pytest.raises(RequestFailedError, match="Invalid region."):
        client.regions_availability("nowhere")
    assert len(client.server_list()) == before  # nothing was created


def test_server_error_is_retried_for_reads(vultr_account, client):
    inject(vultr_account, status=500, path="/v2/instances", method="GET")
    assert len(client.server_list()) == 13

    inject(vultr_account, status=500, path="/v2/instances", method="GET")
    with pytest.raises(ServerError, match="Internal server error.") as caught:
        connect(vultr_account, max_retries=0).server_list()
    assert caught.value.status == 500 and not caught.value.locked


def test_server_error_on_create_is_not_retried(vultr_account, client):
    attempts, hook = recorder()
    inject(vultr_account, status=500, path="/v2/instances", method="POST")

    with pytest.raises(ServerError) as caught:
        connect(vultr_account, on_response=hook).server_create("ewr", "vc2-1c-1gb", UBUNTU_20)

    assert caught.value.retryable is False and len(attempts) == 1
    assert len(client.server_list()) == 13


def test_injected_lock_on_a_ready_server(vultr_account, client):
    web = by_label(client, "web-02")
    inject(vultr_account, kind="locked", path="/v2/instances/{instance-id}", method="DELETE")

    with pytest.raises(ServerLockedError, match="Server is currently locked") as caught:
        client.server_destroy(web.id)
    assert caught.value.locked and caught.value.retryable is False
    assert client.server_get(web.id).is_ready

    client.server_destroy(web.id)  # the lock has gone
    assert web.id not in {s.id for s in client.server_list()}


def test_injected_rate_limit_names_retry_after(vultr_account):
    inject(vultr_account, kind="rate_limit", retry_after=3)
    with pytest.raises(RateLimitedError) as caught:
        connect(vultr_account, max_retries=0).account_info()
    assert (caught.value.status, str(caught.value)) == (429, "rate limit exceeded")
    assert caught.value.retry_after == 3.0 and caught.value.retryable

    # A retry waits at least what Vultr asked for, and a 429 is safe to repeat even for POST.
    slept = []
    inject(vultr_account, kind="rate_limit", retry_after=2, path="/v2/ssh-keys", method="POST")
    patient = connect(vultr_account, sleep=slept.append)
    key_id = patient.sshkey_create("after-429", ED25519_KEY)
    assert len(slept) == 1 and slept[0] >= 2
    assert [k.id for k in patient.sshkey_list() if k.name == "after-429"] == [key_id]

    # Told to wait longer than the transport sleeps itself: handed to the caller at once.
    inject(vultr_account, kind="rate_limit", retry_after=60)
    with pytest.raises(RateLimitedError) as caught:
        connect(vultr_account, sleep=slept.append).account_info()
    assert caught.value.retry_after == 60.0 and len(slept) == 1


def test_real_rate_limit_answers_429_with_retry_after(vultr_account, restore_config):
    sim = vultr_account.sim
    sim.configure(v2_rate_limit=5)
    impatient = connect(vultr_account, max_retries=0)
    with pytest.raises(RateLimitedError) as caught:
        for _ in range(20):
            impatient.account_info()
    assert (caught.value.status, str(caught.value)) == (429, "rate limit exceeded")
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1
    # Per source IP, not per key (§1.4): another account from this address waits too.
    other = new_key()
    sim.add_account(other)
    with pytest.raises(RateLimitedError):
        VultrClient(other, base_url=vultr_account.url, api_version="v2", max_retries=0).os_list()

    patient = connect(vultr_account, max_retries=5, sleep=time.sleep)
    for _ in range(10):
        patient.account_info()


def test_not_found_window_right_after_create(vultr_empty_account, restore_config):
    account = vultr_empty_account
    response = requests.post(
        f"{account.url}/_sim/config", data={"v2_not_found_seconds": "20"}, timeout=5
    )
    assert response.json()["v2_not_found_seconds"] == 20
    client = connect(account)

    subid = client.server_create("ewr", "vc2-1c-1gb", UBUNTU_20, label="eventually")

    # §8.2: the new server is "not visible yet" by id, though listed.
    with pytest.raises(NotFoundError, match="instance not found"):
        client.server_get(subid)
    assert [s.id for s in client.server_list(label="eventually")] == [subid]
    account.sim.advance(21)
    assert client.server_get(subid).label == "eventually"


def test_dropped_connection(vultr_account, client):
    subid = by_label(client, "web-01").id
    inject(vultr_account, drop=True, path="/v2/instances/{instance-id}", method="GET")
    assert client.server_get(subid).id == subid

    attempts, hook = recorder()
    watched = connect(vultr_account, on_response=hook)
    inject(vultr_account, drop=True, path="/v2/instances/{instance-id}/reboot")
    with pytest.raises(ConnectionFailedError) as caught:
        watched.server_reboot(subid)
    assert caught.value.retryable is False
    assert [status for *_, status, _ in attempts] == [None]


def test_read_timeout_is_retried_for_reads_not_for_create(vultr_account, client):
    inject(vultr_account, delay=1.0, path="/v2/account")
    assert connect(vultr_account, timeout=(2.0, 0.3)).account_info().balance < 0

    attempts, hook = recorder()
    impatient = connect(vultr_account, timeout=(2.0, 0.3), on_response=hook)
    inject(vultr_account, delay=1.0, path="/v2/instances", method="POST")
    with pytest.raises(VultrTimeoutError) as caught:
        impatient.server_create("ewr", "vc2-1c-1gb", UBUNTU_20, label="slow")
    assert caught.value.retryable is False and len(attempts) == 1
    # The simulator serves it after the delay: the server is created, once.
    deadline = time.monotonic() + 5
    while not client.server_list(label="slow") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(client.server_list(label="slow")) == 1


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (403, AuthenticationError),  # a source address outside the key's allow-list (§1.1)
        (405, MethodNotAllowedError),
        (422, RequestFailedError),  # [specNew] on GET /instances (§1.3)
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (418, UnexpectedResponseError),
    ],
)
def test_each_error_status_has_its_class(vultr_account, status, error_class):
    inject(vultr_account, status=status, body="Vultr says no.", path="/v2/instances")

    with pytest.raises(error_class) as caught:
        connect(vultr_account, max_retries=0).server_list()

    assert caught.value.status == status
    if error_class is not UnexpectedResponseError:
        assert str(caught.value) == "Vultr says no."  # Vultr's own text (§1.3)


# -- the raw escape hatch and what goes over the wire ---------------------------------------------


def test_raw_get_and_post(client):
    listed = client.get("instances", label="web-01")
    assert listed.status == 200 and listed.headers["Content-Type"] == "application/json"
    (instance,) = listed.json()["instances"]
    assert instance["label"] == "web-01" and UUID.match(instance["id"])
    assert client.get("/v2/account").json()["account"]["balance"] < 0

    created = client.post("ssh-keys", name="raw", ssh_key=ED25519_KEY)
    assert created.status == 201
    assert created.json()["ssh_key"]["id"] in {k.id for k in client.sshkey_list()}
    refused = client.post("ssh-keys", name="no key")
    assert (refused.status, refused.json()["status"]) == (400, 400)
    assert client.get("nonexistent").status == 404


def test_key_only_in_bearer_header_and_rate_limiter_per_attempt(vultr_account):
    client, seen, tokens = simulated.watched(vultr_account, "v2")
    inject(vultr_account, kind="rate_limit", path="/v2/instances", method="GET")

    client.server_list()
    client.sshkey_create("k", ED25519_KEY)

    assert len(tokens) == len(seen) == 3
    for request in seen:
        assert request.headers["Authorization"] == f"Bearer {vultr_account.key}"
        assert "API-Key" not in request.headers
        assert vultr_account.key not in request.url
        assert vultr_account.key.encode() not in (request.body or b"")
    assert seen[-1].headers["Content-Type"] == "application/json"


# -- one account, two API versions ----------------------------------------------------------------


def test_a_server_created_through_v2_is_seen_through_v1(vultr_empty_account):
    account = vultr_empty_account
    client, v1 = connect(account), simulated.connect(account)

    subid = client.server_create("ewr", "vc2-1c-1gb", UBUNTU_20, label="both", tags=["web"])

    (old,) = v1.server_list(label="both")
    assert ids(account, subid) == {"kind": "server", "v1": old.id, "v2": subid}
    assert ids(account, old.id)["v2"] == subid
    assert (old.region_id, old.plan_id, old.os_id, old.tag) == ("1", "201", UBUNTU_20, "web")
    assert (old.status, old.server_state) == (ServerStatus.PENDING, ServerState.NONE)
    account.sim.advance(account.sim.config()["provisioning_seconds"] + 1)
    new, old = client.server_get(subid), v1.server_get(old.id)
    assert new.is_ready and old.is_ready
    assert (new.label, new.main_ip, new.status, new.power_status, new.server_state) == (
        old.label,
        old.main_ip,
        old.status,
        old.power_status,
        old.server_state,
    )

    # A label change through either version shows through the other.
    v1.server_label_set(old.id, "renamed in v1")
    assert client.server_get(subid).label == "renamed in v1"
    client.server_label_set(subid, "renamed in v2")
    assert v1.server_get(old.id).label == "renamed in v2"
    client.server_halt(subid)
    assert v1.server_get(old.id).power_status is PowerStatus.STOPPED

    # Gone through v2, gone through v1 (where it could not be destroyed for 5 minutes).
    client.server_destroy(subid)
    assert v1.server_list() == []


def test_a_server_created_through_v1_is_seen_through_v2(vultr_empty_account):
    account = vultr_empty_account
    client, v1 = connect(account), simulated.connect(account)

    old_id = v1.server_create("7", "202", UBUNTU_20, label="from v1", tag="api", enable_ipv6=True)

    new_id = ids(account, old_id)["v2"]
    (new,) = client.server_list(label="from v1")
    assert new.id == new_id
    assert (new.region_id, new.plan_id, new.tags) == ("ams", "vc2-1c-2gb", ("api",))
    assert (new.status, new.main_ip) == (ServerStatus.PENDING, None)
    account.sim.advance(account.sim.config()["provisioning_seconds"] + 1)
    new, old = client.server_get(new_id), v1.server_get(old_id)
    assert new.is_ready and (new.main_ip, new.v6_main_ip) == (old.main_ip, old.v6_main_ip)
    assert client.server_list(main_ip=old.main_ip) == [new]
    assert [a.ip for a in client.server_list_ipv4(new_id)] == [
        a.ip for a in v1.server_list_ipv4(old_id)
    ]


# What only one version has, or names differently (ids, plan and region codes, v2's default
# hostname, v1's password in every listing, its cost, bandwidth so far and KVM address).
VERSION_FIELDS = {
    "id", "region_id", "location", "plan_id", "cost_per_month", "current_bandwidth_gb",
    "hostname", "default_password", "kvm_url",
}  # fmt: skip


def test_every_object_reads_the_same_through_both_versions(vultr_account, client, v1):
    for new in client.server_list():
        old = v1.server_get(ids(vultr_account, new.id)["v1"])
        assert ids(vultr_account, old.id)["v2"] == new.id
        same = {f.name for f in dataclasses.fields(new)} - VERSION_FIELDS
        if new.status is ServerStatus.PENDING:
            same.discard("disk_gb")  # 0 in v2 while pending (§3)
        assert {name: getattr(new, name) for name in same} == {
            name: getattr(old, name) for name in same
        }, new.label

    for read, kind in (
        (VultrClient.snapshot_list, "snapshot"),
        (VultrClient.sshkey_list, "sshkey"),
        (VultrClient.startupscript_list, "startupscript"),
        (VultrClient.iso_list, "iso"),
    ):
        old = {item.id: item for item in read(v1)}
        new = read(client)
        assert len(new) == len(old), kind
        for item in new:
            counterpart = old[ids(vultr_account, item.id, kind)["v1"]]
            assert dataclasses.replace(counterpart, id=item.id) == item, kind

    # Backups have no v1 id behind /_sim/ids; they are the same list all the same.
    def backups(client):
        return sorted((b.date_created, b.size_bytes, b.status) for b in client.backup_list())

    assert backups(client) == backups(v1)


def test_servers_from_an_iso_or_an_application_through_v2(vultr_account, client, v1):
    # v2 names the image itself; v1 shows the special OSIDs (§4.1).
    (iso,) = client.iso_list()
    from_iso = client.server_create("ewr", "vc2-1c-1gb", "159", iso_id=iso.id, label="iso")
    app = client.server_create("ewr", "vc2-1c-1gb", "186", app_id="1", label="app")

    assert v1.server_get(ids(vultr_account, from_iso)["v1"]).os_id == "159"
    old_app = v1.server_get(ids(vultr_account, app)["v1"])
    assert (old_app.os_id, old_app.app_id) == ("186", "1")
    assert client.server_get(app).app_id == "1"


def test_lists_follow_changes_made_through_the_other_version(vultr_account, client, v1, sim):
    web = by_label(client, "web-02")
    old_id = ids(vultr_account, web.id)["v1"]

    def listed_v2():
        return {s.id: s for s in client.server_list()}[web.id]

    def listed_v1():
        return {s.id: s for s in v1.server_list()}[old_id]

    listed_v2(), listed_v1()  # both lists read (and cached by the simulator) first
    v1.server_label_set(old_id, "renamed in v1")
    v1.server_halt(old_id)
    assert (listed_v2().label, listed_v2().power_status) == ("renamed in v1", PowerStatus.STOPPED)
    client.server_start(web.id)
    client.server_label_set(web.id, "renamed in v2")
    assert (listed_v1().label, listed_v1().power_status) == ("renamed in v2", PowerStatus.RUNNING)
    client.server_reinstall(web.id)
    assert listed_v1().server_state is ServerState.LOCKED
    settle(sim)
    assert listed_v1().is_ready and listed_v2().is_ready


def test_snapshots_keys_and_scripts_are_shared(vultr_account, client, v1, sim):
    web = by_label(client, "web-02")

    # Snapshots: taken through v2, listed and destroyed through v1, and the other way round.
    snapshot_id = client.snapshot_create(web.id, description="through v2")
    old_snapshot = ids(vultr_account, snapshot_id)["v1"]
    (listed,) = [s for s in v1.snapshot_list() if s.id == old_snapshot]
    assert (listed.description, listed.status) == ("through v2", ImageStatus.PENDING)
    settle(sim)
    assert {s.id: s.status for s in client.snapshot_list()}[snapshot_id] is ImageStatus.COMPLETE
    v1.snapshot_destroy(old_snapshot)
    assert snapshot_id not in {s.id for s in client.snapshot_list()}
    old_web = ids(vultr_account, web.id)["v1"]
    made_in_v1 = v1.snapshot_create(old_web, description="through v1")
    assert {s.description for s in client.snapshot_list()} >= {"through v1"}
    client.snapshot_destroy(ids(vultr_account, made_in_v1)["v2"])
    assert made_in_v1 not in {s.id for s in v1.snapshot_list()}

    # SSH keys.
    key_id = client.sshkey_create("shared", ED25519_KEY)
    old_key = ids(vultr_account, key_id)["v1"]
    assert {k.id: k.ssh_key for k in v1.sshkey_list()}[old_key] == ED25519_KEY
    v1.sshkey_update(old_key, name="renamed in v1")
    assert {k.id: k.name for k in client.sshkey_list()}[key_id] == "renamed in v1"
    client.sshkey_destroy(key_id)
    assert old_key not in {k.id for k in v1.sshkey_list()}

    # Startup scripts: text in v1, base64 on the v2 wire, the same text through v2.
    text = "#!/bin/bash\necho 'über' >> /root/log\n"
    old_script = v1.startupscript_create("shared", text)
    script_id = ids(vultr_account, old_script, "startupscript")["v2"]
    assert {s.id: s.script for s in client.startupscript_list()}[script_id] == text
    client.startupscript_update(script_id, script=text + "exit 0\n")
    assert {s.id: s.script for s in v1.startupscript_list()}[old_script] == text + "exit 0\n"
    v1.startupscript_destroy(old_script)
    assert script_id not in {s.id for s in client.startupscript_list()}
