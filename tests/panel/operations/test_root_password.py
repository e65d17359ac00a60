"""The root password of a server the panel creates: v2 gives it only in the create answer, so
the create operation keeps it encrypted (rotated with the API keys), the reveal shows it, and
destroying the server forgets it. v1 lists it with the server, so nothing is kept."""

from __future__ import annotations

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

from panel.audit.models import AuditEntry
from panel.operations import start
from panel.operations.models import Operation
from panel.servers import actions
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
