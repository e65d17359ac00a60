"""Forms of the audit pages: the review filters (a GET form) and the team's retention."""

from __future__ import annotations

from datetime import date

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


def _before_the_last_day(day: date) -> None:
    # "To" covers its whole day, up to the next midnight, and the day after 9999-12-31 does not
    # exist (Python's dates end there): refused here, not an OverflowError in the query.
    if day >= date.max:
        raise forms.ValidationError("Choose a date before 31 December 9999.")


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
    since = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput({"type": "date"}),
        validators=[_before_the_last_day],
    )
    until = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput({"type": "date"}),
        validators=[_before_the_last_day],
    )
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

    def problems(self) -> list[str]:
        """Each error as one line naming its field ("To: ..."), for answers without a form."""
        if not self.is_bound or self.is_valid():
            return []
        found = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else None
            found += [f"{label}: {error}" if label else error for error in errors]
        return found

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
