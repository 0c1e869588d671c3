"""Investigations and their work. Protected material: read only through `visible_to`."""

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from casework.choices import (
    ACTIVE_STATES,
    DISCONTINUABLE_STATES,
    STATE_COLOURS,
    DirectionState,
    DisposalState,
    EvidenceType,
    IntervieweeType,
    RecommendationState,
    ResponseAssessment,
    ResponseDecision,
    StatementKind,
    TaskStatus,
    TeamRole,
)
from casework.choices import InvestigationState as S
from casework.permissions import (
    DIRECT_INVESTIGATION,
    LEAD_INVESTIGATION,
    PUBLISH_INVESTIGATION,
    WORK_ON_INVESTIGATION,
    may_approve_disposal,
    on_investigation,
)
from casework.querysets import InvestigationQuerySet
from kernel.fields import EncryptedTextField
from vault.models import EncryptedFile

R = RecommendationState
TEXT_MAX_LENGTH = 20_000


class Investigation(FSMModelMixin, models.Model):
    """A national investigation (INV-YYYY-NNNN): from an accepted referral or a Secretary of State direction."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    programme = models.CharField(max_length=100, blank=True)
    organisation_name = models.CharField(
        max_length=200, blank=True, help_text="The organisation concerned, used for conflict-of-interest checks."
    )
    other_organisations = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Further organisations concerned, checked for conflicts of interest too.",
    )
    origin_referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="investigations"
    )
    state = FSMField(default=S.PROPOSED, choices=S.choices, protected=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    paused_from = models.CharField(max_length=30, choices=S.choices, blank=True)
    directed = models.BooleanField(default=False)
    due_date = models.DateField(null=True, blank=True, help_text="For a directed investigation, the mandated date.")
    report_summary = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = InvestigationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("work_on_investigation", "Can work on an investigation's content: journal, interviews, tasks"),
            ("lead_investigation", "Can take the lead investigator's steps"),
            ("direct_investigation", "Can take directors' decisions on investigations"),
            ("publish_investigation", "Can publish investigation reports"),
            ("manage_investigation_team", "Can add and remove investigation team members"),
        ]
        indexes = [models.Index(fields=["state", "-created_at"], name="investigation_state_idx")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("casework:detail", args=[self.reference])

    @property
    def state_colour(self) -> str:
        """The NHS.UK tag colour of its stage (casework.choices.STATE_COLOURS)."""
        return STATE_COLOURS.get(self.state, "blue")

    @property
    def organisations(self) -> list[str]:
        return [name for name in [self.organisation_name, *self.other_organisations] if name.strip()]

    @property
    def days_to_due(self) -> int | None:
        return (self.due_date - timezone.localdate()).days if self.due_date else None

    @property
    def time_in_state(self) -> timedelta:
        return timezone.now() - self.state_changed_at

    @property
    def is_over_stage_target(self) -> bool:
        target = settings.INVESTIGATION_STAGE_TARGET_DAYS.get(self.state)
        return target is not None and self.time_in_state > timedelta(days=target)

    @property
    def lead(self):
        membership = next((m for m in self.team.all() if m.role == TeamRole.LEAD), None)
        return membership.user if membership else None

    # Workflow (DESIGN 3.2). Called only from casework.services, which locks, checks and audits.
    @transition(field=state, source=S.PROPOSED, target=S.SCOPING, permission=DIRECT_INVESTIGATION)
    def start_scoping(self):
        pass

    @transition(
        field=state,
        source=S.SCOPING,
        target=S.LAUNCH_PENDING,
        permission=DIRECT_INVESTIGATION,
        conditions=[lambda inv: inv.terms_of_reference.exists()],  # type: ignore[attr-defined]
    )
    def approve_terms_of_reference(self):
        pass

    @transition(field=state, source=S.LAUNCH_PENDING, target=S.EVIDENCE_GATHERING, permission=LEAD_INVESTIGATION)
    def launch(self):
        pass

    @transition(field=state, source=S.EVIDENCE_GATHERING, target=S.ANALYSIS, permission=WORK_ON_INVESTIGATION)
    def begin_analysis(self):
        pass

    @transition(field=state, source=S.ANALYSIS, target=S.EVIDENCE_GATHERING, permission=WORK_ON_INVESTIGATION)
    def return_to_evidence(self):
        pass

    @transition(field=state, source=S.ANALYSIS, target=S.DRAFTING, permission=LEAD_INVESTIGATION)
    def start_drafting(self):
        pass

    @transition(field=state, source=S.DRAFTING, target=S.INTERNAL_REVIEW, permission=LEAD_INVESTIGATION)
    def submit_for_review(self):
        pass

    @transition(field=state, source=S.INTERNAL_REVIEW, target=S.DRAFT_CONSULTATION, permission=DIRECT_INVESTIGATION)
    def approve_for_consultation(self):
        pass

    @transition(field=state, source=S.DRAFT_CONSULTATION, target=S.REVISION, permission=LEAD_INVESTIGATION)
    def begin_revision(self):
        pass

    @transition(field=state, source=S.REVISION, target=S.FINAL_APPROVAL, permission=LEAD_INVESTIGATION)
    def submit_final(self):
        pass

    @transition(field=state, source=S.FINAL_APPROVAL, target=S.PUBLISHED, permission=PUBLISH_INVESTIGATION)
    def publish(self):
        pass

    @transition(
        field=state,
        source=S.PUBLISHED,
        target=S.CLOSED,
        permission=DIRECT_INVESTIGATION,
        conditions=[lambda inv: inv.all_recommendations_closed()],  # type: ignore[attr-defined]
    )
    def close(self):
        pass

    @transition(field=state, source=ACTIVE_STATES, target=S.PAUSED, permission=DIRECT_INVESTIGATION)
    def pause(self):
        self.paused_from = self.state

    @transition(field=state, source=S.PAUSED, target=RETURN_VALUE(*ACTIVE_STATES), permission=DIRECT_INVESTIGATION)
    def resume(self):
        resumed_to, self.paused_from = self.paused_from, ""
        return resumed_to

    @transition(field=state, source=DISCONTINUABLE_STATES, target=S.DISCONTINUED, permission=DIRECT_INVESTIGATION)
    def discontinue(self):
        pass

    @transition(field=state, source=[S.CLOSED, S.DISCONTINUED], target=S.ARCHIVED, permission=DIRECT_INVESTIGATION)
    def archive(self):
        pass

    @transition(
        field=state,
        source=S.ARCHIVED,
        target=S.DISPOSED,
        permission=lambda inv, user: may_approve_disposal(user),
        conditions=[lambda inv: inv.retention_has_expired()],  # type: ignore[attr-defined]
    )
    def dispose(self):
        pass

    def all_recommendations_closed(self) -> bool:
        return not self.recommendations.exclude(state=RecommendationState.CLOSED).exists()

    def retention_has_expired(self) -> bool:
        return not self.legal_hold and self.retention_until is not None and self.retention_until <= timezone.localdate()


class InvestigationUserObjectPermission(UserObjectPermissionBase):
    """Need-to-know grant of an investigation permission to one user (guardian direct foreign key)."""

    content_object = models.ForeignKey(Investigation, on_delete=models.CASCADE)


class InvestigationGroupObjectPermission(GroupObjectPermissionBase):
    """Grant of an investigation permission to a group (guardian direct foreign key)."""

    content_object = models.ForeignKey(Investigation, on_delete=models.CASCADE)


class TeamMembership(models.Model):
    """A person on an investigation's team. Membership is what grants access (casework.services)."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships")
    role = models.CharField(max_length=20, choices=TeamRole.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    conflict_override_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["investigation", "user"], name="one_membership_per_person"),
        ]

    def __str__(self) -> str:
        return "%s: %s (%s)" % (self.investigation, self.user, self.get_role_display())


