"""Forms of the audit pages: the review filters (a GET form) and the team's retention."""

from __future__ import annotations

from django import forms

from panel.audit.events import action_choices
from panel.audit.models import AuditEntry, TeamSettings
from panel.audit.queries import AuditFilter

TARGET_TYPES = [
    ("", "Anything"),
    ("server", "Server"),
    ("snapshot", "Snapshot"),
    ("sshkey", "SSH key"),
    ("startupscript", "Startup script"),
    ("api_key", "API key"),
    ("user", "User"),
    ("invitation", "Invitation"),
    ("team", "Team"),
    ("page", "Page"),
    ("audit_log", "Audit log"),
]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        required=False,
        max_length=150,
        label="Who",
        # Offers the current members; anyone who ever acted can be typed (names are kept).
        widget=forms.TextInput({"list": "audit-actors", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(required=False, label="Action")
    target_type = forms.ChoiceField(required=False, choices=TARGET_TYPES, label="On")
    target_id = forms.CharField(required=False, max_length=64, label="Id")
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *AuditEntry.Outcome.choices]
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    request_id = forms.CharField(required=False, max_length=64, label="Request id")
    q = forms.CharField(required=False, max_length=200, label="Text")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = action_choices()

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The date range ends before it starts.")
        return data

    def filters(self) -> AuditFilter:
        """The valid filters; an invalid field counts as empty (its error is shown)."""
        if not self.is_bound:
            return AuditFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        values = {name: data.get(name) for name in self.fields if data.get(name)}
        return AuditFilter(
            **{
                name: value.strip() if isinstance(value, str) else value
                for name, value in values.items()
            }
        )


class RetentionForm(forms.ModelForm):
    class Meta:
        model = TeamSettings
        fields = ["audit_retention_days"]
