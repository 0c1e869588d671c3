"""Business rules for referrals: every change is a verb here, in one transaction with its audit event.

Transitions lock the referral row, check the actor's permission and the current state, run the
django-fsm transition, save, and record both the timeline entry and the audit event. Two people
acting at once are serialised by the row lock: the second sees the new state and a clear refusal.
"""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django_fsm import can_proceed

from accounts.models import ApiTokenScope, User
from accounts.tokens import create_token
from audit.choices import AuditAction
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.history import save_with_history_reason
from kernel.models import ReferenceCounter
from kernel.transactions import service_transaction
from referrals.choices import Channel, FollowUpSource, ReferralState
from referrals.models import (
    Attachment,
    FollowUp,
    Referral,
    ReferralActivity,
    ReferralLink,
    SignpostBody,
    TriageAssessment,
    TriageCriteria,
)
from referrals.permissions import (
    ADD_REFERRAL,
    TRIAGE_REFERRAL,
    may_assign,
    may_be_assigned,
    may_record_concerns,
    may_triage,
)
from vault.models import recording
from workflow.transitions import run_transition

logger = logging.getLogger(__name__)

RECEIPT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: easy to read out
RECEIPT_CODE_LENGTH = 12
PERSONAL_FIELDS = ("reporter_name", "reporter_email", "reporter_phone", "patient_details")


def receive_referral(
    details: dict, *, channel: str = Channel.WEB_FORM, actor=None, attachment=None, intake_key: str = ""
) -> tuple[Referral, str]:
    """Log a new concern and return it with its receipt code (shown once, stored only as a hash).

    `actor` is the staff member who took it by phone, email or letter, or the partner system's
    account; None for the public form. The acknowledgement email is sent after commit, and its
    failure never loses the concern. A sender's `intake_key` (machine intake's Idempotency-Key)
    names one concern: sent again, even at the same moment, it returns that concern and no code.
    """
    if actor is not None and not may_record_concerns(actor):
        raise PermissionDenied("Only intake staff can record concerns.")
    key_hash = hashlib.sha256(intake_key.encode()).hexdigest() if intake_key else ""
    receipt_code = new_receipt_code()
    with service_transaction():
        if key_hash:
            # One send of a key at a time per sender: a retry racing the first send waits, then finds it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["intake:%s:%s" % (actor.pk, key_hash)])
            earlier = Referral.objects.filter(recorded_by=actor, intake_key_hash=key_hash).first()
            if earlier is not None:
                return earlier, ""
        referral = Referral(**details, channel=channel, recorded_by=actor, intake_key_hash=key_hash)
        referral.reference = ReferenceCounter.next_reference("REF", digits=6)
        referral.receipt_code_hash = hash_receipt_code(receipt_code)
        referral.set_remit_flags()
        referral.save()
        _add_activity(referral, "received", "", ReferralState.RECEIVED, actor, Channel(channel).label)
        record_event(
            AuditAction.REFERRAL_RECEIVED,
            actor=actor,
            target=referral,
            detail={"channel": channel, "out_of_remit": referral.out_of_remit},
        )
        if attachment is not None:
            attach_file(referral, attachment, actor=actor)
        if referral.reporter_email:
            transaction.on_commit(lambda: send_acknowledgement(referral))
    return referral, receipt_code


def attach_file(referral: Referral, upload, *, actor=None, title: str = "Attachment from the referrer") -> Attachment:
    """Keep a file sent with a concern, already encrypted as it arrived (`vault.upload`): the referrer's
    (actor None) or one intake staff received by email or post. No blob is kept if this fails."""
    blob = upload.upload.blob
    with recording(blob):
        if actor is not None and not may_triage(actor):
            raise PermissionDenied("Only intake staff can attach files to a referral.")
        with service_transaction():
            attachment = Attachment.objects.create(
                referral=referral,
                title=title,
                added_by=actor,
                **Attachment.blob_fields(blob, upload.evidence_id, upload.upload.name),
            )
            record_event(
                AuditAction.EVIDENCE_RECEIVED,
                actor=actor,
                target=attachment,
                detail={
                    "case": referral.reference,
                    "sha256": blob.sha256,
                    "size": blob.size,
                    "content_type": blob.content_type,
                },
            )
    return attachment


def send_acknowledgement(referral: Referral) -> None:
    """Email the reference to the referrer; a failure is logged for intake staff, never raised."""
    try:
        send_mail(
            subject="We have received your patient safety concern (%s)" % referral.reference,
            message=(
                "Thank you for sharing your concern. Your reference is %s.\n\n"
                "To add information later, use this reference with the receipt code shown when you "
                "sent the form, at /share-a-concern/follow-up/.\n" % referral.reference
            ),
            from_email=None,
            recipient_list=[referral.reporter_email],
        )
    except Exception:
        logger.exception("Acknowledgement email for %s could not be sent", referral.reference)


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_CODE_ALPHABET) for _ in range(RECEIPT_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_CODE_LENGTH, 4))


