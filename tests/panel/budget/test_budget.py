"""The API budget: one token bucket per key in Redis, shared by every process, that makes
requests wait for their turn instead of running into Vultr's 503."""

from __future__ import annotations

import threading
import time

import pytest

from accounts import actions as account_actions
from panel.budget import tokens as budget
from panel.budget.models import KeyBudget
from panel.budget.tokens import namespace
from panel.servers import actions
from panel.servers.actions.base import ACCOUNT
from panel.servers.cache import VultrCache
from panel.simulator import Simulator, serve
from panel.vultr import RateLimitedError
from tests.fixtures.simulator import new_key

pytestmark = pytest.mark.django_db


def give(api_key, rate: float, burst: int = 1) -> None:
    KeyBudget.objects.update_or_create(
        api_key=api_key, defaults={"requests_per_second": rate, "burst": burst}
    )
    budget.forget_config()


def test_callers_are_spaced_by_the_rate(stored_key):
    give(stored_key, rate=10, burst=1)
    waits = [budget.take(stored_key) for _ in range(5)]
    # Reservations: each caller is told when its turn comes, 1/rate after the one before.
    assert waits[0] == pytest.approx(0, abs=0.02)
    for earlier, later in zip(waits, waits[1:], strict=False):
        assert later - earlier == pytest.approx(0.1, abs=0.02)


def test_a_caller_out_of_patience_gets_a_rate_limit_error_and_reserves_nothing(stored_key):
    give(stored_key, rate=1, burst=1)
    budget.take(stored_key)
    with pytest.raises(budget.BudgetExhausted) as raised:
        budget.take(stored_key, patience_seconds=0.5)
    assert isinstance(raised.value, RateLimitedError) and raised.value.retryable
    # Nothing was reserved by the refusal: the next patient caller waits one interval.
    assert budget.take(stored_key, patience_seconds=5) == pytest.approx(1.0, abs=0.05)


def test_the_limiter_sleeps_until_the_token_is_ours(stored_key):
    give(stored_key, rate=4, burst=1)
    slept: list[float] = []
    wait = budget.limiter(stored_key, sleep=slept.append)
    wait(), wait(), wait()
    assert slept == [pytest.approx(0.25, abs=0.03), pytest.approx(0.5, abs=0.03)]


def test_keys_have_buckets_of_their_own(stored_key, members, vultr_empty_account):
    other = account_actions.add_api_key(
        members.team, members.owner, "Other", vultr_empty_account.url, vultr_empty_account.key
    )
    give(stored_key, rate=1, burst=1)
    give(other, rate=1, burst=1)
    budget.take(stored_key)
    assert budget.take(other) == pytest.approx(0, abs=0.02)


def test_threads_share_one_bucket(stored_key):
    give(stored_key, rate=20, burst=1)
    # Read here: the threads' own database connections cannot see this test's transaction.
    budget.config_for(stored_key.pk)
    granted: list[float] = []

    def ask() -> None:
        for _ in range(5):
            wait = budget.take(stored_key)
            time.sleep(wait)
            granted.append(time.monotonic())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 requests at 20/s, one at once: no faster than 19 intervals of 50 ms.
    assert max(granted) - started >= 0.9
    granted.sort()
    within_a_second = max(sum(1 for t in granted if start <= t < start + 0.5) for start in granted)
    assert within_a_second <= 11


def test_usage_counts_requests_and_503s(stored_key, members):
    give(stored_key, rate=100, burst=10)
    for _ in range(3):
        budget.take(stored_key)
    budget.response_hook(stored_key)("GET", "/v1/server/list", 503, 0.01)
    budget.response_hook(stored_key)("GET", "/v1/server/list", 200, 0.01)
    (found,) = budget.usage([stored_key])
    assert (found.used_last_minute, found.rejected_last_minute) == (3, 1)
    assert found.capacity_per_minute == 6000 and found.percent == 0


def test_requests_wait_their_turn_instead_of_getting_vultrs_503(members, settings):
    """Against a simulator that enforces 5 requests/s per key, reads through the action layer
    (as pages make them) with the key's budget at 5/s get no 503; the same burst without the
    budget does."""
    sim = Simulator(rate_limit=5)
    served = serve(sim)
    try:
        key = new_key()
        sim.add_account(key, demo=True)
        settings.VULTR_API_URLS = [served.url]
        api_key = account_actions.add_api_key(
            members.team, members.owner, "Limited", served.url, key
        )
        ctx = actions.ActionContext(user=members.owner, team=members.team, api_key_id=api_key.pk)
        store = VultrCache(namespace(api_key.pk, api_key.ciphertext))

        def burst() -> None:
            for _ in range(12):
                actions.account_info(ctx)
                store.invalidate([ACCOUNT])  # each read goes to Vultr

        give(api_key, rate=5, burst=1)
        time.sleep(1)  # the simulator's own bucket refills after the key's check
        sim.reset_stats()
        started = time.monotonic()
        burst()
        assert sim.stats()["rate_limited"] == 0
        assert time.monotonic() - started >= 11 / 5 - 0.3

        give(api_key, rate=1000, burst=100)
        with pytest.raises(actions.ActionError) as raised:
            burst()
        assert raised.value.kind == "rate_limited"
        assert sim.stats()["rate_limited"] == 1
    finally:
        served.shutdown()
