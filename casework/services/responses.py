"""Organisations and their answers to safety recommendations (DESIGN 3.3, 10).

Directors keep the organisations the body addresses and the named contacts who answer for them.
When a recommendation is issued to an organisation its contacts hear by e-mail (a link to the
portal, never the words); a contact drafts the formal response (decision, words, actions with
owners and dates, files) and sends it once. The team assesses it, and the public page shows the
response with the assessment. Reminders run before the due date and weekly while it is overdue.
"""

from contextlib import nullcontext
from datetime import date, timedelta
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutsidePerson, User
from accounts.outside import outside_person_for
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import RecommendationState, TeamRole
from casework.models import (
    Organisation,
    OrganisationContact,
    RecommendationResponse,
    ResponseAction,
    ResponseAttachment,
    SafetyRecommendation,
)
from casework.notices import RECOMMENDATION, notify_about_case
from casework.permissions import may_direct
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from notify.services import notify_outside
from vault.integrity import record_receipt
from vault.models import recording
from vault.upload import ReceivedFile
from workflow.transitions import run_transition

# Days before the due date when the organisation's contacts and the case's lead are reminded.
WARNING_DAYS = (30, 14)
MAX_ACTIONS = 20


def create_organisation(*, actor: User, name: str, ods_code: str = "") -> Organisation:
    if not may_direct(actor):
        raise PermissionDenied("Only directors keep the organisations the body addresses.")
    code = ods_code.strip().upper()
    with service_transaction():
        if code and Organisation.objects.filter(ods_code=code).exists():
            raise WorkflowError("An organisation with ODS code %s is already recorded." % code)
        organisation = Organisation.objects.create(name=name.strip(), ods_code=code)
        record_event(AuditAction.ORGANISATION_CREATED, actor=actor, target=organisation)
    return organisation


def add_contact(organisation: Organisation, *, actor: User, email: str, name: str) -> OrganisationContact:
    """A named person who answers the organisation's recommendations in the portal."""
    if not may_direct(actor):
        raise PermissionDenied("Only directors name an organisation's contacts.")
    with service_transaction():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        person = outside_person_for(email, name)
        if locked.contacts.filter(person=person, removed_at=None).exists():
            raise WorkflowError("%s is already a contact of %s." % (person, locked))
        contact = OrganisationContact.objects.create(organisation=locked, person=person, added_by=actor)
        record_event(
            AuditAction.ORGANISATION_CONTACT_ADDED, actor=actor, target=locked, detail={"person": person.reference}
        )
    return contact


def remove_contact(contact: OrganisationContact, *, actor: User) -> OrganisationContact:
    """The contact reaches nothing of the organisation's from their next request."""
    if not may_direct(actor):
        raise PermissionDenied("Only directors remove an organisation's contacts.")
    with service_transaction():
        locked = OrganisationContact.objects.select_for_update().get(pk=contact.pk)
        if locked.removed_at is not None:
            raise WorkflowError("%s was already removed. Nothing was changed." % locked.person)
        locked.removed_at = timezone.now()
        locked.save(update_fields=["removed_at"])
        record_event(
            AuditAction.ORGANISATION_CONTACT_REMOVED,
            actor=actor,
            target=locked.organisation,
            detail={"person": locked.person.reference},
        )
    return locked


def contacts_of(organisation: Organisation | None) -> QuerySet[OutsidePerson]:
    if organisation is None:
        return OutsidePerson.objects.none()
    return OutsidePerson.objects.filter(
        contact_roles__organisation=organisation, contact_roles__removed_at=None, is_active=True
    )


def notify_contacts(recommendation: SafetyRecommendation, kind: NotificationKind, *, occasion: str = "") -> int:
    return len(
        notify_outside(
            contacts_of(recommendation.organisation),
            kind,
            subject_type=RECOMMENDATION,
            subject_ref=recommendation.reference,
            link=reverse("portal:recommendation", args=[recommendation.reference]),
            occasion=occasion,
        )
    )


def _answerable(recommendation: SafetyRecommendation, person: OutsidePerson) -> SafetyRecommendation:
    """The recommendation, locked, if `person` answers for its organisation and it still takes a response."""
    locked = SafetyRecommendation.objects.select_for_update(no_key=True).get(pk=recommendation.pk)
    if not contacts_of(locked.organisation).filter(pk=person.pk).exists():
        raise PermissionDenied("Only the organisation's contacts answer its recommendations.")
    if locked.state in (RecommendationState.ASSESSED, RecommendationState.CLOSED):
        raise WorkflowError(
            "The body has assessed the response to %s, so nothing more can be sent here. If something has "
            "changed, write to the investigation team." % locked
        )
    if locked.state != RecommendationState.ISSUED:
        raise WorkflowError("The response to %s has already been sent. Nothing was changed." % locked)
    return locked


