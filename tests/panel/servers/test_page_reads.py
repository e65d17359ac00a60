"""A page asks Vultr only what it needs, and asks its independent reads together
(`actions.together`); bench/page_reads.py measures the time this saves."""

from __future__ import annotations

import threading

import pytest

from panel.servers import actions
from tests.panel.helpers import text

pytestmark = pytest.mark.django_db


def _requests(vultr) -> dict[str, int]:
    return dict(vultr.sim.stats()["by_path"])


def test_the_ipv6_tab_of_a_server_without_ipv6_asks_vultr_nothing(operator, url, demo, vultr):
    server = demo.id("db-01")  # IPv6 off in the demo account
    operator.get(url("server_detail", server_id=server))  # the server list is cached now
    before = _requests(vultr)

    page = text(operator.get(url("server_ipv6", server_id=server)))

    assert "IPv6 is off for this server." in page
    assert _requests(vultr) == before


def test_the_ipv6_tab_reads_only_the_reverse_entries(operator, url, demo, vultr):
    """The addresses are in the server list the page has; the reverse DNS entries are not."""
    server = demo.id("web-01")
    listed = demo.server("web-01")
    operator.get(url("server_detail", server_id=server))
    before = _requests(vultr)

    page = text(operator.get(url("server_ipv6", server_id=server)))

    assert listed["v6_main_ip"] in page
    assert f"{listed['v6_network']}/{listed['v6_network_size']}" in page
    made = {path: n - before.get(path, 0) for path, n in _requests(vultr).items()}
    made = {path: n for path, n in made.items() if n}
    assert len(made) == 1 and sum(made.values()) == 1, made
    assert "reverse" in next(iter(made))


def test_reads_run_together_and_answer_in_order(ctx_for, members):
    ctx = ctx_for(members.operator)
    # Each call waits for the other: run one after the other, they could never both pass.
    both = threading.Barrier(2, timeout=10)

    def meet(value):
        both.wait()
        return value

    assert actions.together((ctx, lambda: meet("first")), (ctx, lambda: meet("second"))) == [
        "first",
        "second",
    ]


def test_a_failed_read_raises_where_its_answer_would_be(ctx_for, members):
    ctx = ctx_for(members.operator)

    def fail():
        raise actions.ActionError("Vultr failed: no")

    with pytest.raises(actions.ActionError, match="no"):
        actions.together((ctx, lambda: 1), (ctx, fail))
