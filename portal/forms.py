from django import forms

from casework.choices import ResponseDecision
from casework.models import TEXT_MAX_LENGTH
from casework.services.responses import MAX_ACTIONS
from kernel.forms import NHSFormMixin
from referrals.forms import AttachmentFieldMixin
from reports.choices import CommentAnchor
from reports.models import COMMENT_MAX_LENGTH


class EmailForm(NHSFormMixin, forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address we wrote to you at.",
        error_messages={
            "required": "Enter the email address we wrote to you at.",
            "invalid": "Enter an email address in the right form, like name@example.org.",
        },
    )


class CodeForm(NHSFormMixin, forms.Form):
    code = forms.RegexField(
        label="Sign-in code",
        regex=r"^\s*\d{6}\s*$",
        help_text="The six numbers in the email we have just sent you.",
        error_messages={
            "required": "Enter the six-number code from the email.",
            "invalid": "The code is six numbers, like 492817.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )


class ConsultationCommentForm(AttachmentFieldMixin, NHSFormMixin, forms.Form):
    anchor = forms.ChoiceField(label="Which part of the draft is your comment about?", choices=CommentAnchor.choices)
    text = forms.CharField(
        label="Your comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write your comment."},
    )


class ResponseForm(AttachmentFieldMixin, NHSFormMixin, forms.Form):
    """An organisation's response to a safety recommendation (its actions are a formset beside it)."""

    decision = forms.ChoiceField(
        label="Does your organisation accept the recommendation?",
        choices=ResponseDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether your organisation accepts the recommendation."},
    )
    text = forms.CharField(
        label="Your response",
        help_text="What your organisation will do, or why it will not. We publish it with our assessment.",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write your organisation's response."},
    )


class ResponseActionForm(NHSFormMixin, forms.Form):
    description = forms.CharField(label="Action", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label="Who owns it (a role or team)", max_length=200)
    due_on = forms.DateField(label="Done by", input_formats=["%Y-%m-%d"])


ResponseActionFormSet = forms.formset_factory(
    ResponseActionForm, extra=2, max_num=MAX_ACTIONS, validate_max=True, absolute_max=MAX_ACTIONS
)
