"""The auditor's search: who, what, which object, outcome, when and from where."""

from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent
from kernel.forms import NHSFormMixin


class AuditSearchForm(NHSFormMixin, forms.Form):
    user = forms.CharField(label="User (username)", max_length=150, required=False)
    target = forms.CharField(label="Object (reference or username)", max_length=100, required=False)
    action = forms.ChoiceField(label="Action", choices=[("", "Any"), *AuditAction.choices], required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Any"), *Outcome.choices], required=False)
    date_from = forms.DateField(label="From", required=False)
    date_to = forms.DateField(label="To (inclusive)", required=False)
    ip = forms.GenericIPAddressField(label="Address", required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The 'from' date is after the 'to' date. Nothing was searched.")
        return self.cleaned_data

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """`events` narrowed to the valid filters given (every filter is on an indexed column or the id)."""
        data = self.cleaned_data
        if data.get("user"):
            events = events.filter(actor_username=data["user"])
        if data.get("target"):
            # The object itself, one of its parts (evidence, a recommendation: `detail.case`), or a list
            # or dashboard that showed it (audit.services.shown_references).
            target = data["target"]
            events = events.filter(Q(target_ref=target) | Q(detail__case=target) | Q(detail__shown__contains=[target]))
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("outcome"):
            events = events.filter(outcome=data["outcome"])
        if data.get("ip"):
            events = events.filter(ip_address=data["ip"])
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            events = events.filter(occurred_at__gte=datetime.combine(data["date_from"], time.min, zone))
        if data.get("date_to"):
            events = events.filter(occurred_at__lte=datetime.combine(data["date_to"], time.max, zone))
        return events

    def terms(self) -> dict[str, str]:
        """The filters used, for the audit event that records the search itself."""
        return {name: str(value) for name, value in self.cleaned_data.items() if value}


class FlagFilterForm(NHSFormMixin, forms.Form):
    """The review queue narrowed to one kind of flag, one person or one severity."""

    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[
            ("", "Any"),
            ("break_glass", "Break-glass"),
            ("off_team", "Read by someone not on the team"),
            ("bulk", "Bulk access"),
            ("denied", "Denied attempt"),
            ("out_of_hours", "Access outside working hours"),
        ],
    )
    severity = forms.ChoiceField(
        label="Severity", required=False, choices=[("", "Any"), ("high", "High"), ("medium", "Medium")]
    )
    user = forms.CharField(label="User (username)", max_length=150, required=False)
