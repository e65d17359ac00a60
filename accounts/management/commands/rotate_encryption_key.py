"""Re-encrypt every stored Vultr API key under the newest key in PANEL_ENCRYPTION_KEYS.

Put the new key first in PANEL_ENCRYPTION_KEYS (keeping the old ones after it), restart, run
this, then drop the old keys. All keys are rotated in one transaction: if one cannot be
decrypted, none is changed.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import encryption
from accounts.models import ApiKey
from panel.audit import record as audit


class Command(BaseCommand):
    help = "Re-encrypt every stored Vultr API key under the newest encryption key."

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
        except encryption.DecryptionError as err:
            raise CommandError(str(err)) from None
        noun = "key" if count == 1 else "keys"
        self.stdout.write(f"Re-encrypted {count} API {noun} under the newest encryption key.")
