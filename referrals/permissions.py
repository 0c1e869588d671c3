"""Referral permission codenames and the single way to fetch one referral for a user."""

from accounts.access import get_visible_object
from referrals.models import Referral

VIEW_REFERRAL = "referrals.view_referral"


def get_referral_for(user, reference: str, action: str = "view") -> Referral:
    """The referral `reference` for `user`: 404 if not visible to them, 403 if visible but `action` is not allowed."""
    return get_visible_object(Referral, user, action, reference=reference)
