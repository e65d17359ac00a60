"""Starting a long operation checks its server first: an id that is not a server of the key's
account is refused before anything is recorded or queued, and nothing reaches Vultr."""

from __future__ import annotations

import pytest

from panel.operations import start
from panel.operations.models import Operation
from panel.servers import actions
from panel.servers.actions import NotFound
from tests.fixtures.simulator import VultrAccount, new_key
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_server(simulator, vultr) -> tuple[VultrAccount, str]:
    """Another Vultr account (another key) and the id of one of its servers, as the panel's
    key's API version names it."""
    other = VultrAccount(new_key(), simulator.url, simulator.sim, vultr.api_version)
    simulator.sim.add_account(other.key, demo=True)
    return other, Demo(other).id("web-01")


@pytest.mark.parametrize(
    "begin",
    [
        lambda ctx, server_id: start.start_destroy_server(ctx, server_id),
        lambda ctx, server_id: start.start_reinstall_server(ctx, server_id),
        lambda ctx, server_id: start.start_create_snapshot(ctx, server_id, "x"),
        lambda ctx, server_id: start.start_create_ipv4(ctx, server_id, now=True),
    ],
    ids=["destroy", "reinstall", "snapshot", "ipv4-now"],
)
def test_a_server_of_another_account_is_refused_before_anything_is_queued(
    op_ctx, vultr, simulator, foreign_server, begin
):
    other, server_id = foreign_server
    simulator.sim.reset_stats()

    with pytest.raises(NotFound, match=f"There is no server {server_id} in this Vultr account"):
        begin(op_ctx, server_id)

    assert not Operation.objects.exists()
    # Only reads went out (the key's server list; on v2 also the regions and plans that give
    # the list its cities and costs), nothing that changes a server.
    sent = simulator.sim.stats()["by_path"]
    assert set(sent) <= {"/v1/server/list", "GET /v2/instances", "GET /v2/regions", "GET /v2/plans"}
    assert "/v1/server/list" in sent or "GET /v2/instances" in sent, sent
    assert Demo(other).server("web-01")["status"] == "active"


def test_a_server_created_after_the_list_was_cached_is_found(op_ctx, vultr):
    actions.list_servers(op_ctx)  # cached now, without the server below
    server_id = vultr.create_active_server(label="new-one")

    op = start.start_reinstall_server(op_ctx, server_id)

    assert op.status == Operation.Status.QUEUED
    assert (op.target_id, op.target_label) == (server_id, "new-one")
