from django.contrib.auth import get_user_model
from django.shortcuts import render

from accounts.access import requires_permission, signed_in
from accounts.roles import Role
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event
from referrals.models import Referral

DASHBOARD_LIST_LENGTH = 10


@signed_in
def dashboard(request):
    """Each role's landing page, showing only what the user's permissions let them see."""
    user = request.user
    referrals = Referral.objects.visible_to(user)
    context = {
        "role": user.primary_role,
        "Role": Role,
        "referral_count": referrals.count(),
        "referrals": referrals[:DASHBOARD_LIST_LENGTH],
    }
    if user.has_perm("audit.view_auditevent"):
        context["recent_events"] = AuditEvent.objects.select_related("actor")[:DASHBOARD_LIST_LENGTH]
    if user.has_perm("accounts.view_user"):
        context["active_user_count"] = get_user_model().objects.filter(is_active=True).count()
    record_event(AuditAction.DASHBOARD_VIEWED)
    return render(request, "dashboard/dashboard.html", context)


@requires_permission("accounts.view_user")
def user_list(request):
    """Staff accounts and their roles, for system administrators (no case content)."""
    users = get_user_model().objects.prefetch_related("groups").order_by("username")
    record_event(AuditAction.USER_LIST_VIEWED)
    return render(request, "accounts/user_list.html", {"users": users})
