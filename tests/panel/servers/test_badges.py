"""Status badges refresh themselves: the poll answers only what changed, and slows down while
nothing does."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from panel.servers.views.servers import next_interval
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll(members, stored_key, login_as):
    client = login_as(members.viewer)
    url = reverse(
        "panel:server_badges", kwargs={"team": members.team.slug, "key_id": stored_key.pk}
    )

    def get(ids: list[str], version: str = "", every: int | None = None) -> str:
        params = {"ids": ",".join(ids), "v": version}
        if every is not None:
            params["every"] = every
        response = client.get(url, params, headers={"HX-Request": "true"})
        assert response.status_code == 200
        return response.content.decode()

    return get


def _state(page: str) -> tuple[str, int]:
    version = re.search(r"v=([0-9a-f]+)", page).group(1)
    every = int(re.search(r'data-every="(\d+)"', page).group(1))
    return version, every


def test_the_first_poll_sends_every_badge(poll, vultr):
    subid = Demo(vultr).id("web-01")

    page = poll([subid])

    assert f'id="badge-{subid}" class="badge status ok" hx-swap-oob="true">running<' in page
    assert _state(page)[1] == 5


def test_nothing_changed_means_no_badges_and_a_slower_poll(poll, vultr, settings):
    subid = Demo(vultr).id("web-01")
    version, every = _state(poll([subid]))

    page = poll([subid], version, every)

    assert "hx-swap-oob" not in page
    assert _state(page) == (version, 8)


def test_a_change_is_sent_at_once_and_speeds_the_poll_up(poll, vultr, expire_cache):
    demo = Demo(vultr)
    subid = demo.id("web-01")
    version, _ = _state(poll([subid]))
    vultr.post("server/halt", SUBID=vultr.v1_id(subid))  # behind the panel's back...
    expire_cache()  # ...and seen once the cached list has expired

    page = poll([subid], version, 40)

    assert f'id="badge-{subid}" class="badge status stopped" hx-swap-oob="true">stopped<' in page
    assert _state(page)[1] == 5


def test_a_server_that_finishes_installing_changes_its_badge(poll, vultr, expire_cache):
    pending = Demo(vultr).id("web-03")
    first = poll([pending])
    assert ">installing<" in first

    vultr.sim.advance(vultr.sim.config()["provisioning_seconds"] + 1)
    expire_cache()
    page = poll([pending], _state(first)[0], 5)

    assert ">running<" in page


# Ids of servers no account has, of each version's shape.
NO_SUCH = {"v1": "12345678", "v2": "0b9e5d6c-1a1f-4c41-9a57-6d3e0f0c2b11"}


def test_a_destroyed_server_says_so(poll, api_version):
    assert 'class="badge status error" hx-swap-oob="true">gone<' in poll([NO_SUCH[api_version]])


def test_polling_never_slows_much_while_a_server_is_busy(settings):
    settings.PANEL_CACHE_SECONDS, settings.PANEL_BADGE_MAX_SECONDS = 5, 60

    assert next_interval(None, False, False) == 5
    assert next_interval(40, True, False) == 5
    assert next_interval(40, False, False) == 60
    assert next_interval(12, False, True) == 15
    assert next_interval(40, False, True) == 15


def test_vultr_trouble_slows_the_poll_down_and_keeps_the_badges(poll, vultr, settings, api_version):
    if api_version == "v1":
        vultr.sim.inject_fault(status=503, key=vultr.key, path="/v1/server/list")
    else:
        vultr.sim.inject_fault(kind="rate_limit", key=vultr.key, path="/v2/instances")

    page = poll([NO_SUCH[api_version]], "abc", 5)

    assert "hx-swap-oob" not in page
    assert _state(page)[1] == settings.PANEL_BADGE_MAX_SECONDS
