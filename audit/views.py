from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.access import requires_permission
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event

EVENT_LIST_LENGTH = 100


@require_safe
@requires_permission("audit.view_auditevent")
def event_list(request):
    """The newest audit events, for auditors: metadata only, never case content."""
    events = AuditEvent.objects.select_related("actor")[:EVENT_LIST_LENGTH]
    last_check = AuditEvent.objects.filter(action=AuditAction.AUDIT_CHAIN_VERIFIED).order_by("-seq").first()
    record_event(AuditAction.AUDIT_LOG_VIEWED, detail={"shown": EVENT_LIST_LENGTH})
    return render(request, "audit/event_list.html", {"events": events, "last_check": last_check})


@require_safe
@requires_permission("audit.view_auditevent")
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
        .annotate(count=Count("seq"))
        .values_list("detail__break_glass", "count")
    )
    rows = [{"event": event, "reads": flagged.get(event.detail.get("break_glass"), 0)} for event in openings]
    record_event(AuditAction.BREAK_GLASS_REVIEW_VIEWED, detail={"shown": len(rows)})
    return render(request, "audit/break_glass.html", {"rows": rows})
