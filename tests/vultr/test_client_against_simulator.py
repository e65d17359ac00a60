"""VultrClient against the v1 simulator over real HTTP: every method and every error class.

Fixtures come from tests/fixtures/simulator.py: each test gets a fresh account (`vultr_account`
with demo data, `vultr_empty_account` without), all on one session-wide simulator without a
rate limit. Faults are injected for the test's own key, so they cannot hit another test.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from panel.vultr import (
    AuthenticationError,
    ConnectionFailedError,
    InvalidLocationError,
    InvalidParameterError,
    IpType,
    MethodNotAllowedError,
    PowerStatus,
    RateLimitedError,
    RequestFailedError,
    ScriptType,
    ServerError,
    ServerState,
    ServerStatus,
    UnexpectedResponseError,
    VultrClient,
    VultrTimeoutError,
)
from tests.vultr.simulated import (
    ED25519_KEY,
    UBUNTU_20,
    by_label,
    closed_port,
    connect,
    create_web_04,
    inject,
    recorder,
    settle,
    watched,
)


@pytest.fixture
def client(vultr_account):
    with connect(vultr_account) as client:
        yield client


# -- account and catalogue ------------------------------------------------------------------------


def test_account_and_catalogue(client):
    account = client.account_info()
    assert isinstance(account.balance, Decimal) and account.balance < 0  # credit
    assert account.pending_charges > 0
    assert account.last_payment_date is not None

    assert {"159", "164", "180", "186", UBUNTU_20} <= {os.id for os in client.os_list()}

    plans = {plan.id: plan for plan in client.plans_list()}
    assert (plans["201"].ram_mb, plans["201"].price_per_month) == (1024, Decimal("5.00"))
    regions = {region.id: region for region in client.regions_list()}
    assert regions["1"].name == "New Jersey"
    available = client.regions_availability("1")
    assert "201" in available and set(available) <= set(plans)
    assert all("1" in plans[plan_id].available_locations for plan_id in available)

    (iso,) = client.iso_list()
    assert iso.filename.endswith(".iso") and iso.size_bytes > 0


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_empty_account_answers_empty_lists(vultr_empty_account, api_version):
    # v1 sends `[]` for an empty map (reference §4); v2 an empty list.
    client = connect(vultr_empty_account, api_version)

    assert client.server_list() == []
    assert client.snapshot_list() == []
    assert client.backup_list() == []
    assert client.sshkey_list() == []
    assert client.startupscript_list() == []
    assert client.iso_list() == []
    assert client.account_info().pending_charges == Decimal("0")


# -- servers --------------------------------------------------------------------------------------


def test_server_list_and_filters(client):
    servers = client.server_list()

    assert len(servers) == 13
    assert [int(s.id) for s in servers] == sorted(int(s.id) for s in servers)
    assert {s.label for s in client.server_list(tag="web")} == {"web-01", "web-02", "web-03"}
    web = by_label(client, "web-01")
    assert client.server_list(main_ip=web.main_ip) == [web]
    assert client.server_list(subid=web.id) == [web]
    assert client.server_get(web.id) == web
    pending = by_label(client, "web-03")
    assert (pending.status, pending.server_state, pending.main_ip) == (
        ServerStatus.PENDING,
        ServerState.NONE,
        None,
    )
    assert by_label(client, "staging").power_status is PowerStatus.STOPPED


def test_os_change_options_show_the_windows_surcharge(client):
    web = by_label(client, "web-01")

    options = client.server_os_change_list(web.id)

    assert any(o.windows and o.surcharge > 0 for o in options)


def test_reverse_dns_ipv6(client):
    web = by_label(client, "web-01")

    client.server_reverse_set_ipv6(web.id, web.v6_main_ip, "v6.example.com")
    (entry,) = client.server_reverse_list_ipv6(web.id)
    assert entry.reverse == "v6.example.com"
    client.server_reverse_delete_ipv6(web.id, web.v6_main_ip)
    assert client.server_reverse_list_ipv6(web.id) == []


def test_secondary_ipv4(client):
    web = by_label(client, "web-02")

    assert client.server_create_ipv4(web.id, reboot=False) is None  # v1 sends no body
    secondary = [a for a in client.server_list_ipv4(web.id) if a.type is IpType.SECONDARY]
    assert len(secondary) == 1

    client.server_destroy_ipv4(web.id, secondary[0].ip)
    assert all(a.type is not IpType.SECONDARY for a in client.server_list_ipv4(web.id))


def test_a_snapshot_cannot_be_changed(client, sim):
    snapshot_id = client.snapshot_list()[0].id

    # v1 cannot change a snapshot: refused before any request.
    sent = sim.stats()["total"]
    with pytest.raises(InvalidParameterError, match="cannot change a snapshot"):
        client.snapshot_update(snapshot_id, "after upgrade")
    assert sim.stats()["total"] == sent


def test_startup_scripts(client, sim):
    script_id = client.startupscript_create("chain", "#!ipxe\nshell", type=ScriptType.PXE)
    assert script_id.isdecimal()  # a number on the wire here, a string in the list (§4)

    client.startupscript_update(script_id, script="#!ipxe\nchain http://boot.example/x")
    (script,) = [s for s in client.startupscript_list() if s.id == script_id]
    assert (script.type, script.script) == (ScriptType.PXE, "#!ipxe\nchain http://boot.example/x")
    # v1's startupscript/update takes no type (reference §7): refused before any request.
    sent = sim.stats()["total"]
    with pytest.raises(InvalidParameterError, match="cannot change a script's type"):
        client.startupscript_update(script_id, type=ScriptType.BOOT)
    assert sim.stats()["total"] == sent

    client.startupscript_destroy(script_id)
    assert script_id not in {s.id for s in client.startupscript_list()}


def test_create_wait_until_ready_then_destroy(client, sim):
    subid = create_web_04(client, "1", "201", tag="web", network_ids=["net539626f0798d7"])

    fresh = client.server_get(subid)
    assert (fresh.status, fresh.main_ip, fresh.is_ready) == (ServerStatus.PENDING, None, False)
    assert (fresh.label, fresh.tag, fresh.auto_backups) == ("web-04", "web", True)
    settle(sim, 0.5)
    assert client.server_get(subid).main_ip is not None
    settle(sim)
    ready = client.server_get(subid)
    assert ready.is_ready and ready.has_ipv6 and ready.internal_ip is not None

    # Not within 5 minutes of creation (reference §7).
    with pytest.raises(RequestFailedError, match="within 5 minutes"):
        client.server_destroy(subid)
    sim.advance(300)
    client.server_destroy(subid)
    assert subid not in {s.id for s in client.server_list()}


# -- errors ---------------------------------------------------------------------------------------


def test_bad_key_is_authentication_error(vultr_account):
    client = VultrClient("not-a-key", base_url=vultr_account.url)

    with pytest.raises(AuthenticationError) as caught:
        client.account_info()

    assert (caught.value.status, str(caught.value)) == (403, "Invalid API key")


def test_unknown_location(vultr_account, client):
    raw = client.get("server/nonexistent")
    assert raw.status == 400
    assert raw.body_text.startswith("Invalid API location")

    misplaced = VultrClient(vultr_account.key, base_url=vultr_account.url + "/api")
    with pytest.raises(InvalidLocationError, match="Invalid API location"):
        misplaced.account_info()


def test_wrong_method(vultr_account, client):
    for raw in (client.get("server/create"), client.post("server/list")):
        assert raw.status == 405
        assert raw.body_text.startswith("Invalid HTTP method")

    # No typed method uses the wrong verb, so the class is checked with an injected 405.
    inject(vultr_account, status=405, path="/v1/server/list")
    with pytest.raises(MethodNotAllowedError, match="Invalid HTTP method"):
        client.server_list()


def test_invalid_server_is_request_failed(client):
    with pytest.raises(RequestFailedError) as caught:
        client.server_get("1")

    assert caught.value.status == 412
    assert str(caught.value).startswith("Invalid server.")
    assert caught.value.retryable is False


def test_invalid_parameter_sends_nothing(vultr_account, client):
    attempts, hook = recorder()
    watched = connect(vultr_account, on_response=hook)

    with pytest.raises(InvalidParameterError):
        watched.server_label_set(by_label(client, "web-01").id, "")

    assert attempts == []


def test_server_error_is_retried_for_reads(vultr_account, client):
    inject(vultr_account, status=500, path="/v1/server/list")
    assert len(client.server_list()) == 13

    inject(vultr_account, status=500, path="/v1/server/list")
    with pytest.raises(ServerError, match="Internal server error"):
        connect(vultr_account, max_retries=0).server_list()


def test_server_error_on_create_is_not_retried(vultr_account, client):
    inject(vultr_account, status=500, path="/v1/server/create")

    with pytest.raises(ServerError) as caught:
        client.server_create("1", "201", UBUNTU_20)

    assert caught.value.retryable is False
    assert len(client.server_list()) == 13


def test_rate_limit_answer(vultr_account, client):
    inject(vultr_account, status=503, path="/v1/account/info")
    with pytest.raises(RateLimitedError, match="Rate limit reached"):
        connect(vultr_account, max_retries=0).account_info()

    # A 503 means "not done", so even server/create is sent again, and creates one server.
    inject(vultr_account, status=503, path="/v1/server/create")
    client.server_create("1", "201", UBUNTU_20, label="after-503")
    assert len(client.server_list(label="after-503")) == 1


def test_real_rate_limit_is_ridden_out_with_backoff(vultr_account):
    sim = vultr_account.sim
    sim.configure(rate_limit=5)
    try:
        impatient = connect(vultr_account, max_retries=0)
        with pytest.raises(RateLimitedError, match="Current rate limit: 5 requests/sec"):
            for _ in range(10):
                impatient.account_info()

        patient = connect(vultr_account, max_retries=5, sleep=time.sleep)
        for _ in range(10):
            patient.account_info()
    finally:
        sim.configure(rate_limit=0)


def test_read_timeout_is_retried_for_reads(vultr_account):
    client = connect(vultr_account, timeout=(2.0, 0.3))
    inject(vultr_account, delay=1.0, path="/v1/account/info")

    assert client.account_info().balance < 0

    inject(vultr_account, delay=1.0, path="/v1/account/info")
    with pytest.raises(VultrTimeoutError) as caught:
        connect(vultr_account, timeout=(2.0, 0.3), max_retries=0).account_info()
    assert caught.value.retryable is True


def test_create_timeout_is_not_retried(vultr_account, client):
    # The simulator serves the request after the delay: the server does get created, once.
    attempts = []
    impatient = connect(
        vultr_account, timeout=(2.0, 0.3), on_response=lambda *args: attempts.append(args)
    )
    inject(vultr_account, delay=1.0, path="/v1/server/create")

    with pytest.raises(VultrTimeoutError) as caught:
        impatient.server_create("1", "201", UBUNTU_20, label="slow")

    assert caught.value.retryable is False
    assert len(attempts) == 1
    deadline = time.monotonic() + 5
    while not client.server_list(label="slow") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(client.server_list(label="slow")) == 1


def test_dropped_connection(vultr_account, client):
    subid = by_label(client, "web-01").id
    inject(vultr_account, drop=True, path="/v1/server/list")
    assert client.server_get(subid).id == subid

    attempts, hook = recorder()
    watched = connect(vultr_account, on_response=hook)
    inject(vultr_account, drop=True, path="/v1/server/reboot")
    with pytest.raises(ConnectionFailedError) as caught:
        watched.server_reboot(subid)
    assert caught.value.retryable is False
    assert [status for *_, status, _ in attempts] == [None]


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_connection_refused(vultr_account, api_version):
    attempts, hook = recorder()
    client = VultrClient(
        vultr_account.key,
        base_url=f"http://127.0.0.1:{closed_port()}",
        api_version=api_version,
        max_retries=2,
        sleep=lambda seconds: None,
        on_response=hook,
    )

    with pytest.raises(ConnectionFailedError) as caught:
        client.account_info()

    assert caught.value.retryable is True
    assert len(attempts) == 3


def test_unexpected_answer(vultr_account, client):
    inject(vultr_account, status=200, body="<html>maintenance</html>", path="/v1/server/list")
    with pytest.raises(UnexpectedResponseError):
        client.server_list()

    inject(vultr_account, status=418, path="/v1/server/list")
    with pytest.raises(UnexpectedResponseError) as caught:
        client.server_list()
    assert caught.value.status == 418


# -- what goes over the wire ----------------------------------------------------------------------


def test_key_only_in_header_and_rate_limiter_per_attempt(vultr_account):
    client, seen, tokens = watched(vultr_account)
    inject(vultr_account, status=503, path="/v1/server/list")

    client.server_list()
    client.sshkey_create("k", ED25519_KEY)

    assert len(tokens) == len(seen) == 3
    for request in seen:
        assert request.headers["API-Key"] == vultr_account.key
        assert vultr_account.key not in request.url
        assert vultr_account.key not in (request.body or "")
