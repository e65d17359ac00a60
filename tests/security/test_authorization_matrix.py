"""The authorization matrix: every team URL of the URLconf × anonymous, an outsider and each
role, each sent the request that would work (a form that a member with the permission gets
served), checked for its answer and, when refused, for having no effect.

- anonymous: sent to the sign-in page;
- an outsider (member of another team only): 404, as if the team did not exist;
- a member without the permission the view requires (`team_view`'s `team_permission`, read
  from the view itself): 403;
- a member with it: served (neither 403 nor 404 nor the sign-in page; no server error).

A refused request has no effect: the simulator saw no request with the team's key, and no row
of the database changed (the audit log aside, which records refusals).

The URLs are read from the URLconf, so a new team page is in the matrix without anyone adding
it; a POST-only page needs its payload in PAYLOADS (its test says so until it is there).
One test per URL, every actor in it, to keep the run short: the refused actors first, then
the permitted ones (whose requests do take effect).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Invitation
from accounts.roles import ROLE_PERMISSIONS, Perm, Role
from panel.audit import record as audit
from panel.operations import runner, start
from panel.operations.models import AlertTarget
from tests.panel.helpers import Demo, demo_order, public_key

pytestmark = pytest.mark.django_db

ROLES = [Role.VIEWER, Role.AUDITOR, Role.OPERATOR, Role.ADMIN, Role.OWNER]
LOGIN = reverse(settings.LOGIN_URL)
# Tables a refusal may write to: the audit log (refusals are recorded), sessions (signing in).
UNWATCHED_APPS = {"audit", "sessions", "axes"}
# Columns that record where a member was, not what they did: the team page last opened (set
# by `team_view` for any member it lets in, before the view's own checks).
UNWATCHED_FIELDS = {"accounts.User": {"last_team", "last_login"}}


def _patterns(resolver=None, namespace="", prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern


def team_patterns() -> dict[str, URLPattern]:
    """Every named URL of a team's pages (its route names the team)."""
    return {name: p for name, route, p in _patterns() if "<slug:team>" in route}


