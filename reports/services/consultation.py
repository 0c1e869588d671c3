"""The consultation on a draft report (s.115): the lead sends the frozen version to named people, who
read and comment through their portal before a deadline; the team handles every comment before the
report goes to final approval.

Staff verbs take `actor=`; the consulted person's take `person=` (an outside person never acts as
staff) and refuse a consultee that is not theirs exactly as if it did not exist.
"""

from contextlib import nullcontext
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.access import NotVisible
from accounts.models import OutsidePerson, User
from accounts.outside import outside_person_for
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import InvestigationState
from casework.notices import notify_about_case
from kernel.errors import WorkflowError
from kernel.models import ReferenceCounter
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from notify.services import notify_outside
from reports.choices import CommentAnchor, Handling, ReportKind
from reports.models import Consultation, ConsultationAttachment, ConsultationComment, Consultee, Report
from reports.permissions import may_send_for_consultation, may_write_report
from vault.integrity import record_receipt
from vault.models import recording
from vault.upload import ReceivedFile

CONSULTEE = "reports.consultee"


def send_for_consultation(report: Report, *, actor: User, consultees: list[dict]) -> Consultation:
    """Freeze the newest version and send it to each of `consultees` ({name, email, purpose,
    organisation}), who are told by e-mail (a reference and their portal's link, nothing else)."""
    investigation = report.investigation
    if not may_send_for_consultation(actor, investigation):
        raise PermissionDenied("Only the investigation's lead sends the draft for consultation.")
    if report.kind != ReportKind.FINAL:
        raise WorkflowError("The consultation is on the final report's draft.")
    if not consultees:
        raise WorkflowError("Name at least one person to consult.")
    if len({entry["email"].strip().lower() for entry in consultees}) < len(consultees):
        raise WorkflowError("The same address is named twice: each person is consulted once.")
    with service_transaction():
        locked = Report.objects.select_for_update().select_related("investigation").get(pk=report.pk)
        if locked.investigation.state != InvestigationState.DRAFT_CONSULTATION:
            raise WorkflowError(
                "%s is %s: a director approves the draft for consultation before it is sent."
                % (locked.investigation, locked.investigation.get_state_display().lower())
            )
        version = locked.latest_version()
        if version is None:
            raise WorkflowError("Nothing has been written yet, so there is no draft to send.")
        consultation = Consultation.objects.create(
            report=locked,
            version=version,
            reference=ReferenceCounter.next_reference("CON", digits=4),
            sent_by=actor,
        )
        deadline = timezone.localdate() + timedelta(days=settings.CONSULTATION_DAYS)
        sent = [
            Consultee.objects.create(
                consultation=consultation,
                person=outside_person_for(entry["email"], entry["name"]),
                purpose=entry["purpose"],
                organisation=entry.get("organisation", "").strip(),
                deadline=deadline,
            )
            for entry in consultees
        ]
        record_event(
            AuditAction.CONSULTATION_SENT,
            actor=actor,
            target=consultation,
            detail={
                "case": investigation.reference,
                "version": version.number,
                "consultees": [consultee.person.reference for consultee in sent],
                "deadline": deadline.isoformat(),
            },
        )
        for consultee in sent:
            notify_outside(
                [consultee.person],
                NotificationKind.CONSULTATION_SENT,
                subject_type=CONSULTEE,
                subject_ref=consultation.reference,
                link=reverse("portal:consultation", args=[consultee.public_id]),
            )
    return consultation


def extend_deadline(consultee: Consultee, *, actor: User, deadline: date, reason: str) -> Consultee:
    if not may_write_report(actor, consultee.consultation.investigation):
        raise PermissionDenied("Only the investigation's team can extend a consultation deadline.")
    with service_transaction():
        locked = Consultee.objects.select_for_update().get(pk=consultee.pk)
        if deadline <= locked.deadline:
            raise WorkflowError("The new deadline must be later than %s." % locked.deadline.strftime("%-d %B %Y"))
        if locked.submitted_at is not None:
            raise WorkflowError("These comments have already been sent in, so there is nothing to extend.")
        before, locked.deadline = locked.deadline, deadline
        locked.save(update_fields=["deadline"])
        record_event(
            AuditAction.CONSULTATION_DEADLINE_EXTENDED,
            actor=actor,
            target=locked,
            detail={"from": before.isoformat(), "to": deadline.isoformat(), "reason": reason.strip()},
        )
    return locked


def consultee_for(person: OutsidePerson, public_id) -> Consultee:
    """The copy sent to `person`: anyone else's is not found (404, the refusal recorded)."""
    consultee = (
        Consultee.objects.select_related("consultation__report__investigation", "consultation__version", "person")
        .filter(person=person, public_id=public_id)
        .first()
    )
    if consultee is None:
        raise NotVisible("reports.consultee", str(public_id), "view")
    return consultee


