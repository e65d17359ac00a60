"""Encryption at rest: the keys come from the environment (or a generated local default), a bad
value stops start-up naming the variable, and rotate_encryption_key moves every stored key to
the newest encryption key."""

import os
import stat
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts import encryption
from accounts.models import ApiKey
from tests.fixtures.fresh_django import generated_once, start_django

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
PLAINTEXTS = ["A" * 32 + "0001", "B" * 32 + "0002"]


def test_parse_keys_accepts_a_list_newest_first():
    assert encryption.parse_keys(f" {NEW} , {OLD} ,") == (NEW, OLD)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "PANEL_ENCRYPTION_KEYS is empty"),
        (" , ", "PANEL_ENCRYPTION_KEYS is empty"),
        ("hunter2-not-a-key", "PANEL_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key"),
        (f"{NEW},hunter2-not-a-key", "PANEL_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key"),
    ],
)
def test_parse_keys_names_the_variable_and_never_echoes_the_value(raw, message):
    with pytest.raises(ImproperlyConfigured) as caught:
        encryption.parse_keys(raw)

    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert NEW not in str(caught.value)


def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path):
    result = start_django(tmp_path, PANEL_ENCRYPTION_KEYS="hunter2-not-a-key")

    assert result.returncode != 0
    assert "PANEL_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key" in result.stderr
    assert "hunter2" not in result.stderr


def test_a_bad_file_stops_start_up_naming_the_file_variable(tmp_path):
    secret = tmp_path / "keys"
    secret.write_text("hunter2-not-a-key\n")

    result = start_django(tmp_path, PANEL_ENCRYPTION_KEYS_FILE=str(secret))

    assert result.returncode != 0
    assert "PANEL_ENCRYPTION_KEYS_FILE: key 1 of 1 is not a Fernet key" in result.stderr


def test_it_generates_a_private_local_key_once(tmp_path):
    key_file = generated_once(tmp_path, "encryption_key")

    key = key_file.read_text()
    assert encryption.parse_keys(key) == (key.strip(),)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_the_settings_read_the_keys_file(tmp_path, monkeypatch):
    secret = tmp_path / "keys"
    secret.write_text(f"{NEW},{OLD}\n")
    monkeypatch.setenv("PANEL_ENCRYPTION_KEYS_FILE", str(secret))

    assert encryption.encryption_keys_from_environment(tmp_path) == (NEW, OLD)


def test_new_ciphertexts_use_the_newest_key():
    with override_settings(PANEL_ENCRYPTION_KEYS=(NEW, OLD)):
        token = encryption.encrypt("secret")

    assert Fernet(NEW).decrypt(token.encode()) == b"secret"


# Rotation


@pytest.fixture
def keys_under_old(members):
    with override_settings(PANEL_ENCRYPTION_KEYS=(OLD,)):
        for n, plaintext in enumerate(PLAINTEXTS):
            api_key = ApiKey(team=members.team, label=f"Key {n}", api_url="https://api.vultr.com")
            api_key.set_secret(plaintext)
            api_key.save()
    return list(ApiKey.objects.order_by("label"))


def decrypted_with(*keys):
    with override_settings(PANEL_ENCRYPTION_KEYS=keys):
        return [encryption.decrypt(k.ciphertext) for k in ApiKey.objects.order_by("label")]


@pytest.mark.django_db
def test_keys_under_an_old_encryption_key_still_decrypt(keys_under_old):
    assert decrypted_with(NEW, OLD) == PLAINTEXTS
    with pytest.raises(encryption.DecryptionError):
        decrypted_with(NEW)


@pytest.mark.django_db
def test_rotation_moves_every_key_to_the_newest_encryption_key(keys_under_old):
    out = StringIO()
    with override_settings(PANEL_ENCRYPTION_KEYS=(NEW, OLD)):
        call_command("rotate_encryption_key", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Re-encrypted 2 API keys under the newest encryption key."
    assert decrypted_with(NEW) == PLAINTEXTS
    with pytest.raises(encryption.DecryptionError):
        decrypted_with(OLD)


@pytest.mark.django_db
def test_rotation_changes_nothing_if_a_key_cannot_be_decrypted(keys_under_old):
    before = list(ApiKey.objects.order_by("label").values_list("ciphertext", flat=True))
    # The second key was encrypted under a key that is no longer configured.
    stray = Fernet.generate_key().decode()
    with override_settings(PANEL_ENCRYPTION_KEYS=(stray,)):
        ApiKey.objects.filter(label="Key 1").update(ciphertext=encryption.encrypt(PLAINTEXTS[1]))
    before[1] = ApiKey.objects.get(label="Key 1").ciphertext

    with override_settings(PANEL_ENCRYPTION_KEYS=(NEW, OLD)):
        with pytest.raises(CommandError, match="does not decrypt with any key"):
            call_command("rotate_encryption_key", stdout=StringIO())

    assert list(ApiKey.objects.order_by("label").values_list("ciphertext", flat=True)) == before


@pytest.mark.django_db
def test_rotation_with_no_keys_says_so(db):
    out = StringIO()

    call_command("rotate_encryption_key", stdout=out)

    assert "Re-encrypted 0 API keys" in out.getvalue()