# What a member with the permission would send to each POST page: callables of the `World`
# (ids of this test's objects). Pages not listed here are sent a GET.
PAYLOADS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "accounts:team_settings": lambda w: {"name": "Acme Renamed"},
    "accounts:team_leave": lambda w: {},
    "accounts:team_transfer": lambda w: {"member": w.membership("admin").pk},
    "accounts:team_delete": lambda w: {"confirm_name": "Acme Ops"},
    "accounts:member_invite": lambda w: {"email": "new@example.com", "role": Role.VIEWER},
    "accounts:member_role": lambda w: {"role": Role.OPERATOR},
    "accounts:member_remove": lambda w: {},
    "accounts:member_unlock": lambda w: {},
    "accounts:invitation_revoke": lambda w: {},
    "accounts:key_add": lambda w: {
        "label": "Second",
        "api_url": w.vultr.url,
        "api_version": "v1",
        "key": w.vultr.key,
    },
    "accounts:key_replace": lambda w: {"api_version": "v1", "key": w.vultr.key},
    "accounts:key_remove": lambda w: {},
    "accounts:key_check": lambda w: {},
    "panel:team_safety": lambda w: {"require_reason": "on"},
    "panel:server_bulk": lambda w: {"op": "reboot", "server": [w.server]},
    "panel:server_power": lambda w: {},
    "panel:server_console": lambda w: {"console-reason": "matrix"},
    "panel:server_password": lambda w: {"password-reason": "matrix"},
    "panel:server_ipv4_add": lambda w: {},
    "panel:server_ipv4_remove": lambda w: {"ip": w.secondary_ip, "confirm": "web-01"},
    "panel:server_ipv4_reverse": lambda w: {"ip": w.main_ip, "entry": "web.example.com"},
    "panel:server_ipv4_reverse_default": lambda w: {"ip": w.main_ip},
    "panel:server_ipv6_reverse": lambda w: {"ip": w.ipv6, "entry": "web.example.com"},
    "panel:server_ipv6_reverse_delete": lambda w: {"ip": w.ipv6},
    "panel:server_snapshot": lambda w: {"description": "matrix"},
    "panel:server_restore_snapshot": lambda w: {"snapshot": w.snapshot, "confirm": "web-01"},
    "panel:server_restore_backup": lambda w: {"backup": w.backup, "confirm": "db-01"},
    "panel:snapshot_edit": lambda w: {"description": "edited by the matrix"},
    "panel:server_label": lambda w: {"label": "renamed-by-matrix"},
    "panel:server_reinstall": lambda w: {"confirm": "web-01"},
    "panel:server_os": lambda w: {"os_id": w.os_choice, "confirm": "web-01"},
    "panel:server_destroy": lambda w: {"confirm": "web-01"},
    "panel:snapshot_take": lambda w: {"server": w.server, "description": "matrix"},
    "panel:snapshot_delete": lambda w: {"confirm": "db-01 nightly"},
    "panel:sshkey_add": lambda w: {"name": "matrix", "ssh_key": public_key()},
    "panel:sshkey_edit": lambda w: {"name": "laptop-2", "ssh_key": public_key()},
    "panel:sshkey_delete": lambda w: {"confirm": "laptop"},
    "panel:script_add": lambda w: {"name": "matrix", "type": "boot", "script": "#!/bin/sh\n"},
    "panel:script_edit": lambda w: {
        "name": "install-docker",
        "type": "boot",
        "script": "#!/bin/sh\necho changed\n",
    },
    "panel:script_delete": lambda w: {"confirm": "install-docker"},
    "panel:audit_retention": lambda w: {"audit_retention_days": 30},
    "operations:retry": lambda w: {},
    "operations:cancel": lambda w: {},
    "operations:budget_set": lambda w: {
        f"key{w.key.pk}-requests_per_second": "1",
        f"key{w.key.pk}-burst": "1",
        f"key{w.key.pk}-poll_seconds": "10",
    },
    "operations:alerts": lambda w: {
        "channel": "email",
        "address": "ops@example.com",
        "on_ready": "on",
        "on_failed": "on",
    },
    "operations:alert_delete": lambda w: {},
    "operations:notices_dismiss_all": lambda w: {},
}
# What a page's link carries in its query (a confirm page names the image to restore).
QUERIES: dict[str, Callable[[Any], str]] = {
    "panel:server_restore_snapshot": lambda w: f"?snapshot={w.snapshot}",
    "panel:server_restore_backup": lambda w: f"?backup={w.backup}",
}
# The server a page acts on, when not web-01 (db-01 is the demo server with backups).
SERVERS = {"panel:server_restore_backup": "db-01"}
# Pages that exist for v2 keys only (a v1 key gets 404 there): tested with a v2 key.
V2_ONLY = {"panel:snapshot_edit"}
# Pages whose GET is a form and whose POST needs what only a browser session holds.
GET_ONLY = {
    # The order is signed into the wizard's own steps (a token per order); its refusal is the
    # same gate as the wizard's (provisioning), whose GET is checked here; the order itself,
    # signed for each refused actor, is refused in `test_a_refused_order_places_nothing`.
    "panel:deploy_create",
}


# Views that check a further permission inside, after `team_view`'s gate: the permission the
# request needs as a whole.
INNER: dict[str, Perm] = {
    # Retry and cancel: the starter or an admin, holding the action's permission (a reinstall
    # here: provisioning). panel/operations/start.py `may_manage`.
    "operations:retry": Perm.PROVISIONING,
    "operations:cancel": Perm.PROVISIONING,
    # The settings tab is made of forms for changing the server (`require`).
    "panel:server_settings": Perm.SUBSCRIPTIONS,
}


