from django import forms

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
