"""Review flags: the events an auditor should look at, derived from the trail itself, and their reviews.

Flags are not stored: each is a query over the audit trail, named by a stable key, so nothing can
be flagged or un-flagged except by what was recorded. A review (who, when, a note) is stored and is
itself an audit event; a flag with a review leaves the queue.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, CharField, Count, Max, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, ExtractHour, ExtractIsoWeekDay, Substr, TruncDate
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent, FlagReview
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction

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
# Denied outcomes that are not attempts on what the person may not have: a step the workflow declined
# or a form sent back with errors (its request recorded as a 4xx).
NOT_ATTEMPTS = [AuditAction.ACTION_REFUSED, AuditAction.EVIDENCE_UPLOAD_REFUSED]
REFUSED_STATUSES = [401, 403, 404]
# How much each kind of flag needs an auditor's eye.
SEVERITY = {"break_glass": "high", "off_team": "high", "bulk": "high", "denied": "medium", "out_of_hours": "medium"}


@dataclass(frozen=True)
class Flag:
    key: str
    kind: str
    label: str
    username: str
    when: datetime
    summary: str


class BulkCounts(TypedDict):
    """What the bulk query adds to each person-day of content events."""

    day: date
    count: int
    last: datetime


class BulkRow(BulkCounts):
    """One person's content events on one day: a row of the bulk query."""

    actor_username: str


def _event_flags(kind: str, label: str, events: QuerySet[AuditEvent], *, unreviewed: bool) -> list[Flag]:
    if unreviewed:
        # Reviewed flags are left out before the limit, so reviewed ones never hide older ones.
        reviewed = (
            FlagReview.objects.filter(kind=kind)
            .annotate(flag_id=Cast(Substr("key", len(kind) + 2), BigIntegerField()))
            .values("flag_id")
        )
        events = events.exclude(id__in=reviewed)
    return [
        Flag(
            "%s:%s" % (kind, event.id),
            kind,
            label,
            event.actor_username,
            event.occurred_at,
            "%s %s %s" % (event.action_label, event.target_type, event.target_ref),
        )
        for event in events.order_by("-id")[:QUEUE_LIMIT]
    ]


# A runtime-lazy alias: WithAnnotations takes its second argument only for the type checker.
type BulkQuerySet = QuerySet[WithAnnotations[AuditEvent, BulkCounts], BulkRow]


def _flag_sources() -> tuple[list[tuple[str, str, QuerySet[AuditEvent]]], BulkQuerySet]:
    """Each kind of event flag as (kind, label, events), and the per-person-per-day bulk counts.

    Only the last REVIEW_WINDOW_DAYS are looked at, so every query stays on recent events and the
    queue costs the same on a trail of millions; older events stay searchable in the log.
    """
    since = timezone.now() - timedelta(days=settings.REVIEW_WINDOW_DAYS)
    recent = AuditEvent.objects.filter(occurred_at__gte=since)
    content = recent.filter(action__in=CONTENT_ACTIONS, actor__isnull=False)
    start, end = settings.REVIEW_WORKING_HOURS
    zone = timezone.get_default_timezone()
    local = content.annotate(
        hour=ExtractHour("occurred_at", tzinfo=zone), weekday=ExtractIsoWeekDay("occurred_at", tzinfo=zone)
    )
    out_of_hours = local.filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
    kinds = [
        (
            "denied",
            "Denied attempt",
            recent.filter(outcome=Outcome.DENIED)
            .exclude(action__in=NOT_ATTEMPTS)
            .exclude(Q(action=AuditAction.REQUEST_RECORDED) & ~Q(detail__status__in=REFUSED_STATUSES)),
        ),
        ("break_glass", "Break-glass", recent.filter(action=AuditAction.BREAK_GLASS_OPENED)),
        ("off_team", "Read by someone not on the team", content.filter(detail__has_key="break_glass")),
        ("out_of_hours", "Access outside working hours", out_of_hours),
    ]
    bulk = (
        content.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("actor_username", "day")
        .annotate(count=Count("id"), last=Max("occurred_at"))
        .filter(count__gt=settings.REVIEW_BULK_THRESHOLD)
    )
    return kinds, bulk


def _bulk_flag(row: BulkRow) -> Flag:
    return Flag(
        "bulk:%s:%s" % (row["actor_username"], row["day"].isoformat()),
        "bulk",
        "Bulk access",
        row["actor_username"],
        row["last"],
        "%s views or downloads on %s (threshold %s)" % (row["count"], row["day"], settings.REVIEW_BULK_THRESHOLD),
    )


def current_flags(*, unreviewed: bool = False) -> list[Flag]:
    """The flags the trail raises now, newest first within each kind (at most QUEUE_LIMIT of each)."""
    kinds, bulk = _flag_sources()
    flags = [flag for kind in kinds for flag in _event_flags(*kind, unreviewed=unreviewed)]
    if unreviewed:
        key = Concat(Value("bulk:"), "actor_username", Value(":"), Cast("day", CharField()))
        bulk = bulk.alias(key=key).exclude(key__in=FlagReview.objects.filter(kind="bulk").values("key"))
    return flags + [_bulk_flag(row) for row in bulk.order_by("-day")[:QUEUE_LIMIT]]


