"""Asking for a disclosure and deciding one."""

from typing import cast

from django import forms

from casework.models import Evidence
from disclosures.choices import Schedule14Ground
from disclosures.models import TEXT_MAX_LENGTH
from kernel.forms import NHSFormMixin


class EvidenceChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return "%s (%s, received %s)" % (obj.title, obj.display_name, obj.received_on.isoformat())


class DisclosureRequestForm(NHSFormMixin, forms.Form):
    items = EvidenceChoice(
        label="Evidence to disclose",
        queryset=Evidence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what the recipient needs.",
        error_messages={"required": "Choose at least one evidence item to disclose."},
    )
    recipient = forms.CharField(max_length=200, label="Recipient", help_text="A named person and their organisation.")
    ground = forms.ChoiceField(label="Schedule 14 ground", choices=Schedule14Ground.choices, widget=forms.RadioSelect)
    necessity = forms.CharField(
        label="Why is disclosure necessary?", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    extent = forms.CharField(
        label="Extent and limits on use",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What exactly is disclosed, for what use, and for how long.",
    )

    def __init__(self, *args, investigation, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["items"]).queryset = Evidence.objects.filter(
            investigation=investigation, disposed_at__isnull=True
        ).order_by("added_at", "pk")


class ItemChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return "%s (%s)" % (obj.evidence.title, obj.evidence.display_name)


class DecisionForm(NHSFormMixin, forms.Form):
    approved_items = ItemChoice(
        label="Items approved for disclosure",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave out anything the recipient does not need. Refusing ignores this.",
    )
    note = forms.CharField(
        label="Decision note",
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when refusing.",
    )

    def __init__(self, *args, disclosure, **kwargs):
        super().__init__(*args, **kwargs)
        items = disclosure.items.select_related("evidence")
        cast(forms.ModelMultipleChoiceField, self.fields["approved_items"]).queryset = items
