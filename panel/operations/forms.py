"""Forms of the operations pages: starting an operation, the team's alert addresses, and a key's
budget settings.

Starting forms take their choices (regions, plans, systems, snapshots, backups) from the
action layer's cached reads; the view fills them in. The deploy wizard is the friendly way to
create a server; the create form here is the plain one, for scripts and tests.
"""

from __future__ import annotations

from django import forms

from panel.budget.models import KeyBudget

from .models import AlertTarget, Operation
from .notify import check_webhook_url

Kind = Operation.Kind


class StartForm(forms.Form):
    """The parameters of one kind of operation; `start_kwargs()` gives the start function's."""

    kind: str = ""
    needs_server = True

    server_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the team's audit log.",
    )

    def __init__(self, data=None, *, choices=None, require_reason=False, destructive=False, **kw):
        super().__init__(data, **kw)
        for name, options in (choices or {}).items():
            self.fields[name].choices = options
        if not self.needs_server:
            del self.fields["server_id"]
        if not destructive:
            del self.fields["reason"]
        elif require_reason:
            self.fields["reason"].required = True

    def start_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        return data


class CreateServerForm(StartForm):
    kind = Kind.CREATE_SERVER
    needs_server = False

    region_id = forms.ChoiceField(label="Region")
    plan_id = forms.ChoiceField(label="Plan")
    os_id = forms.ChoiceField(label="Operating system")
    label = forms.CharField(required=False, max_length=255)
    hostname = forms.CharField(required=False, max_length=255)
    tag = forms.CharField(required=False, max_length=255)
    probe_ssh = forms.BooleanField(
        required=False,
        label="Wait until SSH answers on port 22",
        help_text="Ready only once something accepts connections on port 22.",
    )


class CreateSnapshotForm(StartForm):
    kind = Kind.CREATE_SNAPSHOT
    description = forms.CharField(required=False, max_length=255)


class ReinstallServerForm(StartForm):
    kind = Kind.REINSTALL_SERVER
    hostname = forms.CharField(required=False, max_length=255)


class ChangeServerOsForm(StartForm):
    kind = Kind.CHANGE_SERVER_OS
    os_id = forms.ChoiceField(label="New operating system")


class RestoreSnapshotForm(StartForm):
    kind = Kind.RESTORE_SNAPSHOT
    snapshot_id = forms.ChoiceField(label="Snapshot")


class RestoreBackupForm(StartForm):
    kind = Kind.RESTORE_BACKUP
    backup_id = forms.ChoiceField(label="Backup")


class DestroyServerForm(StartForm):
    kind = Kind.DESTROY_SERVER


class CreateIpv4Form(StartForm):
    kind = Kind.CREATE_IPV4


START_FORMS: dict[str, type[StartForm]] = {
    form.kind: form
    for form in (
        CreateServerForm,
        CreateSnapshotForm,
        ReinstallServerForm,
        ChangeServerOsForm,
        RestoreSnapshotForm,
        RestoreBackupForm,
        DestroyServerForm,
        CreateIpv4Form,
    )
}


class OperationFilterForm(forms.Form):
    """The filters of the team's list of operations (all optional, from the query string)."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("active", "Not ended"), *Operation.Status.choices],
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    target = forms.CharField(required=False, max_length=64, label="Server")
    mine = forms.BooleanField(required=False, label="Started by me")


class AlertTargetForm(forms.ModelForm):
    class Meta:
        model = AlertTarget
        fields = ["channel", "address", "on_ready", "on_failed"]

    def clean(self):
        data = super().clean()
        channel, address = data.get("channel"), (data.get("address") or "").strip()
        if channel == AlertTarget.Channel.EMAIL:
            forms.EmailField().clean(address)
        elif channel == AlertTarget.Channel.WEBHOOK:
            # Only http(s), and never the panel's own network (SSRF): see notify.py.
            check_webhook_url(address)
        if not (data.get("on_ready") or data.get("on_failed")):
            raise forms.ValidationError("Choose at least one thing to be told about.")
        data["address"] = address
        return data


class KeyBudgetForm(forms.ModelForm):
    class Meta:
        model = KeyBudget
        fields = ["requests_per_second", "burst", "poll_seconds"]
