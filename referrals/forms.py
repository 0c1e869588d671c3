"""Forms for concerns: the public form, staff entry, follow-up, triage actions and the intake queue filters."""

import re
from datetime import date
from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.http import QueryDict
from django.utils import timezone

from kernel.forms import NHSFormMixin
from referrals.choices import (
    Band,
    CareSetting,
    Channel,
    HarmLevel,
    ReferralState,
    Region,
    SignpostReason,
)
from referrals.models import DESCRIPTION_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, Referral, SignpostBody

EARLIEST_DATE = date(1900, 1, 1)
PATIENT_DETAILS_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 4000
RADIO_FIELDS = ("reporter_type", "concern_kind", "harm_level", "frequency")


class ConcernForm(NHSFormMixin, forms.ModelForm):
    """What a referrer tells us. Contact details are optional: anonymous concerns are welcome."""

    reporter_name = forms.CharField(
        required=False,
        max_length=SHORT_TEXT_MAX_LENGTH,
        label="Your name",
        help_text="Optional. You can share a concern anonymously, but then we cannot contact you.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_email = forms.EmailField(required=False, max_length=254, label="Email address")
    reporter_phone = forms.CharField(
        required=False, max_length=30, label="Phone number", widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    care_setting = forms.ChoiceField(
        label="What kind of care was it?", choices=[("", "Choose the kind of care"), *CareSetting.choices]
    )
    region = forms.ChoiceField(
        label="Where in England was the care?", choices=[("", "Choose a region"), *Region.choices]
    )
    occurred_on = forms.DateField(
        required=False,
        label="When did it happen?",
        help_text="If you know. Events before 1 April 2017 can still be shared.",
    )
    patient_details = forms.CharField(
        required=False,
        max_length=PATIENT_DETAILS_MAX_LENGTH,
        label="Patient details, only if we need them",
        help_text="Optional. Stored encrypted and seen only by the staff who need them.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Referral
        fields = [
            "reporter_type",
            "reporter_name",
            "reporter_email",
            "reporter_phone",
            "concern_kind",
            "organisation_name",
            "care_setting",
            "region",
            "occurred_on",
            "description",
            "patient_details",
            "harm_level",
            "frequency",
        ]
        labels = {
            "reporter_type": "Who is sharing this concern?",
            "concern_kind": "Is this about something that happened or something that might happen?",
            "organisation_name": "Which organisation provided the care?",
            "description": "What happened, or what might happen?",
            "harm_level": "Was anyone harmed?",
            "frequency": "How often has this happened?",
        }
        help_texts = {
            "description": "Describe the safety issue. Do not include names, NHS numbers or other details "
            "that identify patients: use the box below for those if they are needed.",
        }
        widgets = {
            "reporter_type": forms.RadioSelect,
            "concern_kind": forms.RadioSelect,
            "harm_level": forms.RadioSelect,
            "frequency": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 8, "maxlength": DESCRIPTION_MAX_LENGTH}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A model field's choices start with a blank "---------"; as a radio it would be shown, and
        # checked, before anyone answered (a keyboard user landed on it). Each question is required.
        for name in RADIO_FIELDS:
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = list(cast(models.Field, Referral._meta.get_field(name)).choices or ())

    def clean_occurred_on(self):
        occurred_on = self.cleaned_data.get("occurred_on")
        if occurred_on is not None:
            if occurred_on > timezone.localdate():
                raise forms.ValidationError("The date cannot be in the future.")
            if occurred_on < EARLIEST_DATE:
                raise forms.ValidationError("The date must be after 1 January 1900.")
        return occurred_on

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if not description:
            raise forms.ValidationError("Describe what happened or what might happen.")
        return description


# What the public may send, by the type its bytes declare (vault.blobs sniffs it; the name and the
# browser's claim are never trusted): documents, images, audio, video and text, nothing executable.
PUBLIC_ATTACHMENT_TYPES = re.compile(
    r"^(image|audio|video)/[\w.+-]+$"
    r"|^text/plain$"
    r"|^application/(pdf|rtf|msword|vnd\.ms-excel|vnd\.ms-powerpoint"
    r"|vnd\.openxmlformats-officedocument\.[\w.-]+|vnd\.oasis\.opendocument\.[\w.-]+)$"
)


class AttachmentFieldMixin(forms.Form):
    attachment = forms.FileField(
        label="Attach a file (optional)",
        required=False,
        help_text="A document, photograph, recording or video. It is encrypted as soon as it arrives.",
    )

    def clean_attachment(self):
        """Refuse what is not a document, image, audio, video or text (its stored blob is then removed)."""
        attachment = self.cleaned_data.get("attachment")
        if attachment and not PUBLIC_ATTACHMENT_TYPES.match(attachment.content_type or ""):
            raise forms.ValidationError(
                "We cannot accept this kind of file (%(type)s). Send a document, photograph, recording, video "
                "or text instead; your other answers are kept.",
                params={"type": attachment.content_type or "unknown"},
            )
        return attachment


class PublicConcernForm(AttachmentFieldMixin, ConcernForm):
    """The public form, with a honeypot field that people never see and bots fill in."""

    website = forms.CharField(required=False, label="Leave this blank", max_length=200)
    nudge = forms.BooleanField(
        required=False,
        label="E-mail me when there is a new message about my concern",
        help_text="The e-mail will say only that there is a new message. You read it here with your receipt code.",
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("nudge") and not cleaned.get("reporter_email"):
            self.add_error("nudge", "Give your email address above, or untick this box.")
        return cleaned

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("This form could not be sent. Leave the last field blank and try again.")
        return ""


class StaffConcernForm(ConcernForm):
    """A concern received by phone, email or letter and entered by intake staff."""

    channel = forms.ChoiceField(
        label="How was the concern received?",
        choices=[(c.value, c.label) for c in (Channel.PHONE, Channel.EMAIL, Channel.LETTER)],
        widget=forms.RadioSelect,
    )


class ReceiptForm(NHSFormMixin, forms.Form):
    """The reference and receipt code that open a referrer's own page."""

    reference = forms.CharField(label="Your reference", help_text="For example, REF-2026-000123.", max_length=20)
    receipt_code = forms.CharField(
        label="Your receipt code", help_text="The code shown when you shared your concern.", max_length=20
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class ReplyForm(AttachmentFieldMixin, NHSFormMixin, forms.Form):
    text = forms.CharField(
        label="Your reply or more information",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": DESCRIPTION_MAX_LENGTH}),
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text="Do not include details that identify patients unless we asked for them.",
    )


class NudgeForm(NHSFormMixin, forms.Form):
    wanted = forms.BooleanField(
        label="E-mail me when there is a new message (the e-mail says only that there is one)", required=False
    )


class StaffAttachmentForm(NHSFormMixin, forms.Form):
    title = forms.CharField(label="What is it?", max_length=200)
    attachment = forms.FileField(label="File")


class ReasonForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX_LENGTH)

    def __init__(self, *args, reason_required: bool = True, reason_label: str = "Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        self.fields["reason"].label = reason_label


def notice_field() -> forms.CharField:
    return forms.CharField(
        label="What to tell the person who shared it (optional)",
        help_text="They read this on their concern's page. Leave it empty to tell them only the outcome.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=DESCRIPTION_MAX_LENGTH,
    )


class SignpostForm(NHSFormMixin, forms.Form):
    signpost_reason = forms.ChoiceField(label="Why is it out of remit?", choices=SignpostReason.choices)
    body = forms.ModelChoiceField(label="Signposted to", queryset=SignpostBody.objects.filter(active=True))
    reason = forms.CharField(
        label="Note to keep", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH
    )
    notice = notice_field()


class DeclineForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reasons for declining (the body's record)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
    )
    notice = notice_field()


class MessageForm(NHSFormMixin, forms.Form):
    """A message or question to the person who shared a concern: they read it on their page."""

    text = forms.CharField(
        label="Message",
        help_text="The person who shared the concern reads this on their page.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DESCRIPTION_MAX_LENGTH,
    )

    def __init__(self, *args, text_label: str = "Message", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = text_label


class LinkForm(NHSFormMixin, forms.Form):
    to_reference = forms.CharField(
        label="Link to (referral or investigation reference)",
        help_text="REF-YYYY-NNNNNN or INV-YYYY-NNNN",
        max_length=20,
    )
    reason = forms.CharField(label="Why are they linked?", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AcceptForm(NHSFormMixin, forms.Form):
    title = forms.CharField(label="Investigation title", max_length=200)
    reason = forms.CharField(
        label="Decision note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH
    )


class AssignForm(NHSFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(label="Assign to", queryset=get_user_model().objects.none())

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = assignees


class BulkAssignForm(AssignForm):
    """The intake queue's chosen concerns, all assigned to one person."""

    MAX_CHOSEN = 100
    chosen = forms.MultipleChoiceField(label="Concerns chosen", choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # References are checked against what the user may see when each is assigned, not here.
        field = cast(forms.MultipleChoiceField, self.fields["chosen"])
        sent = self.data.getlist("chosen") if isinstance(self.data, QueryDict) else []
        field.choices = [(value, value) for value in sent]
        field.error_messages["required"] = "Choose at least one concern in the queue"

    def clean_chosen(self):
        chosen = self.cleaned_data["chosen"]
        if len(chosen) > self.MAX_CHOSEN:
            raise forms.ValidationError("Choose at most %d concerns at a time" % self.MAX_CHOSEN)
        return chosen


class InformationForm(NHSFormMixin, forms.Form):
    text = forms.CharField(
        label="Information received (by phone, email or letter)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DESCRIPTION_MAX_LENGTH,
    )


class AssessmentForm(NHSFormMixin, forms.Form):
    """One band per dimension of the current criteria, and the rationale."""

    rationale = forms.CharField(
        label="Rationale", widget=forms.Textarea(attrs={"rows": 4}), max_length=DESCRIPTION_MAX_LENGTH
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for dimension in criteria.dimensions:
            self.fields["score_%s" % dimension["key"]] = forms.ChoiceField(
                label=dimension["label"],
                help_text=dimension["guidance"],
                choices=Band.choices,
                widget=forms.RadioSelect,
            )
        self.order_fields([*("score_%s" % key for key in criteria.dimension_keys), "rationale"])

    @property
    def scores(self) -> dict:
        return {key: self.cleaned_data["score_%s" % key] for key in self.criteria.dimension_keys}


class QueueFilterForm(NHSFormMixin, forms.Form):
    """The intake queue's filters; every field is optional and validated (bad values are ignored)."""

    SORTS = {
        "newest": ("-received_at", "Newest first"),
        "oldest": ("received_at", "Oldest first"),
        "longest_in_state": ("state_changed_at", "Longest in current state"),
    }

    q = forms.CharField(label="Search", required=False, max_length=200)
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Open (not closed)"), *ReferralState.choices]
    )
    care_setting = forms.ChoiceField(label="Care setting", required=False, choices=[("", "Any"), *CareSetting.choices])
    harm_level = forms.ChoiceField(label="Harm", required=False, choices=[("", "Any"), *HarmLevel.choices])
    organisation = forms.CharField(label="Organisation", required=False, max_length=200)
    remit = forms.ChoiceField(
        label="Remit",
        required=False,
        choices=[("", "Any"), ("in", "In remit"), ("out", "Flagged out of remit")],
    )
    assignee = forms.ChoiceField(
        label="Assigned to", required=False, choices=[("", "Anyone"), ("me", "Me"), ("none", "Unassigned")]
    )
    older_than_days = forms.IntegerField(
        label="Received more than (days) ago", required=False, min_value=0, max_value=36_500
    )
    overdue = forms.BooleanField(label="Only overdue", required=False)
    sort = forms.ChoiceField(
        label="Sort by", required=False, choices=[(key, label) for key, (_, label) in SORTS.items()]
    )


class LegalHoldForm(NHSFormMixin, forms.Form):
    hold = forms.BooleanField(label="Under legal hold (blocks disposal of this concern)", required=False)
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH)