def acknowledge(consultee: Consultee, *, person: OutsidePerson) -> Consultee:
    """The person has read the confidentiality and onward-disclosure warning (recorded once)."""
    with service_transaction():
        locked = Consultee.objects.select_for_update().get(pk=consultee_for(person, consultee.public_id).pk)
        if locked.acknowledged_at is None:
            locked.acknowledged_at = timezone.now()
            locked.save(update_fields=["acknowledged_at"])
            record_event(AuditAction.CONSULTATION_ACKNOWLEDGED, target=locked)
    return locked


def _open_for_comments(consultee: Consultee, person: OutsidePerson) -> Consultee:
    locked = Consultee.objects.select_for_update().get(pk=consultee_for(person, consultee.public_id).pk)
    if locked.acknowledged_at is None:
        raise WorkflowError("Read and accept the confidentiality warning first.")
    if locked.submitted_at is not None:
        raise WorkflowError("You have already sent your comments in; they have reached the team.")
    if locked.deadline_passed:
        raise WorkflowError(
            "The deadline for comments passed on %s. What you wrote before then has reached the team."
            % locked.deadline.strftime("%-d %B %Y")
        )
    return locked


def add_comment(
    consultee: Consultee,
    *,
    person: OutsidePerson,
    anchor: str,
    text: str,
    attachment: ReceivedFile | None = None,
) -> ConsultationComment:
    """A comment on a part of the draft, with a file if one was sent (already encrypted as it arrived;
    no blob is kept if the comment is refused)."""
    if anchor not in CommentAnchor.values:
        raise WorkflowError("Choose the part of the draft your comment is about.")
    blob = attachment.upload.blob if attachment is not None else None
    with recording(blob) if blob is not None else nullcontext(), service_transaction():
        locked = _open_for_comments(consultee, person)
        comment = ConsultationComment.objects.create(consultee=locked, anchor=anchor, text=text.strip())
        record_event(AuditAction.CONSULTATION_COMMENT_ADDED, target=locked, detail={"anchor": anchor})
        if attachment is not None and blob is not None:
            kept = ConsultationAttachment.objects.create(
                comment=comment,
                **ConsultationAttachment.blob_fields(blob, attachment.evidence_id, attachment.upload.name or ""),
            )
            record_receipt(kept, actor=None)
    return comment


def submit(consultee: Consultee, *, person: OutsidePerson) -> Consultee:
    """Send the comments in: the team is told, and nothing more can be added."""
    with service_transaction():
        locked = _open_for_comments(consultee, person)
        if not locked.comments.exists():
            raise WorkflowError("Add at least one comment before sending them in.")
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_at"])
        record_event(AuditAction.CONSULTATION_SUBMITTED, target=locked, detail={"comments": locked.comments.count()})
        investigation = locked.consultation.investigation
        notify_about_case(
            [investigation.lead] if investigation.lead is not None else [],
            NotificationKind.CONSULTATION_ANSWERED,
            investigation,
            link=locked.consultation.get_absolute_url(),
        )
    return locked


def handle_comment(comment: ConsultationComment, *, actor: User, handling: str, response: str) -> ConsultationComment:
    """Record what the team did with a comment and why; it may be revised until final approval."""
    investigation = comment.consultee.consultation.investigation
    if not may_write_report(actor, investigation):
        raise PermissionDenied("Only the investigation's team handles consultation comments.")
    if handling not in Handling.values or not response.strip():
        raise WorkflowError("Say whether the comment was accepted, and how it was answered.")
    with service_transaction():
        locked = ConsultationComment.objects.select_for_update().get(pk=comment.pk)
        if investigation.state not in (InvestigationState.DRAFT_CONSULTATION, InvestigationState.REVISION):
            raise WorkflowError("Comments are handled while the draft is in consultation or revision.")
        locked.handling, locked.response = handling, response.strip()
        locked.handled_by, locked.handled_at = actor, timezone.now()
        locked.save(update_fields=["handling", "response", "handled_by", "handled_at"])
        record_event(
            AuditAction.CONSULTATION_COMMENT_HANDLED,
            actor=actor,
            target=locked.consultee,
            detail={"comment": str(locked.public_id), "handling": handling},
        )
    return locked


def unhandled_comments(investigation) -> int:
    return ConsultationComment.objects.filter(
        consultee__consultation__report__investigation=investigation, handled_at=None
    ).count()


REMINDER_DAYS_BEFORE = 7


def send_deadline_reminders() -> int:
    """Remind each person who has not sent their comments in, a week before their deadline (once per
    deadline: an extended one is reminded again); returns how many were reminded."""
    due = timezone.localdate() + timedelta(days=REMINDER_DAYS_BEFORE)
    waiting = Consultee.objects.filter(deadline=due, submitted_at=None).select_related("consultation", "person")
    reminded = 0
    for consultee in waiting:
        reminded += len(
            notify_outside(
                [consultee.person],
                NotificationKind.CONSULTATION_DEADLINE_NEAR,
                subject_type=CONSULTEE,
                subject_ref=consultee.consultation.reference,
                link=reverse("portal:consultation", args=[consultee.public_id]),
                occasion="consultation-deadline:%s:%s" % (consultee.public_id, consultee.deadline.isoformat()),
            )
        )
    return reminded