class TermsOfReference(models.Model):
    """One version of an investigation's terms of reference; earlier versions are kept."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="terms_of_reference")
    version = models.PositiveIntegerField()
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["investigation", "version"], name="one_tor_per_version")]

    def __str__(self) -> str:
        return "%s terms of reference v%s" % (self.investigation, self.version)


class Task(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="tasks")
    title = EncryptedTextField(max_length=200, blank=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_tasks")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_date", "pk"]
        indexes = [models.Index(fields=["assignee", "status", "due_date"], name="task_assignee_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == TaskStatus.OPEN and self.due_date is not None and self.due_date < timezone.localdate()


class CaseNote(models.Model):
    """The case journal. Edits keep every earlier version in history: nothing written is lost."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="notes")
    text = EncryptedTextField(max_length=TEXT_MAX_LENGTH, blank=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Counts saves, so that an edit made on an older version is refused rather than overwriting.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return "Note on %s by %s" % (self.investigation, self.author)


class Interview(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="interviews")
    interviewee = EncryptedTextField(
        max_length=200, blank=False, help_text="Role or description, e.g. 'ward sister, night shift'."
    )
    interviewee_type = models.CharField(max_length=10, choices=IntervieweeType.choices)
    held_on = models.DateField()
    consent_given = models.BooleanField()
    consent_notes = EncryptedTextField(max_length=2000)
    conducted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return "Interview: %s (%s)" % (self.interviewee, self.held_on)


class Statement(models.Model):
    """A statement the law requires to be published: start, discontinuation (with reasons), report."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="statements")
    kind = models.CharField(max_length=20, choices=StatementKind.choices)
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return "%s: %s" % (self.investigation, self.get_kind_display())


class Direction(models.Model):
    """A Secretary of State direction to investigate. Registered by one director, approved by another person."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    issued_on = models.DateField()
    scope = models.TextField(max_length=TEXT_MAX_LENGTH)
    mandated_report_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=DirectionState.choices, default=DirectionState.REGISTERED)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    investigation = models.OneToOneField(
        Investigation, null=True, blank=True, on_delete=models.PROTECT, related_name="direction"
    )
    revoked_on = models.DateField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on"]
        permissions = [
            ("register_direction", "Can register a Secretary of State direction"),
            ("approve_direction", "Can approve a direction registered by someone else"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def notice_ref(self) -> str:
        """How notifications name a direction: it has no reference, and its title is not for e-mail."""
        return "DIR-%s" % str(self.public_id)[:8].upper()

    @property
    def current_report_date(self):
        """The mandated date from the latest variation, or from the direction itself."""
        latest = self.variations.first()
        return latest.mandated_report_date if latest else self.mandated_report_date


class DirectionVariation(models.Model):
    """A variation of a direction: a new version that can move the mandated report date."""

    direction = models.ForeignKey(Direction, on_delete=models.PROTECT, related_name="variations")
    version = models.PositiveIntegerField()
    issued_on = models.DateField()
    mandated_report_date = models.DateField(null=True, blank=True)
    summary = models.TextField(max_length=TEXT_MAX_LENGTH)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["direction", "version"], name="one_variation_per_version")]

    def __str__(self) -> str:
        return "%s, variation %s" % (self.direction, self.version)


