"""Forms of the account-wide resource pages: snapshots, SSH keys and startup scripts.

Deleting one of them uses `ConfirmedForm` (type the item's name, and a reason when the team
asks for one), like the destructive actions on a server.
"""

from __future__ import annotations

from django import forms

from panel.servers.forms.server import ActionForm, ConfirmedForm
from panel.vultr import InvalidParameterError, ScriptType
from panel.vultr.validation import ssh_public_key


def _authorized_keys_line(value: str) -> str:
    # The provider library's own check (whole key blob, known key type), so that the form
    # refuses exactly what the client would refuse, before anything is sent to Vultr.
    try:
        return ssh_public_key("ssh_key", value)
    except InvalidParameterError as err:
        raise forms.ValidationError(
            f"This is not a public key: it {err.problem}. Paste the contents of a .pub file, "
            "such as ~/.ssh/id_ed25519.pub."
        ) from None


# -- snapshots -------------------------------------------------------------------------------


class TakeSnapshotForm(ActionForm):
    title = "Take a snapshot"
    submit = "Take a snapshot"

    server = forms.ChoiceField(label="Of the server")
    description = forms.CharField(required=False, max_length=255)

    def __init__(self, data=None, *, servers: list[tuple[str, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["server"].choices = [("", "Choose…"), *servers]


class SnapshotForm(ActionForm):
    """Edits a snapshot's description (API v2 keys: v1 cannot change a snapshot)."""

    title, submit = "Edit", "Save"

    description = forms.CharField(max_length=255, strip=True)

    def __init__(self, data=None, *, current, **kwargs):
        kwargs.setdefault("initial", {"description": current.description})
        super().__init__(data, **kwargs)
        self.current = current

    def changes(self) -> dict[str, str]:
        description = self.cleaned_data["description"]
        return {} if description == self.current.description else {"description": description}

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError("Nothing changed: edit the description first.")
        return data


# -- SSH keys --------------------------------------------------------------------------------


def key_material(line: str) -> tuple[str, ...]:
    """The key itself (type and base64 blob) of an authorized_keys line, without the comment:
    the same key pasted from two machines differs only there."""
    return tuple(line.split()[:2])


class SshKeyForm(ActionForm):
    """Adds a key; with `current` (an `SshKey`) it edits that key instead."""

    title = "Add an SSH key"
    submit = "Add the key"

    name = forms.CharField(max_length=255, strip=True)
    ssh_key = forms.CharField(
        label="Public key",
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text="One line of an authorized_keys file: type, key and an optional comment.",
    )

    # Shown (as a checkbox) only once the key text was found in the account already.
    same_key_ok = forms.BooleanField(
        required=False, label="Add it again anyway", widget=forms.HiddenInput
    )

    def __init__(self, data=None, *, current=None, existing=lambda: [], **kwargs):
        """`existing()`: the account's keys (`SshKey`), to refuse a name already taken and to
        warn about a key already there, asked only of a form that is otherwise valid;
        `current`, the key edited, is not compared with itself."""
        if current is not None:
            kwargs.setdefault("initial", {"name": current.name, "ssh_key": current.ssh_key})
        super().__init__(data, **kwargs)
        self.current = current
        self.existing = existing
        if current is not None:
            self.title, self.submit = "Rename or replace", "Save"

    def clean_ssh_key(self) -> str:
        return _authorized_keys_line(self.cleaned_data["ssh_key"])

    def _compare_with_the_account(self, data: dict) -> None:
        others = [k for k in self.existing() if self.current is None or k.id != self.current.id]
        # Vultr takes the same name twice, and the deploy wizard then offers two keys that
        # look alike; names are told apart regardless of case, as people read them.
        name = data["name"].casefold()
        for other in others:
            if other.name.strip().casefold() == name:
                self.add_error(
                    "name",
                    f"An SSH key named “{other.name}” is already in this account: "
                    "choose another name (or edit that key).",
                )
                break
        material = key_material(data["ssh_key"])
        if data.get("same_key_ok") or (
            self.current is not None and material == key_material(self.current.ssh_key)
        ):
            return  # allowed, or not a new key: only its name or comment changes
        same = [k for k in others if key_material(k.ssh_key) == material]
        if same:
            # A warning, not a refusal: a key may be kept under two names on purpose.
            self.fields["same_key_ok"].widget = forms.CheckboxInput()
            names = ", ".join(f"“{k.name}”" for k in same)
            self.add_error(
                "ssh_key",
                f"This public key is already in this account, as {names} (the same key, "
                "whatever its comment). Tick “Add it again anyway” to store it once more.",
            )

    def changes(self) -> dict[str, str]:
        """For an edit: only what differs from the key at Vultr (v1 takes either or both)."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("name", "ssh_key")
            if self.current is None or data[name] != getattr(self.current, name)
        }

    def clean(self):
        data = super().clean()
        if not self.errors:
            self._compare_with_the_account(data)
        if self.current is not None and not self.errors and not self.changes():
            raise forms.ValidationError("Nothing changed: edit the name or the key first.")
        return data


# -- startup scripts -------------------------------------------------------------------------

SCRIPT_TYPES = [
    (ScriptType.BOOT.value, "boot: runs once, on the operating system's first boot"),
    (ScriptType.PXE.value, "pxe: an iPXE script, run at power-on of a custom install"),
]


class ScriptForm(ActionForm):
    """Adds a script; with `current` (a `StartupScript`) it edits that script instead. v1
    cannot change a script's type, so editing offers it only with `retype` (v2 keys)."""

    title = "Add a startup script"
    submit = "Add the script"

    name = forms.CharField(max_length=255, strip=True)
    type = forms.ChoiceField(choices=SCRIPT_TYPES, initial=ScriptType.BOOT.value)
    script = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "code"}),
    )

    def __init__(self, data=None, *, current=None, retype=False, **kwargs):
        if current is not None:
            kwargs.setdefault(
                "initial",
                {"name": current.name, "script": current.script, "type": current.type.value},
            )
        super().__init__(data, **kwargs)
        self.current = current
        self.fields_compared = ("name", "type", "script") if retype else ("name", "script")
        if current is not None:
            if retype:
                self.fields["type"].required = False  # left out: unchanged
            else:
                del self.fields["type"]
            self.title, self.submit = "Edit", "Save"

    def clean_script(self) -> str:
        script = self.cleaned_data["script"].replace("\r\n", "\n")
        if not script.strip():
            raise forms.ValidationError("The script is empty.")
        return script

    def changes(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in self.fields_compared
            if self.current is None
            or (data[name] != _plain(getattr(self.current, name)) and data[name] != "")
        }

    def clean(self):
        data = super().clean()
        if self.current is not None and not self.errors and not self.changes():
            *others, last = self.fields_compared
            what = f"{', '.join(others)} or {last}"
            raise forms.ValidationError(f"Nothing changed: edit the {what} first.")
        return data


def _plain(value: object) -> object:
    """A domain value as a form field holds it (a `ScriptType` as its text)."""
    return value.value if isinstance(value, ScriptType) else value


# -- deleting (type the name to confirm) -----------------------------------------------------


class DeleteSnapshotForm(ConfirmedForm):
    title = "Delete the snapshot"
    submit = "Delete the snapshot"


class DeleteSshKeyForm(ConfirmedForm):
    title = "Delete the SSH key"
    submit = "Delete the key"


class DeleteScriptForm(ConfirmedForm):
    title = "Delete the startup script"
    submit = "Delete the script"
