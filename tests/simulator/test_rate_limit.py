"""The v1 rate limit: 503 with Vultr's text, per key, configurable, 0 = off (reference §3)."""

import time

import pytest
import requests

from panel.simulator import Simulator, serve

LIMIT_TEXT = (
    "Rate limit reached - please try your request again later.  Current rate limit: 2 requests/sec"
)


@pytest.fixture
def limited():
    sim = Simulator(rate_limit=2)
    sim.add_account("ONE")
    sim.add_account("TWO")
    served = serve(sim)
    yield sim, served.url
    served.shutdown()


def burst(url, key, count=6):
    session = requests.Session()
    return [session.get(f"{url}/v1/sshkey/list", headers={"API-Key": key}) for _ in range(count)]


def test_it_answers_503_with_vultr_text_when_over_the_limit(limited):
    sim, url = limited
    responses = burst(url, "ONE")
    assert [r.status_code for r in responses[:2]] == [200, 200]
    refused = [r for r in responses if r.status_code == 503]
    assert refused
    assert refused[0].text == LIMIT_TEXT
    assert sim.stats()["rate_limited"] == len(refused)


def test_it_limits_each_key_on_its_own(limited):
    sim, url = limited
    assert any(r.status_code == 503 for r in burst(url, "ONE"))
    assert requests.get(f"{url}/v1/sshkey/list", headers={"API-Key": "TWO"}).status_code == 200


def test_it_refills_at_the_configured_rate(limited):
    sim, url = limited
    burst(url, "ONE")
    time.sleep(0.6)  # 2 requests/s: one more token after half a second
    assert requests.get(f"{url}/v1/sshkey/list", headers={"API-Key": "ONE"}).status_code == 200


def test_it_states_the_configured_rate_in_the_text(limited):
    sim, url = limited
    sim.configure(rate_limit=5)
    refused = [r for r in burst(url, "ONE", 12) if r.status_code == 503]
    assert refused[0].text.endswith("Current rate limit: 5 requests/sec")


def test_it_turns_the_limit_off_with_zero(limited):
    sim, url = limited
    sim.configure(rate_limit=0)
    assert {r.status_code for r in burst(url, "ONE", 30)} == {200}
