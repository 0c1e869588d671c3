"""Read-side queries for referrals: fetching one for a user, the intake queue and the dashboards'
summaries, and the read events that record what was shown.

Every read goes through `visible_to` or `get_visible_object` (404 for what the user may not see).
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.access import get_visible_object
from audit.choices import AuditAction
from audit.services import record_event, search_term_digest
from referrals.choices import FROM_THE_BODY, QUEUE_STATES, MessageKind, ReferralState
from referrals.models import Referral
from referrals.querysets import overdue_condition

REFERENCE_PATTERN = re.compile(r"^REF-\d{4}-\d{6}$", re.IGNORECASE)


def get_referral_for(user, reference: str, action: str = "view") -> Referral:
    """The referral `reference` for `user`: 404 if not visible to them, 403 if visible but `action` is not allowed."""
    return get_visible_object(Referral, user, action, reference=reference)


def record_referral_read(referral: Referral, *, show_identity: bool) -> None:
    """The events for reading one referral (and its referrer's identity, when shown), committed together."""
    with transaction.atomic():
        record_event(AuditAction.REFERRAL_VIEWED, target=referral)
        if show_identity:
            record_event(AuditAction.REFERRAL_IDENTITY_VIEWED, target=referral)


def intake_queue_summary(referrals, user) -> dict:
    """Work waiting in the intake queue, for intake officers, directors and the chief investigator."""
    counts = referrals.filter(state__in=QUEUE_STATES).aggregate(
        **{state: Count("pk", filter=Q(state=state)) for state in QUEUE_STATES},
        overdue=Count("pk", filter=overdue_condition(settings.REFERRAL_TARGET_DAYS, timezone.now())),
        mine=Count("pk", filter=Q(assignee=user)),
    )  # one pass over the open work, not one query per figure
    return {
        "by_state": [(ReferralState(state).label, state, counts[state]) for state in QUEUE_STATES],
        "overdue": counts["overdue"],
        "mine": counts["mine"],
    }


def recorded_filters(filters: dict) -> dict:
    """The queue filters used, for the audit event; free text only as a keyed hash."""
    recorded = {k: str(v) for k, v in filters.items() if v not in ("", None, False) and k != "q"}
    if filters.get("q"):
        recorded["q_hmac"] = search_term_digest(filters["q"])  # the words themselves may be protected
    return recorded


def apply_queue_filters(referrals, filters: dict, user):
    """The intake queue narrowed by its filter form's cleaned data (`QueueFilterForm`)."""
    if filters.get("q"):
        text = filters["q"].strip()
        referrals = (
            referrals.filter(reference=text.upper()) if REFERENCE_PATTERN.match(text) else referrals.search(text)
        )
    state = filters.get("state")
    referrals = referrals.filter(state=state) if state else referrals.filter(state__in=QUEUE_STATES)
    if filters.get("care_setting"):
        referrals = referrals.filter(care_setting=filters["care_setting"])
    if filters.get("harm_level"):
        referrals = referrals.filter(harm_level=filters["harm_level"])
    if filters.get("organisation"):
        referrals = referrals.filter(organisation_name__icontains=filters["organisation"])
    if filters.get("remit") == "in":
        referrals = referrals.filter(before_remit_start=False, outside_england=False)
    elif filters.get("remit") == "out":
        referrals = referrals.exclude(before_remit_start=False, outside_england=False)
    if filters.get("assignee") == "me":
        referrals = referrals.filter(assignee=user)
    elif filters.get("assignee") == "none":
        referrals = referrals.filter(assignee__isnull=True)
    if filters.get("older_than_days") is not None:
        referrals = referrals.filter(received_at__lt=timezone.now() - timedelta(days=filters["older_than_days"]))
    if filters.get("overdue"):
        referrals = referrals.overdue(settings.REFERRAL_TARGET_DAYS, timezone.now())
    return referrals


def conversation(referral: Referral, *, for_referrer: bool = False):
    """A concern's messages, oldest first, with their attachments. The referrer sees what they and
    the body wrote to each other, not what staff recorded from a call or a letter."""
    messages = referral.messages.select_related("author").prefetch_related("attachments")
    if for_referrer:
        messages = messages.filter(Q(kind__in=FROM_THE_BODY) | Q(kind=MessageKind.REPLY))
    return messages
