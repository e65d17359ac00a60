"""Invitations by email link: single use, expiring, never above the inviter's own role."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def invite(client, members, email="new@example.com", role=Role.OPERATOR):
    return client.post(
        reverse("accounts:member_invite", kwargs={"team": members.team.slug}),
        {"email": email, "role": role},
        follow=True,
    )


def link_in(email) -> str:
    return re.search(r"http://testserver(/invitations/\S+/)", email.body).group(1)


@pytest.fixture
def invited(members, login_as, mailoutbox):
    """An invitation of new@example.com as operator, sent by the admin; returns its link."""
    invite(login_as(members.admin), members)
    return link_in(mailoutbox[-1])


def test_an_invitation_end_to_end_with_sign_up(members, login_as, mailoutbox, client):
    response = invite(login_as(members.admin), members)

    assert "Invitation sent to new@example.com as Operator" in response.content.decode()
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["new@example.com"]
    assert email.subject == "You are invited to join Acme Ops"
    assert "adam invites you" in email.body and "expires in 7 days" in email.body
    link = link_in(email)

    page = client.get(link).content.decode()
    assert "Join Acme Ops" in page and "operator" in page

    response = client.post(
        f"/accounts/signup/?next={link}",
        {
            "username": "newbie",
            "email": "new@example.com",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "next": link,
        },
        follow=True,
    )

    # Signing up from the link joins the team: no second step, no "personal team" welcome.
    newbie = User.objects.get(username="newbie")
    assert response.redirect_chain[-1][0] == f"/t/{members.team.slug}/"
    page = response.content.decode()
    assert "Welcome, newbie! You have joined Acme Ops as Operator." in page
    assert "This is your personal team" not in page
    assert members.membership(newbie).role == Role.OPERATOR
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == newbie and invitation.accepted_at is not None


def test_an_existing_user_accepts_while_signed_in(members, invited, make_user, login_as):
    ann = make_user("ann")

    login_as(ann).post(invited)

    assert members.membership(ann).role == Role.OPERATOR


def test_an_invitation_works_only_once(members, invited, make_user, login_as):
    login_as(make_user("ann")).post(invited)

    bob = make_user("bob")
    response = login_as(bob).post(invited)

    assert response.status_code == 410
    assert "This invitation has already been used" in response.content.decode()
    assert not Membership.objects.filter(team=members.team, user=bob).exists()


def test_an_expired_invitation_is_refused(members, invited, make_user, login_as):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    ann = make_user("ann")

    response = login_as(ann).post(invited)

    page = response.content.decode()
    assert response.status_code == 410
    assert "This invitation expired on" in page and "Ask adam to invite you again" in page
    assert not Membership.objects.filter(team=members.team, user=ann).exists()


def test_invitations_expire_after_seven_days(members, invited):
    invitation = Invitation.objects.get()

    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=7), abs=timedelta(seconds=5)
    )


def test_an_unknown_link_is_refused(client):
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_a_revoked_invitation_is_refused(members, invited, login_as, make_user):
    invitation = Invitation.objects.get()
    login_as(members.admin).post(
        reverse("accounts:invitation_revoke", args=[members.team.slug, invitation.pk])
    )

    response = login_as(make_user("ann")).post(invited)

    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_the_link_is_stored_only_as_a_hash(members, invited):
    token = invited.strip("/").split("/")[-1]

    assert not Invitation.objects.filter(token_hash__contains=token).exists()
    assert Invitation.objects.for_token(token).exists()


def test_a_member_cannot_accept_twice(members, invited, login_as):
    response = login_as(members.viewer).post(invited)

    assert response.status_code == 409
    assert "You are already a member of Acme Ops" in response.content.decode()
    assert members.membership(members.viewer).role == Role.VIEWER
    assert Invitation.objects.get().accepted_at is None


def test_an_admin_cannot_invite_an_owner(members, login_as, mailoutbox):
    response = invite(login_as(members.admin), members, role=Role.OWNER)

    assert "cannot give the role owner" in response.content.decode()
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_an_owner_can_invite_an_owner(members, login_as, mailoutbox):
    invite(login_as(members.owner), members, role=Role.OWNER)

    assert Invitation.objects.get().role == Role.OWNER


def test_members_without_manage_users_cannot_invite(members, login_as, mailoutbox):
    response = login_as(members.operator).post(
        reverse("accounts:member_invite", kwargs={"team": members.team.slug}),
        {"email": "new@example.com", "role": Role.VIEWER},
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_it_refuses_to_invite_a_member(members, login_as, mailoutbox):
    response = invite(login_as(members.admin), members, email="VERA@example.com")

    assert "VERA@example.com is already a member of Acme Ops" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_a_second_invitation_while_one_waits(members, invited, login_as, mailoutbox):
    response = invite(login_as(members.owner), members, email="new@example.com")

    assert "already has an invitation to Acme Ops waiting" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_an_invitation_opens_sign_up_when_it_is_closed(members, invited, client, settings):
    settings.PANEL_ALLOW_SIGNUP = False
    assert client.get("/accounts/signup/").status_code == 403

    client.get(invited)

    assert client.get("/accounts/signup/").status_code == 200


SIGN_UP = {
    "username": "newbie",
    "email": "new@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def test_with_sign_up_closed_one_invitation_makes_one_account(members, invited, settings):
    """Issue 11 item 10: the link opened sign-up for anyone holding it, again and again."""
    settings.PANEL_ALLOW_SIGNUP = False
    first = Client()
    first.get(invited)

    response = first.post("/accounts/signup/", SIGN_UP)

    newbie = User.objects.get(username="newbie")
    assert response["Location"] == f"/t/{members.team.slug}/"
    assert members.membership(newbie).role == Role.OPERATOR
    assert Invitation.objects.get().accepted_by == newbie

    second = Client()
    assert second.get(invited).status_code == 410
    response = second.post("/accounts/signup/", {**SIGN_UP, "username": "another", "email": ""})
    assert response.status_code == 403
    assert not User.objects.filter(username="another").exists()
    first.post(reverse("accounts:logout"))
    assert first.get("/accounts/signup/").status_code == 403


def test_an_invitation_used_while_signing_up_creates_no_account(
    members, invited, settings, make_user, login_as
):
    settings.PANEL_ALLOW_SIGNUP = False
    visitor = Client()
    visitor.get(invited)
    assert visitor.get("/accounts/signup/").status_code == 200
    login_as(make_user("ann")).post(invited)  # someone else uses the link meanwhile

    response = visitor.post("/accounts/signup/", SIGN_UP)

    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_sign_up_from_an_invitation_fills_in_the_invited_email(members, invited, client):
    client.get(invited)

    page = client.get(f"/accounts/signup/?next={invited}").content.decode()

    assert 'value="new@example.com"' in page
    assert "joins <strong>Acme Ops</strong> as operator" in page


@pytest.mark.parametrize("days, words", [(7, "7 days"), (1, "1 day")])
def test_the_banner_the_email_and_the_page_say_the_same_validity(
    members, login_as, mailoutbox, settings, days, words
):
    """Issue 13 item 13: the banner said 6 days (expiry minus creation, a hair under 7)."""
    settings.PANEL_INVITATION_DAYS = days

    page = invite(login_as(members.admin), members).content.decode()

    assert f"The link works once, for the next {words}." in page
    assert f"They get an email with a link that works once, for {words}." in page
    assert f"expires in {words}." in mailoutbox[-1].body
