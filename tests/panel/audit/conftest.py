"""Fixtures for the audit log's tests: entries written the way the panel writes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from panel.audit import record as audit
from panel.audit.models import AuditEntry


@pytest.fixture
def write(members) -> Callable[..., AuditEntry]:
    """write(action="reboot_server", **fields) -> an entry appended to the members' team."""

    def append(action: str = "reboot_server", **fields) -> AuditEntry:
        fields.setdefault("team", members.team)
        fields.setdefault("actor", members.operator)
        fields.setdefault("target", ("server", "41326859", "web-01"))
        return audit.record(action, **fields)

    return append


@pytest.fixture
def chain(write, members) -> list[AuditEntry]:
    """Five entries in the members' team, with every kind of field filled somewhere."""
    return [
        write("reboot_server", params={"reboot": True}, reason="planned", request_id="req-0001"),
        write(
            "team_settings_changed",
            actor=members.owner,
            target=("team", str(members.team.pk), members.team.name),
            before={"require_reason": False},
            after={"require_reason": True},
            request_id="req-0002",
        ),
        write(
            "destroy_server",
            outcome=AuditEntry.Outcome.FAILED,
            error="Unable to destroy server: too young",
            api_key_id=7,
            params={"label": "web-01"},
            request_id="req-0003",
        ),
        write("halt_server", outcome=AuditEntry.Outcome.DENIED, actor=members.viewer),
        write("start_server", request_id="req-0005"),
    ]
