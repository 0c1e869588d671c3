"""Concerns shared with the body (referrals). Protected material: read only through `visible_to`."""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from accounts.models import OutsidePerson
from kernel.fields import EncryptedTextField
from referrals.choices import (
    ACTIVITY_LABELS,
    FROM_THE_BODY,
    OPEN_STATES,
    Band,
    CareSetting,
    Channel,
    ConcernKind,
    Frequency,
    HarmLevel,
    MessageKind,
    ReferralState,
    Region,
    ReporterType,
    SignpostReason,
)
from referrals.permissions import DECIDE_REFERRAL, TRIAGE_REFERRAL
from referrals.querysets import SEARCH_VECTOR, ReferralQuerySet
from vault.models import EncryptedFile

S = ReferralState
# The body's remit starts with events from this date (earlier events are accepted but flagged).
REMIT_START = date(2017, 4, 1)
DESCRIPTION_MAX_LENGTH = 10_000
SHORT_TEXT_MAX_LENGTH = 200


class SignpostBody(models.Model):
    """Where an out-of-remit referrer can be sent (a maintained list, data not code)."""

    name = models.CharField(max_length=200, unique=True)
    url = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TriageCriteria(models.Model):
    """A published, versioned scoring matrix. Assessments record the version they used."""

    version = models.PositiveIntegerField(unique=True)
    published_on = models.DateField()
    dimensions = models.JSONField(help_text="List of {key, label, guidance}; each is scored minor/moderate/major.")

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "triage criteria"

    def __str__(self) -> str:
        return "Triage criteria v%s" % self.version

    @classmethod
    def current(cls) -> "TriageCriteria":
        return cls.objects.latest("version")

    @property
    def dimension_keys(self) -> list[str]:
        return [dimension["key"] for dimension in self.dimensions]


