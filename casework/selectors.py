"""Read-side queries for investigations: fetching one for a user, and what dashboards, lists and
the investigation page show, with the read events that record what was shown.

Every read goes through `visible_to` or `get_visible_object` (404 for what the user may not see).
"""

import heapq
import itertools
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts.access import ActionDenied, NotVisible, get_visible_object
from accounts.models import OutsidePerson
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event, search_term_digest
from casework.choices import (
    CLOSED_STATES,
    DisposalState,
    InvestigationState,
    RecommendationState,
    TaskStatus,
    TeamRole,
)
from casework.models import BreakGlassAccess, Disposal, Investigation, SafetyRecommendation, Task
from casework.permissions import content_access, may_see_portfolio
from referrals.choices import ENDED_WITHOUT_INVESTIGATION
from referrals.models import Referral


def get_investigation_for(user, reference: str, action: str = "view") -> Investigation:
    """404 if `user` may not see the investigation; 403 if they may see it but not take `action`."""
    return get_visible_object(Investigation, user, action, reference=reference)


def get_investigation_content_for(user, reference: str) -> tuple[Investigation, BreakGlassAccess | None]:
    """The investigation whose content `user` may read: 404 if invisible, 403 if only its summary is theirs."""
    investigation = get_investigation_for(user, reference)
    allowed, break_glass = content_access(user, investigation)
    if not allowed:
        raise ActionDenied("casework.investigation", reference, "read content")
    return investigation, break_glass


def get_evidence_to_download(user, reference: str, public_id):
    """(the evidence, the break-glass that allows it or None): 404 unless held on a case whose content
    `user` may read (the team's, or under break-glass)."""
    investigation, break_glass = get_investigation_content_for(user, reference)
    evidence = investigation.evidence.filter(public_id=public_id, disposed_at__isnull=True).first()
    if evidence is None:
        raise NotVisible("casework.evidence", str(public_id), "download")
    return evidence, break_glass


def record_case_read(investigation, *, reads_content: bool, break_glass=None, part: str = "") -> None:
    """The events for reading an investigation, and its content when shown; committed together.

    The journal, interviews, tasks and evidence are for the team (directors see the summary), or for a
    director who opened the case with break-glass: then every read names it, which flags it.
    """
    detail = {"part": part} if part else {}
    with transaction.atomic():
        record_event(AuditAction.INVESTIGATION_VIEWED, target=investigation, detail=detail)
        if reads_content:
            content_detail = {**detail, "break_glass": break_glass.pk} if break_glass else detail
            record_event(AuditAction.INVESTIGATION_CONTENT_VIEWED, target=investigation, detail=content_detail)


def case_work_of(user) -> str | None:
    """What casework still holds for `user` (case roles on cases not closed, open tasks), said in
    words, or None: an account with such work is handed over, not simply disabled."""
    memberships = user.case_memberships.exclude(
        investigation__state__in=[*CLOSED_STATES, InvestigationState.DISCONTINUED]
    )
    leads = memberships.filter(role=TeamRole.LEAD).count()
    others = memberships.exclude(role=TeamRole.LEAD).count()
    tasks = Task.objects.filter(assignee=user, status=TaskStatus.OPEN).count()
    held = [
        phrase
        for count, phrase in (
            (leads, "leads %d investigation%s" % (leads, "" if leads == 1 else "s")),
            (others, "is on the team of %d investigation%s" % (others, "" if others == 1 else "s")),
            (tasks, "has %d open task%s" % (tasks, "" if tasks == 1 else "s")),
        )
        if count
    ]
    return ", ".join(held) if held else None


