"""The referral steps whose effect is casework's: linking to an investigation, accepting (which opens
one), and the two-person disposal of a concern that never became one (its record is casework's Disposal).

Offered on the referral page and through the API in their place among the referral's own steps
(`referrals.actions.offer_step`), from CaseworkConfig.ready.
"""

from casework import services
from casework.choices import DisposalState
from casework.permissions import may_approve_disposal, may_direct
from casework.services import disposal as disposal_services
from referrals.actions import Action, offer_step
from referrals.choices import ENDED_WITHOUT_INVESTIGATION
from referrals.forms import AcceptForm, LinkForm
from referrals.permissions import may_decide


def _disposal_waiting(referral, user) -> bool:
    return referral.disposals.filter(state=DisposalState.REQUESTED).exclude(requested_by=user).exists()


def _may_ask_for_disposal(referral, user) -> bool:
    return (
        referral.state in ENDED_WITHOUT_INVESTIGATION
        and referral.disposed_at is None
        and not referral.disposals.filter(state=DisposalState.REQUESTED).exists()
    )


def offer_referral_steps() -> None:
    offer_step(
        "link",
        Action(
            "Link",
            LinkForm,
            lambda r, u, d: services.link_referral(r, actor=u, reference=d["to_reference"], reason=d["reason"]),
            "link",
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
        ),
        before="legal_hold",
    )