def hash_receipt_code(code: str) -> str:
    normalised = "".join(code.upper().split()).replace("-", "")
    return salted_hmac("referrals.receipt_code", normalised, algorithm="sha256").hexdigest()


def find_referral_by_receipt(reference: str, code: str) -> Referral | None:
    """The referral whose reference and receipt code both match, else None (the same for either being wrong)."""
    referral = Referral.objects.filter(reference=reference.strip().upper()).first()
    expected = referral.receipt_code_hash if referral else hash_receipt_code(new_receipt_code())
    supplied = hash_receipt_code(code)
    return referral if hmac.compare_digest(expected, supplied) and referral is not None else None


def add_follow_up(referral: Referral, text: str, *, actor=None, attachment=None) -> FollowUp:
    """More information from the referrer (actor None) or recorded by staff; answers a request for information."""
    if actor is not None and not may_triage(actor):
        raise PermissionDenied("Only intake staff can record information for a referral.")
    with service_transaction():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        follow_up = FollowUp.objects.create(
            referral=locked,
            source=FollowUpSource.REFERRER if actor is None else FollowUpSource.STAFF,
            text=text,
            recorded_by=actor,
        )
        record_event(
            AuditAction.REFERRAL_FOLLOW_UP_ADDED, actor=actor, target=locked, detail={"source": follow_up.source}
        )
        if attachment is not None:
            attach_file(locked, attachment, actor=actor, title="Attachment with follow-up information")
        if can_proceed(locked.info_received):
            _transition(
                locked, "info_received", AuditAction.REFERRAL_INFO_RECEIVED, actor=actor, reason="Information received"
            )
    return follow_up


def start_triage(referral: Referral, *, actor) -> Referral:
    return _transition(referral, "start_triage", AuditAction.REFERRAL_TRIAGE_STARTED, actor=actor)


def request_info(referral: Referral, *, actor, reason: str) -> Referral:
    """Ask the referrer for more (what is needed is the reason); the referral waits in awaiting_info."""
    return _transition(referral, "request_info", AuditAction.REFERRAL_INFO_REQUESTED, actor=actor, reason=reason)


def log_for_intelligence(referral: Referral, *, actor, reason: str = "") -> Referral:
    return _transition(referral, "log_for_intelligence", AuditAction.REFERRAL_LOGGED, actor=actor, reason=reason)


def signpost_referral(
    referral: Referral, *, actor, signpost_reason: str, body: SignpostBody, note: str = ""
) -> Referral:
    """Out of remit: record why and where the referrer was sent."""

    def record_outcome(locked: Referral) -> None:
        locked.signpost_reason = signpost_reason
        locked.signposted_to = body

    return _transition(
        referral,
        "signpost",
        AuditAction.REFERRAL_SIGNPOSTED,
        actor=actor,
        reason=note,
        before_save=record_outcome,
        detail={"signpost_reason": signpost_reason, "body": body.name},
    )


def link_referral(
    referral: Referral, *, actor, reason: str, to_referral: Referral | None = None, to_investigation=None
) -> Referral:
    """Link to another referral or an investigation (exactly one), e.g. the same issue reported again.

    The caller has found the target through `visible_to`; an investigation comes from casework.
    """
    if (to_referral is None) == (to_investigation is None):
        raise WorkflowError("Link the referral to one other referral or to one investigation.")
    if to_referral is not None and to_referral.pk == referral.pk:
        raise WorkflowError("A referral cannot be linked to itself.")
    target = to_referral or to_investigation

    def create_link(locked: Referral) -> None:
        ReferralLink.objects.create(
            referral=locked, to_referral=to_referral, to_investigation=to_investigation, reason=reason, created_by=actor
        )

    return _transition(
        referral,
        "link",
        AuditAction.REFERRAL_LINKED,
        actor=actor,
        reason=reason,
        before_save=create_link,
        detail={"to": target.reference},
    )


def assess_referral(referral: Referral, *, actor, scores: dict, rationale: str) -> TriageAssessment:
    """Score the referral against the current published criteria (recorded with their version)."""
    if not may_triage(actor):
        raise PermissionDenied("Only intake staff and directors can assess referrals.")
    criteria = TriageCriteria.current()
    unknown = set(scores) - set(criteria.dimension_keys)
    if unknown:
        raise WorkflowError("Unknown criteria: %s." % ", ".join(sorted(unknown)))
    with service_transaction():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.state not in (ReferralState.TRIAGE, ReferralState.LOGGED):
            raise WorkflowError(
                "%s is %s: only referrals in triage or logged can be assessed."
                % (locked.reference, locked.get_state_display().lower())
            )
        assessment = TriageAssessment.objects.create(
            referral=locked, criteria=criteria, scores=scores, rationale=rationale, assessed_by=actor
        )
        record_event(
            AuditAction.REFERRAL_ASSESSED,
            actor=actor,
            target=locked,
            detail={"criteria_version": criteria.version, "complete": assessment.is_complete},
        )
    return assessment


