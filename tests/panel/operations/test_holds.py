"""A long operation holds its server: conflicting changes (power, reinstall, restore, destroy,
an address that reboots) are refused by the action layer with the operation's name, while
the operation's own requests and harmless changes go on; pages show the buttons off."""

from __future__ import annotations

import pytest
from django.urls import reverse

from panel.audit.models import AuditEntry
from panel.operations import runner, start
from panel.operations.models import Operation
from panel.servers import actions
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_id(vultr) -> str:
    return Demo(vultr).id("web-01")


@pytest.fixture
def reinstall(op_ctx, server_id) -> Operation:
    op = start.start_reinstall_server(op_ctx, server_id)
    runner.advance(op.pk)  # sent: Vultr is reinstalling
    return op


def test_a_reboot_during_a_reinstall_is_refused_naming_it(op_ctx, server_id, reinstall):
    with pytest.raises(actions.ServerHeld) as refused:
        actions.reboot_server(op_ctx, server_id)
    message = str(refused.value)
    assert message.startswith("Reinstall server is under way on web-01 (started by oscar at ")
    assert "wait until it has ended or has been cancelled" in message
    entry = AuditEntry.objects.get(action="reboot_server")
    assert (entry.outcome, entry.error) == ("failed", message)


@pytest.mark.parametrize(
    "act",
    [
        lambda ctx, sid: actions.halt_server(ctx, sid),
        lambda ctx, sid: actions.start_server(ctx, sid),
        lambda ctx, sid: actions.destroy_server(ctx.with_reason("x"), sid),
        lambda ctx, sid: actions.create_ipv4(ctx, sid, reboot=True),
    ],
    ids=["halt", "start", "destroy", "ipv4-with-reboot"],
)
def test_other_conflicting_changes_are_refused(act, op_ctx, server_id, reinstall):
    with pytest.raises(actions.ServerHeld):
        act(op_ctx, server_id)


def test_a_second_long_operation_is_not_started(op_ctx, server_id, reinstall):
    with pytest.raises(actions.ServerHeld, match="Reinstall server is under way"):
        start.start_destroy_server(op_ctx.with_reason("x"), server_id)
    assert Operation.objects.count() == 1


def test_harmless_changes_and_the_operation_itself_go_on(op_ctx, server_id, reinstall, drive):
    actions.set_server_label(op_ctx, server_id, "still-web-01")
    assert drive(reinstall, tick=5).status == Operation.Status.SUCCEEDED
    actions.reboot_server(op_ctx, server_id)  # nothing holds it any more


def test_a_snapshot_being_taken_holds_nothing(op_ctx, server_id, drive):
    op = start.start_create_snapshot(op_ctx, server_id, "meanwhile")
    runner.advance(op.pk)
    actions.reboot_server(op_ctx, server_id)


def test_the_server_page_shows_the_buttons_off_and_the_reboot_refused(
    login_as, members, stored_key, server_id, reinstall
):
    client = login_as(members.operator)
    url = reverse("panel:server_detail", args=[members.team.slug, stored_key.pk, server_id])
    page = client.get(url).content.decode()
    assert "Reinstall server is under way (started by oscar at" in page
    assert 'data-op="reboot" disabled' in page and 'data-op="halt" disabled' in page
    settings_page = client.get(url + "settings/").content.decode()
    assert "Not while reinstall server is under way" in settings_page
    assert '<button type="submit" class="danger" disabled>Destroy this server</button>' in (
        settings_page
    )

    answer = client.post(url + "power/reboot/", headers={"HX-Request": "true"})
    assert "Reinstall server is under way on web-01" in answer.content.decode()