def casework_summary(user) -> dict[str, Any]:
    """What the dashboards show: the user's own cases and tasks; for directors, the portfolio, with
    the recommendation responses due by organisation."""
    today = timezone.localdate()
    summary: dict[str, Any] = {
        "my_tasks": list(
            Task.objects.filter(assignee=user, status=TaskStatus.OPEN)
            .select_related("investigation")
            .only("title", "due_date", "status", "investigation__reference")
            .order_by("due_date", "pk")[:20]
        ),
        "my_investigations": list(
            Investigation.objects.filter(team__user=user)
            .only("reference", "title", "state", "due_date")
            .order_by("due_date", "-created_at")[:20]
        ),
    }
    if may_see_portfolio(user):
        counts = dict(
            Investigation.objects.values_list("state").annotate(count=Count("pk")).values_list("state", "count")
        )
        responses = responses_by_organisation(today)
        summary.update(
            by_state=[
                (state.label, counts.get(state.value, 0)) for state in InvestigationState if counts.get(state.value)
            ],
            over_target=list(
                Investigation.objects.over_stage_target(settings.INVESTIGATION_STAGE_TARGET_DAYS, timezone.now())
                .only("reference", "state", "state_changed_at")
                .order_by("state_changed_at")[:20]
            ),
            directed=list(
                Investigation.objects.filter(directed=True, due_date__isnull=False)
                .exclude(state__in=[*CLOSED_STATES, InvestigationState.DISCONTINUED])
                .only("reference", "title", "due_date")
                .order_by("due_date")[:20]
            ),
            overdue_tasks=Task.objects.filter(status=TaskStatus.OPEN, due_date__lt=today).count(),
            responses=responses,
            overdue_recommendations=sum(row["overdue"] for row in responses),
        )
    return summary


class CaseTimeline:
    """An investigation's workflow steps, notes, tasks, interviews, evidence and statements, newest
    first, as a sequence that `Paginator` pages through: a page reads, from each source, only the rows
    that can reach its end, and merges them."""

    def __init__(self, investigation) -> None:
        self.sources = [
            (
                investigation.activities.select_related("actor"),
                "occurred_at",
                lambda a: {"what": a.action.replace("_", " ").capitalize(), "who": a.actor, "text": a.reason},
            ),
            (
                investigation.notes.select_related("author"),
                "created_at",
                lambda n: {"what": "Journal note", "who": n.author, "text": n.text},
            ),
            (
                investigation.tasks.select_related("assignee"),
                "created_at",
                lambda t: {"what": "Task", "who": t.assignee, "text": t.title},
            ),
            (
                investigation.interviews.select_related("conducted_by"),
                "created_at",
                lambda i: {
                    "what": "Interview (%s)" % i.get_interviewee_type_display(),
                    "who": i.conducted_by,
                    "text": i.interviewee,
                },
            ),
            (
                investigation.evidence.select_related("added_by"),
                "added_at",
                lambda e: {"what": "Evidence received", "who": e.added_by, "text": e.title},
            ),
            (
                investigation.statements.select_related("published_by"),
                "published_at",
                lambda s: {"what": s.get_kind_display(), "who": s.published_by, "text": s.text},
            ),
        ]

    def count(self) -> int:
        return sum(rows.count() for rows, _, _ in self.sources)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        streams = [
            [{"when": getattr(row, field), **entry(row)} for row in rows.order_by("-" + field, "-pk")[: index.stop]]
            for rows, field, entry in self.sources
        ]
        merged = heapq.merge(*streams, key=lambda entry: entry["when"], reverse=True)
        return list(itertools.islice(merged, index.start or 0, index.stop))


def evidence_register(items) -> list[dict]:
    """`items` (the investigation's evidence) with each one's custody log, built from the audit trail
    (one query for all)."""
    items = list(items)
    custody: dict[str, list] = {}
    events = AuditEvent.objects.filter(
        target_type="casework.evidence", target_ref__in=[str(item.public_id) for item in items]
    ).order_by("id")
    for event in events:
        custody.setdefault(event.target_ref, []).append(event)
    return [{"item": item, "custody": custody.get(str(item.public_id), [])} for item in items]


