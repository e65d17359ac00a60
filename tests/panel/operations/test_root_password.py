"""The root password of a server the panel creates: v2 gives it only in the create answer, so
the create operation keeps it encrypted (rotated with the API keys), the reveal shows it, and
destroying the server forgets it. v1 lists it with the server, so nothing is kept."""

from __future__ import annotations

import datetime
import json
import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from panel.audit.models import AuditEntry
from panel.operations import start
from panel.operations.models import Operation
from panel.servers import actions
from panel.servers.actions.base import SERVERS, cache_for
from panel.servers.models import ServerPassword
from tests.panel.helpers import Demo, demo_order

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true", "HX-Target": "root-password"}


def password_url(members, stored_key, server_id: str) -> str:
    kwargs = {"team": members.team.slug, "key_id": stored_key.pk, "server_id": server_id}
    return reverse("panel:server_password", kwargs=kwargs)


def everything_in_the_database() -> str:
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from introspection)
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


def everything_in_redis() -> bytes:
    redis = cache._cache.get_client(None, write=False)
    return b"".join(redis.dump(key) or b"" for key in redis.keys("*") if redis.type(key) != b"none")


@pytest.fixture
def created(op_ctx, drive, vultr, caplog):
    """A server made through the create operation, and its root password at Vultr."""
    caplog.set_level(logging.DEBUG)
    op = drive(start.start_create_server(op_ctx, demo_order(op_ctx, label="made-here")))
    assert op.status == Operation.Status.SUCCEEDED, op.error
    return op, Demo(vultr).server(op.target_id)["default_password"]


def test_the_create_keeps_the_v2_password_encrypted_and_nowhere_else(
    created, members, stored_key, api_version, caplog
):
    op, password = created
    kept = ServerPassword.objects.filter(team=members.team, server_id=op.target_id)
    # v1 lists the password with every server: nothing to keep.
    assert kept.count() == (1 if api_version == "v2" else 0)
    assert password not in everything_in_the_database()
    assert password.encode() not in everything_in_redis()
    assert password not in caplog.text
    assert password not in json.dumps(list(Operation.objects.values()), default=str)


def test_the_reveal_on_a_v2_key_shows_the_kept_password_and_audits_it(
    created, members, stored_key, login_as, api_version
):
    op, password = created
    client = login_as(members.owner)

    shown = client.post(password_url(members, stored_key, op.target_id), headers=HX)

    assert password in shown.content.decode()
    entry = AuditEntry.objects.get(action="reveal_root_password")
    assert entry.outcome == AuditEntry.Outcome.SUCCEEDED
    assert entry.target_id == op.target_id
    assert password not in json.dumps(list(AuditEntry.objects.values()), default=str)
    assert password.encode() not in everything_in_redis()


@pytest.mark.parametrize("api_version", ["v2"])  # v1 lists every server's password
def test_a_v2_server_made_elsewhere_says_the_password_is_not_available(
    members, stored_key, login_as, vultr, api_version
):
    made_elsewhere = vultr.panel_id(vultr.create_active_server(label="made-elsewhere"))
    client = login_as(members.owner)

    shown = client.post(password_url(members, stored_key, made_elsewhere), headers=HX)

    text = shown.content.decode()
    assert "not available through the API" in text
    assert "not created through the panel" in text


def test_rotation_re_encrypts_the_kept_passwords(members, stored_key, ctx_for, settings):
    new = Fernet.generate_key().decode()
    ctx = ctx_for(members.owner)
    ServerPassword.keep(ctx.team, ctx.api_key_id, "some-server", "s3cret-Root")

    out = StringIO()
    with override_settings(PANEL_ENCRYPTION_KEYS=(new, *settings.PANEL_ENCRYPTION_KEYS)):
        call_command("rotate_encryption_key", stdout=out)

    assert "Server root passwords: 1 re-encrypted." in out.getvalue()
    with override_settings(PANEL_ENCRYPTION_KEYS=(new,)):
        assert ServerPassword.reveal(ctx.team, ctx.api_key_id, "some-server") == "s3cret-Root"


