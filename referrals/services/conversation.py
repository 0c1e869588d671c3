"""A concern's conversation: the body writes to the person who shared it (questions, messages, its
decision), they reply through their reference and receipt code, and staff record what came by phone
or post. Every message is encrypted at rest; a referrer who asked for it gets a content-free e-mail
nudge when the body writes, and the concern's assignee (or intake) hears when they reply.
"""

from django.core.exceptions import PermissionDenied
from django_fsm import can_proceed

from accounts.models import User
from accounts.outside import outside_person_for
from accounts.permissions import holders_of
from audit.choices import AuditAction
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from notify.services import notify
from referrals.choices import MessageKind, ReferralState
from referrals.models import Referral, ReferralMessage
from referrals.notices import REFERRAL
from referrals.permissions import TRIAGE_REFERRAL, may_triage
from referrals.services.intake import attach_file
from referrals.services.triage import refuse_if_disposed, transition, write_to_referrer
from vault.upload import ReceivedFile


def send_message(referral: Referral, *, actor: User, text: str) -> ReferralMessage:
    """Intake writes to the person who shared the concern; they read it on their page."""
    if not may_triage(actor):
        raise PermissionDenied("Only intake staff and directors write to the person who shared a concern.")
    with service_transaction():
        locked = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
        return write_to_referrer(locked, text, actor=actor)


def reply(referral: Referral, text: str, *, attachment: ReceivedFile | None = None) -> ReferralMessage:
    """The referrer's answer (signed in with their receipt code), with a file if they sent one; it
    answers a request for information, and whoever handles the concern hears of it."""
    with service_transaction():
        locked = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
        refuse_if_disposed(locked)
        if locked.state == ReferralState.WITHDRAWN:
            raise WorkflowError("This concern was withdrawn, so it takes no more messages. You can share a new one.")
        message = ReferralMessage.objects.create(referral=locked, kind=MessageKind.REPLY, text=text.strip())
        record_event(
            AuditAction.REFERRAL_FOLLOW_UP_ADDED,
            target=locked,
            detail={"kind": MessageKind.REPLY, "message": str(message.public_id), "attachment": bool(attachment)},
        )
        if attachment is not None:
            attach_file(locked, attachment, message=message, title="Sent with a reply from the referrer")
        if can_proceed(locked.info_received):
            transition(locked, "info_received", AuditAction.REFERRAL_INFO_RECEIVED, actor=None, reason="Replied")
        handlers = [locked.assignee] if locked.assignee is not None else holders_of(TRIAGE_REFERRAL)
        notify(
            handlers,
            NotificationKind.REFERRER_REPLIED,
            subject_type=REFERRAL,
            subject_ref=locked.reference,
            link=locked.get_absolute_url(),
        )
    return message


def record_information(referral: Referral, *, actor: User, text: str) -> ReferralMessage:
    """Information the referrer gave by phone, e-mail or letter, recorded by intake; it answers a
    request for information as a reply through the page does."""
    if not may_triage(actor):
        raise PermissionDenied("Only intake staff can record information for a referral.")
    with service_transaction():
        locked = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
        refuse_if_disposed(locked)
        message = ReferralMessage.objects.create(
            referral=locked, kind=MessageKind.RECORDED, text=text.strip(), author=actor
        )
        record_event(
            AuditAction.REFERRAL_FOLLOW_UP_ADDED,
            actor=actor,
            target=locked,
            detail={"kind": MessageKind.RECORDED, "message": str(message.public_id)},
        )
        if can_proceed(locked.info_received):
            transition(
                locked, "info_received", AuditAction.REFERRAL_INFO_RECEIVED, actor=actor, reason="Information received"
            )
    return message


def set_nudge(referral: Referral, *, wanted: bool) -> Referral:
    """The referrer chooses whether to get an e-mail (saying only that there is a new message) when
    the body writes; only a referrer who gave an address can."""
    with service_transaction():
        locked = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
        refuse_if_disposed(locked)
        if wanted and not locked.reporter_email:
            raise WorkflowError("We have no e-mail address for you, so we cannot tell you by e-mail.")
        locked.nudge_recipient = outside_person_for(locked.reporter_email, locked.reporter_name) if wanted else None
        locked.save(update_fields=["nudge_recipient"])
        record_event(AuditAction.REFERRER_NUDGE_CHOSEN, target=locked, detail={"wanted": wanted})
    return locked
