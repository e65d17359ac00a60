"""Members: changing roles (with HTMX or a plain form), removing members, and every way of
trying to get more than your own role."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def change_role(login_as, members):
    """change_role(actor, target, role, **post_options): `actor`, signed in, posts the member
    role form asking for `target`'s role to become `role`; the response."""

    def post(actor, target, role, **options):
        url = reverse(
            "accounts:member_role", args=[members.team.slug, members.membership(target).pk]
        )
        return login_as(actor).post(url, {"role": role}, **options)

    return post


def remove_url(members, user):
    return reverse("accounts:member_remove", args=[members.team.slug, members.membership(user).pk])


def test_the_members_page_lists_everyone_with_their_role(login_as, members):
    page = login_as(members.admin).get(f"/t/{members.team.slug}/members/").content.decode()

    for user in (members.owner, members.admin, members.operator, members.auditor, members.viewer):
        assert user.email in page
    assert members.outsider.email not in page


def test_an_admin_is_offered_only_roles_up_to_their_own(login_as, members):
    page = login_as(members.admin).get(f"/t/{members.team.slug}/members/").content.decode()

    assert '<option value="admin"' in page
    assert '<option value="owner"' not in page


def test_a_role_change_with_htmx_answers_with_the_row(change_role, members):
    response = change_role(members.admin, members.viewer, Role.OPERATOR, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<tr id="member-{members.membership(members.viewer).pk}"')
    assert "Saved: Operator." in page
    assert "<html" not in page
    assert members.membership(members.viewer).role == Role.OPERATOR


def test_a_role_change_without_javascript_redirects_with_a_message(change_role, members):
    response = change_role(members.admin, members.viewer, Role.AUDITOR, follow=True)

    assert "vera is now Auditor." in response.content.decode()
    assert members.membership(members.viewer).role == Role.AUDITOR


@pytest.mark.parametrize(
    ("actor", "target", "role", "message"),
    [
        # An admin making someone (or themselves) an owner.
        ("admin", "viewer", Role.OWNER, "cannot give the role owner"),
        ("admin", "admin", Role.OWNER, "cannot give the role owner"),
        # An admin demoting an owner.
        ("admin", "owner", Role.VIEWER, "you cannot change the role of someone above you"),
        # Nonsense.
        ("owner", "viewer", "superuser", "Select a valid choice"),
    ],
)
def test_role_escalation_is_refused_with_a_reason(
    change_role, members, actor, target, role, message
):
    target_user = members.with_role(target)
    before = members.membership(target_user).role

    response = change_role(members.with_role(actor), target_user, role, headers=HTMX)

    assert message in response.content.decode()
    assert members.membership(target_user).role == before


def test_members_without_manage_users_cannot_promote_themselves(change_role, members):
    response = change_role(members.operator, members.operator, Role.OWNER)

    assert response.status_code == 403
    assert members.membership(members.operator).role == Role.OPERATOR


def test_the_last_owner_cannot_be_demoted(change_role, members):
    response = change_role(members.owner, members.owner, Role.ADMIN, headers=HTMX)

    assert "olivia is the last owner of Acme Ops and cannot be demoted" in response.content.decode()
    assert members.membership(members.owner).role == Role.OWNER


def test_an_owner_can_step_down_when_there_is_another(change_role, members):
    change_role(members.owner, members.admin, Role.OWNER)

    response = change_role(members.owner, members.owner, Role.ADMIN, headers=HTMX)

    assert response["HX-Refresh"] == "true"
    assert members.membership(members.owner).role == Role.ADMIN


def test_an_admin_removes_a_member(login_as, members):
    response = login_as(members.admin).post(remove_url(members, members.viewer), follow=True)

    assert "vera is no longer a member." in response.content.decode()
    assert not Membership.objects.filter(team=members.team, user=members.viewer).exists()


def test_an_admin_cannot_remove_an_owner(login_as, members):
    response = login_as(members.admin).post(remove_url(members, members.owner), follow=True)

    assert "you cannot remove someone above you" in response.content.decode()
    assert Membership.objects.filter(team=members.team, user=members.owner).exists()


def test_the_last_owner_cannot_remove_themselves(login_as, members):
    response = login_as(members.owner).post(remove_url(members, members.owner), follow=True)

    assert "is the last owner of Acme Ops and cannot leave" in response.content.decode()
    assert Membership.objects.filter(team=members.team, user=members.owner).exists()


def test_the_members_page_shows_who_has_two_factor(login_as, members):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=members.operator, name="app", confirmed=True)
    members.team.require_2fa = True
    members.team.save()
    client = login_as(members.admin)
    client.force_login(members.admin)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.create(
        user=members.admin, name="app", confirmed=True
    ).persistent_id
    session.save()

    page = client.get(f"/t/{members.team.slug}/members/").content.decode()

    row = page.split(f'id="member-{members.membership(members.operator).pk}"')[1].split("</tr>")[0]
    assert "2FA on" in row
    row = page.split(f'id="member-{members.membership(members.viewer).pk}"')[1].split("</tr>")[0]
    assert "no 2FA yet" in row