def disposal_queue() -> dict[str, list]:
    """Archived cases and ended concerns whose retention has ended and that no hold keeps, and the
    disposals that wait for a second approval (records, not content: directors and the chief see
    every summary)."""
    today = timezone.localdate()
    waiting = list(
        Disposal.objects.filter(state=DisposalState.REQUESTED).select_related(
            "investigation", "referral", "requested_by"
        )
    )
    due = list(
        Investigation.objects.filter(state=InvestigationState.ARCHIVED, legal_hold=False, retention_until__lte=today)
        .exclude(pk__in=[disposal.investigation_id for disposal in waiting if disposal.investigation_id])
        .order_by("retention_until", "reference")
    )
    due_concerns = list(
        Referral.objects.filter(
            state__in=ENDED_WITHOUT_INVESTIGATION, legal_hold=False, disposed_at=None, retention_until__lte=today
        )
        .exclude(pk__in=[disposal.referral_id for disposal in waiting if disposal.referral_id])
        .order_by("retention_until", "reference")
    )
    held = [
        *Investigation.objects.filter(state=InvestigationState.ARCHIVED, legal_hold=True).order_by("reference"),
        *Referral.objects.filter(state__in=ENDED_WITHOUT_INVESTIGATION, legal_hold=True, disposed_at=None).order_by(
            "reference"
        ),
    ]
    return {"due": due, "due_concerns": due_concerns, "waiting": waiting, "held": held}


# What an organisation's contact sees: its recommendations from the moment they were issued.
ISSUED_STATES = (
    RecommendationState.ISSUED,
    RecommendationState.RESPONSE_RECEIVED,
    RecommendationState.ASSESSED,
    RecommendationState.CLOSED,
)


def answerable_by(person: OutsidePerson):
    """The recommendations issued to organisations `person` is a live contact of (the portal's
    `visible_to`): a contact removed from the organisation sees none of them from their next request."""
    return SafetyRecommendation.objects.filter(
        state__in=ISSUED_STATES,
        organisation__contacts__person=person,
        organisation__contacts__removed_at=None,
    )


def get_recommendation_for_contact(person: OutsidePerson, reference: str) -> SafetyRecommendation:
    """One of `person`'s organisations' recommendations; anything else is not there for them (404)."""
    recommendation = (
        answerable_by(person)
        .select_related("investigation", "organisation", "response")
        .filter(reference=reference)
        .first()
    )
    if recommendation is None:
        raise NotVisible("casework.safetyrecommendation", reference[:30], "answer")
    return recommendation


def responses_by_organisation(today=None) -> list[dict[str, Any]]:
    """For directors: per organisation, how many issued recommendations wait for a response, how many
    of those are overdue, and when the next is due."""
    today = today or timezone.localdate()
    rows = (
        SafetyRecommendation.objects.filter(state=RecommendationState.ISSUED, response_due__isnull=False)
        .values("organisation__name", "addressee")
        .annotate(
            waiting=Count("pk"),
            overdue=Count("pk", filter=Q(response_due__lt=today)),
            next_due=Min("response_due"),
        )
        .order_by("-overdue", "next_due")
    )
    return [
        {
            "organisation": row["organisation__name"] or row["addressee"],
            "waiting": row["waiting"],
            "overdue": row["overdue"],
            "next_due": row["next_due"],
        }
        for row in rows
    ]


INVESTIGATION_REFERENCE = re.compile(r"^INV-\d{4}-\d{4,}$", re.IGNORECASE)


def apply_investigation_filters(investigations, filters: dict):
    """The investigations list narrowed by `InvestigationFilterForm`'s cleaned data: a reference
    finds that case, anything else searches the titles."""
    text = (filters.get("q") or "").strip()
    if text:
        investigations = (
            investigations.filter(reference=text.upper())
            if INVESTIGATION_REFERENCE.match(text)
            else investigations.filter(title__icontains=text)
        )
    if filters.get("state"):
        investigations = investigations.filter(state=filters["state"])
    if filters.get("directed") is not None:
        investigations = investigations.filter(directed=filters["directed"])
    return investigations


def recorded_investigation_filters(filters: dict) -> dict:
    """The filters used, for the audit event; the words searched for only as a keyed hash."""
    recorded = {k: str(v) for k, v in filters.items() if v not in ("", None) and k != "q"}
    if filters.get("q"):
        recorded["q_hmac"] = search_term_digest(filters["q"])
    return recorded
