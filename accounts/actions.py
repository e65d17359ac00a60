"""What users do with accounts, teams and keys: one function per action.

Views translate HTTP into these calls. Each checks the rules that hold whoever calls it (last
owner, role escalation, single-use invitations) and raises `AccountError` with a message meant
for the person who asked; the permission to try at all is checked before, by `team_view` or
`accounts.permissions.may`.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from accounts import keys, lockout
from accounts.models import ApiKey, Invitation, Membership, Team, User
from accounts.roles import Role, may_grant
from panel.audit import record as audit


class AccountError(Exception):
    """The action was refused; `str(err)` says why, for the user."""


# Users and sessions


def create_user(username: str, email: str, password: str) -> User:
    """A new user; the `post_save` handler in accounts.signals gives them a personal team."""
    return User.objects.create_user(username=username, email=email, password=password)


# Sign-up without an invitation goes through the email address (issue 11 item 12): the page
# answers every request alike ("we sent you an email"), and the email says what the page must
# not: the link that creates the account, or that the address already has one, or that the
# username is taken. Finding out whether an account exists then takes a mailbox and a message
# per try, as for password resets. The request waits in the cache until the link is used.
SIGN_UP_HOURS = 24
_SIGN_UP_PREFIX = "accounts:sign-up:"


def _sign_up_key(token: str) -> str:
    return _SIGN_UP_PREFIX + hashlib.sha256(token.encode()).hexdigest()


@sensitive_variables("password")
def request_sign_up(username: str, email: str, password: str, urls) -> None:
    """Email `email` what becomes of this sign-up. `urls(name, token=None)` builds absolute
    links: "finish" (with the token), "login", "password_reset", "signup"."""
    # Hashed whatever happens next, so that the answer takes as long either way.
    password_hash = make_password(password)
    existing = User.objects.filter(email__iexact=email).first()
    context = {"username": username, "email": email, "hours": SIGN_UP_HOURS}
    if existing is not None:
        template, subject = "accounts/email/sign_up_exists.txt", "You already have an account"
        context.update(
            existing=existing.username, login=urls("login"), reset=urls("password_reset")
        )
    elif User.objects.filter(username__iexact=username).exists():
        template, subject = "accounts/email/sign_up_taken.txt", "Choose another username"
        context["signup"] = urls("signup")
    else:
        token = secrets.token_urlsafe(32)
        cache.set(
            _sign_up_key(token),
            {"username": username, "email": email, "password": password_hash},
            timeout=SIGN_UP_HOURS * 3600,
        )
        template, subject = "accounts/email/sign_up.txt", "Finish creating your account"
        context["url"] = urls("finish", token)
    send_mail(
        subject=f"{subject} on the Vultr panel",
        message=render_to_string(template, context),
        from_email=None,
        recipient_list=[email],
    )


def pending_sign_up(token: str) -> dict | None:
    """The sign-up waiting for this link: {"username", "email"} (and the password's hash)."""
    return cache.get(_sign_up_key(token))


def finish_sign_up(token: str) -> User:
    """Create the account the link was sent for; the link works once."""
    pending = cache.get(_sign_up_key(token))
    if pending is None:
        raise AccountError(
            "This link has expired or was used already. Sign up again to get a new one."
        )
    username, email = pending["username"], pending["email"]
    taken = (
        f"The username {username} was taken after the link was sent. Sign up again with another."
    )
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(taken)
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(f"{email} already has an account. Sign in, or reset its password.")
    try:
        with transaction.atomic():
            # The hash as made at the request: the password itself was never kept.
            user = User(username=username, email=email, password=pending["password"])
            user.save()  # accounts.signals gives the user a personal team
    except IntegrityError:
        raise AccountError(taken) from None
    cache.delete(_sign_up_key(token))
    return user


def log_out_everywhere(user: User) -> None:
    """End every session of the user, this one included (see User._get_session_auth_hash)."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    audit.account_event("signed_out_everywhere", user)


# Teams


# The random part of every team's slug: lower case and digits without look-alikes.
SLUG_SUFFIX_CHARS = "abcdefghijkmnpqrstuvwxyz23456789"
SLUG_SUFFIX_LENGTH = 6


def unique_slug(name: str) -> str:
    """The team's name, made URL-safe, plus a random suffix: ``acme-ops-k3x9qa``.

    Every slug gets one, so that creating a team tells nobody which slugs exist (a counter
    such as ``acme-ops-2`` did: issue 11 item 12); `team_view` answers 404 to outsiders for
    the same reason. 32**6 suffixes per name: a clash is retried, never reported."""
    base = slugify(name)[:50].strip("-") or "team"
    while True:
        slug = f"{base}-{get_random_string(SLUG_SUFFIX_LENGTH, SLUG_SUFFIX_CHARS)}"
        if not Team.objects.filter(slug=slug).exists():
            return slug


@transaction.atomic
def create_team(user: User, name: str, *, personal: bool = False) -> Team:
    team = Team.objects.create(
        name=name, slug=unique_slug(name), personal_for=user if personal else None
    )
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def personal_team_name(user: User) -> str:
    return f"{user.username}'s team"


@transaction.atomic
def transfer_ownership(team: Team, owner: Membership, to: Membership) -> None:
    """Make `to` an owner and `owner` an admin."""
    if team.is_personal:
        raise AccountError("A personal team cannot be given away. Create a team to share.")
    if to.pk == owner.pk:
        raise AccountError("You already own this team; choose another member.")
    Membership.objects.filter(pk=to.pk).update(role=Role.OWNER)
    Membership.objects.filter(pk=owner.pk).update(role=Role.ADMIN)
    audit.record(
        "ownership_transferred",
        team=team,
        actor=owner.user,
        target=audit.user_target(to.user),
        before={"owner": owner.user.username, "role_of_new_owner": to.role},
        after={"owner": to.user.username, "role_of_old_owner": Role.ADMIN},
    )


def delete_team(team: Team, confirm_name: str) -> None:
    if team.is_personal:
        raise AccountError("Your personal team cannot be deleted.")
    if confirm_name.strip() != team.name:
        raise AccountError(f"Type the team's name, {team.name}, exactly to delete it.")
    with transaction.atomic():
        # The last entry of the team's chain, which outlives the team (audit_verify checks it).
        audit.record(
            "team_deleted",
            team=team,
            target=("team", str(team.pk), team.name),
            params={
                "slug": team.slug,
                "members": team.memberships.count(),
                "api_keys": team.api_keys.count(),
            },
        )
        team.delete()


# Members


@transaction.atomic
def change_role(actor: Membership, member: Membership, role: str) -> Membership:
    member = _locked(member)
    if role not in Role.values:
        raise AccountError(f"There is no role called {role!r}.")
    if role != Role.OWNER:
        _keep_the_personal_user(member, "demoted")
    if not may_grant(actor.role, member.role):
        raise AccountError(
            f"{member.user.username} is {_a(member.get_role_display())}; "
            "you cannot change the role of someone above you."
        )
    if not may_grant(actor.role, role):
        raise AccountError(
            f"You cannot make anyone {_a(Role(role).label)}: that role can do more than yours."
        )
    if member.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(member, "demoted")
    before, member.role = member.role, role
    member.save(update_fields=["role"])
    audit.record(
        "member_role_changed",
        team=member.team,
        actor=actor.user,
        target=audit.user_target(member.user),
        before={"role": before},
        after={"role": role},
    )
    return member


@transaction.atomic
def remove_member(actor: Membership, member: Membership) -> None:
    member = _locked(member)
    if member.pk == actor.pk:
        return leave_team(member)
    if not may_grant(actor.role, member.role):
        raise AccountError(
            f"{member.user.username} is {_a(member.get_role_display())}; "
            "you cannot remove someone above you."
        )
    _keep_the_personal_user(member, "removed")
    _delete_member(member, "member_removed", actor.user)


def unlock_member(actor: Membership, member: Membership) -> None:
    """Lift a member's sign-in lockout. Like granting roles, only for someone not above you:
    otherwise an admin could lift the owner's lockout again and again, and keep guessing the
    password of an account that can do more than their own."""
    if not may_grant(actor.role, member.role):
        raise AccountError(
            f"{member.user.username} is {_a(member.get_role_display())}; "
            "you cannot unlock someone above you. Their lockout ends by itself, or someone "
            "of their role can lift it."
        )
    lockout.unlock(member.user.username)
    audit.record(
        "member_unlocked", team=member.team, actor=actor.user, target=audit.user_target(member.user)
    )


@transaction.atomic
def leave_team(member: Membership) -> None:
    member = _locked(member)
    _keep_the_personal_user(member, "leave")
    if member.role == Role.OWNER:
        _keep_an_owner(member, "leave")
    _delete_member(member, "member_left", member.user)


def _locked(member: Membership) -> Membership:
    """The member's row again, locked for the change, after the team's owner rows (always
    this order: see `_lock_owners`)."""
    _lock_owners(member.team_id)
    return Membership.objects.select_for_update().get(pk=member.pk)


def _delete_member(member: Membership, action: str, actor: User) -> None:
    """A member removed or gone: the row, and the audit entry saying which role they had."""
    member.delete()
    audit.record(
        action,
        team=member.team,
        actor=actor,
        target=audit.user_target(member.user),
        params={"role": member.role},
    )


def _lock_owners(team_id: int) -> list[int]:
    """Lock the team's owner rows, always in the same order and before any other row, so that
    two owners cannot both step down at once. Locking one's own row first and then the others
    let two owners leaving together deadlock on PostgreSQL (one of them got a server error)."""
    return list(
        Membership.objects.select_for_update()
        .filter(team_id=team_id, role=Role.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _keep_the_personal_user(member: Membership, what: str) -> None:
    """A personal team always keeps its user, as an owner: it holds the user's own account
    events (sign-ins, two-factor, password), which only that user reads there (issue 11 item
    11; panel.audit.queries.team_entries). A co-owner could otherwise remove the user and
    keep reading their sign-ins."""
    if member.team.personal_for_id != member.user_id:
        return
    name = member.user.username
    if what == "leave":
        raise AccountError(f"This is your personal team, {name}: you cannot leave it.")
    raise AccountError(
        f"This is {name}'s personal team: {name} cannot be {what}; they stay its owner."
    )


def _keep_an_owner(member: Membership, what: str) -> None:
    owners = _lock_owners(member.team_id)
    if owners == [member.pk]:
        if what == "leave":
            raise AccountError(
                f"{member.user.username} is the last owner of {member.team.name} and cannot "
                "leave. Make someone else an owner first, or delete the team."
            )
        raise AccountError(
            f"{member.user.username} is the last owner of {member.team.name} and cannot be "
            "demoted. Make someone else an owner first."
        )


# Invitations


def invite(actor: Membership, email: str, role: str, accept_url) -> Invitation:
    """Invite `email` with `role`; `accept_url(token)` builds the link for the email.

    The email is sent before this returns; if the mail server refuses it, the invitation is
    withdrawn and the error says so, so that nobody waits for an email that never left.
    """
    team = actor.team
    if not may_grant(actor.role, role):
        raise AccountError(
            f"You cannot invite someone as {_a(Role(role).label)}: that role can do more "
            "than yours."
        )
    with transaction.atomic():
        if team.memberships.filter(user__email__iexact=email).exists():
            raise AccountError(f"{email} is already a member of {team.name}.")
        if team.invitations.pending().filter(email__iexact=email).exists():
            raise AccountError(
                f"{email} already has an invitation to {team.name} waiting. Revoke it first "
                "to send a new one."
            )
        invitation = Invitation(team=team, email=email, role=role, invited_by=actor.user)
        token = invitation.new_token()
        invitation.save()
    context = {
        "invitation": invitation,
        "url": accept_url(token),
        "inviter": actor.user,
        "valid_for": Invitation.valid_for(),
    }
    try:
        send_mail(
            subject=f"You are invited to join {team.name}",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    except OSError as exc:  # smtplib's errors are OSErrors too
        invitation.delete()
        raise AccountError(
            f"The invitation email to {email} could not be sent ({exc}); nothing was saved. "
            "Check the panel's EMAIL_* settings or try again later."
        ) from None
    audit.record(
        "invitation_sent",
        team=team,
        actor=actor.user,
        target=("invitation", invitation.pk, email),
        params={"email": email, "role": role, "expires_at": invitation.expires_at},
    )
    return invitation


_ALREADY_USED = "This invitation has already been used. Each invitation works only once."


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why this invitation cannot be accepted, or None if it can."""
    if invitation is None:
        return (
            "This invitation link is not valid. Check that you copied the whole link, or ask "
            "for a new invitation."
        )
    if invitation.is_accepted:
        return _ALREADY_USED
    if invitation.is_expired:
        inviter = invitation.invited_by.username if invitation.invited_by else "the team"
        return (
            f"This invitation expired on {invitation.expires_at:%d %B %Y at %H:%M} UTC. "
            f"Ask {inviter} to invite you again."
        )
    return None


@transaction.atomic
def accept_invitation(token: str, user: User) -> Membership:
    return _accept(Invitation.objects.select_for_update().for_token(token).first(), user)


@transaction.atomic
def accept_at_sign_up(invitation_id: int, user: User) -> Membership:
    """Join the team of the invitation that brought a new user to sign-up, as part of the
    sign-up: the invitation is used up by the account it created, so that one link makes one
    account even while sign-up is closed to everyone else (issue 11 item 10)."""
    return _accept(Invitation.objects.select_for_update().filter(pk=invitation_id).first(), user)


def _accept(invitation: Invitation | None, user: User) -> Membership:
    problem = invitation_problem(invitation)
    if problem:
        raise AccountError(problem)
    assert invitation is not None
    if Membership.objects.filter(team=invitation.team, user=user).exists():
        raise AccountError(f"You are already a member of {invitation.team.name}.")
    # Taken only if nobody took it first: select_for_update does not lock on SQLite, this
    # conditional update does on every database.
    now = timezone.now()
    taken = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=now, accepted_by=user
    )
    if not taken:
        raise AccountError(_ALREADY_USED)
    membership = Membership.objects.create(team=invitation.team, user=user, role=invitation.role)
    audit.record(
        "invitation_accepted",
        team=invitation.team,
        actor=user,
        target=audit.user_target(user),
        params={"invitation": invitation.pk, "email": invitation.email, "role": invitation.role},
    )
    return membership


