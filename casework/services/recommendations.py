"""Safety recommendations (DESIGN 3.3) and safety observations."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import ResponseAssessment
from casework.models import Investigation, Organisation, SafetyObservation, SafetyRecommendation
from casework.services.responses import notify_contacts
from casework.services.work import _require_team, hold_membership
from kernel.errors import WorkflowError
from kernel.models import ReferenceCounter
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from workflow.transitions import run_transition


def draft_recommendation(
    investigation: Investigation,
    *,
    actor: User,
    text: str,
    addressee: str = "",
    organisation: Organisation | None = None,
) -> SafetyRecommendation:
    """A recommendation to `addressee` (as the report names it) or to an organisation on record,
    whose contacts then answer it through the portal."""
    _require_team(investigation, actor)
    if not addressee.strip() and organisation is None:
        raise WorkflowError("Say who the recommendation is addressed to.")
    with service_transaction():
        hold_membership(investigation, actor)
        recommendation = SafetyRecommendation.objects.create(
            investigation=investigation,
            reference=ReferenceCounter.next_reference("R", digits=3),
            text=text,
            addressee=addressee.strip() or organisation.name,  # type: ignore[union-attr]  # one of the two, above
            organisation=organisation,
        )
        record_event(
            AuditAction.RECOMMENDATION_CREATED,
            actor=actor,
            target=investigation,
            detail={"recommendation": recommendation.reference},
        )
    return recommendation


def recommendation_step(
    recommendation: SafetyRecommendation, name: str, *, actor: User, **fields: Any
) -> SafetyRecommendation:
    """agree, issue (sets the response due date; the organisation's contacts hear), record_response
    (one received by letter), assess, record_no_response (once overdue), close."""

    def apply_fields(locked: SafetyRecommendation) -> None:
        if name == "issue":
            locked.issued_on = timezone.localdate()
            locked.response_due = locked.issued_on + timedelta(days=settings.RECOMMENDATION_RESPONSE_DAYS)
        for field, value in fields.items():
            setattr(locked, field, value)

    if name == "record_response" and (not fields.get("response_text") or not fields.get("response_received_on")):
        raise WorkflowError("Record the response text and the date it was received.")
    if name == "record_response" and fields["response_received_on"] > timezone.localdate():
        raise WorkflowError("A response cannot be received in the future.")
    if name == "assess" and fields.get("assessment") in (None, "", ResponseAssessment.NO_RESPONSE):
        raise WorkflowError("Choose an assessment of the response.")
    if name == "record_no_response":
        fields = {**fields, "assessment": ResponseAssessment.NO_RESPONSE}

    with service_transaction():
        moved = run_transition(
            recommendation,
            name,
            actor=actor,
            audit_action=AuditAction.RECOMMENDATION_TRANSITIONED,
            describe=name.replace("_", " "),
            before_save=apply_fields,
            detail={
                "case": recommendation.investigation.reference,
                "recommendation": recommendation.reference,
                "step": name,
            },
            condition_message="%s is not overdue yet: record that no response came once its due date has passed."
            % recommendation,
        )
        if name == "issue":
            notify_contacts(moved, NotificationKind.RECOMMENDATION_ISSUED)
        elif name in ("assess", "record_no_response"):
            notify_contacts(moved, NotificationKind.RESPONSE_ASSESSED)
    return moved


def record_observation(
    investigation: Investigation, *, actor: User, text: str, addressee: str = ""
) -> SafetyObservation:
    _require_team(investigation, actor)
    with service_transaction():
        hold_membership(investigation, actor)
        observation = SafetyObservation.objects.create(investigation=investigation, text=text, addressee=addressee)
        record_event(AuditAction.OBSERVATION_CREATED, actor=actor, target=investigation)
    return observation
