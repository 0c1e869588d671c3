"""What the API shows and accepts. Protected fields appear only for roles that may read them.

Input is validated by the same Django forms as the web pages (`api.forms`), so a rule is written
once; the serializers here describe shapes for the OpenAPI schema and choose fields by role.
"""

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.export import CSV_COLUMNS
from audit.models import AuditEvent
from casework.choices import ResponseAssessment
from casework.models import (
    CaseNote,
    Evidence,
    Investigation,
    RecommendationResponse,
    ResponseAction,
    SafetyRecommendation,
    Task,
    TeamMembership,
)
from referrals.forms import ConcernForm
from referrals.models import Referral, ReferralMessage
from reports.models import Consultation, ConsultationComment, Consultee, Publication, Report, ReportVersion

IDENTITY_FIELDS = ("reporter_name", "reporter_email", "reporter_phone", "patient_details")


class ReferralSummarySerializer(serializers.ModelSerializer):
    """A row of the intake queue: what the web queue shows, no description or referrer identity."""

    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Referral
        fields = [
            "reference",
            "state",
            "channel",
            "received_at",
            "state_changed_at",
            "organisation_name",
            "care_setting",
            "region",
            "harm_level",
            "before_remit_start",
            "outside_england",
            "assignee",
        ]
        read_only_fields = fields


class ReferralMessageSerializer(serializers.ModelSerializer):
    """One message of a concern's conversation (staff write through the `message` step)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    attachments = serializers.SlugRelatedField(slug_field="public_id", many=True, read_only=True)

    class Meta:
        model = ReferralMessage
        fields = ["id", "kind", "author", "sent_at", "text", "attachments"]
        read_only_fields = fields


class ReferralSerializer(ReferralSummarySerializer):
    """One referral with its conversation; the referrer's identity and patient details only with
    `view_referral_identity`."""

    messages = ReferralMessageSerializer(many=True, read_only=True)

    class Meta(ReferralSummarySerializer.Meta):
        fields = [
            *ReferralSummarySerializer.Meta.fields,
            "reporter_type",
            "concern_kind",
            "occurred_on",
            "frequency",
            "description",
            "messages",
            *IDENTITY_FIELDS,
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("show_identity"):
            for name in IDENTITY_FIELDS:
                fields.pop(name)
        return fields


class IntakeSerializer(serializers.ModelSerializer):
    """A concern forwarded by a partner system: the fields of the web form, checked by the same form."""

    class Meta:
        model = Referral
        fields = ConcernForm.Meta.fields


class IntakeReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField()
    receipt_code = serializers.CharField(
        allow_null=True,
        help_text="Shown once: the referrer needs it to add information later. Null when `replayed`.",
    )
    state = serializers.CharField()
    replayed = serializers.BooleanField(
        help_text="True when this Idempotency-Key was sent before: the concern it created is answered again."
    )


class StepSerializer(serializers.Serializer):
    """A workflow step: its name, and the step's own fields (as on the web page's form for it)."""

    action = serializers.CharField(help_text="The step, for example start_triage or begin_analysis.")


class StepDoneSerializer(serializers.Serializer):
    reference = serializers.CharField()
    action = serializers.CharField()
    state = serializers.CharField()


class TeamMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["username", "name", "role", "added_at"]
        read_only_fields = fields


class InvestigationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Investigation
        fields = ["reference", "title", "state", "directed", "due_date", "state_changed_at", "created_at"]
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "text", "author", "created_at", "edited_at"]
        read_only_fields = fields


class InvestigationSerializer(InvestigationSummarySerializer):
    """One investigation; the journal only for its team (or a director under break-glass)."""

    team = TeamMemberSerializer(many=True, read_only=True)
    reads_content = serializers.SerializerMethodField()
    notes = NoteSerializer(many=True, read_only=True)

    class Meta(InvestigationSummarySerializer.Meta):
        fields = [
            *InvestigationSummarySerializer.Meta.fields,
            "programme",
            "report_summary",
            "published_at",
            "team",
            "reads_content",
            "notes",
        ]
        read_only_fields = fields

    def get_reads_content(self, investigation) -> bool:
        return bool(self.context.get("reads_content"))

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("reads_content"):
            fields.pop("notes")
        return fields


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "title", "assignee", "due_date", "status", "created_at"]
        read_only_fields = fields


class ResponseActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResponseAction
        fields = ["description", "owner", "due_on"]
        read_only_fields = fields


class RecommendationResponseSerializer(serializers.ModelSerializer):
    """The organisation's response as its contact sent it through the portal (null while a draft)."""

    actions = ResponseActionSerializer(many=True, read_only=True)
    attachments = serializers.SlugRelatedField(slug_field="public_id", many=True, read_only=True)

    class Meta:
        model = RecommendationResponse
        fields = ["decision", "text", "actions", "attachments", "submitted_at"]
        read_only_fields = fields


