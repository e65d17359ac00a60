"""Forms of the Vultr pages. Each form knows how it is presented (title, explanation, button)
so that one template, panel/_action_form.html, renders them all, as a page section and as the
HTMX fragment that replaces itself with its errors.

Destructive forms ask the user to type the server's label (or the item's name) and, when the
team wants it, a reason; the reason goes into the audit entry through `ActionContext.reason`.
"""

from __future__ import annotations

from django import forms

from panel.audit.models import TeamSettings
from panel.vultr import InvalidParameterError
from panel.vultr.validation import hostname as check_hostname


class ActionForm(forms.Form):
    """A form that triggers one action; `action` is the URL it posts to."""

    title = ""
    submit = "Save"
    danger = False
    # Asked by the browser (hx-confirm) before sending, for changes that are not destructive
    # enough to need typing a label but are disruptive (a reboot).
    ask: str = ""
    # Rendered as a single small button (one per row of a table), without an id.
    compact = False
    # Would interfere with a long operation on the server (the action's `Change.conflicts`);
    # the page sets `held` (an `actions.Hold`) while one runs, and the button is off.
    conflicts = False
    held = None

    def __init__(self, data=None, *, action: str, explanation: str = "", **kwargs):
        # Several forms share a page (and field names such as "confirm"): ids must not clash.
        # Compact forms repeat once per table row and have only hidden fields: no ids at all.
        kwargs.setdefault("auto_id", False if self.compact else f"{self.form_id}-%s")
        super().__init__(data, **kwargs)
        self.action = action
        self.explanation = explanation

    @property
    def form_id(self) -> str:
        return "form-" + type(self).__name__.removesuffix("Form").lower()


class ConfirmedForm(ActionForm):
    """Confirmation by typing `expected` (the server's label, or its id if it has none), and
    a reason when the team requires one."""

    danger = True

    confirm = forms.CharField(
        max_length=255,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the team's audit log.",
    )

    def __init__(self, data=None, *, expected: str, require_reason: bool, **kwargs):
        super().__init__(data, **kwargs)
        self.expected = expected
        field = self.fields["confirm"]
        field.label = f"Type “{expected}” to confirm"
        # static/js/panel.js enables the button once the text matches; the server checks too.
        field.widget.attrs["data-confirm"] = expected
        self.fields["reason"].required = require_reason
        if require_reason:
            self.fields["reason"].label = "Reason (required in this team)"

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"]
        if typed != self.expected:
            raise forms.ValidationError(f"Type “{self.expected}” exactly to confirm.")
        return typed


