"""Domain objects: derived properties, tolerant enums, immutability."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from panel.vultr import (
    Bandwidth,
    BandwidthDay,
    PowerStatus,
    Server,
    ServerState,
    ServerStatus,
)


def server(**changes) -> Server:
    ready = Server(
        id="41326859",
        label="web",
        status=ServerStatus.ACTIVE,
        power_status=PowerStatus.RUNNING,
        server_state=ServerState.OK,
        region_id="24",
        location="Paris",
        plan_id="201",
        os="Ubuntu 20.04 x64",
        os_id="387",
        app_id=None,
        firewall_group_id=None,
        vcpu_count=1,
        ram_mb=1024,
        disk_gb=25,
        main_ip="217.69.11.158",
        netmask_v4="255.255.254.0",
        gateway_v4="217.69.10.1",
        v6_main_ip=None,
        v6_networks=(),
        internal_ip=None,
        date_created=datetime(2020, 10, 15, 3, 17, 22, tzinfo=UTC),
        pending_charges=Decimal("0.04"),
        cost_per_month=Decimal("5.00"),
        current_bandwidth_gb=0.0,
        allowed_bandwidth_gb=1000,
        auto_backups=False,
        tags=(),
        hostname=None,
        features=(),
        default_password="secret",
        kvm_url=None,
    )
    return dataclasses.replace(ready, **changes)


def test_ready_server():
    assert server().is_ready
    assert server().is_running


@pytest.mark.parametrize(
    "changes",
    [
        # A pending server may already say "running" (reference §6).
        {"status": ServerStatus.PENDING, "server_state": ServerState.NONE},
        {"server_state": ServerState.INSTALLINGBOOTING},
        {"server_state": ServerState.LOCKED},
        {"power_status": PowerStatus.STOPPED},
        {"main_ip": None},
    ],
)
def test_not_ready(changes):
    assert not server(**changes).is_ready


def test_is_running_needs_an_active_subscription():
    assert not server(status=ServerStatus.PENDING).is_running
    assert not server(power_status=PowerStatus.STOPPED).is_running


def test_has_ipv6():
    assert not server().has_ipv6
    assert server(v6_main_ip="2001:db8::1").has_ipv6


def test_unknown_states_do_not_fail():
    assert ServerStatus("migrating") is ServerStatus.UNKNOWN
    assert ServerState(None) is ServerState.UNKNOWN


def test_objects_are_frozen_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        server().label = "other"  # type: ignore[misc]
    assert len({server(), server()}) == 1


def test_bandwidth_totals():
    day = datetime(2014, 6, 10).date()
    bandwidth = Bandwidth(days=(BandwidthDay(day, 10, 1), BandwidthDay(day, 5, 2)))

    assert (bandwidth.incoming_bytes, bandwidth.outgoing_bytes) == (15, 3)
