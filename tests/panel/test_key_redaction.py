"""A key echoed by Vultr in lower case or in part never reaches what the panel stores: audit
entries, operations and their steps, notices (issue 11 item 8). The provider library scrubs
its errors; the storage choke points scrub again whatever text came another way."""

from __future__ import annotations

import pytest

from accounts.models import ApiKey
from panel.audit import record as audit
from panel.audit.models import AuditEntry
from panel.operations import runner, start
from panel.operations.models import Notice, Operation, OperationStep
from panel.servers import actions
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db


def fragments(key: str) -> list[str]:
    """What an upstream might echo: the key lower-cased, and 14 characters from its middle."""
    return [key.lower(), key[10:24], key[10:24].lower()]


def stored_texts() -> str:
    """Every text the panel stored in these tables, as one string."""
    rows = [
        *AuditEntry.objects.values_list(
            "error", "target_label", "params", "before", "after", "reason"
        ),
        *Operation.objects.values_list("error", "target_label", "result", "last_state"),
        *OperationStep.objects.values_list("label", "detail"),
        *Notice.objects.values_list("text"),
    ]
    return "\n".join(str(value) for row in rows for value in row)


def echo(vultr, path: str, status: int = 412) -> None:
    key = vultr.key
    vultr.sim.inject_fault(
        count=5,
        key=key,
        path=path,
        status=status,
        body=f"Unable to do it for key {key.lower()} (partial {key[10:24]})",
    )


def test_an_actions_error_stores_no_part_of_the_key(ctx_for, members, vultr):
    server_id = Demo(vultr).id("web-01")
    echo(vultr, "/v1/server/reboot")

    with pytest.raises(actions.ActionError) as caught:
        actions.reboot_server(ctx_for(members.operator), server_id)

    for piece in fragments(vultr.key):
        assert piece not in str(caught.value)
        assert piece not in stored_texts()
    entry = AuditEntry.objects.get(action="reboot_server")
    assert entry.outcome == "failed" and "[redacted]" in entry.error


def test_a_failed_operation_stores_no_part_of_the_key(ctx_for, members, vultr):
    server_id = Demo(vultr).id("web-01")
    echo(vultr, "/v1/server/destroy")
    op = start.start_destroy_server(ctx_for(members.operator), server_id)

    runner.advance(op.pk)

    op.refresh_from_db()
    assert op.status == Operation.Status.FAILED, op.status
    assert "[redacted]" in op.error
    assert Notice.objects.filter(operation=op).exists()
    for piece in fragments(vultr.key):
        assert piece not in stored_texts()


def test_text_that_came_another_way_is_scrubbed_where_it_is_stored(
    ctx_for, members, vultr, stored_key
):
    # Any use of the key in this request or task makes it known to the storage choke points.
    actions.list_servers(ctx_for(members.operator))
    key = vultr.key

    audit.record(
        "reboot_server",
        team=members.team,
        actor=members.operator,
        api_key_id=stored_key.pk,
        target=("server", "1", f"label {key.lower()}"),
        params={"note": f"said {key[3:20]}", "nested": [key.lower()]},
        outcome=AuditEntry.Outcome.FAILED,
        error=f"Vultr said {key.lower()}",
    )

    for piece in fragments(key):
        assert piece not in stored_texts()
    entry = AuditEntry.objects.get(action="reboot_server")
    assert entry.error == "Vultr said [redacted]"
    assert entry.params == {"note": "said [redacted]", "nested": ["[redacted]"]}


def test_keys_are_forgotten_when_the_request_ends(login_as, members, vultr, stored_key):
    from panel.audit import scrub

    login_as(members.operator).get(f"/t/{members.team.slug}/k/{stored_key.pk}/servers/")

    assert scrub.text(vultr.key) == vultr.key
    assert ApiKey.objects.filter(pk=stored_key.pk).exists()
