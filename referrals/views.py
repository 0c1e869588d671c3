from django.shortcuts import render

from accounts.access import requires_object_permission
from audit.choices import AuditAction
from audit.services import record_event
from referrals.permissions import VIEW_REFERRAL, get_referral_for


@requires_object_permission(VIEW_REFERRAL)
def referral_detail(request, reference):
    referral = get_referral_for(request.user, reference)
    record_event(AuditAction.REFERRAL_VIEWED, target=referral)
    return render(request, "referrals/detail.html", {"referral": referral})
