"""Users, teams, memberships with roles, invitations, and the teams' encrypted Vultr API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables

from accounts import encryption
from accounts.roles import Perm, Role, permissions_of
from panel.audit import scrub
from panel.vultr import VultrClient


class User(AbstractUser):
    """Django's user, plus what sign-in and the team switcher need.

    `session_epoch` is part of the session hash: raising it ends every session of the user at
    their next request ("log out everywhere"), the way a password change does.
    """

    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    last_team = models.ForeignKey(
        "Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique",
                violation_error_message="A user with this email address already exists.",
            )
        ]

    def _get_session_auth_hash(self, secret=None):
        # Django's own hash covers the password only; adding the epoch lets us end sessions
        # without changing the password. Django checks this on every request
        # (django.contrib.auth.get_user), so a stale session is logged out there.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


def user_reference(*, blank: bool = False) -> models.ForeignKey:
    """A user that a row names (who invited, who added a key, who started an operation) but
    does not depend on: the row outlives the user (NULL then) and gives users no reverse
    accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=blank,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class Team(models.Model):
    """A group of people sharing Vultr API keys. Its slug is in every URL showing its data."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=60, unique=True)
    # Set for the team every user gets at sign-up; it cannot be deleted or given away.
    personal_for = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personal_team",
    )
    require_2fa = models.BooleanField(
        "Require two-factor authentication",
        default=False,
        help_text="Members without it are sent to set it up before they can open this team.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_personal(self) -> bool:
        return self.personal_for_id is not None

    def owner_count(self) -> int:
        return self.memberships.filter(role=Role.OWNER).count()


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="accounts_membership_unique")
        ]
        ordering = ["team__name", "user__username"]

    def __str__(self):
        return f"{self.user} in {self.team} as {self.role}"

    @property
    def permissions(self) -> frozenset[Perm]:
        """For templates: ``{% if "manage_keys" in membership.permissions %}``."""
        return permissions_of(self.role)

    def may(self, perm: Perm | str) -> bool:
        return Perm(perm) in self.permissions


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())

    def for_token(self, token: str):
        return self.filter(token_hash=_hash_token(token))


class Invitation(models.Model):
    """An emailed, single-use, expiring link to join a team with a role.

    Only a hash of the token is stored: the link in the email is the credential, so a copy of
    the database does not let anyone join a team.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = user_reference()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = user_reference(blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.email} to {self.team} as {self.role}"

    @staticmethod
    def valid_for() -> str:
        """How long a new link works, in the words of the email, the members page and the
        banner after sending ("7 days"): one setting, PANEL_INVITATION_DAYS, says it. (The
        banner computed it from the dates and said 6: expiry minus creation is a few
        microseconds short of 7 days.)"""
        days = settings.PANEL_INVITATION_DAYS
        return "1 day" if days == 1 else f"{days} days"

    def new_token(self) -> str:
        """Give the invitation a fresh token and expiry; returns the token (for the link)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = _hash_token(token)
        self.expires_at = timezone.now() + timedelta(days=settings.PANEL_INVITATION_DAYS)
        return token

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class ApiKey(models.Model):
    """A Vultr API key shared into a team, encrypted at rest.

    The plaintext exists only inside `client()` (and while a new key is being checked): get a
    client at the moment of the call, and pass the key's id, never the key, to tasks. The
    panel's actions and operations get theirs from ``panel.budget.tokens.client(api_key)``,
    which puts every request on the key's API budget; ``client()`` itself is for this app's
    own checks of a key, the shell and tests.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_keys")
    label = models.CharField(max_length=64)
    api_url = models.URLField("API address", max_length=200)
    # Which of Vultr's APIs the key is used with: v2 for new keys (0003); keys stored before
    # the panel knew v2 were v1 keys (migration 0002).
    api_version = models.CharField(
        "API version", max_length=2, choices=[("v2", "v2"), ("v1", "v1")], default="v2"
    )
    ciphertext = models.TextField(editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    added_by = user_reference()
    created_at = models.DateTimeField(auto_now_add=True)
    replaced_by = user_reference(blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)
    # Health: the outcome of the last real call made with the key (account_info).
    checked_at = models.DateTimeField(null=True, blank=True)
    check_ok = models.BooleanField(null=True)
    check_message = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "label"], name="accounts_apikey_label_unique")
        ]
        ordering = ["label"]

    def __str__(self):
        return f"{self.label} (…{self.last4})"

    def __repr__(self):
        return f"<ApiKey {self.pk} {self.label!r} …{self.last4}>"

    @property
    def masked(self) -> str:
        return f"…{self.last4}"

    @sensitive_variables()
    def set_secret(self, plaintext: str) -> None:
        self.ciphertext = encryption.encrypt(plaintext)
        self.last4 = plaintext[-4:]

    @sensitive_variables()
    def client(self, **kwargs) -> VultrClient:
        """A `VultrClient` for this key; keyword arguments go to `VultrClient`."""
        kwargs.setdefault("base_url", self.api_url)
        kwargs.setdefault("api_version", self.api_version)
        plaintext = encryption.decrypt(self.ciphertext)
        # Known to the storage choke points until this request or task ends, so that no text
        # holding it (or part of it) is stored (panel/audit/scrub.py).
        scrub.in_use(plaintext)
        return VultrClient(plaintext, **kwargs)

    def record_check(self, ok: bool, message: str = "") -> None:
        self.checked_at = timezone.now()
        self.check_ok = ok
        self.check_message = message[:300]
