"""Teams: create, home page, settings, leave, ownership transfer, delete."""

import re

import pytest
from django.urls import reverse

from accounts.models import ApiKey, Membership, Team
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def url(name, team, **kwargs):
    return reverse(f"accounts:{name}", kwargs={"team": team.slug, **kwargs})


def test_it_creates_a_team_owned_by_its_creator(login_as, members):
    response = login_as(members.viewer).post(
        reverse("accounts:team_create"), {"name": "Side project"}
    )

    team = Team.objects.get(name="Side project")
    assert response["Location"] == f"/t/{team.slug}/"
    assert re.fullmatch(r"side-project-[a-z0-9]{6}", team.slug)
    assert Membership.objects.get(team=team, user=members.viewer).role == Role.OWNER


def test_team_names_may_repeat_but_slugs_do_not(login_as, members):
    login_as(members.viewer).post(reverse("accounts:team_create"), {"name": "Acme Ops"})

    slugs = list(Team.objects.filter(name="Acme Ops").values_list("slug", flat=True))
    assert len(set(slugs)) == 2


def test_a_new_teams_slug_does_not_tell_which_slugs_exist(login_as, members):
    """Issue 11 item 12: "acme-ops-2" told anyone that "acme-ops" existed. Every slug has a
    random suffix, whether its name is taken or not."""
    client = login_as(members.outsider)
    for name in ("Acme Ops", "Never Used Before"):
        client.post(reverse("accounts:team_create"), {"name": name})

    taken = Team.objects.filter(name="Acme Ops").exclude(pk=members.team.pk).get()
    free = Team.objects.get(name="Never Used Before")
    assert re.fullmatch(r"acme-ops-[a-z0-9]{6}", taken.slug)
    assert re.fullmatch(r"never-used-before-[a-z0-9]{6}", free.slug)


def test_the_team_home_shows_role_permissions_keys_and_members_to_admins(
    login_as, members, stored_key
):
    page = login_as(members.admin).get(url("team_home", members.team)).content.decode()

    assert "You are admin here" in page
    assert "Production" in page and f"…{stored_key.last4}" in page
    assert "working" in page
    for user in (members.owner, members.operator, members.viewer, members.auditor):
        assert user.email in page
    assert "Manage members" in page


def test_the_team_home_shows_viewers_the_keys_but_not_the_member_list(
    login_as, members, stored_key
):
    page = login_as(members.viewer).get(url("team_home", members.team)).content.decode()

    assert "You are viewer here" in page
    assert "Production" in page
    assert "5 members" in page
    assert members.operator.email not in page
    assert "Add a key" not in page and "Replace" not in page


def test_the_team_switcher_lists_the_users_teams(login_as, members):
    page = login_as(members.viewer).get(url("team_home", members.team)).content.decode()

    assert f'href="/t/{members.viewer.personal_team.slug}/"' in page
    assert f'href="/t/{members.team.slug}/" aria-current="page"' in page
    assert members.outsider.personal_team.slug not in page


def test_settings_rename_the_team_and_keep_its_address(login_as, members):
    slug = members.team.slug
    response = login_as(members.admin).post(
        url("team_settings", members.team), {"name": "Acme Platform"}
    )

    members.team.refresh_from_db()
    assert response.status_code == 302
    assert members.team.name == "Acme Platform"
    assert members.team.slug == slug


def test_a_member_can_leave(login_as, members):
    response = login_as(members.viewer).post(url("team_leave", members.team))

    assert response["Location"] == "/"
    assert not Membership.objects.filter(team=members.team, user=members.viewer).exists()


def test_the_last_owner_cannot_leave(login_as, members):
    response = login_as(members.owner).post(url("team_leave", members.team), follow=True)

    assert "olivia is the last owner of Acme Ops and cannot leave" in response.content.decode()
    assert Membership.objects.filter(team=members.team, user=members.owner).exists()


def test_an_owner_can_leave_when_there_is_another(login_as, members):
    Membership.objects.filter(team=members.team, user=members.admin).update(role=Role.OWNER)

    login_as(members.owner).post(url("team_leave", members.team))

    assert not Membership.objects.filter(team=members.team, user=members.owner).exists()


def test_ownership_transfer_swaps_the_roles(login_as, members):
    new_owner = members.membership(members.operator)

    response = login_as(members.owner).post(
        url("team_transfer", members.team), {"member": new_owner.pk}
    )

    assert response.status_code == 302
    assert members.membership(members.operator).role == Role.OWNER
    assert members.membership(members.owner).role == Role.ADMIN


def test_ownership_cannot_go_to_an_outsider(login_as, members):
    otto = members.outsider.memberships.get()

    response = login_as(members.owner).post(url("team_transfer", members.team), {"member": otto.pk})

    assert "Select a valid choice" in response.content.decode()
    assert members.membership(members.owner).role == Role.OWNER
    assert otto.team.memberships.count() == 1


def test_a_personal_team_cannot_be_given_away(login_as, members):
    own = members.owner.personal_team
    Membership.objects.create(team=own, user=members.viewer, role=Role.VIEWER)
    viewer = Membership.objects.get(team=own, user=members.viewer)

    response = login_as(members.owner).post(url("team_transfer", own), {"member": viewer.pk})

    assert "A personal team cannot be given away" in response.content.decode()
    assert Membership.objects.get(pk=viewer.pk).role == Role.VIEWER


def test_deleting_needs_the_teams_name_typed(login_as, members, stored_key):
    client = login_as(members.owner)

    response = client.post(url("team_delete", members.team), {"confirm_name": "acme ops"})
    assert "Type the team&#x27;s name, Acme Ops, exactly to delete it." in response.content.decode()
    assert Team.objects.filter(pk=members.team.pk).exists()

    response = client.post(url("team_delete", members.team), {"confirm_name": "Acme Ops"})
    assert response.status_code == 302
    assert not Team.objects.filter(pk=members.team.pk).exists()
    assert not ApiKey.objects.filter(pk=stored_key.pk).exists()


def test_a_personal_team_cannot_be_deleted(login_as, members):
    own = members.owner.personal_team

    response = login_as(members.owner).post(url("team_delete", own), {"confirm_name": own.name})

    assert "Your personal team cannot be deleted." in response.content.decode()
    assert Team.objects.filter(pk=own.pk).exists()
