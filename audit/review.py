"""Review flags: the events an auditor should look at, derived from the trail itself, and their reviews.

Flags are not stored: each is a query over the audit trail, named by a stable key, so nothing can
be flagged or un-flagged except by what was recorded. A review (who, when, a note) is stored and is
itself an audit event; a flag with a review leaves the queue.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from accounts.workflow import WorkflowError
from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent, FlagReview
from audit.services import record_event

# Reading protected content or taking it away: what out-of-hours and bulk flags look at.
CONTENT_ACTIONS = [
    AuditAction.REFERRAL_VIEWED,
    AuditAction.REFERRAL_IDENTITY_VIEWED,
    AuditAction.INVESTIGATION_CONTENT_VIEWED,
    AuditAction.EVIDENCE_DOWNLOADED,
    AuditAction.AUDIT_EXPORTED,
    AuditAction.SUBJECT_ACCESS_EXPORTED,
]
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class Flag:
    key: str
    kind: str
    label: str
    username: str
    when: datetime
    summary: str


def _event_flags(kind: str, label: str, events) -> list[Flag]:
    return [
        Flag(
            "%s:%s" % (kind, event.seq),
            kind,
            label,
            event.actor_username,
            event.occurred_at,
            "%s %s %s" % (event.action_label, event.target_type, event.target_ref),
        )
        for event in events.order_by("-seq")[:QUEUE_LIMIT]
    ]


def current_flags() -> list[Flag]:
    """Every flag the trail raises now (newest first within each kind), reviewed or not."""
    content = AuditEvent.objects.filter(action__in=CONTENT_ACTIONS, actor__isnull=False)
    start, end = settings.REVIEW_WORKING_HOURS
    zone = timezone.get_default_timezone()
    local = content.annotate(
        hour=ExtractHour("occurred_at", tzinfo=zone), weekday=ExtractIsoWeekDay("occurred_at", tzinfo=zone)
    )
    out_of_hours = local.filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
    flags = [
        *_event_flags("denied", "Denied attempt", AuditEvent.objects.filter(outcome=Outcome.DENIED)),
        *_event_flags("break_glass", "Break-glass", AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_OPENED)),
        *_event_flags("off_team", "Read by someone not on the team", content.filter(detail__has_key="break_glass")),
        *_event_flags("out_of_hours", "Access outside working hours", out_of_hours),
    ]
    bulk = (
        content.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("actor_username", "day")
        .annotate(count=Count("seq"), last=Max("occurred_at"))
        .filter(count__gt=settings.REVIEW_BULK_THRESHOLD)
        .order_by("-day")[:QUEUE_LIMIT]
    )
    flags += [
        Flag(
            "bulk:%s:%s" % (row["actor_username"], row["day"].isoformat()),
            "bulk",
            "Bulk access",
            row["actor_username"],
            row["last"],
            "%s views or downloads on %s (threshold %s)" % (row["count"], row["day"], settings.REVIEW_BULK_THRESHOLD),
        )
        for row in bulk
    ]
    return flags


def unreviewed_flags() -> list[Flag]:
    flags = current_flags()
    reviewed = set(FlagReview.objects.filter(key__in=[flag.key for flag in flags]).values_list("key", flat=True))
    return sorted((flag for flag in flags if flag.key not in reviewed), key=lambda flag: flag.when, reverse=True)


def review_flag(key: str, *, note: str, actor) -> FlagReview:
    """Mark one flag reviewed with the auditor's note; of two auditors at once, exactly one wins."""
    note = note.strip()
    if not note:
        raise WorkflowError("Write what you found before marking the flag reviewed. Nothing was changed.")
    flag = next((flag for flag in current_flags() if flag.key == key), None)
    if flag is None:
        raise WorkflowError("There is no such flag. Nothing was changed.")
    try:
        with transaction.atomic():
            review = FlagReview.objects.create(key=key, kind=flag.kind, note=note[:2000], reviewed_by=actor)
            record_event(AuditAction.FLAG_REVIEWED, actor=actor, detail={"flag": key, "note": note[:500]})
    except IntegrityError as error:
        existing = FlagReview.objects.select_related("reviewed_by").get(key=key)
        raise WorkflowError(
            "%s already reviewed this flag. Nothing was changed." % existing.reviewed_by.username
        ) from error
    return review
