"""Choices for investigations and their work."""

from django.db import models


class InvestigationState(models.TextChoices):
    """The investigation workflow (DESIGN 3.2)."""

    PROPOSED = "proposed", "Proposed"
    SCOPING = "scoping", "Scoping"
    LAUNCH_PENDING = "launch_pending", "Ready to launch"
    EVIDENCE_GATHERING = "evidence_gathering", "Gathering evidence"
    ANALYSIS = "analysis", "Analysis"
    DRAFTING = "drafting", "Drafting the report"
    INTERNAL_REVIEW = "internal_review", "Internal review"
    DRAFT_CONSULTATION = "draft_consultation", "Consultation on the draft"
    REVISION = "revision", "Revision"
    FINAL_APPROVAL = "final_approval", "Final approval"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"
    PAUSED = "paused", "Paused"
    DISCONTINUED = "discontinued", "Discontinued"
    ARCHIVED = "archived", "Archived"
    DISPOSED = "disposed", "Disposed"


S = InvestigationState
# Work in progress: these can be paused, and resumed back to where they were.
ACTIVE_STATES = [
    S.SCOPING,
    S.LAUNCH_PENDING,
    S.EVIDENCE_GATHERING,
    S.ANALYSIS,
    S.DRAFTING,
    S.INTERNAL_REVIEW,
    S.DRAFT_CONSULTATION,
    S.REVISION,
    S.FINAL_APPROVAL,
]
# The usual path of a case from proposal to closure (pausing, discontinuing, archiving and disposal
# lie off it).
USUAL_PATH = [S.PROPOSED, *ACTIVE_STATES, S.PUBLISHED, S.CLOSED]
# Before publication an investigation can be discontinued (with a published statement of reasons).
DISCONTINUABLE_STATES = [S.PROPOSED, *ACTIVE_STATES, S.PAUSED]


# The colour of a stage's tag says what it means: blue at work, yellow waiting on others or held,
# green published, grey ended or put away, red stopped.
STATE_COLOURS = {
    S.PROPOSED: "white",
    S.DRAFT_CONSULTATION: "yellow",
    S.FINAL_APPROVAL: "yellow",
    S.PAUSED: "orange",
    S.PUBLISHED: "green",
    S.CLOSED: "grey",
    S.ARCHIVED: "grey",
    S.DISPOSED: "grey",
    S.DISCONTINUED: "red",
}

# Once archived, an investigation's record is complete: nothing more is added to it.
RECORD_CLOSED_STATES = [S.ARCHIVED, S.DISPOSED]
CLOSED_STATES = [S.CLOSED, S.ARCHIVED, S.DISPOSED]


class TeamRole(models.TextChoices):
    LEAD = "lead", "Lead investigator"
    INVESTIGATOR = "investigator", "Investigator"
    ANALYST = "analyst", "Analyst"
    ADVISER = "adviser", "Clinical or specialist adviser"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class IntervieweeType(models.TextChoices):
    STAFF = "staff", "Member of staff"
    PATIENT = "patient", "Patient"
    FAMILY = "family", "Family member or carer"
    OTHER = "other", "Other"


class StatementKind(models.TextChoices):
    START = "start", "Start statement"
    DISCONTINUATION = "discontinuation", "Discontinuation statement"
    REPORT = "report", "Published report summary"


class DirectionState(models.TextChoices):
    REGISTERED = "registered", "Registered, awaiting approval"
    APPROVED = "approved", "Approved"
    REVOKED = "revoked", "Revoked"


class RecommendationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed"
    ISSUED = "issued", "Issued"
    RESPONSE_RECEIVED = "response_received", "Response received"
    ASSESSED = "assessed", "Assessed"
    CLOSED = "closed", "Closed"


class ResponseAssessment(models.TextChoices):
    ACCEPTED_IN_FULL = "accepted_in_full", "Response meets the recommendation"
    PARTIAL = "partial", "Response partly meets the recommendation"
    NOT_ACCEPTED = "not_accepted", "Response does not meet the recommendation"
    NO_RESPONSE = "no_response", "No response received by the due date"


class ResponseDecision(models.TextChoices):
    """What the organisation says it will do with the recommendation."""

    ACCEPTED = "accepted", "We accept the recommendation"
    PARTLY_ACCEPTED = "partly_accepted", "We accept part of the recommendation"
    NOT_ACCEPTED = "not_accepted", "We do not accept the recommendation"


class EvidenceType(models.TextChoices):
    DOCUMENT = "document", "Document"
    RECORDING = "recording", "Interview or audio recording"
    PHOTOGRAPH = "photograph", "Photograph"
    VIDEO = "video", "Video"
    DATA = "data", "Data extract"
    OTHER = "other", "Other"


class DisposalState(models.TextChoices):
    REQUESTED = "requested", "Waiting for a second approval"
    CARRIED_OUT = "carried_out", "Carried out"