def test_destroying_the_server_forgets_its_password(created, op_ctx, vultr, members, api_version):
    op, _ = created
    vultr.sim.advance(600)  # Vultr refuses a destroy within 5 minutes of the create

    actions.destroy_server(op_ctx.with_reason("done with it"), op.target_id)

    assert not ServerPassword.objects.filter(team=members.team, server_id=op.target_id).exists()


# -- when the kept password stops opening the server -----------------------------------------

# v2 answers a reinstall and an OS change with the instance but no `default_password` (v2
# reference §2 and §3: it is only in the create answer): the server's new password is not given.
NEW_PASSWORD = {
    "reinstall": (
        "reinstalled",
        lambda ctx, server_id: actions.reinstall_server(ctx, server_id),
    ),
    "os_change": (
        "given another operating system",
        lambda ctx, server_id: actions.change_server_os(
            ctx, server_id, actions.os_change_list(ctx, server_id)[0].id
        ),
    ),
}


@pytest.mark.parametrize("api_version", ["v2"])
@pytest.mark.parametrize("change", list(NEW_PASSWORD))
def test_a_reinstall_forgets_the_kept_password_and_the_reveal_says_why(
    created, op_ctx, members, stored_key, login_as, vultr, api_version, change
):
    op, password = created
    done, act = NEW_PASSWORD[change]
    answer = vultr.v2("POST", f"instances/{op.target_id}/reinstall").json()["instance"]
    assert "default_password" not in answer  # as Vultr answers (v2 reference §2)
    vultr.sim.advance(600)  # the simulator's reinstall above is over

    act(op_ctx.with_reason("start again"), op.target_id)

    kept = ServerPassword.objects.get(team=members.team, server_id=op.target_id)
    assert kept.ciphertext == ""
    shown = login_as(members.owner).post(
        password_url(members, stored_key, op.target_id), headers=HX
    )
    text = shown.content.decode()
    assert password not in text
    assert "not available through the API" in text
    assert f"the server was {done} through the panel on" in text
    assert "The old one was forgotten" in text


def test_a_server_destroyed_elsewhere_loses_its_kept_password_on_the_next_fresh_list(
    created, op_ctx, members, vultr, api_version
):
    op, _ = created
    made_later = vultr.panel_id(vultr.create_active_server(label="made-later"))
    ServerPassword.keep(op_ctx.team, op_ctx.api_key_id, made_later, "later-Root-1")
    vultr.sim.advance(600)  # Vultr refuses a destroy within 5 minutes of the create
    for server_id in (op.target_id, made_later):  # both destroyed outside the panel
        assert vultr.post("server/destroy", SUBID=vultr.v1_id(server_id)).status_code == 200
    if api_version == "v1":  # nothing was kept for v1 (it lists the password)
        ServerPassword.keep(op_ctx.team, op_ctx.api_key_id, op.target_id, "as-if-kept")
    # The create's password was kept an hour ago; the other one just now, as if its create
    # answered while the list was being asked for: too new to be judged from this list.
    ServerPassword.objects.filter(server_id=op.target_id).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    cache_for(op_ctx).invalidate([SERVERS])

    assert op.target_id not in {s.id for s in actions.list_servers(op_ctx)}

    left = set(ServerPassword.objects.filter(team=members.team).values_list("server_id", flat=True))
    assert left == {made_later}


def test_a_fresh_list_keeps_the_passwords_of_servers_still_there(
    created, op_ctx, members, api_version
):
    op, _ = created
    ServerPassword.keep(op_ctx.team, op_ctx.api_key_id, op.target_id, "still-Root-1")
    ServerPassword.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    cache_for(op_ctx).invalidate([SERVERS])

    actions.list_servers(op_ctx)

    assert ServerPassword.reveal(op_ctx.team, op_ctx.api_key_id, op.target_id) == "still-Root-1"