# API keys


@sensitive_variables()
def add_api_key(
    team: Team, user: User, label: str, api_url: str, plaintext: str, api_version: str = "v1"
) -> ApiKey:
    """Check the key with Vultr, then store it encrypted. Nothing is stored if Vultr says no.

    The key is tried with `api_version` first and, if refused there, with the other version;
    it is stored with the version that accepted it (`api_key.check_message` says so when that
    is not the one asked for). The key form asks for v2 by default; this function keeps v1 as
    its default for the callers written before v2 (scripts, fixtures)."""
    if team.api_keys.filter(label=label).exists():
        raise AccountError(_duplicate_label(team, label))
    check = keys.check_key(plaintext, api_url, api_version)
    if not check.ok:
        raise AccountError(check.message)
    api_key = ApiKey(
        team=team,
        label=label,
        api_url=api_url,
        api_version=check.api_version,
        added_by=user,
    )
    api_key.set_secret(plaintext)
    api_key.record_check(True, check.message)
    try:
        with transaction.atomic():
            api_key.save()
    except IntegrityError:
        # Someone added the same label while Vultr was answering.
        raise AccountError(_duplicate_label(team, label)) from None
    audit.record(
        "api_key_added",
        team=team,
        actor=user,
        target=audit.key_target(api_key),
        params={"label": label, "api_url": api_url, "api_version": api_key.api_version},
    )
    return api_key


