"""Who may do what with disclosures under Schedule 14: the permission names, and one function per rule."""

from casework.permissions import is_on_team
from disclosures.choices import Schedule14Ground

VIEW_REGISTER = "disclosures.view_disclosurerequest"
APPROVE_ANY = "disclosures.approve_disclosure"
APPROVE_INTERNAL = "disclosures.approve_internal_disclosure"


def may_decide_some(user) -> bool:
    """Decides at least some disclosures: the chief investigator any, an authorised director internal ones."""
    return user.has_perm(APPROVE_ANY) or user.has_perm(APPROVE_INTERNAL)


def may_decide(request, user) -> bool:
    """The chief investigator decides every disclosure; an authorised director decides internal sharing."""
    return user.has_perm(APPROVE_ANY) or (
        request.ground == Schedule14Ground.INTERNAL and user.has_perm(APPROVE_INTERNAL)
    )


def may_ask(user, investigation) -> bool:
    """The team asks for disclosures of its own case's evidence."""
    return is_on_team(user, investigation)


def may_release(request, user) -> bool:
    """The team releases what was approved."""
    return is_on_team(user, request.investigation)
