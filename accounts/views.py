from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import requires_permission, signed_in
from accounts.roles import Role
from accounts.workflow import WorkflowError
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event
from casework.services import declare_conflict
from casework.views import casework_summary
from referrals.choices import QUEUE_STATES, ReferralState
from referrals.forms import NHSFormMixin
from referrals.models import Referral

DASHBOARD_LIST_LENGTH = 10


@signed_in
def dashboard(request):
    """Each role's landing page, showing only what the user's permissions let them see."""
    user = request.user
    referrals = Referral.objects.visible_to(user)
    context = {"role": user.primary_role, "Role": Role}
    if user.has_perm("referrals.view_referral"):
        context["queue"] = queue_summary(referrals, user)
    else:
        context["referral_count"] = referrals.count()
        context["referrals"] = referrals[:DASHBOARD_LIST_LENGTH]
    if user.has_perm("casework.view_investigation") or Role.INVESTIGATOR in user.roles:
        context["casework"] = casework_summary(user)
    if user.has_perm("audit.view_auditevent"):
        context["recent_events"] = AuditEvent.objects.select_related("actor")[:DASHBOARD_LIST_LENGTH]
    if user.has_perm("accounts.view_user"):
        context["active_user_count"] = get_user_model().objects.filter(is_active=True).count()
    record_event(AuditAction.DASHBOARD_VIEWED)
    return render(request, "dashboard/dashboard.html", context)


def queue_summary(referrals, user) -> dict:
    """Work waiting in the intake queue, for intake officers, directors and the chief investigator."""
    open_work = referrals.filter(state__in=QUEUE_STATES)
    by_state = dict(open_work.values_list("state").annotate(count=Count("pk")).values_list("state", "count"))
    return {
        "by_state": [(ReferralState(state).label, state, by_state.get(state, 0)) for state in QUEUE_STATES],
        "overdue": open_work.overdue(settings.REFERRAL_TARGET_DAYS, timezone.now()).count(),
        "mine": open_work.filter(assignee=user).count(),
        "awaiting_decision": referrals.filter(state=ReferralState.PROPOSED).order_by("state_changed_at")[
            :DASHBOARD_LIST_LENGTH
        ]
        if user.has_perm("referrals.decide_referral")
        else [],
    }


@requires_permission("accounts.view_user")
def user_list(request):
    """Staff accounts and their roles, for system administrators (no case content)."""
    users = get_user_model().objects.prefetch_related("groups").order_by("username")
    record_event(AuditAction.USER_LIST_VIEWED)
    return render(request, "accounts/user_list.html", {"users": users})


class DeclarationForm(NHSFormMixin, forms.Form):
    organisation_name = forms.CharField(label="Organisation", max_length=200)
    nature = forms.CharField(label="Nature of the link", max_length=300)
    starts_on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(
        label="Until (if it has ended)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@signed_in
def declarations(request):
    """Each member of staff records their own links to healthcare organisations (conflicts of interest)."""
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declare_conflict(request.user, **form.cleaned_data)
        except WorkflowError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Declaration recorded.")
            return redirect("accounts:declarations")
    if request.method == "GET":
        record_event(AuditAction.FORM_OPENED, detail={"form": "conflict declarations"})
    return render(
        request,
        "accounts/declarations.html",
        {"form": form, "declarations": request.user.conflict_declarations.all()},
    )