class Organisation(models.Model):
    """An organisation the body addresses: recommendations go to it and its named contacts answer them
    through the portal. The ODS code is the NHS's own identifier, where it has one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ods_code"], condition=~models.Q(ods_code=""), name="one_organisation_per_ods"
            )
        ]

    def __str__(self) -> str:
        return "%s (%s)" % (self.name, self.ods_code) if self.ods_code else self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", args=[self.public_id])

    @property
    def reference(self) -> str:
        """How the audit trail names it."""
        return "organisation:%s" % self.public_id


class OrganisationContact(models.Model):
    """A named person at an organisation who answers its recommendations (an outside person: portal
    only). Removing them ends their access at their next request; the row stays as a record."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contacts")
    person = models.ForeignKey("accounts.OutsidePerson", on_delete=models.PROTECT, related_name="contact_roles")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"], condition=models.Q(removed_at=None), name="one_live_contact_role"
            )
        ]

    def __str__(self) -> str:
        return "%s at %s" % (self.person, self.organisation)


class SafetyRecommendation(models.Model):
    """A recommendation to an organisation (DESIGN 3.3); overdue is derived from its response due date.

    `addressee` is how the report names the recipient; `organisation` is the record whose contacts
    answer through the portal (a recipient without portal contacts answers by letter, recorded by
    the team)."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="recommendations")
    reference = models.CharField(max_length=30, unique=True)
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    addressee = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="recommendations"
    )
    state = FSMField(default=RecommendationState.DRAFT, choices=RecommendationState.choices, protected=True)
    issued_on = models.DateField(null=True, blank=True)
    response_due = models.DateField(null=True, blank=True)
    response_text = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    response_received_on = models.DateField(null=True, blank=True)
    assessment = models.CharField(max_length=20, choices=ResponseAssessment.choices, blank=True)
    assessment_notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference

    @property
    def response_or_none(self) -> "RecommendationResponse | None":
        """The organisation's portal response, if one was started."""
        return getattr(self, "response", None)

    @property
    def is_overdue(self) -> bool:
        return (
            self.state == RecommendationState.ISSUED
            and self.response_due is not None
            and self.response_due < timezone.localdate()
        )

    @transition(field=state, source=R.DRAFT, target=R.AGREED, permission=on_investigation(WORK_ON_INVESTIGATION))
    def agree(self):
        pass

    @transition(field=state, source=R.AGREED, target=R.ISSUED, permission=on_investigation(DIRECT_INVESTIGATION))
    def issue(self):
        pass

    @transition(
        field=state, source=R.ISSUED, target=R.RESPONSE_RECEIVED, permission=on_investigation(WORK_ON_INVESTIGATION)
    )
    def record_response(self):
        pass

    # The organisation's own contact sends it through the portal: no staff permission, the contact
    # rule is the service's (casework.services.responses).
    @transition(field=state, source=R.ISSUED, target=R.RESPONSE_RECEIVED)
    def submit_response(self):
        pass

    @transition(
        field=state, source=R.RESPONSE_RECEIVED, target=R.ASSESSED, permission=on_investigation(WORK_ON_INVESTIGATION)
    )
    def assess(self):
        pass

    @transition(
        field=state,
        source=R.ISSUED,
        target=R.ASSESSED,
        permission=on_investigation(WORK_ON_INVESTIGATION),
        conditions=[lambda recommendation: recommendation.is_overdue],  # type: ignore[attr-defined]
    )
    def record_no_response(self):
        pass

    @transition(field=state, source=R.ASSESSED, target=R.CLOSED, permission=on_investigation(DIRECT_INVESTIGATION))
    def close(self):
        pass