@sensitive_variables()
def replace_api_key(
    api_key: ApiKey, user: User, plaintext: str, api_version: str | None = None
) -> ApiKey:
    """Check the new key first; only if Vultr accepts it does it take the old one's place.

    It is tried with `api_version` (default: the key's current one) and then the other
    version, like a new key; the key keeps or changes its version to the one that accepted
    it."""
    check = keys.check_key(plaintext, api_key.api_url, api_version or api_key.api_version)
    if not check.ok:
        raise AccountError(check.message)
    before = {"masked": api_key.masked, "api_version": api_key.api_version}
    api_key.api_version = check.api_version
    api_key.set_secret(plaintext)
    api_key.replaced_by = user
    api_key.replaced_at = timezone.now()
    api_key.record_check(True, check.message)
    api_key.save()
    audit.record(
        "api_key_replaced",
        team=api_key.team,
        actor=user,
        target=audit.key_target(api_key),
        before=before,
        after={"masked": api_key.masked, "api_version": api_key.api_version},
    )
    return api_key


def remove_api_key(api_key: ApiKey) -> None:
    """Forget the key. It stays valid at Vultr; revoking it there is the user's call."""
    target = audit.key_target(api_key)
    api_key.delete()
    audit.record("api_key_removed", team=api_key.team, target=target)


def _duplicate_label(team: Team, label: str) -> str:
    return f"{team.name} already has a key labelled {label!r}. Choose another label."


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"
