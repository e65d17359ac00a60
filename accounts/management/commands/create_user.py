"""Create (or update) a user without questions, optionally with a Vultr API key in a team.

    manage.py create_user --username ann --email ann@example.com --password-file pw.txt \
        [--team "Ops"] [--vultr-key-file key.txt --api-url https://api.vultr.com --key-label Main]
        [--api-version v2]

Safe to run again: an existing user gets the given email and password, an existing team of
that name (that the user owns) is reused, and a key already stored under the label is left
alone if it is the same key at the same address, otherwise checked and replaced.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import actions, encryption
from accounts.keys import KEY_FORMAT, KEY_FORMAT_MESSAGE
from accounts.models import Team, User
from accounts.roles import Role


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} file {path}: {exc.strerror}") from None


class Command(BaseCommand):
    help = "Create or update a user non-interactively, optionally adding a Vultr API key."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        password = parser.add_mutually_exclusive_group(required=True)
        password.add_argument("--password", help="Visible to other local users; prefer a file.")
        password.add_argument("--password-file")
        parser.add_argument(
            "--team", help="A team the user owns (made if missing); the key goes there."
        )
        key = parser.add_mutually_exclusive_group()
        key.add_argument("--vultr-key", help="Visible to other local users; prefer a file.")
        key.add_argument("--vultr-key-file")
        parser.add_argument(
            "--api-url", default=None, help="The key's API address (default: VULTR_API_URL)."
        )
        parser.add_argument("--key-label", default="Vultr")
        parser.add_argument(
            "--api-version",
            choices=["v2", "v1"],
            default="v2",
            help="The Vultr API the key is for (default v2); if that version refuses the key, "
            "the other is tried, and the key is stored with the one that accepts it.",
        )

    def handle(self, *args, **options):
        password = options["password"] or _read(options["password_file"], "password")
        if not password:
            raise CommandError("The password is empty.")
        plaintext = options["vultr_key"]
        if options["vultr_key_file"]:
            plaintext = _read(options["vultr_key_file"], "Vultr key")
        if plaintext is not None and not KEY_FORMAT.fullmatch(plaintext):
            raise CommandError(KEY_FORMAT_MESSAGE)

        user, created = self._user(options["username"], options["email"], password)
        self.stdout.write(f"{'Created' if created else 'Updated'} user {user.username}.")
        team = self._team(user, options["team"])
        if plaintext is not None:
            api_url = (options["api_url"] or settings.VULTR_API_URL).rstrip("/")
            self._key(team, user, options["key_label"], api_url, plaintext, options["api_version"])

    @transaction.atomic
    def _user(self, username: str, email: str, password: str) -> tuple[User, bool]:
        user = User.objects.filter(username=username).first()
        created = user is None
        others = User.objects.exclude(pk=user.pk) if user else User.objects.all()
        if others.filter(email__iexact=email).exists():
            raise CommandError(f"Another user already has the email address {email}.")
        if created:
            user = actions.create_user(username, email, password)
        else:
            user.email = email
            user.set_password(password)
            user.save(update_fields=["email", "password"])
        return user, created

    def _team(self, user: User, name: str | None) -> Team:
        if not name:
            return user.personal_team
        team = Team.objects.filter(
            name=name, memberships__user=user, memberships__role=Role.OWNER
        ).first()
        if team is None:
            team = actions.create_team(user, name)
            self.stdout.write(f"Created team {team.name} (/t/{team.slug}/).")
        return team

    def _key(
        self, team: Team, user: User, label: str, api_url: str, plaintext: str, api_version: str
    ) -> None:
        existing = team.api_keys.filter(label=label).first()
        try:
            if existing is None:
                api_key = actions.add_api_key(
                    team, user, label, api_url, plaintext, api_version=api_version
                )
                self.stdout.write(
                    f"Added the key {api_key} (API {api_key.api_version}) to {team.name}."
                )
            elif (
                existing.api_url == api_url
                and existing.api_version == api_version
                and encryption.decrypt(existing.ciphertext) == plaintext
            ):
                self.stdout.write(f"The key {existing} is already in {team.name}.")
            else:
                existing.api_url = api_url
                actions.replace_api_key(existing, user, plaintext, api_version=api_version)
                self.stdout.write(
                    f"Replaced the key {existing} (API {existing.api_version}) in {team.name}."
                )
        except actions.AccountError as err:
            raise CommandError(str(err)) from None
