"""Forms of the operations pages: the list's filter, the team's alert addresses, and a key's
budget settings. Operations are started by the pages of what they act on (the server's tabs,
the snapshots page, the deploy wizard), through panel/operations/start.py."""

from __future__ import annotations

from django import forms

from panel.budget.models import KeyBudget

from .models import AlertTarget, Operation
from .notify import check_webhook_url

Kind = Operation.Kind


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