class RecommendationSerializer(serializers.ModelSerializer):
    """A recommendation for the case's team and approvers, with the organisation's sent response."""

    assessment = serializers.ChoiceField(choices=ResponseAssessment.choices, allow_blank=True, read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    response = serializers.SerializerMethodField()

    class Meta:
        model = SafetyRecommendation
        fields = [
            "reference",
            "text",
            "addressee",
            "organisation",
            "state",
            "issued_on",
            "response_due",
            "response_received_on",
            "response",
            "assessment",
            "assessment_notes",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RecommendationResponseSerializer(allow_null=True))
    def get_response(self, recommendation) -> dict | None:
        response = recommendation.response_or_none
        if response is None or response.submitted_at is None:
            return None
        return RecommendationResponseSerializer(response).data


class EvidenceSerializer(serializers.ModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Evidence
        fields = [
            "public_id",
            "title",
            "evidence_type",
            "source",
            "received_on",
            "display_name",
            "content_type",
            "size",
            "sha256",
            "added_by",
            "added_at",
            "legal_hold",
        ]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    # Its place in the chain: null for the moment between its commit and its chaining.
    seq = serializers.IntegerField(source="link.seq", default=None, allow_null=True)
    hash = serializers.CharField(source="link.hash", default=None, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [*CSV_COLUMNS, "hash"]  # what the auditors' CSV export holds, and the chain link
        read_only_fields = fields


class PublicationSummarySerializer(serializers.ModelSerializer):
    """A published report in the public list."""

    investigation = serializers.CharField(source="report.investigation.reference")
    directed_by = serializers.CharField(source="direction_title", help_text="The direction's title, or empty.")

    class Meta:
        model = Publication
        fields = ["slug", "title", "kind", "investigation", "care_setting", "directed_by", "published_at", "summary"]


class PublicationSerializer(PublicationSummarySerializer):
    """A published report: its text by section (Markdown) and its public recommendations."""

    recommendations = serializers.SerializerMethodField()

    class Meta(PublicationSummarySerializer.Meta):
        fields = [*PublicationSummarySerializer.Meta.fields, "sections", "recommendations"]

    def get_recommendations(self, publication) -> list[str]:
        return [recommendation.reference for recommendation in self.context["recommendations"]]


class PublicRecommendationSerializer(serializers.ModelSerializer):
    """An issued safety recommendation as the public log shows it: its investigation's reference once
    that investigation is public (its start statement published), and the organisation's response
    once the body has published it with its assessment."""

    investigation = serializers.SerializerMethodField()
    response_text = serializers.SerializerMethodField()
    response_received_on = serializers.SerializerMethodField()

    def get_investigation(self, recommendation) -> str | None:
        return recommendation.investigation.reference if recommendation.investigation_public else None

    def get_response_text(self, recommendation) -> str | None:
        return recommendation.response_text if recommendation.response_published else None

    def get_response_received_on(self, recommendation) -> datetime.date | None:
        return recommendation.response_received_on if recommendation.response_published else None

    class Meta:
        model = SafetyRecommendation
        fields = [
            "reference",
            "investigation",
            "text",
            "addressee",
            "state",
            "issued_on",
            "response_due",
            "response_text",
            "response_received_on",
            "assessment",
            "assessment_notes",
        ]


class ReportSummarySerializer(serializers.ModelSerializer):
    """One of an investigation's reports (drafts included): for the team and its approvers."""

    newest_version = serializers.IntegerField(source="newest", allow_null=True)
    open_comments = serializers.IntegerField()

    class Meta:
        model = Report
        fields = ["public_id", "kind", "title", "created_at", "newest_version", "open_comments"]


class ReportVersionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    sections = serializers.DictField(child=serializers.CharField(allow_blank=True))

    class Meta:
        model = ReportVersion
        fields = ["number", "author", "saved_at", "sections"]


class ConsultationCommentSerializer(serializers.ModelSerializer):
    handled_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ConsultationComment
        fields = ["public_id", "anchor", "text", "created_at", "handling", "response", "handled_by", "handled_at"]


class ConsulteeSerializer(serializers.ModelSerializer):
    """A person consulted, named by role and organisation (their address is theirs, not the API's)."""

    comments = ConsultationCommentSerializer(many=True)

    class Meta:
        model = Consultee
        fields = ["public_id", "purpose", "organisation", "deadline", "acknowledged_at", "submitted_at", "comments"]


class ConsultationSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    sent_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    consultees = ConsulteeSerializer(many=True)

    class Meta:
        model = Consultation
        fields = ["reference", "public_id", "version", "sent_by", "sent_at", "consultees"]
