"""Each person's notifications and e-mail preference; scheduled work, for system administrators."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.access import requires_permission, signed_in
from audit.choices import AuditAction
from audit.services import record_event
from notify.choices import EmailFrequency
from notify.forms import EmailPreferenceForm
from notify.permissions import VIEW_JOBS
from notify.selectors import jobs_overview, notifications_for, own_notification
from notify.services import email_frequency, mark_read, set_email_frequency


@require_safe
@requires_permission(VIEW_JOBS)
def job_list(request):
    """Each scheduled job: how often, its last run (outcome, duration, error) and its next run."""
    record_event(AuditAction.JOBS_VIEWED)
    return render(request, "notify/job_list.html", {"jobs": jobs_overview()})


@signed_in
def notification_list(request):
    """The user's own notifications; mark them all read."""
    if request.method == "POST":
        marked = mark_read(request.user)
        messages.success(request, "%s notification%s marked read." % (marked, "" if marked == 1 else "s"))
        return redirect("notify:notifications")
    notifications = list(notifications_for(request.user))
    record_event(AuditAction.NOTIFICATIONS_VIEWED, detail={"shown": len(notifications)})
    return render(request, "notify/notification_list.html", {"notifications": notifications})


@require_POST
@signed_in
def notification_open(request, notification_id: int):
    """Mark one of the user's own notifications read and go to what it is about (404 for anyone else's).

    The page behind the link checks access again: a subject the user may no longer see answers 404.
    """
    notification = own_notification(request.user, notification_id)
    if notification is None:
        raise Http404
    mark_read(request.user, [notification.pk])
    return redirect(notification.link)


@signed_in
def email_preference(request):
    """How the user wants notifications by e-mail."""
    form = EmailPreferenceForm(request.POST or None, initial={"frequency": email_frequency(request.user)})
    if request.method == "POST" and form.is_valid():
        set_email_frequency(request.user, EmailFrequency(form.cleaned_data["frequency"]))
        messages.success(request, "Your e-mail preference is saved.")
        return redirect("notify:notifications")
    if request.method == "GET":
        record_event(AuditAction.NOTIFICATIONS_VIEWED, detail={"page": "e-mail preference"})
    return render(request, "notify/email_preference.html", {"form": form})
