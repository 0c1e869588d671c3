"""Header content: the user's role and the navigation their permissions allow."""

from django.urls import reverse

# (label, URL name, permission needed or None for every signed-in user)
NAVIGATION = [
    ("Dashboard", "dashboard", None),
    ("Intake queue", "referrals:list", "referrals.view_referral"),
    ("Audit log", "audit:event_list", "audit.view_auditevent"),
    ("Users", "accounts:user_list", "accounts.view_user"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = request.resolver_match.view_name if request.resolver_match else ""
    role = user.primary_role
    return {
        "user_role_label": role.label if role else "",
        "navigation_items": [
            {"label": label, "url": reverse(name), "current": name == current}
            for label, name, permission in NAVIGATION
            if permission is None or user.has_perm(permission)
        ],
    }
