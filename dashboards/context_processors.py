"""Header content: the user's role and the navigation their permissions allow."""

from django.urls import reverse

from accounts.roles import Role


def _sees_investigations(user) -> bool:
    return user.has_perm("casework.view_investigation") or Role.INVESTIGATOR in user.roles


# (label, URL name, who sees it)
NAVIGATION = [
    ("Dashboard", "dashboard", lambda user: True),
    ("Intake queue", "referrals:list", lambda user: user.has_perm("referrals.view_referral")),
    ("Investigations", "casework:list", _sees_investigations),
    ("Directions", "casework:directions", lambda user: user.has_perm("casework.view_direction")),
    ("Leavers", "casework:leaver", lambda user: user.has_perm("casework.direct_investigation")),
    ("Audit log", "audit:event_list", lambda user: user.has_perm("audit.view_auditevent")),
    ("Review queue", "audit:review_queue", lambda user: user.has_perm("audit.view_auditevent")),
    ("Break-glass review", "audit:break_glass", lambda user: user.has_perm("audit.view_auditevent")),
    ("Users", "accounts:user_list", lambda user: user.has_perm("accounts.view_user")),
    ("Declarations", "accounts:declarations", lambda user: True),
    ("Sessions", "accounts:sessions", lambda user: True),
    ("Second factor", "accounts:mfa_settings", lambda user: True),
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
            for label, name, shown in NAVIGATION
            if shown(user)
        ],
    }
