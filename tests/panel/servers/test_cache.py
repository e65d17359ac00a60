"""The per-key cache: one upstream call however many viewers, invalidation by actions, errors
shared, and no secrets in Redis. Counted at the simulator (`sim.stats()`)."""

from __future__ import annotations

import secrets
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection

from panel.servers import actions
from tests.panel.helpers import Demo, inject_fault


def _upstream(vultr) -> int:
    return vultr.sim.stats()["by_key"].get(vultr.key, 0)


def _together(n: int, work) -> list:
    """Runs `work()` in `n` threads released at once; returns results (or exceptions)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work()
        except Exception as err:
            results[i] = err
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_viewers_cause_one_upstream_call(members, ctx_for, vultr):
    ctx = ctx_for(members.viewer)
    # A v2 list names regions and plans by code only: it reads the catalogue once, for an hour.
    actions.regions(ctx), actions.plans(ctx)
    # A slow answer, so that every viewer arrives while the first one is still waiting.
    vultr.sim.inject_fault(delay=0.3, path="/v1/server/list", key=vultr.key)
    before = _upstream(vultr)

    results = _together(25, lambda: actions.list_servers(ctx))

    assert _upstream(vultr) - before == 1
    assert all(isinstance(r, list) and len(r) == 13 for r in results), results


@pytest.mark.django_db(transaction=True)
def test_viewers_share_the_leaders_error(members, ctx_for, vultr, api_version):
    ctx = ctx_for(members.viewer)
    fault = {"status": 503, "delay": 0.3}
    inject_fault(vultr, fault, v1="/v1/server/list", v2="/v2/instances", method="GET")
    before = _upstream(vultr)

    results = _together(10, lambda: actions.list_servers(ctx))

    assert _upstream(vultr) - before == 1
    assert all(isinstance(r, actions.ActionError) for r in results), results
    assert {r.kind for r in results} == {"rate_limited"}
    said = {"v1": "Rate limit reached", "v2": "Vultr said: rate limit exceeded"}[api_version]
    assert said in str(results[0])


@pytest.mark.django_db
def test_a_fresh_list_is_served_from_the_cache(members, ctx_for, vultr):
    ctx = ctx_for(members.viewer)
    actions.list_servers(ctx)
    before = _upstream(vultr)

    actions.list_servers(ctx_for(members.owner))
    actions.get_server(ctx, actions.list_servers(ctx)[0].id)

    assert _upstream(vultr) == before


@pytest.mark.django_db
def test_it_asks_again_when_the_list_expires(members, ctx_for, vultr, settings):
    settings.PANEL_CACHE_SECONDS = 1
    ctx = ctx_for(members.viewer)
    actions.list_servers(ctx)
    before = _upstream(vultr)

    time.sleep(1.1)
    actions.list_servers(ctx)

    assert _upstream(vultr) == before + 1


@pytest.mark.django_db
def test_an_action_invalidates_what_it_changed(members, ctx_for, vultr):
    demo = Demo(vultr)
    subid = demo.id("web-01")
    ctx = ctx_for(members.operator)
    assert actions.get_server(ctx, subid).power_status == "running"
    snapshots = len(actions.list_snapshots(ctx))

    actions.halt_server(ctx, subid)
    actions.create_snapshot(ctx, demo.id("web-02"))

    assert actions.get_server(ctx, subid).power_status == "stopped"
    assert len(actions.list_snapshots(ctx)) == snapshots + 1


@pytest.mark.django_db(transaction=True)
def test_a_list_fetched_before_an_action_does_not_come_back_after_it(members, ctx_for, vultr):
    demo = Demo(vultr)
    subid = demo.id("web-01")
    ctx = ctx_for(members.operator)
    vultr.sim.inject_fault(delay=0.5, path="/v1/server/list", key=vultr.key)
    slow = threading.Thread(target=lambda: (actions.list_servers(ctx), connection.close()))
    slow.start()
    time.sleep(0.1)  # the slow fetch has read the old state, or is about to

    actions.halt_server(ctx, subid)
    slow.join()

    assert actions.get_server(ctx, subid).power_status == "stopped"


@pytest.mark.django_db
def test_a_replaced_key_starts_with_an_empty_cache(members, ctx_for, stored_key, simulator):
    from accounts import actions as account_actions

    ctx = ctx_for(members.viewer)
    assert len(actions.list_servers(ctx)) == 13
    other = secrets.token_hex(18).upper()
    simulator.sim.add_account(other)  # an empty account

    account_actions.replace_api_key(stored_key, members.owner, other)

    assert actions.list_servers(ctx) == []


@pytest.mark.django_db
def test_no_root_password_or_key_reaches_redis(members, ctx_for, vultr):
    demo = Demo(vultr)
    password = demo.server("web-01")["default_password"]
    actions.list_servers(ctx_for(members.viewer))

    client = cache._cache.get_client(None, write=False)
    stored = b"".join(client.get(k) or b"" for k in client.keys("*vultr*"))
    assert stored
    assert password.encode() not in stored
    assert vultr.key.encode() not in stored
