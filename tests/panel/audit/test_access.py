"""Only members with audit_view read or export the log: outsiders get 404, other members 403
(and their attempt is on the record), anonymous visitors are sent to sign in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from panel.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

READERS = ["owner", "admin", "auditor"]
NOT_READERS = ["operator", "viewer"]


@pytest.fixture
def pages(members, chain):
    slug = members.team.slug
    return {
        "log": reverse("panel:audit", args=[slug]),
        "entry": reverse("panel:audit_entry", args=[slug, chain[0].pk]),
        "csv": reverse("panel:audit_export", args=[slug, "csv"]),
        "jsonl": reverse("panel:audit_export", args=[slug, "jsonl"]),
    }


PAGES = ["log", "entry", "csv", "jsonl"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", READERS)
def test_members_with_audit_view_read_and_export(login_as, members, pages, role, page):
    response = login_as(members.with_role(role)).get(pages[page])

    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", NOT_READERS)
def test_members_without_audit_view_get_403_and_a_record(login_as, members, pages, role, page):
    user = members.with_role(role)

    response = login_as(user).get(pages[page])

    assert response.status_code == 403
    denied = AuditEntry.objects.get(action="permission_denied")
    assert (denied.actor, denied.params["permission"]) == (user, "audit_view")
    assert not AuditEntry.objects.filter(action="audit_exported").exists()


@pytest.mark.parametrize("page", [*PAGES, "retention"])
def test_outsiders_get_404(login_as, members, pages, page):
    pages["retention"] = reverse("panel:audit_retention", args=[members.team.slug])

    response = login_as(members.outsider).get(pages[page])

    assert response.status_code == 404
    assert b"olivia" not in response.content
    assert not AuditEntry.objects.filter(team=members.team, actor_id=members.outsider.pk).exists()


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, pages, page):
    response = client.get(pages[page])

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_log_is_read_only_over_http(login_as, members, pages):
    client = login_as(members.owner)

    for page in PAGES:
        assert client.post(pages[page]).status_code == 405
