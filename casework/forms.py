"""Forms for investigations. Choices of people come from the team or from eligible staff."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from casework.choices import EvidenceType, IntervieweeType, InvestigationState, ResponseAssessment, TaskStatus, TeamRole
from casework.models import TEXT_MAX_LENGTH, Evidence, Organisation
from kernel.forms import MultipleFileField, NHSFormMixin


def _text(label, required=True, rows=3, max_length=TEXT_MAX_LENGTH):
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows})
    )


def _person(label) -> forms.ModelChoiceField:
    """A choice of person; the view supplies who may be chosen."""
    return forms.ModelChoiceField(label=label, queryset=get_user_model().objects.none())


class ChoicesFromViewMixin(NHSFormMixin):
    """Forms whose choice fields (people, evidence) are limited to a queryset given by the view."""

    choice_fields: tuple[str, ...] = ()

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.choice_fields:
            self.fields[name].queryset = choices  # type: ignore[attr-defined]


class ReasonForm(NHSFormMixin, forms.Form):
    reason = _text("Reason")


class StartScopingForm(ChoicesFromViewMixin, forms.Form):
    choice_fields = ("lead",)
    lead = _person("Lead investigator")
    override_reason = _text("Reason to override a declared conflict (directors only)", required=False, rows=2)


class TeamMemberForm(ChoicesFromViewMixin, forms.Form):
    choice_fields = ("user",)
    user = _person("Person")
    role = forms.ChoiceField(label="Role on the case", choices=TeamRole.choices)
    override_reason = _text("Reason to override a declared conflict (directors only)", required=False, rows=2)


class RemoveMemberForm(ChoicesFromViewMixin, forms.Form):
    choice_fields = ("user",)
    user = _person("Team member")
    reason = _text("Reason", required=False, rows=2)


class TermsForm(NHSFormMixin, forms.Form):
    text = _text("Terms of reference", rows=8)


class LaunchForm(NHSFormMixin, forms.Form):
    start_statement = _text("Start statement (published)", rows=5)


class BreakGlassForm(NHSFormMixin, forms.Form):
    reason = _text("Why you need to open this case's record now (recorded and reviewed by the auditors)", rows=3)


class DiscontinueForm(NHSFormMixin, forms.Form):
    reasons = _text("Reasons (published in the discontinuation statement)", rows=4)


class TaskForm(ChoicesFromViewMixin, forms.Form):
    choice_fields = ("assignee",)
    title = forms.CharField(label="Task", max_length=200)
    assignee = _person("Assign to")
    due_date = forms.DateField(label="Due", required=False)


class TaskStatusForm(NHSFormMixin, forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Status", choices=TaskStatus.choices)


class NoteForm(NHSFormMixin, forms.Form):
    text = _text("Journal note", rows=10)


class NoteEditForm(NoteForm):
    """An edit names the version it was made on, so that a later save is not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class InterviewForm(NHSFormMixin, forms.Form):
    interviewee = forms.CharField(label="Who (role or description)", max_length=200)
    interviewee_type = forms.ChoiceField(label="Type", choices=IntervieweeType.choices)
    held_on = forms.DateField(label="Date held")
    consent_given = forms.BooleanField(label="Consent recorded", required=False)
    consent_notes = _text("Consent notes", required=False, rows=2, max_length=2000)


def organisation_field(label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        required=False,
        queryset=Organisation.objects.all(),
        help_text="Its named contacts answer through the portal. Directors keep the list of organisations.",
    )


class RecommendationForm(NHSFormMixin, forms.Form):
    text = _text("Recommendation", rows=4)
    organisation = organisation_field("Organisation on record (optional)")
    addressee = forms.CharField(
        label="Addressed to, as the report names it",
        max_length=200,
        required=False,
        help_text="Leave empty to use the organisation's name.",
    )

    def clean(self):
        cleaned = super().clean() or {}
        if not cleaned.get("addressee") and not cleaned.get("organisation"):
            self.add_error("addressee", "Say who the recommendation is addressed to, or choose an organisation.")
        return cleaned


class RecommendationStepForm(NHSFormMixin, forms.Form):
    recommendation = forms.CharField(widget=forms.HiddenInput)
    step = forms.ChoiceField(
        choices=[(s, s) for s in ("agree", "issue", "record_response", "assess", "record_no_response", "close")],
        widget=forms.HiddenInput,
    )
    organisation = organisation_field("Organisation that answers it")
    response_text = _text("Response", required=False, rows=3)
    response_received_on = forms.DateField(label="Response received on", required=False)
    assessment = forms.ChoiceField(
        label="Assessment",
        required=False,
        choices=[("", "Choose"), *((v, label) for v, label in ResponseAssessment.choices if v != "no_response")],
    )
    assessment_notes = _text("Why (published with the assessment)", required=False, rows=3)


