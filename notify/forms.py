from django import forms

from kernel.forms import NHSFormMixin
from notify.choices import EmailFrequency


class EmailPreferenceForm(NHSFormMixin, forms.Form):
    frequency = forms.ChoiceField(
        label="E-mails about your notifications",
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        help_text="E-mails say only what happened and the reference, with a link; never case content.",
    )
