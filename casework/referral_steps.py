"""The referral steps whose effect is casework's: linking to an investigation, and accepting (which opens one).

Offered on the referral page and through the API in their place among the referral's own steps
(`referrals.actions.offer_step`), from CaseworkConfig.ready.
"""

from casework import services
from referrals.actions import Action, offer_step
from referrals.forms import AcceptForm, LinkForm
from referrals.permissions import may_decide


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