class ObservationForm(NHSFormMixin, forms.Form):
    text = _text("Safety observation", rows=3)
    addressee = forms.CharField(label="Addressed to (optional)", max_length=200, required=False)


class DirectionForm(NHSFormMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    issued_on = forms.DateField(label="Issued on")
    scope = _text("Scope", rows=4)
    mandated_report_date = forms.DateField(
        label="Mandated report date (if any)",
        required=False,
    )


class VariationForm(NHSFormMixin, forms.Form):
    issued_on = forms.DateField(
        label="Variation issued on",
        initial=timezone.localdate,
    )
    summary = _text("What the variation changes", rows=3)
    mandated_report_date = forms.DateField(
        label="New mandated report date (if moved)",
        required=False,
    )


class RevocationForm(NHSFormMixin, forms.Form):
    revoked_on = forms.DateField(label="Revoked on")
    reason = _text("Reason", rows=3)


class LeaverForm(ChoicesFromViewMixin, forms.Form):
    choice_fields = ("leaver", "successor")
    leaver = _person("Member of staff who is leaving")
    successor = _person("Colleague who takes over their cases and tasks")


class EvidenceForm(NHSFormMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    evidence_type = forms.ChoiceField(label="Type", choices=EvidenceType.choices)
    source = forms.CharField(label="Source (who or where it came from)", max_length=200, required=False)
    received_on = forms.DateField(
        label="Date received",
        initial=timezone.localdate,
    )
    file = MultipleFileField(
        label="Files",
        help_text="Choose one file or several: several sent together share the details above, and each "
        "is titled with its number.",
    )

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError("The date received cannot be in the future.")
        return received_on


class EvidenceChoiceForm(ChoicesFromViewMixin, forms.Form):
    choice_fields = ("evidence",)
    evidence = forms.ModelChoiceField(label="Evidence", queryset=Evidence.objects.none())


class LegalHoldForm(EvidenceChoiceForm):
    hold = forms.BooleanField(label="Under legal hold (blocks disposal)", required=False)
    reason = _text("Reason", rows=2)


class OrganisationsForm(NHSFormMixin, forms.Form):
    main = forms.CharField(label="Organisation concerned", max_length=200, required=False)
    others = forms.CharField(
        label="Other organisations concerned (one per line)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_others(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["others"].splitlines() if line.strip()]
        if any(len(name) > 200 for name in names):
            raise forms.ValidationError("Each organisation's name can be at most 200 characters.")
        return names


class CaseLegalHoldForm(NHSFormMixin, forms.Form):
    hold = forms.BooleanField(label="Under legal hold (blocks disposal of the case and its evidence)", required=False)
    reason = _text("Reason", rows=2)


class OrganisationForm(NHSFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    ods_code = forms.RegexField(
        label="ODS code (optional)",
        regex=r"^\s*[A-Za-z0-9]{3,10}\s*$",
        required=False,
        help_text="The NHS Organisation Data Service code, such as RXH or 8HN12.",
        error_messages={"invalid": "An ODS code is 3 to 10 letters and numbers, like RXH."},
    )


class ContactForm(NHSFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(
        label="Email address", max_length=254, help_text="They sign in to the portal with a code sent here."
    )


class InvestigationFilterForm(NHSFormMixin, forms.Form):
    """The investigations list's search, filters and order (the page and the API); bad values are
    explained on the page and refused by the API."""

    SORTS = {
        "newest": (("-created_at", "-pk"), "Newest first"),
        "oldest": (("created_at", "pk"), "Oldest first"),
        "due": (("due_date", "-created_at", "pk"), "Due soonest"),
        "longest_in_stage": (("state_changed_at", "pk"), "Longest in its stage"),
    }

    q = forms.CharField(label="Reference or words in the title", required=False, max_length=100)
    state = forms.ChoiceField(label="Stage", required=False, choices=[("", "Any stage"), *InvestigationState.choices])
    directed = forms.NullBooleanField(
        label="Directed by the Secretary of State",
        required=False,
        widget=forms.Select(
            choices=[("unknown", "Directed or not"), ("true", "Directed only"), ("false", "Not directed")]
        ),
    )
    sort = forms.ChoiceField(label="Order", required=False, choices=[(key, label) for key, (_, label) in SORTS.items()])