def save_response(
    recommendation: SafetyRecommendation,
    *,
    person: OutsidePerson,
    decision: str,
    text: str,
    actions: list[dict[str, Any]],
    attachment: ReceivedFile | None = None,
) -> RecommendationResponse:
    """Save the organisation's draft response (as often as they like, until it is sent)."""
    if len(actions) > MAX_ACTIONS:
        raise WorkflowError("A response lists at most %d actions." % MAX_ACTIONS)
    blob = attachment.upload.blob if attachment is not None else None
    with recording(blob) if blob is not None else nullcontext(), service_transaction():
        locked = _answerable(recommendation, person)
        response, _ = RecommendationResponse.objects.update_or_create(
            recommendation=locked,
            defaults={"decision": decision, "text": text.strip(), "drafted_by": person, "updated_at": timezone.now()},
        )
        response.actions.all().delete()
        ResponseAction.objects.bulk_create(ResponseAction(response=response, **action) for action in actions)
        if attachment is not None:
            kept = ResponseAttachment.objects.create(
                response=response,
                **ResponseAttachment.blob_fields(
                    attachment.upload.blob, attachment.evidence_id, attachment.upload.name or ""
                ),
            )
            record_receipt(kept, actor=None)
        record_event(
            AuditAction.RECOMMENDATION_RESPONSE_SAVED,
            target=locked,
            detail={"case": locked.investigation.reference, "actions": len(actions), "attachment": bool(attachment)},
        )
    return response


def submit_response(recommendation: SafetyRecommendation, *, person: OutsidePerson) -> SafetyRecommendation:
    """Send the saved response: once. Of two sends at once, the second finds it sent and is told."""
    with service_transaction():
        locked = _answerable(recommendation, person)
        response = RecommendationResponse.objects.filter(recommendation=locked).first()
        if response is None or not response.decision or not response.text:
            raise WorkflowError("Say whether you accept the recommendation and write your response before sending it.")

        def record(answered: SafetyRecommendation) -> None:
            answered.response_text = response.text
            answered.response_received_on = timezone.localdate()
            response.submitted_by, response.submitted_at = person, timezone.now()
            response.save(update_fields=["submitted_by", "submitted_at"])

        answered = run_transition(
            locked,
            "submit_response",
            actor=None,
            audit_action=AuditAction.RECOMMENDATION_TRANSITIONED,
            describe="send a response to",
            before_save=record,
            detail={
                "case": locked.investigation.reference,
                "recommendation": locked.reference,
                "step": "submit_response",
                "from_contact": person.reference,
            },
        )
        notify_about_case(_leads_of(answered), NotificationKind.RECOMMENDATION_ANSWERED, answered.investigation)
    return answered


def _leads_of(recommendation: SafetyRecommendation) -> list[User]:
    memberships = recommendation.investigation.team.filter(role=TeamRole.LEAD).select_related("user")
    return [membership.user for membership in memberships]


def reminder_occasion(due: date, today: date) -> str:
    """Which reminder is due for a response due on `due`: at 30 and 14 days before, on the day, and
    weekly while overdue (days 1, 8, 15 ... after); '' when none. A missed run catches up."""
    days_left = (due - today).days
    if days_left > max(WARNING_DAYS):
        return ""
    if days_left > 0:
        return "before-%d" % min(days for days in WARNING_DAYS if days_left <= days)
    if days_left == 0:
        return "due-day"
    return "overdue-week-%d" % ((-days_left - 1) // 7)


def send_response_reminders(today: date | None = None) -> int:
    """Remind the contacts and the lead of each issued recommendation's response; returns how many."""
    today = today or timezone.localdate()
    sent = 0
    waiting = SafetyRecommendation.objects.filter(
        state=RecommendationState.ISSUED,
        response_due__isnull=False,
        response_due__lte=today + timedelta(days=max(WARNING_DAYS)),
    ).select_related("investigation", "organisation")
    for recommendation in waiting:
        due = cast(date, recommendation.response_due)  # filtered above
        occasion = reminder_occasion(due, today)
        if not occasion:
            continue
        key = "recommendation-response:%s:%s:%s" % (recommendation.pk, due, occasion)
        overdue = occasion.startswith("overdue")
        sent += notify_contacts(
            recommendation,
            NotificationKind.RESPONSE_OVERDUE if overdue else NotificationKind.RESPONSE_DUE,
            occasion=key,
        )
        sent += notify_about_case(
            _leads_of(recommendation),
            NotificationKind.RECOMMENDATION_OVERDUE if overdue else NotificationKind.RECOMMENDATION_DUE,
            recommendation.investigation,
            occasion=key,
        )
    return sent
