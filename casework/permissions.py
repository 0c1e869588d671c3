"""Who may do what with investigations: the permission names, and one function per rule.

Directors and the chief investigator hold role-wide permissions; the team's come from object
grants made when members join (`casework.services`, through `accounts.grants`). Views, the API,
services, the state machine's transitions and templates all ask these functions.
"""

from typing import Any

from django.utils import timezone

from accounts.permissions import holds
from accounts.roles import Role

VIEW_INVESTIGATION = "casework.view_investigation"
WORK_ON_INVESTIGATION = "casework.work_on_investigation"
LEAD_INVESTIGATION = "casework.lead_investigation"
DIRECT_INVESTIGATION = "casework.direct_investigation"
PUBLISH_INVESTIGATION = "casework.publish_investigation"
MANAGE_TEAM = "casework.manage_investigation_team"
VIEW_DIRECTION = "casework.view_direction"
REGISTER_DIRECTION = "casework.register_direction"
APPROVE_DIRECTION = "casework.approve_direction"
BREAK_GLASS = "casework.add_breakglassaccess"

# What joining a team grants on the investigation (a lead also takes the lead's steps and staffs it).
MEMBER_PERMISSIONS = [VIEW_INVESTIGATION, WORK_ON_INVESTIGATION]
LEAD_PERMISSIONS = [*MEMBER_PERMISSIONS, LEAD_INVESTIGATION, MANAGE_TEAM]
TEAM_ROLES = {Role.INVESTIGATOR, Role.DIRECTOR, Role.CHIEF_INVESTIGATOR}


def is_on_team(user, investigation) -> bool:
    """The team works on the case's content: journal, interviews, tasks, evidence."""
    return user.has_perm(WORK_ON_INVESTIGATION, investigation)


def may_see_portfolio(user) -> bool:
    """Every investigation's summary (directors and the chief investigator)."""
    return user.has_perm(VIEW_INVESTIGATION)


def may_list_investigations(user) -> bool:
    """Directors and the chief see the portfolio; investigators their own cases; nobody else lists them."""
    return may_see_portfolio(user) or Role.INVESTIGATOR in user.roles


def may_direct(user) -> bool:
    """Directors' decisions: stage gates, pauses, overrides, legal holds, disposal, leavers."""
    return user.has_perm(DIRECT_INVESTIGATION)


def may_manage_team(user, investigation) -> bool:
    """Directors, or the investigation's lead."""
    return holds(user, MANAGE_TEAM, investigation)


def may_join_team(user) -> bool:
    return user.is_active and bool(TEAM_ROLES & set(user.roles))


def may_write_terms(user, investigation) -> bool:
    return is_on_team(user, investigation) or may_direct(user)


def may_move_recommendation(user, investigation) -> bool:
    return is_on_team(user, investigation) or may_direct(user)


def on_investigation(permission: str):
    """A recommendation's transition permission, held role-wide or on its investigation (where team grants are)."""

    def check(recommendation, user) -> bool:
        return holds(user, permission, recommendation.investigation)

    return check


def may_approve_disposal(user) -> bool:
    """A director or the chief investigator (never the one who asked: the disposal service checks that)."""
    return user.has_perm(DIRECT_INVESTIGATION) or user.has_perm(PUBLISH_INVESTIGATION)


def may_break_glass(user) -> bool:
    return user.has_perm(BREAK_GLASS)


def may_view_directions(user) -> bool:
    return user.has_perm(VIEW_DIRECTION)


def may_register_direction(user) -> bool:
    """Register, vary and revoke Secretary of State directions."""
    return user.has_perm(REGISTER_DIRECTION)


def may_approve_direction(user) -> bool:
    """A second director or the chief investigator (never the registrant: the services check that)."""
    return user.has_perm(APPROVE_DIRECTION)


def active_break_glass(user, investigation):
    """The user's current break-glass opening of this investigation, or None."""
    return (
        investigation.break_glass_accesses.filter(user=user, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def content_access(user, investigation) -> tuple[bool, Any]:
    """(may read the journal, interviews, tasks and evidence; the break-glass that allows it, if that is why).

    The team reads content; anyone else who can see the investigation only through an active break-glass.
    """
    if is_on_team(user, investigation):
        return True, None
    break_glass = active_break_glass(user, investigation)
    return break_glass is not None, break_glass
