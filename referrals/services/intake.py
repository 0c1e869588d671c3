"""Receiving concerns: from the public form, intake staff and partner systems; attachments, receipt
codes and the acknowledgement.
"""

import hashlib
import hmac
import json
import logging
import secrets
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac

from accounts.models import ApiTokenScope, User
from accounts.outside import outside_person_for
from accounts.tokens import create_token
from audit.choices import AuditAction
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.models import ReferenceCounter
from kernel.transactions import service_transaction
from referrals.choices import Channel, ReferralState
from referrals.models import Attachment, Referral, ReferralMessage
from referrals.permissions import (
    ADD_REFERRAL,
    may_record_concerns,
    may_triage,
)
from referrals.services.triage import record_activity
from vault.integrity import record_receipt
from vault.models import recording
from vault.upload import ReceivedFile

logger = logging.getLogger(__name__)


RECEIPT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: easy to read out


RECEIPT_CODE_LENGTH = 12


def receive_referral(
    details: dict[str, Any],
    *,
    channel: str = Channel.WEB_FORM,
    actor: User | None = None,
    attachment: ReceivedFile | None = None,
    intake_key: str = "",
    nudge: bool = False,
) -> tuple[Referral, str]:
    """Log a new concern and return it with its receipt code (shown once, stored only as a hash).

    `actor` is the staff member who took it by phone, email or letter, or the partner system's
    account; None for the public form. The acknowledgement email is sent after commit, and its
    failure never loses the concern. A sender's `intake_key` (machine intake's Idempotency-Key)
    names one concern: sent again, even at the same moment, it returns that concern and no code;
    sent again with a different concern, it is refused and nothing is stored. A referrer who gave
    an address may ask (`nudge`) for an e-mail that says only that the body has written to them.
    """
    if actor is not None and not may_record_concerns(actor):
        raise PermissionDenied("Only intake staff can record concerns.")
    key_hash = hashlib.sha256(intake_key.encode()).hexdigest() if intake_key else ""
    body_hash = intake_body_digest(details) if intake_key else ""
    receipt_code = new_receipt_code()
    with service_transaction():
        if key_hash:
            # One send of a key at a time per sender: a retry racing the first send waits, then finds it.
            with connection.cursor() as cursor:
                sender = actor.pk if actor is not None else ""
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["intake:%s:%s" % (sender, key_hash)])
            earlier = Referral.objects.filter(recorded_by=actor, intake_key_hash=key_hash).first()
            if earlier is not None and earlier.intake_body_hash not in ("", body_hash):
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was already used for a different concern. Nothing was stored; "
                    "send a new concern with a new key."
                )
            if earlier is not None:
                return earlier, ""
        referral = Referral(
            **details, channel=channel, recorded_by=actor, intake_key_hash=key_hash, intake_body_hash=body_hash
        )
        referral.reference = ReferenceCounter.next_reference("REF", digits=6)
        referral.receipt_code_hash = hash_receipt_code(receipt_code)
        referral.set_remit_flags()
        if nudge and referral.reporter_email:
            referral.nudge_recipient = outside_person_for(referral.reporter_email, referral.reporter_name)
        referral.save()
        record_activity(referral, "received", "", ReferralState.RECEIVED, actor, Channel(channel).label)
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


def attach_file(
    referral: Referral,
    upload: ReceivedFile,
    *,
    actor: User | None = None,
    title: str = "Attachment from the referrer",
    message: ReferralMessage | None = None,
) -> Attachment:
    """Keep a file sent with a concern, already encrypted as it arrived (`vault.upload`): the referrer's
    (actor None) or one intake staff received by email or post. No blob is kept if this fails."""
    blob = upload.upload.blob
    with recording(blob):
        if actor is not None and not may_triage(actor):
            raise PermissionDenied("Only intake staff can attach files to a referral.")
        with service_transaction():
            attachment = Attachment.objects.create(
                referral=referral,
                message=message,
                title=title,
                added_by=actor,
                **Attachment.blob_fields(blob, upload.evidence_id, upload.upload.name or ""),
            )
            record_receipt(attachment, actor=actor)
    return attachment


class IdempotencyKeyReused(WorkflowError):
    """A sender's key names one concern; sent again with another, the second is refused (HTTP 422)."""


def intake_body_digest(details: dict[str, Any]) -> str:
    """A keyed hash of a concern as sent (never the words themselves: they hold personal details)."""
    canonical = json.dumps(details, sort_keys=True, default=str)
    return salted_hmac("referrals.intake_body", canonical, algorithm="sha256").hexdigest()


def send_acknowledgement(referral: Referral) -> None:
    """Email the reference to the referrer; a failure is logged for intake staff, never raised."""
    try:
        send_mail(
            subject="We have received your patient safety concern (%s)" % referral.reference,
            message=(
                "Thank you for sharing your concern. Your reference is %s.\n\n"
                "To see what is happening with it, read our messages or add information, use this "
                "reference with the receipt code shown when you sent the form, at %s\n"
                % (referral.reference, urljoin(settings.SITE_URL, reverse("public:follow_up")))
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