class World:
    """This test's team, key, Vultr account and the objects the URLs name."""

    def __init__(self, members, stored_key, vultr, ctx_for):
        self.members, self.key, self.vultr = members, stored_key, vultr
        demo = Demo(vultr)
        self.server = demo.id("web-01")
        listing = demo.server("web-01")
        self.main_ip = listing["main_ip"]
        self.ipv6 = listing["v6_main_ip"]
        self.secondary_ip = demo.add_secondary_ip("web-01")
        self.snapshot = demo.snapshot_id("db-01 nightly")
        self.backup = demo.backup_ids("db-01")[0]
        self.demo = demo
        self.os_choice = next(
            iter(vultr.get("server/os_change_list", SUBID=demo.v1_id("web-01")).json())
        )
        self.ctx_for = ctx_for

    def membership(self, role: str):
        return self.members.membership(self.members.with_role(role))

    def kwargs(self, name: str, pattern: URLPattern) -> dict[str, Any]:
        values: dict[str, Any] = {"team": self.members.team.slug}
        for arg in pattern.pattern.converters:
            if arg != "team":
                values[arg] = self._value(name, arg)
        return values

    def _value(self, name: str, arg: str) -> Any:
        team = self.members.team
        if arg == "key_id":
            return self.key.pk
        if arg == "server_id":
            return self.demo.id(SERVERS[name]) if name in SERVERS else self.server
        if arg == "snapshot_id":
            return self.snapshot
        if arg == "sshkey_id":
            return Demo(self.vultr).sshkey_id("laptop")
        if arg == "script_id":
            return Demo(self.vultr).script_id("install-docker")
        if arg == "op":
            return "reboot"
        if arg == "fmt":
            return "csv"
        if arg == "member_id":
            return self.membership("viewer").pk
        if arg == "invitation_id":
            invitation = Invitation(team=team, email="invited@example.com", role=Role.VIEWER)
            invitation.new_token()
            invitation.save()
            return invitation.pk
        if arg == "entry_id":
            return audit.record("team_settings_changed", team=team, actor=self.members.owner).pk
        if arg == "alert_id":
            return AlertTarget.objects.create(
                team=team, channel="email", address="old@example.com"
            ).pk
        if arg == "order":
            # A deploy order of one server: its operation carries the order's token.
            ctx = self.ctx_for(self.members.operator)
            start.start_create_server(ctx, demo_order(ctx, label="ordered"), order_token="m-1")
            return "m"
        if arg == "operation_id":
            op = start.start_reinstall_server(self.ctx_for(self.members.operator), self.server)
            if name == "operations:retry":
                runner.fail(op, "failed for the matrix")
            return op.pk
        raise AssertionError(f"{name}: no value for URL argument {arg!r}")


