"""A personal team keeps its user, and the events of the user's account in it are theirs alone
(issue 11 item 11): a co-owner could remove the user from their own personal team and keep
reading their sign-ins."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from panel.audit.models import AuditEntry
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(members):
    """Olivia's personal team, with Adam let in as a co-owner."""
    team = members.owner.personal_team
    Membership.objects.create(team=team, user=members.admin, role=Role.OWNER)
    return team


def row(team, user):
    return Membership.objects.get(team=team, user=user)


def test_a_co_owner_cannot_remove_the_user_of_a_personal_team(members, shared, login_as):
    response = login_as(members.admin).post(
        reverse("accounts:member_remove", args=[shared.slug, row(shared, members.owner).pk]),
        follow=True,
    )

    assert "olivia cannot be removed; they stay its owner" in response.content.decode()
    assert row(shared, members.owner).role == Role.OWNER


def test_a_co_owner_cannot_demote_the_user_of_a_personal_team(members, shared, login_as):
    response = login_as(members.admin).post(
        reverse("accounts:member_role", args=[shared.slug, row(shared, members.owner).pk]),
        {"role": Role.VIEWER},
        follow=True,
    )

    assert "olivia cannot be demoted" in response.content.decode()
    assert row(shared, members.owner).role == Role.OWNER


def test_the_user_cannot_leave_their_personal_team(members, shared, login_as):
    response = login_as(members.owner).post(
        reverse("accounts:team_leave", args=[shared.slug]), follow=True
    )

    assert "This is your personal team, olivia: you cannot leave it." in response.content.decode()
    assert row(shared, members.owner).role == Role.OWNER


def test_others_may_still_be_removed_from_it(members, shared, login_as):
    login_as(members.owner).post(
        reverse("accounts:member_remove", args=[shared.slug, row(shared, members.admin).pk])
    )

    assert not Membership.objects.filter(team=shared, user=members.admin).exists()


def test_the_users_sign_ins_are_theirs_alone(client, members, shared, login_as):
    client.post("/accounts/login/", {"username": "olivia", "password": "wrong"})
    client.post("/accounts/login/", {"username": "olivia", "password": PASSWORD})
    signed_in = AuditEntry.objects.get(action="signed_in", team=shared)
    log = reverse("panel:audit", args=[shared.slug])
    export = reverse("panel:audit_export", args=[shared.slug, "jsonl"])
    entry = reverse("panel:audit_entry", args=[shared.slug, signed_in.pk])

    failed = AuditEntry.objects.get(action="sign_in_failed", team=shared)
    failed_url = reverse("panel:audit_entry", args=[shared.slug, failed.pk])

    mine = login_as(members.owner)
    page = mine.get(log).content.decode()
    assert entry in page and failed_url in page
    assert mine.get(entry).status_code == 200
    assert '"signed_in"' in b"".join(mine.get(export).streaming_content).decode()

    theirs = login_as(members.admin)
    page = theirs.get(log).content.decode()
    assert entry not in page and failed_url not in page
    assert theirs.get(entry).status_code == 404
    exported = b"".join(theirs.get(export).streaming_content).decode()
    assert '"signed_in"' not in exported and '"sign_in_failed"' not in exported
    assert '"audit_exported"' in exported  # what the team did is still theirs to read


def test_the_members_page_offers_no_removal_of_the_user(members, shared, login_as):
    owner_row = row(shared, members.owner)
    page = login_as(members.admin).get(reverse("accounts:members", args=[shared.slug]))

    html = page.content.decode()
    assert reverse("accounts:member_remove", args=[shared.slug, owner_row.pk]) not in html
    assert reverse("accounts:member_role", args=[shared.slug, owner_row.pk]) not in html
    admin_row = row(shared, members.admin)
    assert reverse("accounts:member_remove", args=[shared.slug, admin_row.pk]) in html


def test_the_account_page_shows_the_users_own_security_activity(client, members, login_as):
    client.post(
        "/accounts/login/", {"username": "olivia", "password": "wrong"}, REMOTE_ADDR="10.3.3.3"
    )
    failed = AuditEntry.objects.get(action="sign_in_failed")

    page = login_as(members.owner).get(reverse("accounts:account")).content.decode()

    assert "Security activity" in page
    assert "10.3.3.3" in page
    personal = members.owner.personal_team
    assert reverse("panel:audit_entry", args=[personal.slug, failed.pk]) in page
    other = login_as(members.admin).get(reverse("accounts:account")).content.decode()
    assert "10.3.3.3" not in other
