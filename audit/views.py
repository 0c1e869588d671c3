from django.shortcuts import render

from accounts.access import requires_permission
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event

EVENT_LIST_LENGTH = 100


@requires_permission("audit.view_auditevent")
def event_list(request):
    """The newest audit events, for auditors: metadata only, never case content."""
    events = AuditEvent.objects.select_related("actor")[:EVENT_LIST_LENGTH]
    record_event(AuditAction.AUDIT_LOG_VIEWED, detail={"shown": EVENT_LIST_LENGTH})
    return render(request, "audit/event_list.html", {"events": events})
