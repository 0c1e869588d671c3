"""Header content: the user's role, the navigation their permissions allow, and `may` for templates.

`may` holds the answers of the permission rules that templates need (each app's permissions.py),
so that a template shows a button exactly when the view behind it would let the user act.
"""

from django.urls import reverse

from accounts.permissions import may_list_accounts
from audit.permissions import may_audit, may_export_subject_access
from casework.permissions import (
    may_approve_direction,
    may_direct,
    may_list_investigations,
    may_register_direction,
    may_see_portfolio,
    may_view_directions,
)
from disclosures.permissions import may_decide_some
from notify.permissions import may_view_jobs
from notify.selectors import unread_count
from referrals.permissions import may_record_concerns, may_triage, may_work_the_queue

# (label, URL name, who sees it)
NAVIGATION = [
    ("Dashboard", "dashboard", lambda user: True),
    ("Intake queue", "referrals:list", may_work_the_queue),
    ("Investigations", "casework:list", may_list_investigations),
    ("Directions", "casework:directions", may_view_directions),
    ("Leavers", "casework:leaver", may_direct),
    ("Disposal", "casework:disposals", may_see_portfolio),
    ("Audit log", "audit:event_list", may_audit),
    ("Review queue", "audit:review_queue", may_audit),
    ("Break-glass review", "audit:break_glass", may_audit),
    ("Users", "accounts:user_list", may_list_accounts),
    ("Scheduled jobs", "notify:jobs", may_view_jobs),
    ("Declarations", "accounts:declarations", lambda user: True),
    ("Sessions", "accounts:sessions", lambda user: True),
    ("Second factor", "accounts:mfa_settings", lambda user: True),
]
# What templates ask: {name: rule}, each a role-wide rule of one argument, the user.
TEMPLATE_RULES = {
    "record_concerns": may_record_concerns,
    "triage": may_triage,
    "work_the_queue": may_work_the_queue,
    "register_direction": may_register_direction,
    "approve_direction": may_approve_direction,
    "export_subject_access": may_export_subject_access,
    "decide_disclosures": may_decide_some,
}


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
        "may": {name: rule(user) for name, rule in TEMPLATE_RULES.items()},
        "unread_notifications": unread_count(user),
    }
