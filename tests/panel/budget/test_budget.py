"""The API budget: one token bucket per key in Redis, shared by every process, that makes
requests wait for their turn instead of running into Vultr's 503."""

from __future__ import annotations

import threading
import time

import pytest
from django.urls import reverse

from accounts import actions as account_actions
from accounts.models import ApiKey
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
            # The moment booked, not the moment this thread wakes: a loaded machine wakes
            # sleepers late and in bunches.
            granted.append(time.monotonic() + wait)
            time.sleep(wait)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 requests at 20/s, one at once: no faster than 19 intervals of 50 ms (four buckets of
    # their own would let all 20 go within a quarter of a second).
    assert max(granted) - started >= 0.9
    granted.sort()
    within_half_a_second = max(sum(1 for t in granted if t0 <= t < t0 + 0.5) for t0 in granted)
    assert within_half_a_second <= 12  # 10, one more at the edge, one for a thread's jitter


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
        api_key, burst = _limited_key(sim, served.url, members, settings)
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


def test_v2_requests_wait_their_turn_instead_of_getting_vultrs_429(members, settings):
    """The same with a v2 key against a simulator that enforces 5 requests/s per source IP
    (v2 reference §1.4): the shared v2 bucket at 5/s keeps every read clear of a 429; without
    it the burst runs into Vultr's 429, whose Retry-After pauses the bucket (the client's
    on_rate_limited hook), so that the next read waits instead of running into another."""
    sim = Simulator(rate_limit=0, v2_rate_limit=5)
    served = serve(sim)
    try:
        api_key, burst = _limited_key(sim, served.url, members, settings, api_version="v2")
        settings.PANEL_VULTR_V2_RATE_LIMIT, settings.PANEL_VULTR_V2_RATE_BURST = 5.0, 1
        time.sleep(1)
        sim.reset_stats()
        started = time.monotonic()
        burst()
        assert sim.stats()["rate_limited"] == 0
        assert time.monotonic() - started >= 11 / 5 - 0.3

        settings.PANEL_VULTR_V2_RATE_LIMIT, settings.PANEL_VULTR_V2_RATE_BURST = 1000.0, 100
        time.sleep(1)
        with pytest.raises(actions.ActionError) as raised:
            burst()
        assert raised.value.kind == "rate_limited"
        assert sim.stats()["rate_limited"] == 1
        started = time.monotonic()
        burst(1)
        assert time.monotonic() - started >= 0.8  # Retry-After: 1
        assert sim.stats()["rate_limited"] == 1
        (usage,) = budget.usage([api_key])
        assert usage.rejected_last_minute == 1
    finally:
        served.shutdown()


def _limited_key(sim, url, members, settings, api_version="v1"):
    """A key of `api_version` to a fresh demo account of `sim`, and burst(n): `n` reads
    through the action layer, each going to Vultr."""
    key = new_key()
    sim.add_account(key, demo=True)
    settings.VULTR_API_URLS = [url]
    api_key = account_actions.add_api_key(members.team, members.owner, "Limited", url, key)
    if api_key.api_version != api_version:
        ApiKey.objects.filter(pk=api_key.pk).update(api_version=api_version)
        api_key.refresh_from_db()
    redis = budget.redis_client()
    stale = list(redis.scan_iter("budget:v2.*"))
    if stale:
        redis.delete(*stale)
    ctx = actions.ActionContext(user=members.owner, team=members.team, api_key_id=api_key.pk)
    store = VultrCache(namespace(api_key.pk, api_key.ciphertext))

    def burst(n: int = 12) -> None:
        for _ in range(n):
            store.invalidate([ACCOUNT])  # each read goes to Vultr
            actions.account_info(ctx)

    return api_key, burst


# -- v2: one bucket per API address, shared by every v2 key --------------------------------------


@pytest.fixture
def v2_budget(settings):
    """The shared v2 bucket at 2 requests/s, burst 1 (waits long enough to measure on a busy
    machine), and nothing left of earlier tests'."""
    settings.PANEL_VULTR_V2_RATE_LIMIT = 2.0
    settings.PANEL_VULTR_V2_RATE_BURST = 1
    redis = budget.redis_client()
    stale = list(redis.scan_iter("budget:v2.*"))
    if stale:
        redis.delete(*stale)
    budget.forget_config()
    return settings


def v2_key(team, url: str, label: str, plaintext: str | None = None) -> ApiKey:
    api_key = ApiKey(team=team, label=label, api_url=url, api_version="v2")
    api_key.set_secret(plaintext or new_key())
    api_key.save()
    return api_key


def test_v2_keys_at_one_address_share_one_bucket_across_teams(members, v2_budget):
    url = "https://api.example.test"
    mine = v2_key(members.team, url, "Mine")
    theirs = v2_key(members.outsider.personal_team, url, "Theirs")

    assert budget.take(mine) == pytest.approx(0, abs=0.05)
    # Vultr counts v2 requests per source address: the other team's key waits its turn.
    assert budget.take(theirs) == pytest.approx(0.5, abs=0.05)
    assert budget.take(mine) == pytest.approx(1.0, abs=0.05)


def test_v2_buckets_are_per_api_address(members, v2_budget):
    one = v2_key(members.team, "https://api.example.test", "One")
    other = v2_key(members.team, "https://other.example.test", "Other")

    budget.take(one)
    assert budget.take(other) == pytest.approx(0, abs=0.05)


def test_v1_keys_keep_buckets_of_their_own_beside_the_shared_v2_one(members, stored_key, v2_budget):
    give(stored_key, rate=4, burst=1)
    modern = v2_key(members.team, stored_key.api_url, "Modern")

    budget.take(stored_key)
    assert budget.take(modern) == pytest.approx(0, abs=0.05)
    assert budget.take(stored_key) == pytest.approx(0.25, abs=0.05)
    assert budget.take(modern) == pytest.approx(0.5, abs=0.05)


def test_the_v2_rate_is_a_setting(members, v2_budget):
    v2_budget.PANEL_VULTR_V2_RATE_LIMIT = 4.0
    api_key = v2_key(members.team, "https://api.example.test", "Slow")

    # Each request is booked a quarter of a second after the one before: the wait it is told
    # is that moment less the time already gone by (a loaded machine takes a while per call).
    start = time.monotonic()
    for n in range(3):
        asked = time.monotonic() - start
        wait = budget.take(api_key)
        answered = time.monotonic() - start
        assert asked + wait - 0.05 <= 0.25 * n <= answered + wait + 0.05, (n, asked, wait)


def test_a_v2_keys_own_rate_caps_it_under_the_shared_bucket(members, v2_budget):
    url = "https://api.example.test"
    capped = v2_key(members.team, url, "Capped")
    free = v2_key(members.team, url, "Free")
    give(capped, rate=0.5, burst=1)

    assert budget.take(capped) == pytest.approx(0, abs=0.05)
    # Its own bucket (0.5/s) is the later of the two: two seconds for the capped key…
    assert budget.take(capped) == pytest.approx(2.0, abs=0.05)
    # …and the shared bucket booked a token for each of its requests (one at once, 2/s).
    assert budget.take(free) == pytest.approx(1.0, abs=0.05)


def test_a_pause_holds_every_v2_key_of_the_address(members, v2_budget):
    url = "https://api.example.test"
    asked = v2_key(members.team, url, "Asked")
    other = v2_key(members.outsider.personal_team, url, "Other")
    elsewhere = v2_key(members.team, "https://other.example.test", "Elsewhere")

    budget.pause(asked, 3)

    assert budget.take(other) == pytest.approx(3.0, abs=0.05)
    assert budget.take(asked) == pytest.approx(3.5, abs=0.05)
    assert budget.take(elsewhere) == pytest.approx(0, abs=0.05)


def test_a_pause_never_shortens_a_longer_booking(members, v2_budget):
    api_key = v2_key(members.team, "https://api.example.test", "Busy")
    for _ in range(7):
        budget.take(api_key, patience_seconds=10)  # booked 3 s ahead

    budget.pause(api_key, 1)

    assert budget.take(api_key, patience_seconds=10) == pytest.approx(3.5, abs=0.05)


def test_vultrs_429_with_retry_after_pauses_the_shared_bucket(
    members, v2_budget, vultr_account, simulator
):
    """Over real HTTP: the simulator answers 429 with Retry-After: 3; the request that got it
    waits 3 s before its retry, and so does every other v2 key at that address."""
    asked = v2_key(members.team, simulator.url, "Asked", vultr_account.key)
    other = v2_key(members.outsider.personal_team, simulator.url, "Other")
    simulator.sim.inject_fault(kind="rate_limit", retry_after=3, key=vultr_account.key)
    slept: list[float] = []

    with budget.client(asked, timeout=5, max_retries=1, sleep=slept.append) as client:
        client.account_info()  # the retry succeeds

    # The transport's retry delay, then the retry's wait for the paused bucket (both fake).
    assert slept[0] >= 3
    # The retry took the token 3 s out; the other key's request comes 1/rate after it.
    assert budget.take(other) == pytest.approx(3.5, abs=0.2)
    (usage,) = budget.usage([asked])
    assert usage.rejected_last_minute == 1
    (shared,) = budget.shared_usage([asked, other])
    assert shared.rejected_last_minute == 1 and shared.labels == ("Asked", "Other")


def test_a_429_handed_to_the_caller_still_pauses_the_bucket(
    members, v2_budget, vultr_account, simulator
):
    asked = v2_key(members.team, simulator.url, "Asked", vultr_account.key)
    simulator.sim.inject_fault(kind="rate_limit", retry_after=4, key=vultr_account.key)

    with budget.client(asked, timeout=5, max_retries=0) as client:
        with pytest.raises(RateLimitedError) as raised:
            client.account_info()

    assert raised.value.retry_after == 4
    assert budget.take(asked) == pytest.approx(4.0, abs=0.2)


def test_the_budget_exhausted_error_pauses_nothing(members, v2_budget):
    api_key = v2_key(members.team, "https://api.example.test", "Busy")
    budget.take(api_key)
    with pytest.raises(budget.BudgetExhausted):
        budget.take(api_key, patience_seconds=0.01)

    assert budget.take(api_key, patience_seconds=1) == pytest.approx(0.5, abs=0.05)


def test_usage_shows_v2_keys_on_the_shared_bucket(members, stored_key, v2_budget):
    url = "https://api.example.test"
    one = v2_key(members.team, url, "One")
    two = v2_key(members.team, url, "Two")
    # Each request is counted at the moment it was booked for: wait for it, as a client does.
    for api_key in (one, one, two):
        time.sleep(budget.take(api_key, patience_seconds=5))
    time.sleep(budget.take(stored_key))

    by_key = {u.key_id: u for u in budget.usage([stored_key, one, two])}
    assert by_key[one.pk].used_last_minute == 2 and by_key[two.pk].used_last_minute == 1
    assert by_key[one.pk].shared_url == url and by_key[one.pk].rate == 2.0
    assert by_key[stored_key.pk].shared_url == ""
    (shared,) = budget.shared_usage([stored_key, one, two])
    assert (shared.shared_url, shared.used_last_minute) == (url, 3)
    assert shared.capacity_per_minute == 120 and shared.labels == ("One", "Two")


def test_the_budget_page_shows_per_key_and_shared_buckets(login_as, members, stored_key, v2_budget):
    v2_key(members.team, "https://api.example.test", "Modern")

    page = login_as(members.viewer).get(reverse("operations:budget", args=[members.team.slug]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "its own (v1)" in html
    assert "shared v2 budget of https://api.example.test" in html
    assert "Shared v2 budgets" in html
    assert "2/s (burst 1)" in html


def test_a_v1_503_pauses_nothing_but_counts(members, stored_key, vultr_account, simulator):
    """v1's rate-limit answer names no wait (reference §3): the key's own bucket and the
    transport's backoff deal with it; the dashboard still counts it."""
    give(stored_key, rate=100, burst=10)
    simulator.sim.inject_fault(status=503, path="/v1/account/info", key=vultr_account.key)

    with budget.client(stored_key, timeout=5, max_retries=0) as client:
        with pytest.raises(RateLimitedError):
            client.account_info()

    assert budget.take(stored_key) == pytest.approx(0, abs=0.05)
    (usage,) = budget.usage([stored_key])
    assert usage.rejected_last_minute == 1


def test_a_v2_key_checks_its_operations_more_often_by_default(members, stored_key, settings):
    """v2's budget is 30/s per address where v1's is 2/s per key: a v2 key polls every
    PANEL_OPERATION_V2_POLL_SECONDS, a v1 key every PANEL_OPERATION_POLL_SECONDS, and a key's
    own interval (the budget page) comes before either."""
    settings.PANEL_OPERATION_POLL_SECONDS, settings.PANEL_OPERATION_V2_POLL_SECONDS = 5.0, 2.0
    modern = v2_key(members.team, stored_key.api_url, "Modern")
    budget.forget_config()

    assert budget.config_for(stored_key.pk).poll_seconds == 5.0
    assert budget.config_for(modern.pk).poll_seconds == 2.0

    KeyBudget.objects.create(api_key=modern, requests_per_second=10, poll_seconds=7)
    budget.forget_config()
    assert budget.config_for(modern.pk).poll_seconds == 7.0
