"""Scheduled work, for system administrators."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.access import requires_permission
from audit.choices import AuditAction
from audit.services import record_event
from notify.permissions import VIEW_JOBS
from notify.selectors import jobs_overview


@require_safe
@requires_permission(VIEW_JOBS)
def job_list(request):
    """Each scheduled job: how often, its last run (outcome, duration, error) and its next run."""
    record_event(AuditAction.JOBS_VIEWED)
    return render(request, "notify/job_list.html", {"jobs": jobs_overview()})