def find_flag(key: str) -> Flag | None:
    """The flag named `key` if the trail raises it now, however far down its kind's list it is."""
    kind, _, rest = key.partition(":")
    kinds, bulk = _flag_sources()
    if kind == "bulk":
        username, _, day = rest.rpartition(":")
        # At most one row a day within the window: found here rather than in SQL.
        return next((_bulk_flag(row) for row in bulk.filter(actor_username=username) if str(row["day"]) == day), None)
    for name, label, events in kinds:
        if name == kind and rest.isdigit():
            return next(iter(_event_flags(name, label, events.filter(id=int(rest)), unreviewed=False)), None)
    return None


def unreviewed_flags() -> list[Flag]:
    return sorted(current_flags(unreviewed=True), key=lambda flag: flag.when, reverse=True)


@dataclass(frozen=True)
class FlagGroup:
    """The flags of one kind raised by one person on one day: reviewed together, with one note."""

    kind: str
    label: str
    username: str
    day: date
    flags: tuple[Flag, ...]

    @property
    def severity(self) -> str:
        return SEVERITY.get(self.kind, "medium")

    @property
    def newest(self) -> datetime:
        return self.flags[0].when

    @property
    def token(self) -> str:
        """Names the group and what was shown of it: a review covers no flag raised after the page."""
        return "%s|%s|%s|%s" % (self.kind, self.username, self.day.isoformat(), self.newest.isoformat())


def grouped(flags: list[Flag], *, kind: str = "", username: str = "", severity: str = "") -> list[FlagGroup]:
    """`flags` (newest first) by person, day and kind, the groups with the most severe and newest first;
    narrowed to one kind, person or severity when given."""
    zone = timezone.get_default_timezone()
    groups: dict[tuple[str, str, date], list[Flag]] = {}
    for flag in flags:
        if (kind and flag.kind != kind) or (username and flag.username != username):
            continue
        if severity and SEVERITY.get(flag.kind, "medium") != severity:
            continue
        groups.setdefault((flag.kind, flag.username, timezone.localtime(flag.when, zone).date()), []).append(flag)
    rows = [FlagGroup(k, members[0].label, user, day, tuple(members)) for (k, user, day), members in groups.items()]
    rows.sort(key=lambda group: group.newest, reverse=True)
    return sorted(rows, key=lambda group: group.severity != "high")


def review_groups(tokens: list[str], *, note: str, actor: AbstractBaseUser) -> tuple[int, int]:
    """Mark reviewed, with one note, every flag of the chosen groups shown to the auditor; a flag
    another auditor reviewed meanwhile is left as theirs. Returns (reviewed, already reviewed)."""
    note = note.strip()
    if not note:
        raise WorkflowError("Write what you found before marking flags reviewed. Nothing was changed.")
    chosen: dict[str, datetime] = {}
    for token in tokens:
        group, _, shown = token.rpartition("|")
        try:
            chosen[group] = datetime.fromisoformat(shown)
        except ValueError:
            continue
    if not chosen:
        raise WorkflowError("Choose at least one group of flags to mark reviewed. Nothing was changed.")
    flags = [
        flag
        for group in grouped(unreviewed_flags())
        if (shown_until := chosen.get(group.token.rpartition("|")[0])) is not None
        for flag in group.flags
        if flag.when <= shown_until or flag.kind == "bulk"
    ]
    reviewed, taken = [], 0
    with service_transaction():
        for flag in flags:
            try:
                with transaction.atomic():
                    FlagReview.objects.create(  # type: ignore[misc]  # actor is AUTH_USER_MODEL, not imported here
                        key=flag.key, kind=flag.kind, note=note[:2000], reviewed_by=actor
                    )
            except IntegrityError:
                taken += 1
            else:
                reviewed.append(flag.key)
        record_event(
            AuditAction.FLAG_REVIEWED,
            actor=actor,
            detail={"flags": reviewed[:QUEUE_LIMIT], "count": len(reviewed), "note": note[:500]},
        )
    return len(reviewed), taken


def review_flag(key: str, *, note: str, actor: AbstractBaseUser) -> FlagReview:
    """Mark one flag reviewed with the auditor's note; of two auditors at once, exactly one wins."""
    note = note.strip()
    if not note:
        raise WorkflowError("Write what you found before marking the flag reviewed. Nothing was changed.")
    flag = find_flag(key)
    if flag is None:
        raise WorkflowError("There is no such flag. Nothing was changed.")
    try:
        with service_transaction():
            review = FlagReview.objects.create(  # type: ignore[misc]  # actor is AUTH_USER_MODEL, not imported here
                key=key, kind=flag.kind, note=note[:2000], reviewed_by=actor
            )
            record_event(AuditAction.FLAG_REVIEWED, actor=actor, detail={"flag": key, "note": note[:500]})
    except IntegrityError as error:
        existing = FlagReview.objects.select_related("reviewed_by").get(key=key)
        raise WorkflowError(
            "%s already reviewed this flag. Nothing was changed." % existing.reviewed_by.username
        ) from error
    return review
