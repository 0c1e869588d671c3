"""Safety recommendations (DESIGN 3.3) and safety observations."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from casework.models import Investigation, SafetyObservation, SafetyRecommendation
from casework.services.work import _require_team, hold_membership
from kernel.errors import WorkflowError
from kernel.models import ReferenceCounter
from kernel.transactions import service_transaction
from workflow.transitions import run_transition


def draft_recommendation(
    investigation: Investigation, *, actor: User, text: str, addressee: str
) -> SafetyRecommendation:
    _require_team(investigation, actor)
    with service_transaction():
        hold_membership(investigation, actor)
        recommendation = SafetyRecommendation.objects.create(
            investigation=investigation,
            reference=ReferenceCounter.next_reference("R", digits=3),
            text=text,
            addressee=addressee,
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
    """agree, issue (sets the response due date), record_response, assess, close."""

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
    if name == "assess" and not fields.get("assessment"):
        raise WorkflowError("Choose an assessment of the response.")

    return run_transition(
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
    )


def record_observation(
    investigation: Investigation, *, actor: User, text: str, addressee: str = ""
) -> SafetyObservation:
    _require_team(investigation, actor)
    with service_transaction():
        hold_membership(investigation, actor)
        observation = SafetyObservation.objects.create(investigation=investigation, text=text, addressee=addressee)
        record_event(AuditAction.OBSERVATION_CREATED, actor=actor, target=investigation)
    return observation
