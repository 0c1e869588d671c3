"""The referral steps whose effect is casework's: linking to an investigation, accepting (which opens
one), and the two-person disposal of a concern that never became one (its record is casework's Disposal).

Offered on the referral page and through the API in their place among the referral's own steps
(`referrals.actions.offer_step`), from CaseworkConfig.ready.
"""

from django.db.models import Q

from casework import services
from casework.choices import DisposalState, StatementKind
from casework.models import Investigation, Statement
from casework.permissions import may_approve_disposal, may_direct
from casework.services import disposal as disposal_services
from referrals.actions import Action, offer_step
from referrals.choices import ENDED_WITHOUT_INVESTIGATION
from referrals.forms import AcceptForm, LinkForm
from referrals.permissions import may_decide
from referrals.progress import PublishedInvestigation, describe_investigation_with


def _disposal_waiting(referral, user) -> bool:
    return referral.disposals.filter(state=DisposalState.REQUESTED).exclude(requested_by=user).exists()


def _may_ask_for_disposal(referral, user) -> bool:
    return (
        referral.state in ENDED_WITHOUT_INVESTIGATION
        and referral.disposed_at is None
        and not referral.disposals.filter(state=DisposalState.REQUESTED).exists()
    )


def published_investigation_of(referral) -> PublishedInvestigation | None:
    """The investigation a concern became or was linked to, as its published start statement tells it
    (nothing until that statement is published: the referrer learns no more than the public)."""
    statement = (
        Statement.objects.filter(kind=StatementKind.START)
        .filter(
            Q(investigation__origin_referral=referral)
            | Q(investigation__in=Investigation.objects.filter(referral_links__referral=referral))
        )
        .select_related("investigation")
        .order_by("published_at")
        .first()
    )
    if statement is None:
        return None
    investigation = statement.investigation
    return PublishedInvestigation(investigation.reference, investigation.title, statement.text)


def offer_referral_steps() -> None:
    describe_investigation_with(published_investigation_of)
    offer_step(
        "link",
        Action(
            "Link",
            LinkForm,
            lambda r, u, d: services.link_referral(r, actor=u, reference=d["to_reference"], reason=d["reason"]),
            "link",
            done="Linked: the link and its reason are under Links on this page.",
        ),
        before="propose_case",
    )
    offer_step(
        "accept",
        Action(
            "Accept for investigation",
            AcceptForm,
            lambda r, u, d: services.accept_referral(r, actor=u, title=d["title"], reason=d["reason"]),
            "accept",
            may=may_decide,
            done="Accepted: an investigation is opened from this concern; its reference is under Links.",
            consequence="An investigation is opened, proposed and waiting for a director to start scoping, with "
            "this concern as its origin. The concern is closed as accepted, and the person who shared it is told "
            "that the body is investigating.",
        ),
        before="defer",
    )
    offer_step(
        "request_disposal",
        Action(
            "Ask for this concern to be disposed of",
            None,
            lambda r, u, d: disposal_services.request_disposal(r, actor=u),
            may=may_direct,
            shown=_may_ask_for_disposal,
            step_up="ask for this concern's record to be destroyed",
            done="Disposal asked for: another director or the chief investigator must approve it.",
            consequence="Another director or the chief investigator is asked to approve destroying this concern's "
            "record.",
        ),
        before="legal_hold",
    )
    offer_step(
        "approve_disposal",
        Action(
            "Approve the disposal (erases the concern and shreds its files)",
            None,
            lambda r, u, d: disposal_services.approve_open_disposal(r, actor=u),
            may=may_approve_disposal,
            shown=_disposal_waiting,
            step_up="destroy this concern's record",
            done="Disposed of: the concern's record is erased and its files shredded; the certificate remains.",
            consequence="The concern's record is erased and its files are shredded for good; only the disposal "
            "certificate remains.",
        ),
        before="legal_hold",
    )
