"""The auditors' workspace: search the trail, export what was found, review break-glass, subject access."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts import mfa
from accounts.access import requires_permission
from audit.choices import AuditAction, Outcome
from audit.export import CSV_COLUMNS, event_rows
from audit.forms import AuditSearchForm, FlagFilterForm
from audit.models import AuditEvent
from audit.permissions import EXPORT_SUBJECT_ACCESS, VIEW_AUDIT_TRAIL
from audit.review import QUEUE_LIMIT, grouped, review_groups, unreviewed_flags
from audit.services import record_event, unchained_overdue
from kernel.downloads import csv_response
from kernel.errors import WorkflowError
from oversight.history import case_history

EVENT_LIST_LENGTH = 100


@require_safe
@requires_permission(VIEW_AUDIT_TRAIL)
def event_list(request):
    """Search the trail by user, object, action, outcome, dates and address, newest first.

    Pages by `id` (`?before=`), never by offset or count, so a page costs the same at any depth of
    a trail of millions of events.
    """
    form = AuditSearchForm(request.GET or None)
    events = AuditEvent.objects.order_by("-id")
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    elif form.is_bound:
        events = events.none()
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    page = list(events[: EVENT_LIST_LENGTH + 1])
    last_check = AuditEvent.objects.filter(action=AuditAction.AUDIT_CHAIN_VERIFIED).order_by("-id").first()
    terms = form.terms() if form.is_bound and form.is_valid() else {}
    history = case_history(terms["target"]) if terms.get("target") else None
    record_event(
        AuditAction.AUDIT_LOG_VIEWED,
        detail={"filters": terms, "before": before[:20], "history_entries": len(history or [])},
    )
    query = request.GET.copy()
    query.pop("before", None)
    overdue_count, overdue_oldest = unchained_overdue()
    context = {
        "overdue_count": overdue_count,
        "overdue_oldest": overdue_oldest,
        "chain_grace_seconds": settings.AUDIT_CHAIN_GRACE_SECONDS,
        "form": form,
        "events": page[:EVENT_LIST_LENGTH],
        "next_before": page[EVENT_LIST_LENGTH - 1].id if len(page) > EVENT_LIST_LENGTH else None,
        "query": query.urlencode(),
        "last_check": last_check,
        "history": history,
    }
    return render(request, "audit/event_list.html", context)


@require_POST
@requires_permission(VIEW_AUDIT_TRAIL)
def export_events(request):
    """Every event the search finds, as CSV streamed row by row (a million rows keep memory flat)."""
    form = AuditSearchForm(request.POST)
    if not form.is_valid():
        return render(request, "audit/event_list.html", {"form": form, "events": []}, status=400)
    if (step_up := mfa.step_up(request, "export audit events")) is not None:
        return step_up
    record_event(AuditAction.AUDIT_EXPORTED, detail={"filters": form.terms()})
    return csv_download(form.filter(AuditEvent.objects.order_by("id")), "audit-events")


@require_POST
@requires_permission(EXPORT_SUBJECT_ACCESS)
def subject_access(request):
    """Every event concerning one account: what they did and what was done to it, as CSV."""
    username = request.POST.get("username", "").strip()[:150]
    if not username:
        form = AuditSearchForm({})
        form.is_valid()
        form.add_error(None, "Give the username whose events are asked for.")
        return render(request, "audit/event_list.html", {"form": form, "events": []}, status=400)
    if (step_up := mfa.step_up(request, "export a subject access report")) is not None:
        return step_up
    record_event(AuditAction.SUBJECT_ACCESS_EXPORTED, target_type="accounts.user", target_ref=username)
    events = AuditEvent.objects.filter(actor_username=username) | AuditEvent.objects.filter(
        target_type="accounts.user", target_ref=username
    )
    return csv_download(events.order_by("id"), "subject-access-%s" % username)


def csv_download(events, name: str) -> StreamingHttpResponse:
    return csv_response(CSV_COLUMNS, event_rows(events), name)


@require_safe
@requires_permission(VIEW_AUDIT_TRAIL)
def break_glass_review(request):
    """Every break-glass opening, newest first, with its reason and how many reads it flagged."""
    openings = list(
        AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_OPENED).select_related("actor")[:EVENT_LIST_LENGTH]
    )
    opened_ids = [event.detail.get("break_glass") for event in openings]
    flagged = dict(
        AuditEvent.objects.filter(detail__break_glass__in=opened_ids)
        .exclude(action=AuditAction.BREAK_GLASS_OPENED)
        .values_list("detail__break_glass")
        .annotate(count=Count("id"))
        .values_list("detail__break_glass", "count")
    )
    rows = [{"event": event, "reads": flagged.get(event.detail.get("break_glass"), 0)} for event in openings]
    record_event(AuditAction.BREAK_GLASS_REVIEW_VIEWED, detail={"shown": len(rows)})
    return render(request, "audit/break_glass.html", {"rows": rows})


@requires_permission(VIEW_AUDIT_TRAIL)
def review_queue(request):
    """Flags not yet reviewed (break-glass, off-team reads, bulk access, denied attempts, out of hours),
    grouped by person, day and kind; the auditor reviews the groups they choose with one note."""
    if request.method == "POST":
        try:
            reviewed, taken = review_groups(
                request.POST.getlist("group")[:QUEUE_LIMIT], note=request.POST.get("note", ""), actor=request.user
            )
        except WorkflowError as refusal:
            messages.error(request, str(refusal))
            record_event(
                AuditAction.ACTION_REFUSED,
                outcome=Outcome.DENIED,
                detail={"action": "review flags", "refusal": str(refusal)[:300]},
            )
        else:
            done = "%d flag%s marked reviewed." % (reviewed, "" if reviewed == 1 else "s")
            if taken:
                done += " %d had been reviewed by another auditor meanwhile and keep their review." % taken
            messages.success(request, done)
        return redirect(request.get_full_path())
    form = FlagFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    groups = grouped(
        unreviewed_flags(),
        kind=filters.get("kind", ""),
        username=filters.get("user", ""),
        severity=filters.get("severity", ""),
    )
    record_event(
        AuditAction.REVIEW_QUEUE_VIEWED,
        detail={"shown": sum(len(group.flags) for group in groups), "groups": len(groups), "filters": filters},
    )
    return render(request, "audit/review_queue.html", {"groups": groups, "form": form})
