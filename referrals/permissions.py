"""Referral permission names and the single way to fetch one referral for a user."""

from accounts.access import get_visible_object
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
