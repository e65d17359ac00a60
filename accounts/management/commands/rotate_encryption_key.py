"""Re-encrypt every stored secret under the newest key in PANEL_ENCRYPTION_KEYS: the Vultr API
keys, and every other column a model names in its `ENCRYPTED_FIELDS` (the root passwords the
panel keeps for v2 servers, the secret parameters of running operations). accounts may not
import those apps, so they are found by that attribute.

Put the new key first in PANEL_ENCRYPTION_KEYS (keeping the old ones after it), restart, run
this, then drop the old keys. Everything is rotated in one transaction: if one secret cannot
be decrypted, none is changed.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import encryption
from accounts.models import ApiKey
from panel.audit import record as audit


def _rotate_other_secrets() -> dict[str, int]:
    """{model's verbose name (plural): rows re-encrypted} for every model but ApiKey."""
    counts: dict[str, int] = {}
    for model in apps.get_models():
        fields = getattr(model, "ENCRYPTED_FIELDS", ())
        if model is ApiKey or not fields:
            continue
        count = 0
        for row in model._default_manager.select_for_update().order_by("pk"):
            changed = [name for name in fields if getattr(row, name)]
            for name in changed:
                setattr(row, name, encryption.rotate(getattr(row, name)))
            if changed:
                row.save(update_fields=changed)
                count += 1
        counts[str(model._meta.verbose_name_plural)] = count
    return counts


class Command(BaseCommand):
    help = "Re-encrypt every stored Vultr API key and other secret under the newest key."

    def handle(self, *args, **options):
        count = 0
        try:
            with transaction.atomic():
                for api_key in ApiKey.objects.select_for_update().order_by("pk"):
                    api_key.ciphertext = encryption.rotate(api_key.ciphertext)
                    api_key.save(update_fields=["ciphertext"])
                    audit.record(
                        "api_key_rotated",
                        team=api_key.team,
                        target=audit.key_target(api_key),
                        actor=None,
                        actor_name="manage.py rotate_encryption_key",
                    )
                    count += 1
                others = _rotate_other_secrets()
        except encryption.DecryptionError as err:
            raise CommandError(str(err)) from None
        noun = "key" if count == 1 else "keys"
        self.stdout.write(f"Re-encrypted {count} API {noun} under the newest encryption key.")
        for name, rotated in sorted(others.items()):
            self.stdout.write(f"{name.capitalize()}: {rotated} re-encrypted.")