def propose_case(referral: Referral, *, actor, reason: str = "") -> Referral:
    return _transition(referral, "propose_case", AuditAction.REFERRAL_PROPOSED, actor=actor, reason=reason)


def accept_referral[T](
    referral: Referral, *, actor, reason: str = "", open_investigation: Callable[[Referral], T]
) -> T:
    """A director accepts a proposed case; `open_investigation(locked)` opens it in the same transaction.

    The investigation is casework's (`casework.services.accept_referral` passes its opener), so a
    referral is never accepted without its investigation, and referrals never imports casework.
    """
    opened: list[T] = []
    _transition(
        referral,
        "accept",
        AuditAction.REFERRAL_ACCEPTED,
        actor=actor,
        reason=reason,
        before_save=lambda locked: opened.append(open_investigation(locked)),
    )
    return opened[0]


def defer_referral(referral: Referral, *, actor, reason: str) -> Referral:
    """Criteria met but no capacity now: back to logged, with the reason."""
    return _transition(referral, "defer", AuditAction.REFERRAL_DEFERRED, actor=actor, reason=reason)


def decline_referral(referral: Referral, *, actor, reason: str) -> Referral:
    return _transition(referral, "decline", AuditAction.REFERRAL_DECLINED, actor=actor, reason=reason)


def withdraw_referral(referral: Referral, *, actor, reason: str) -> Referral:
    """Nothing is deleted: the referral and its material stay, protected, in state withdrawn."""
    return _transition(referral, "withdraw", AuditAction.REFERRAL_WITHDRAWN, actor=actor, reason=reason)


def reopen_referral(referral: Referral, *, actor, reason: str) -> Referral:
    return _transition(referral, "reopen", AuditAction.REFERRAL_REOPENED, actor=actor, reason=reason)


def assign_referral(referral: Referral, *, actor, assignee) -> Referral:
    """Claim (assignee is the actor) or assign to an intake officer or director."""
    if not may_assign(actor):
        raise PermissionDenied("Only intake staff and directors can assign referrals.")
    if not may_be_assigned(assignee):
        raise WorkflowError("%s cannot triage referrals, so cannot be assigned one." % assignee)
    with service_transaction():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        previous = locked.assignee
        locked.assignee = assignee
        save_with_history_reason(locked, "assigned", update_fields=["assignee"])
        _add_activity(locked, "assigned", "", "", actor, "Assigned to %s" % assignee)
        record_event(
            AuditAction.REFERRAL_ASSIGNED,
            actor=actor,
            target=locked,
            detail={"assignee": assignee.get_username(), "previous": previous.get_username() if previous else None},
        )
    return locked


TRANSITION_LABELS = {
    "start_triage": "start triage on",
    "request_info": "request information for",
    "info_received": "record information for",
    "log_for_intelligence": "log",
    "signpost": "signpost",
    "link": "link",
    "propose_case": "propose",
    "accept": "accept",
    "defer": "defer",
    "decline": "decline",
    "withdraw": "withdraw",
    "reopen": "reopen",
}


def _transition(referral, name, audit_action, *, actor, reason="", before_save=None, detail=None) -> Referral:
    return run_transition(
        referral,
        name,
        actor=actor,
        audit_action=audit_action,
        describe=TRANSITION_LABELS[name],
        record_step=_record_step,
        reason=reason,
        condition_message=(
            "Complete the triage assessment (every criterion scored) before proposing %s." % referral.reference
            if name == "propose_case"
            else ""
        ),
        before_save=before_save,
        detail=detail,
    )


def _record_step(referral, name, from_state, actor, reason) -> None:
    _add_activity(referral, name, from_state, referral.state, actor, reason)


def _add_activity(referral, action, from_state, to_state, actor, reason) -> None:
    ReferralActivity.objects.create(
        referral=referral, action=action, from_state=from_state, to_state=to_state, reason=reason, actor=actor
    )


def create_service_account(name: str, *, days: int) -> tuple[User, str]:
    """A partner system's account and a new intake token for it: (the account, the token, shown once).

    The account may only add referrals; it has no password and cannot sign in to the web pages.
    Asked again for an existing service account, it issues another token (to rotate the old one).
    """
    users = get_user_model()
    with service_transaction():
        account, created = users.objects.get_or_create(
            username=name, defaults={"is_service_account": True, "first_name": name}
        )
        if not account.is_service_account:
            raise WorkflowError("%s is a member of staff's account, not a service account." % name)
        if created:
            account.set_unusable_password()
            account.save(update_fields=["password"])
            app_label, codename = ADD_REFERRAL.split(".")
            account.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
            record_event(AuditAction.SERVICE_ACCOUNT_CREATED, actor=None, target=account)
        _, token = create_token(account, name="intake", scopes=[ApiTokenScope.INTAKE], days=days)
    return account, token


def triage_staff():
    """Active users who may triage, and so may be assigned referrals."""
    app_label, codename = TRIAGE_REFERRAL.split(".")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(Q(groups__permissions=permission) | Q(user_permissions=permission), is_active=True)
        .distinct()
        .order_by("first_name", "last_name")
    )
