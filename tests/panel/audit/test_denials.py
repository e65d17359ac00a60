"""Every refusal is on the record exactly once, wherever the 403 was raised, and repeated
refusals by one actor are counted, not written one by one (panel/audit/denials.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from panel.audit import denials
from panel.audit.models import AuditEntry
from panel.audit.verify import verify
from panel.operations import start
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db

# Refusals of actions on a server are recorded alike for a key of either API version, the
# server named by that version's id (v1 SUBID, v2 UUID).
both_versions = pytest.mark.parametrize("api_version", ["v1", "v2"])


def members_url(members) -> str:
    return reverse("accounts:members", kwargs={"team": members.team.slug})


def later() -> int:
    """A window after every minute so far: flush() writes what was counted."""
    return denials._window() + 2


def test_a_crawl_of_refused_pages_writes_one_entry_and_one_count(login_as, members, one_minute):
    client = login_as(members.viewer)
    for _ in range(40):
        assert client.get(members_url(members)).status_code == 403

    refused = AuditEntry.objects.filter(team=members.team, outcome="denied")
    assert refused.count() == 1  # the first, at once, in full

    assert denials.flush(before=later()) == 1
    first, repeats = refused.order_by("seq")
    assert first.params == {"permission": "manage_users", "method": "GET"}
    assert (repeats.action, repeats.actor, repeats.actor_name) == (
        "permission_denied",
        members.viewer,
        "vera",
    )
    assert repeats.params["repeats"] == 39
    assert repeats.params["pages"] == [members_url(members)]
    assert "39 more times" in repeats.error
    assert denials.flush(before=later()) == 0  # written once
    assert verify(members.team.pk).ok


@both_versions
def test_refused_posts_to_an_action_are_counted_too(
    login_as, members, stored_key, vultr, one_minute
):
    server = Demo(vultr).id("web-01")
    url = reverse("panel:server_destroy", args=[members.team.slug, stored_key.pk, server])
    client = login_as(members.viewer)
    for _ in range(10):
        assert client.post(url, {"confirm": "web-01"}).status_code == 403

    (entry,) = AuditEntry.objects.filter(team=members.team, outcome="denied")
    assert (entry.action, entry.actor) == ("destroy_server", members.viewer)
    assert (entry.target_type, entry.target_id) == ("server", server)
    denials.flush(before=later())
    repeats = AuditEntry.objects.filter(team=members.team, outcome="denied").latest("seq")
    assert repeats.params["repeats"] == 9


def test_the_next_minute_writes_the_last_ones_count(members):
    team, viewer = members.team, members.viewer
    t0 = denials._window() * 60.0 + 1
    assert denials.admit(team.pk, viewer.pk, actor_name="vera", page="/a", now=t0)
    assert not denials.admit(team.pk, viewer.pk, actor_name="vera", page="/b", now=t0 + 5)
    assert not denials.admit(team.pk, viewer.pk, actor_name="vera", page="/b", now=t0 + 6)
    assert not AuditEntry.objects.exists()  # the caller writes the first

    # A minute later: a first refusal again, and the previous minute's count is written.
    assert denials.admit(team.pk, viewer.pk, actor_name="vera", page="/c", now=t0 + 61)
    (entry,) = AuditEntry.objects.all()
    assert entry.params["repeats"] == 2 and entry.params["pages"] == ["/b"]
    assert entry.team == team


def test_actors_are_counted_apart(members):
    t0 = denials._window() * 60.0 + 1
    assert denials.admit(members.team.pk, members.viewer.pk, now=t0)
    assert denials.admit(members.team.pk, members.auditor.pk, now=t0)
    assert not denials.admit(members.team.pk, members.viewer.pk, now=t0 + 1)


@both_versions
def test_a_403_raised_inside_a_view_is_recorded_once(login_as, members, ctx_for, vultr):
    operation = start.start_reinstall_server(ctx_for(members.operator), Demo(vultr).id("web-01"))
    url = reverse("operations:cancel", args=[members.team.slug, operation.pk])

    response = login_as(members.viewer).post(url)

    assert response.status_code == 403
    (entry,) = AuditEntry.objects.filter(team=members.team, outcome="denied")
    assert (entry.action, entry.actor, entry.target_id) == (
        "permission_denied",
        members.viewer,
        "operations:cancel",
    )
    assert entry.params == {"method": "POST"}
    assert entry.error == "Only who started this operation, or an admin, may cancel it."
    assert entry.request_id == response["X-Request-ID"]


@both_versions
def test_a_form_page_refused_inside_a_view_is_recorded_once(login_as, members, stored_key, vultr):
    server = Demo(vultr).id("web-01")
    url = reverse("panel:server_settings", args=[members.team.slug, stored_key.pk, server])

    assert login_as(members.viewer).get(url).status_code == 403

    (entry,) = AuditEntry.objects.filter(team=members.team, outcome="denied")
    assert entry.action == "permission_denied" and "does not allow" in entry.error


def test_a_refusal_already_recorded_is_not_recorded_again(login_as, members):
    Membership.objects.filter(team=members.team, user=members.viewer).update(role=Role.VIEWER)
    login_as(members.viewer).get(members_url(members))

    assert AuditEntry.objects.filter(outcome="denied").count() == 1
