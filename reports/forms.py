from typing import cast

from django import forms

from kernel.forms import NHSFormMixin
from reports.choices import WRITTEN_SECTIONS, CommentAnchor, ConsulteePurpose, Handling, ReportKind
from reports.models import COMMENT_MAX_LENGTH, SECTION_MAX_LENGTH, Publication

MARKUP_HELP = (
    "Plain text with simple formatting: a blank line starts a paragraph, **bold**, *italic*, "
    "'- ' starts a list item, '## ' a heading. HTML is shown as typed, never run."
)


class NewReportForm(NHSFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Kind of report", choices=ReportKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label="Title", max_length=200)


class VersionForm(NHSFormMixin, forms.Form):
    """The whole text, one field per written section, and the version the writer started from."""

    based_on = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section in WRITTEN_SECTIONS:
            self.fields[section.value] = forms.CharField(
                label=section.label,
                required=False,
                max_length=SECTION_MAX_LENGTH,
                strip=False,
                help_text=MARKUP_HELP if section == WRITTEN_SECTIONS[0] else "",
                widget=forms.Textarea(attrs={"rows": 12, "class": "nhsuk-textarea"}),
            )

    def sections(self) -> dict[str, str]:
        return {section.value: self.cleaned_data[section.value] for section in WRITTEN_SECTIONS}


class CommentForm(NHSFormMixin, forms.Form):
    anchor = forms.ChoiceField(label="About", choices=CommentAnchor.choices)
    text = forms.CharField(label="Comment", max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))


class ResolveForm(NHSFormMixin, forms.Form):
    resolution = forms.CharField(
        label="How it was dealt with", max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConsulteeForm(NHSFormMixin, forms.Form):
    """One person to send the draft to; a row left empty is skipped."""

    name = forms.CharField(label="Name", max_length=200, required=False)
    email = forms.EmailField(label="Email address", max_length=254, required=False)
    organisation = forms.CharField(label="Organisation (if any)", max_length=200, required=False)
    purpose = forms.ChoiceField(label="Why they are consulted", choices=ConsulteePurpose.choices)

    def clean(self):
        data = super().clean() or {}
        if data.get("name") and not data.get("email"):
            self.add_error("email", "Enter the email address to send the draft to.")
        if data.get("email") and not data.get("name"):
            self.add_error("name", "Enter the name of the person (or role) it is addressed to.")
        return data


ConsulteeFormSet = forms.formset_factory(ConsulteeForm, extra=4, max_num=20, validate_max=True)


class ExtendForm(NHSFormMixin, forms.Form):
    deadline = forms.DateField(label="New deadline")
    reason = forms.CharField(label="Why", max_length=500)


class HandleForm(NHSFormMixin, forms.Form):
    handling = forms.ChoiceField(label="Outcome", choices=Handling.choices, widget=forms.RadioSelect)
    response = forms.CharField(
        label="Response", max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class PublicReportFilterForm(NHSFormMixin, forms.Form):
    """The public list's search and filters (all optional; a bad value is ignored, never an error)."""

    q = forms.CharField(label="Search the reports", max_length=200, required=False)
    kind = forms.ChoiceField(label="Kind", choices=[("", "Interim and final"), *ReportKind.choices], required=False)
    care_setting = forms.ChoiceField(label="Care setting", choices=[("", "Any")], required=False)
    directed = forms.BooleanField(label="Only investigations directed by the Secretary of State", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = (
            Publication.objects.exclude(care_setting="")
            .order_by("care_setting")
            .values_list("care_setting", flat=True)
            .distinct()
        )
        field = cast(forms.ChoiceField, self.fields["care_setting"])
        field.choices = [("", "Any"), *((name, name) for name in places)]