class Referral(FSMModelMixin, models.Model):
    """A concern. Its human reference (REF-YYYY-NNNNNN) is what URLs and the audit trail use."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    state = FSMField(default=S.RECEIVED, choices=S.choices, protected=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    # Set when a concern ends without becoming an investigation (REFERRAL_RETENTION_YEARS); one that
    # became or joined an investigation is kept with it.
    retention_until = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    # When its content was destroyed after retention (casework's Disposal keeps the certificate).
    disposed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB_FORM)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_referrals"
    )

    # What the referrer told us. Free text is searchable; the form warns against patient identifiers.
    reporter_type = models.CharField(max_length=20, choices=ReporterType.choices)
    concern_kind = models.CharField(max_length=20, choices=ConcernKind.choices)
    organisation_name = models.CharField(max_length=SHORT_TEXT_MAX_LENGTH)
    care_setting = models.CharField(max_length=20, choices=CareSetting.choices)
    region = models.CharField(max_length=30, choices=Region.choices)
    occurred_on = models.DateField(null=True, blank=True)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    harm_level = models.CharField(max_length=10, choices=HarmLevel.choices)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)

    # Personal details: encrypted, never indexed or filtered on.
    reporter_name = EncryptedTextField()
    reporter_email = EncryptedTextField()
    reporter_phone = EncryptedTextField()
    patient_details = EncryptedTextField()

    # Remit flags, set from the answers when the referral is received (filterable).
    before_remit_start = models.BooleanField(default=False)
    outside_england = models.BooleanField(default=False)

    receipt_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Set while a referrer who gave an e-mail address wants a content-free nudge when the body writes.
    nudge_recipient = models.ForeignKey(
        OutsidePerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A partner system's Idempotency-Key for this concern, hashed: a retried send finds it again.
    intake_key_hash = models.CharField(max_length=64, blank=True, editable=False)
    # A keyed hash of what that send said: the key sent again with something else is refused.
    intake_body_hash = models.CharField(max_length=64, blank=True, editable=False)

    # Outcomes.
    signpost_reason = models.CharField(max_length=30, choices=SignpostReason.choices, blank=True)
    signposted_to = models.ForeignKey(SignpostBody, null=True, blank=True, on_delete=models.PROTECT)

    history = HistoricalRecords(
        excluded_fields=["receipt_code_hash", "intake_key_hash", "intake_body_hash", "nudge_recipient"]
    )
    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        permissions = [
            ("triage_referral", "Can triage referrals (assess, request information, signpost, link, propose)"),
            ("decide_referral", "Can accept, defer, decline and reopen referrals"),
            ("view_referral_identity", "Can see the referrer's identity, contact and patient details"),
            ("assign_referral", "Can claim and assign referrals"),
        ]
        indexes = [
            models.Index(fields=["state", "-received_at"], name="referral_state_received_idx"),
            models.Index(fields=["-received_at"], name="referral_received_idx"),
            models.Index(fields=["assignee", "state"], name="referral_assignee_idx"),
            models.Index(fields=["organisation_name"], name="referral_org_idx"),
            GinIndex(SEARCH_VECTOR, name="referral_search_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "intake_key_hash"],
                condition=~models.Q(intake_key_hash=""),
                name="referral_intake_key_once_per_sender",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", args=[self.reference])

    @property
    def out_of_remit(self) -> bool:
        return self.before_remit_start or self.outside_england

    @property
    def title(self) -> str:
        return "%s: %s" % (self.organisation_name, self.get_care_setting_display())

    @property
    def is_anonymous(self) -> bool:
        return not (self.reporter_name or self.reporter_email or self.reporter_phone)

    @property
    def age(self) -> timedelta:
        """Time spent in the current state, measured against the ageing targets."""
        return timezone.now() - self.state_changed_at

    @property
    def target_days(self) -> int | None:
        return settings.REFERRAL_TARGET_DAYS.get(self.state)

    @property
    def is_overdue(self) -> bool:
        target = self.target_days
        return target is not None and self.age > timedelta(days=target)

    def set_remit_flags(self) -> None:
        self.before_remit_start = self.occurred_on is not None and self.occurred_on < REMIT_START
        self.outside_england = self.region == Region.OUTSIDE_ENGLAND

    # Workflow (DESIGN 3.1). Called only from referrals.services, which locks, checks and audits.
    @transition(field=state, source=S.RECEIVED, target=S.TRIAGE, permission=TRIAGE_REFERRAL)
    def start_triage(self):
        pass

    @transition(field=state, source=S.TRIAGE, target=S.AWAITING_INFO, permission=TRIAGE_REFERRAL)
    def request_info(self):
        pass

    @transition(field=state, source=S.AWAITING_INFO, target=S.TRIAGE)
    def info_received(self):
        pass

    @transition(field=state, source=S.TRIAGE, target=S.LOGGED, permission=TRIAGE_REFERRAL)
    def log_for_intelligence(self):
        pass

    @transition(field=state, source=S.TRIAGE, target=S.SIGNPOSTED, permission=TRIAGE_REFERRAL)
    def signpost(self):
        pass

    @transition(field=state, source=[S.TRIAGE, S.LOGGED], target=S.LINKED, permission=TRIAGE_REFERRAL)
    def link(self):
        pass

    @transition(
        field=state,
        source=[S.TRIAGE, S.LOGGED],
        target=S.PROPOSED,
        permission=TRIAGE_REFERRAL,
        conditions=[lambda referral: referral.has_complete_assessment()],  # type: ignore[attr-defined]
    )
    def propose_case(self):
        pass

    @transition(field=state, source=S.PROPOSED, target=S.ACCEPTED, permission=DECIDE_REFERRAL)
    def accept(self):
        pass

    @transition(field=state, source=S.PROPOSED, target=S.LOGGED, permission=DECIDE_REFERRAL)
    def defer(self):
        pass

    @transition(field=state, source=S.PROPOSED, target=S.DECLINED, permission=DECIDE_REFERRAL)
    def decline(self):
        pass

    @transition(field=state, source=OPEN_STATES, target=S.WITHDRAWN, permission=TRIAGE_REFERRAL)
    def withdraw(self):
        pass

    @transition(
        field=state,
        source=[S.SIGNPOSTED, S.DECLINED, S.LOGGED, S.WITHDRAWN],
        target=S.TRIAGE,
        permission=DECIDE_REFERRAL,
    )
    def reopen(self):
        pass

    def has_complete_assessment(self) -> bool:
        latest = self.assessments.order_by("-assessed_at").first()
        return latest is not None and latest.is_complete


class ReferralUserObjectPermission(UserObjectPermissionBase):
    """Need-to-know grant of a referral permission to one user (guardian direct foreign key)."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class ReferralGroupObjectPermission(GroupObjectPermissionBase):
    """Grant of a referral permission to a group (guardian direct foreign key)."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)


class TriageAssessment(models.Model):
    """Scores of one referral against one version of the triage criteria."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="assessments")
    criteria = models.ForeignKey(TriageCriteria, on_delete=models.PROTECT)
    scores = models.JSONField(default=dict, help_text="{dimension key: band}")
    rationale = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at"]

    def __str__(self) -> str:
        return "Assessment of %s (criteria v%s)" % (self.referral, self.criteria.version)

    @property
    def is_complete(self) -> bool:
        return all(self.scores.get(key) in Band.values for key in self.criteria.dimension_keys)

    @property
    def scored_dimensions(self) -> list[tuple[str, str]]:
        """(criterion label, band label) in the criteria's order."""
        labels = dict(Band.choices)
        return [(d["label"], labels.get(self.scores.get(d["key"]), "")) for d in self.criteria.dimensions]

    @property
    def overall_band(self) -> str:
        """The highest band scored on any dimension."""
        order = list(Band.values)
        scored = [order.index(band) for band in self.scores.values() if band in order]
        return order[max(scored)] if scored else ""


