from django import forms

from kernel.forms import NHSFormMixin
from reports.choices import WRITTEN_SECTIONS, CommentAnchor, ReportKind
from reports.models import COMMENT_MAX_LENGTH, SECTION_MAX_LENGTH

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
