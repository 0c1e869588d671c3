"""Referral permission names and the single way to fetch one referral for a user."""

from django.db import transaction

from accounts.access import get_visible_object
from audit.choices import AuditAction
from audit.services import record_event
from referrals.models import Referral

VIEW_REFERRAL = "referrals.view_referral"
ADD_REFERRAL = "referrals.add_referral"
TRIAGE_REFERRAL = "referrals.triage_referral"
DECIDE_REFERRAL = "referrals.decide_referral"
ASSIGN_REFERRAL = "referrals.assign_referral"
VIEW_REFERRAL_IDENTITY = "referrals.view_referral_identity"


def get_referral_for(user, reference: str, action: str = "view") -> Referral:
    """The referral `reference` for `user`: 404 if not visible to them, 403 if visible but `action` is not allowed."""
    return get_visible_object(Referral, user, action, reference=reference)


def record_referral_read(referral: Referral, *, show_identity: bool) -> None:
    """The events for reading one referral (and its referrer's identity, when shown), committed together."""
    with transaction.atomic():
        record_event(AuditAction.REFERRAL_VIEWED, target=referral)
        if show_identity:
            record_event(AuditAction.REFERRAL_IDENTITY_VIEWED, target=referral)
