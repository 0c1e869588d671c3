"""Reports: versioned structured text written by an investigation's team, and its review comments.

Every save is a new version: nothing written is ever overwritten. Text is encrypted at rest like the
case journal (a draft leaked before publication is an offence route, s.124). Protected material:
read only through `visible_to`.
"""

import json
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutsidePerson
from casework.models import Investigation
from kernel.fields import EncryptedTextField
from reports.choices import WRITTEN_SECTIONS, CommentAnchor, ConsulteePurpose, Handling, ReportKind
from reports.querysets import ReportQuerySet
from vault.models import EncryptedFile

# Each section's text; a whole report is far shorter than its sections' sum.
SECTION_MAX_LENGTH = 100_000
COMMENT_MAX_LENGTH = 5_000


class Report(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="reports")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # An interim report's review ends with a director approving one version for publication; a
    # newer version needs approving again. (The final report's review is the case's own step.)
    approved_version = models.ForeignKey(
        "ReportVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["investigation", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["investigation"], condition=models.Q(kind="final"), name="one_final_report_per_case"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.investigation.reference, self.public_id])

    @property
    def reference(self) -> str:
        """How the audit trail names a report: its case and its id."""
        return "%s/%s" % (self.investigation.reference, self.public_id)

    def latest_version(self) -> "ReportVersion | None":
        return self.versions.order_by("-number").first()


class ReportVersion(models.Model):
    """One save of the whole text: who, when, and every written section (encrypted as one document)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = EncryptedTextField(help_text="The written sections as JSON: {section: Markdown text}.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="one_version_per_number")]

    def __str__(self) -> str:
        return "%s, version %s" % (self.report, self.number)

    @property
    def sections(self) -> dict[str, str]:
        """Every written section's text ('' where none was written)."""
        saved = json.loads(self.body or "{}")
        return {section.value: saved.get(section.value, "") for section in WRITTEN_SECTIONS}

    @staticmethod
    def encode(sections: dict[str, str]) -> str:
        return json.dumps({section.value: sections.get(section.value, "") for section in WRITTEN_SECTIONS})


class ReviewComment(models.Model):
    """A reviewer's comment on one section of one version (or the draft as a whole), open until the
    team resolves it with an answer. The review cannot be approved while one is open."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="comments")
    version = models.ForeignKey(ReportVersion, on_delete=models.PROTECT, related_name="comments")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    anchor = models.CharField(max_length=20, choices=CommentAnchor.choices)
    text = EncryptedTextField(max_length=COMMENT_MAX_LENGTH, blank=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolution = EncryptedTextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["report"], condition=models.Q(resolved_at=None), name="open_comments")]

    def __str__(self) -> str:
        return "Comment on %s" % self.version

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Consultation(models.Model):
    """The statutory consultation on a draft (s.115): one frozen version sent to named people, each
    with a purpose and a deadline. What they write stays with the report as its consultation log."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="consultations")
    version = models.ForeignKey(ReportVersion, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("reports:consultation", args=[self.report.investigation.reference, self.public_id])

    @property
    def investigation(self) -> Investigation:
        return self.report.investigation


class Consultee(models.Model):
    """One person sent the draft: their purpose, their deadline (the team may extend it), whether they
    have acknowledged the confidentiality warning and sent their comments in."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="consultees")
    person = models.ForeignKey(OutsidePerson, on_delete=models.PROTECT, related_name="consultations")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(max_length=20, choices=ConsulteePurpose.choices)
    organisation = models.CharField(max_length=200, blank=True)
    deadline = models.DateField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consultation", "pk"]
        constraints = [models.UniqueConstraint(fields=["consultation", "person"], name="consulted_once_each")]

    def __str__(self) -> str:
        return "%s on %s" % (self.person, self.consultation)

    def get_absolute_url(self) -> str:
        """The consulted person's own page for it (in the portal)."""
        return reverse("portal:consultation", args=[self.public_id])

    @property
    def reference(self) -> str:
        """How the audit trail and the person's portal name this copy: the consultation and the person."""
        return "%s/%s" % (self.consultation.reference, self.person.public_id)

    @property
    def deadline_passed(self) -> bool:
        return timezone.localdate() > self.deadline

    @property
    def may_still_comment(self) -> bool:
        return self.submitted_at is None and not self.deadline_passed


class ConsultationComment(models.Model):
    """A consulted person's comment on a section of the draft (or on the whole), and how the team
    handled it: accepted, partly or not, with its response. Every comment is handled before the
    report goes to final approval."""

    consultee = models.ForeignKey(Consultee, on_delete=models.PROTECT, related_name="comments")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    anchor = models.CharField(max_length=20, choices=CommentAnchor.choices)
    text = EncryptedTextField(max_length=COMMENT_MAX_LENGTH, blank=False)
    created_at = models.DateTimeField(default=timezone.now)
    handling = models.CharField(max_length=20, choices=Handling.choices, blank=True)
    response = EncryptedTextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return "Comment from %s" % self.consultee


class ConsultationAttachment(EncryptedFile):
    """A file a consulted person sent with a comment: encrypted as it arrived, like evidence."""

    comment = models.ForeignKey(ConsultationComment, on_delete=models.PROTECT, related_name="attachments")
    case_field = "consultee"

    class Meta:
        ordering = ["added_at"]

    def __str__(self) -> str:
        return self.display_name or "Attachment"

    @property
    def consultee(self) -> Consultee:
        return self.comment.consultee


class IntendedIdentifier(models.Model):
    """The lead's decision that something the anonymisation check found is meant to be published
    (a trust's name, a public figure), with the reason. Kept by the finding's keyed digest."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="intended_identifiers")
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=100)
    reason = EncryptedTextField(max_length=COMMENT_MAX_LENGTH, blank=False)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["marked_at"]
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="one_mark_per_finding")]

    def __str__(self) -> str:
        return "%s marked as intended in %s" % (self.kind, self.report)


# Published text is searched in English; the GIN index is on this same expression.
PUBLICATION_SEARCH = SearchVector("title", "search_text", config="english")


class Publication(models.Model):
    """A report as published by the chief investigator: a frozen public copy of one version.

    From here on the text is public material, kept in clear (searchable) and apart from the drafts,
    which stay protected; the recommendations are the case's records, shown as they stand.
    """

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="publication")
    version = models.ForeignKey(ReportVersion, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    summary = models.TextField()
    sections = models.JSONField(help_text="The published text: {section: Markdown}.")
    search_text = models.TextField(editable=False)
    care_setting = models.CharField(max_length=100, blank=True)
    direction_title = models.CharField(max_length=200, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            GinIndex(PUBLICATION_SEARCH, name="publication_search"),
            models.Index(fields=["-published_at", "-id"], name="publication_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("public_reports:report", args=[self.slug])

    @property
    def investigation(self) -> Investigation:
        return self.report.investigation

    @property
    def is_interim(self) -> bool:
        return self.kind == ReportKind.INTERIM
