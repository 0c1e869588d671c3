"""Who may do what with reports. Reading follows the investigation: its team and its approvers
(directors and the chief investigator) see its reports, everyone else gets a 404. The team writes
and answers review comments; anyone who reads may comment."""

from accounts.permissions import holds
from casework.permissions import LEAD_INVESTIGATION, PUBLISH_INVESTIGATION, is_on_team, may_direct


def may_write_report(user, investigation) -> bool:
    return is_on_team(user, investigation)


def may_resolve_comment(user, investigation) -> bool:
    """The team settles review comments (the writer answers, the reviewer reads the answer)."""
    return is_on_team(user, investigation)


def may_send_for_consultation(user, investigation) -> bool:
    """The investigation's lead sends the approved draft to the people it concerns."""
    return holds(user, LEAD_INVESTIGATION, investigation)


def may_approve_interim(user) -> bool:
    """Directors approve an interim report's version for publication, as they approve the final draft."""
    return may_direct(user)


def may_publish_report(user) -> bool:
    """The chief investigator publishes, interim and final alike."""
    return user.has_perm(PUBLISH_INVESTIGATION)