class RecommendationResponse(models.Model):
    """The organisation's formal response to a recommendation: drafted by its contacts in the portal
    (saved as often as they like), then sent once. Its words are encrypted until the body publishes
    them with its assessment (they are copied to the recommendation's response then)."""

    recommendation = models.OneToOneField(SafetyRecommendation, on_delete=models.PROTECT, related_name="response")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.CharField(max_length=20, choices=ResponseDecision.choices, blank=True)
    text = EncryptedTextField(max_length=TEXT_MAX_LENGTH)
    drafted_by = models.ForeignKey("accounts.OutsidePerson", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        "accounts.OutsidePerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "Response to %s" % self.recommendation


class ResponseAction(models.Model):
    """One action the organisation commits to in its response: what, who owns it, and by when."""

    response = models.ForeignKey(RecommendationResponse, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(max_length=2000)
    owner = models.CharField(max_length=200)
    due_on = models.DateField()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:60]


class ResponseAttachment(EncryptedFile):
    """A file sent with a response (an action plan, a board paper): the blob is in the vault."""

    response = models.ForeignKey(RecommendationResponse, on_delete=models.PROTECT, related_name="attachments")
    case_field = "investigation"

    class Meta:
        ordering = ["added_at"]

    def __str__(self) -> str:
        return self.display_name or "Attachment"

    @property
    def investigation(self) -> Investigation:
        return self.response.recommendation.investigation


class SafetyObservation(models.Model):
    """A safety observation: learning shared without a formal recommendation."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="observations")
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    addressee = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return "Observation on %s" % self.investigation


class InvestigationActivity(models.Model):
    """One workflow or team step with its reason: part of the investigation's timeline."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="activities")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30, choices=S.choices, blank=True)
    to_state = models.CharField(max_length=30, choices=S.choices, blank=True)
    reason = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name_plural = "investigation activities"

    def __str__(self) -> str:
        return "%s %s" % (self.investigation, self.action)


class Evidence(EncryptedFile):
    """One evidence file of an investigation: its description here, the encrypted blob in the vault."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="evidence")
    case_field = "investigation"
    title = EncryptedTextField(max_length=200, blank=False)
    evidence_type = models.CharField(max_length=12, choices=EvidenceType.choices, default=EvidenceType.DOCUMENT)
    source = models.CharField(max_length=200, blank=True)
    received_on = models.DateField(default=timezone.localdate)

    history = HistoricalRecords(excluded_fields=["wrapped_key"])

    class Meta:
        ordering = ["-added_at"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.title


class BreakGlassAccess(models.Model):
    """A director's or the chief investigator's time-limited opening of a case they are not on, with a reason.

    Read-only: it shows the journal, interviews, tasks and evidence, and every read during it is
    flagged in the audit trail and listed for the auditors. Adding one is the role permission
    `casework.add_breakglassaccess`.
    """

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="break_glass_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_accesses")
    reason = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["user", "investigation", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("opened_at")), name="break_glass_ends")
        ]

    def __str__(self) -> str:
        return "break-glass by %s on %s" % (self.user, self.investigation)

    @property
    def reference(self) -> str:
        return "%s/break-glass/%s" % (self.investigation.reference, self.pk)

    def is_active(self, now=None) -> bool:
        return self.expires_at > (now or timezone.now())


class Disposal(models.Model):
    """Two people's decision to destroy a closed record whose retention has ended, and its certificate.

    The record is an archived investigation or a concern that never became one: exactly one of the
    two. The certificate is what is kept for good: what was destroyed, when, who asked and who
    approved, and each file's custody hash; the audit trail keeps its metadata as ever.
    """

    investigation = models.ForeignKey(
        Investigation, null=True, blank=True, on_delete=models.PROTECT, related_name="disposals"
    )
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="disposals"
    )
    state = models.CharField(max_length=20, choices=DisposalState.choices, default=DisposalState.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    carried_out_at = models.DateTimeField(null=True, blank=True)
    certificate = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=models.Q(investigation__isnull=True) ^ models.Q(referral__isnull=True),
                name="disposal_of_one_record",
            ),
            models.UniqueConstraint(
                fields=["investigation"],
                condition=models.Q(state="requested"),
                name="one_open_disposal_per_case",
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(state="requested"),
                name="one_open_disposal_per_referral",
            ),
        ]

    def __str__(self) -> str:
        return "Disposal of %s" % self.subject

    @property
    def subject(self) -> Any:
        """The record this disposal destroys: the investigation or the referral."""
        return self.investigation if self.investigation_id else self.referral