def database_state() -> dict[str, str]:
    """A digest of the rows of each table a refusal must not touch."""
    found = {}
    for model in apps.get_models():
        if model._meta.app_label in UNWATCHED_APPS:
            continue
        skip = UNWATCHED_FIELDS.get(model._meta.label, set())
        names = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        rows = model._base_manager.order_by("pk").values_list(*names)
        found[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return found


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def vultr_requests(vultr) -> int:
    return vultr.sim.stats()["by_key"].get(vultr.key, 0)


def refused_by(role: str, perm) -> bool:
    return perm is not None and perm not in ROLE_PERMISSIONS[role]


def test_every_payload_is_of_a_team_url():
    assert sorted(set(PAYLOADS) - set(team_patterns())) == []


def test_the_matrix_covers_every_team_url():
    # The assessment counted 72 team URL patterns; more come with new pages, never fewer.
    assert len(team_patterns()) >= 72


@pytest.mark.parametrize(
    ("name", "api_version"),
    [(name, "v2" if name in V2_ONLY else "v1") for name in sorted(team_patterns())],
)
def test_authorization(name, api_version, members, stored_key, vultr, ctx_for, login_as):
    pattern = team_patterns()[name]
    world = World(members, stored_key, vultr, ctx_for)
    url = reverse(name, kwargs=world.kwargs(name, pattern))
    url += QUERIES[name](world) if name in QUERIES else ""
    perm = INNER.get(name, getattr(pattern.callback, "team_permission", None))
    payload = PAYLOADS.get(name)

    def send(client: Client):
        if payload is not None:
            return client.post(url, payload(world))
        return client.get(url)

    clients = {"anonymous": Client(), "outsider": login_as(members.outsider)}
    clients |= {role: login_as(members.with_role(role)) for role in ROLES}
    refused = ["anonymous", "outsider", *[r for r in ROLES if refused_by(r, perm)]]
    permitted = [r for r in ROLES if not refused_by(r, perm)]

    for actor in refused:
        state, seen = database_state(), vultr_requests(vultr)
        response = send(clients[actor])
        if actor == "anonymous":
            assert response.status_code == 302, (actor, response.status_code)
            assert response["Location"].startswith(f"{LOGIN}?next="), response["Location"]
        else:
            expected = 404 if actor == "outsider" else 403
            assert response.status_code == expected, (actor, response.status_code)
        assert vultr_requests(vultr) == seen, f"{actor}'s refused request reached Vultr"
        assert changed(state, database_state()) == [], f"{actor}'s refused request changed them"

    # The others look; then the least of the permitted roles sends the request that works
    # (last: it may delete what the URL names).
    for role in [*permitted[1:], permitted[0]]:
        response = send(clients[role]) if role == permitted[0] else clients[role].get(url)
        status = response.status_code
        if role == permitted[0] and name not in GET_ONLY:
            # A new page that takes only POST: the matrix needs its payload to test it.
            assert status != 405, f"{name} takes POST: add the request that works to PAYLOADS"
        assert status < 500 and status not in (403, 404), (role, status)
        if status == 302:
            assert not response["Location"].startswith(LOGIN), (role, response["Location"])


def test_a_refused_order_places_nothing(members, stored_key, vultr, login_as):
    """`deploy_create` with the order a permitted member reviewed, signed for each refused
    actor as the wizard would sign it for them: refused, nothing sent to Vultr, nothing
    stored; then the permitted member's own order goes through (the payload works)."""
    from django.core import signing

    from tests.panel.servers.test_deploy import Wizard

    kwargs = {"team": members.team.slug, "key_id": stored_key.pk}
    urls = {
        "deploy": reverse("panel:deploy", kwargs=kwargs),
        "create": reverse("panel:deploy_create", kwargs=kwargs),
    }
    perm = getattr(team_patterns()["panel:deploy_create"].callback, "team_permission", None)
    permitted = [r for r in ROLES if not refused_by(r, perm)][0]
    wizard = Wizard(login_as(members.with_role(permitted)), urls)
    wizard.up_to_review()

    def salt(user) -> str:
        return f"panel.deploy:{members.team.pk}:{stored_key.pk}:{user.pk}"

    order = signing.loads(wizard.state, salt=salt(members.with_role(permitted)))
    actors = {"outsider": members.outsider} | {
        r: members.with_role(r) for r in ROLES if refused_by(r, perm)
    }
    assert len(actors) > 1
    for actor, user in actors.items():
        state, seen = database_state(), vultr_requests(vultr)
        form = {"state": signing.dumps(order, salt=salt(user), compress=True)}
        response = login_as(user).post(urls["create"], form)
        assert response.status_code == (404 if actor == "outsider" else 403), actor
        assert vultr_requests(vultr) == seen, f"{actor}'s refused order reached Vultr"
        assert changed(state, database_state()) == [], f"{actor}'s refused order changed them"

    state, seen = database_state(), vultr_requests(vultr)
    response = wizard.create()
    assert response.status_code < 400
    assert "operations.Operation" in changed(state, database_state())
