"""Each role's landing page: what their permissions let them see, gathered from every domain."""

from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accounts.access import NotVisible, signed_in
from accounts.permissions import may_list_accounts
from accounts.roles import Role
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.permissions import may_audit
from audit.services import record_event, shown_references
from casework.permissions import may_direct, may_list_investigations
from casework.selectors import casework_summary, responses_by_organisation
from dashboards.selectors import page_for_reference, waiting_for
from referrals.models import Referral
from referrals.permissions import may_work_the_queue
from referrals.selectors import intake_queue_summary

DASHBOARD_LIST_LENGTH = 10


@require_safe
@signed_in
def dashboard(request):
    """Each role's landing page, showing only what the user's permissions let them see."""
    user = request.user
    referrals = Referral.objects.visible_to(user)
    context = {"role": user.primary_role, "Role": Role, "waiting": waiting_for(user)}
    if may_work_the_queue(user):
        context["queue"] = intake_queue_summary(referrals, user)
    else:
        context["referral_count"] = referrals.count()
        context["referrals"] = list(referrals[:DASHBOARD_LIST_LENGTH])
    if may_list_investigations(user):
        context["casework"] = casework_summary(user)
    if may_direct(user):
        portfolio = context.get("casework", {})
        context["responses"] = portfolio["responses"] if "responses" in portfolio else responses_by_organisation()
    if may_audit(user):
        context["recent_events"] = AuditEvent.objects.select_related("actor")[:DASHBOARD_LIST_LENGTH]
    if may_list_accounts(user):
        context["active_user_count"] = get_user_model().objects.filter(is_active=True).count()
    listed = [context.get("referrals", []), context.get("queue", {}), context.get("casework", {}), context["waiting"]]
    record_event(AuditAction.DASHBOARD_VIEWED, detail={"shown": shown_references(*listed)})
    return render(request, "dashboard/dashboard.html", context)


@require_safe
@signed_in
def go_to(request):
    """The header's "go to a reference" box: straight to the page of what the reference names, or
    404 (recorded) when there is nothing of that reference the user may open."""
    reference = request.GET.get("reference", "").strip()[:40]
    if not reference:
        return redirect("dashboard")
    page = page_for_reference(request.user, reference)
    if page is None:
        raise NotVisible("reference", reference, "go to")
    return redirect(page)
