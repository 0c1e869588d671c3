"""Destroying what a concern that never became an investigation says, once its retention has ended.

Only the disposal service above (casework.services.disposal) calls this, inside the transaction in
which the second person approves; the two-person rule and the audit event are kept there. What
stays is the metadata that lets the body see patterns (kind, organisation, setting, region, harm,
dates, outcome) and the timeline's steps without their reasons.
"""

from typing import Any

from django.utils import timezone

from referrals.models import (
    Attachment,
    Referral,
    ReferralActivity,
    ReferralLink,
    ReferralMessage,
    TriageAssessment,
)

# The concern's own words and the referrer's identity; the receipt and intake keys stop matching too.
ERASED_FIELDS = {
    "description": "",
    "reporter_name": "",
    "reporter_email": "",
    "reporter_phone": "",
    "patient_details": "",
}
ERASED_KEYS = {"receipt_code_hash": "", "intake_key_hash": "", "intake_body_hash": ""}


def erase_concern(referral: Referral) -> dict[str, Any]:
    """Erase `referral` (locked by the caller) and shred its files; returns what the certificate keeps."""
    files = [
        attachment.shred()
        for attachment in referral.attachments.select_for_update(no_key=True).filter(disposed_at=None)
    ]
    referral.attachments.update(title="", message=None)
    Attachment.history.filter(referral_id=referral.pk).update(title="", display_name="")

    for field, value in {**ERASED_FIELDS, **ERASED_KEYS}.items():
        setattr(referral, field, value)
    referral.disposed_at = timezone.now()
    referral.nudge_recipient = None
    referral.save(update_fields=[*ERASED_FIELDS, *ERASED_KEYS, "nudge_recipient", "disposed_at"])
    Referral.history.filter(id=referral.pk).update(**ERASED_FIELDS)

    messages, _ = ReferralMessage.objects.filter(referral=referral).delete()
    TriageAssessment.objects.filter(referral=referral).update(rationale="")
    TriageAssessment.history.filter(referral_id=referral.pk).update(rationale="")
    ReferralActivity.objects.filter(referral=referral).update(reason="")
    ReferralLink.objects.filter(referral=referral).update(reason="")
    return {"files": files, "removed": {"messages": messages}}