class ReferralLink(models.Model):
    """A referral linked to another referral or to an investigation (kept for pattern analysis)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="links")
    to_referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="linked_from"
    )
    to_investigation = models.ForeignKey(
        "casework.Investigation", null=True, blank=True, on_delete=models.PROTECT, related_name="referral_links"
    )
    reason = models.TextField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_referral__isnull=False, to_investigation__isnull=True)
                | models.Q(to_referral__isnull=True, to_investigation__isnull=False),
                name="referral_link_has_one_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(referral=models.F("to_referral")), name="referral_link_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return "%s -> %s" % (self.referral, self.to_referral or self.to_investigation)


class ReferralActivity(models.Model):
    """One step of a referral's workflow with the reason given: the timeline shown on its page."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="activities")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, choices=S.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=S.choices, blank=True)
    reason = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name_plural = "referral activities"

    def __str__(self) -> str:
        return "%s %s" % (self.referral, self.action)

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS.get(self.action, self.action)


class ReferralMessage(models.Model):
    """One message in a concern's conversation: from the body to the referrer (a question, a message,
    a decision), the referrer's reply through their receipt code, or information staff recorded.

    Encrypted at rest like the referrer's identity; read only by staff who may see the referral and
    by the referrer on their own page."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="messages")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    text = EncryptedTextField(max_length=DESCRIPTION_MAX_LENGTH, blank=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return "%s on %s" % (self.get_kind_display(), self.referral)

    @property
    def from_the_body(self) -> bool:
        return self.kind in FROM_THE_BODY


class Attachment(EncryptedFile):
    """A file sent with a concern (by the referrer, or recorded by intake staff): the blob is in the vault."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="attachments")
    # The reply it came with, when the referrer sent it through their page.
    message = models.ForeignKey(
        ReferralMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    case_field = "referral"
    title = EncryptedTextField(max_length=200, blank=False)

    history = HistoricalRecords(excluded_fields=["wrapped_key"])

    class Meta:
        ordering = ["-added_at"]

    def __str__(self) -> str:
        return self.title