class HostNameField(forms.CharField):
    """A DNS name, checked as the provider library checks it, with a message for a person
    (the library's names the API parameter: "entry: must be a host name")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 253)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                check_hostname("hostname", value)
            except InvalidParameterError:
                raise forms.ValidationError(
                    "Not a host name: use letters, digits and hyphens, with dots between "
                    "labels (for example web-04.example.com).",
                    code="hostname",
                ) from None


# -- server settings -------------------------------------------------------------------------


class LabelForm(ActionForm):
    title = "Label"
    submit = "Rename"

    label = forms.CharField(max_length=255, strip=True)


class ReinstallForm(ConfirmedForm):
    conflicts = True
    title = "Reinstall"
    submit = "Reinstall"

    hostname = HostNameField(
        required=False,
        help_text="Optional; the hostname to set on the fresh install.",
    )
    field_order = ["hostname", "confirm", "reason"]


class OsChangeForm(ConfirmedForm):
    conflicts = True
    title = "Change the operating system"
    submit = "Change the OS"

    os_id = forms.ChoiceField(label="New operating system")
    field_order = ["os_id", "confirm", "reason"]

    def __init__(self, data=None, *, choices: list[tuple[str, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["os_id"].choices = [("", "Choose…"), *choices]


class DestroyForm(ConfirmedForm):
    conflicts = True
    title = "Destroy"
    submit = "Destroy this server"

    def __init__(self, data=None, *, wait_note: str = "", wait_seconds: int = 0, **kwargs):
        super().__init__(data, **kwargs)
        # While Vultr would refuse (a young v1 server, a v2 server being set up), the page
        # says until when and keeps the button off (static/js/panel.js turns it on then).
        self.wait_note = wait_note
        self.wait_seconds = wait_seconds


# -- power (no fields; buttons in the page header) -------------------------------------------

POWER_OPERATIONS = {
    # operation: (button, what happens, question before sending)
    "start": ("Start", "started", ""),
    "halt": (
        "Halt",
        "halted",
        "Power off {label} now? Like pulling the plug: unsaved work is lost.",
    ),
    "reboot": ("Reboot", "rebooting", "Reboot {label} now? It is a hard reset."),
}


class BulkForm(forms.Form):
    op = forms.ChoiceField(choices=[(op, op) for op in POWER_OPERATIONS])
    server = forms.MultipleChoiceField(error_messages={"required": "Select servers first."})

    # The most servers one click may touch: each is one request to Vultr, which allows about
    # two a second (reference §3).
    LIMIT = 50

    def __init__(self, data=None, *, server_ids: list[str], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["server"].choices = [(sid, sid) for sid in server_ids]

    def clean_server(self) -> list[str]:
        chosen = self.cleaned_data["server"]
        if len(chosen) > self.LIMIT:
            raise forms.ValidationError(f"Select at most {self.LIMIT} servers at a time.")
        return chosen


# -- addresses -------------------------------------------------------------------------------


class AddIpv4Form(ActionForm):
    title = "Add an IPv4 address"
    submit = "Add an address"

    # Unticked: a reboot is a hard reset, never something a user gets without choosing it.
    reboot = forms.BooleanField(
        required=False,
        initial=False,
        label="Reboot the server now",
        help_text="The operating system has to be configured for the new address; without "
        "a reboot, do that yourself.",
    )

    def __init__(self, data=None, *, server_label: str, **kwargs):
        super().__init__(data, **kwargs)
        # When ticked, static/js/panel.js asks this before sending, as the Reboot button does.
        self.fields["reboot"].widget.attrs["data-ask"] = POWER_OPERATIONS["reboot"][2].format(
            label=server_label
        )


class RemoveIpv4Form(ConfirmedForm):
    conflicts = True
    title = "Remove an IPv4 address"
    submit = "Remove the address"

    ip = forms.GenericIPAddressField(protocol="IPv4", widget=forms.HiddenInput)


class ReverseIpv4Form(ActionForm):
    title = "Reverse DNS"
    submit = "Set reverse DNS"

    ip = forms.GenericIPAddressField(protocol="IPv4", widget=forms.HiddenInput)
    entry = HostNameField(label="Host name", help_text="DNS takes 6 to 12 hours to follow.")


class DefaultReverseIpv4Form(ActionForm):
    title = "Reset reverse DNS"
    submit = "Reset to Vultr's default"
    ask = "Reset the reverse DNS of this address to Vultr's default?"

    ip = forms.GenericIPAddressField(protocol="IPv4", widget=forms.HiddenInput)


class ReverseIpv6Form(ActionForm):
    title = "Set reverse DNS"
    submit = "Set reverse DNS"

    ip = forms.GenericIPAddressField(
        protocol="IPv6", label="IPv6 address", help_text="Any address in the server's network."
    )
    entry = HostNameField(label="Host name")


class DeleteReverseIpv6Form(ActionForm):
    submit = "Delete"
    compact = True
    ask = "Delete this reverse DNS entry?"

    ip = forms.GenericIPAddressField(protocol="IPv6", widget=forms.HiddenInput)


# -- snapshots and backups -------------------------------------------------------------------


class SnapshotForm(ActionForm):
    title = "Take a snapshot"
    submit = "Take a snapshot"

    description = forms.CharField(required=False, max_length=255)


class RestoreSnapshotForm(ConfirmedForm):
    conflicts = True
    title = "Restore a snapshot"
    submit = "Restore the snapshot"

    snapshot = forms.CharField(max_length=64, widget=forms.HiddenInput)


class RestoreBackupForm(ConfirmedForm):
    conflicts = True
    title = "Restore a backup"
    submit = "Restore the backup"

    backup = forms.CharField(max_length=64, widget=forms.HiddenInput)


# -- team ------------------------------------------------------------------------------------


class TeamSafetyForm(forms.ModelForm):
    class Meta:
        model = TeamSettings
        fields = ["require_reason", "console_access"]
