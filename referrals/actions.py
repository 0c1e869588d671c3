"""The workflow steps on a referral: each step's form, the service it calls, and who may take it.

The referral page offers them as small forms and the API as transitions; both run them through
this one table, so a step has the same rules and the same audit events wherever it is taken.
"""

from dataclasses import dataclass
from typing import Any

from django_fsm import has_transition_perm

from casework.models import Investigation
from referrals import services
from referrals.choices import ReferralState
from referrals.forms import (
    AcceptForm,
    AssignForm,
    InformationForm,
    LinkForm,
    ReasonForm,
    SignpostForm,
)
from referrals.models import Referral
from referrals.permissions import ASSIGN_REFERRAL, TRIAGE_REFERRAL


@dataclass(frozen=True)
class Action:
    """A button on the referral page: its form, the service it calls, and who may see it."""

    label: str
    form_class: Any
    perform: Any
    transition: str = ""
    permission: str = TRIAGE_REFERRAL
    form_kwargs: tuple = ()

    def form(self, name: str, data=None, *, prefixed: bool = True, **extra):
        """The action's form; on a page, prefixed with its name so that several forms share it."""
        if self.form_class is None:
            return None
        return self.form_class(data, prefix=name if prefixed else None, **dict(self.form_kwargs), **extra)


def _link(referral, user, data):
    target = data["to_reference"].strip().upper()
    to_referral = Referral.objects.visible_to(user).filter(reference=target).first()
    to_investigation = None if to_referral else Investigation.objects.filter(reference=target).first()
    if to_referral is None and to_investigation is None:
        raise services.WorkflowError("There is no referral or investigation %s that you can see." % target)
    services.link_referral(
        referral, actor=user, reason=data["reason"], to_referral=to_referral, to_investigation=to_investigation
    )


ACTIONS: dict[str, Action] = {
    "claim": Action(
        "Claim", None, lambda r, u, d: services.assign_referral(r, actor=u, assignee=u), permission=ASSIGN_REFERRAL
    ),
    "assign": Action(
        "Assign",
        AssignForm,
        lambda r, u, d: services.assign_referral(r, actor=u, assignee=d["assignee"]),
        permission=ASSIGN_REFERRAL,
    ),
    "start_triage": Action("Start triage", None, lambda r, u, d: services.start_triage(r, actor=u), "start_triage"),
    "request_info": Action(
        "Request more information",
        ReasonForm,
        lambda r, u, d: services.request_info(r, actor=u, reason=d["reason"]),
        "request_info",
        form_kwargs=(("reason_label", "What information is needed?"),),
    ),
    "record_info": Action(
        "Record information received",
        InformationForm,
        lambda r, u, d: services.add_follow_up(r, d["text"], actor=u),
    ),
    "log_for_intelligence": Action(
        "Log for intelligence",
        ReasonForm,
        lambda r, u, d: services.log_for_intelligence(r, actor=u, reason=d["reason"]),
        "log_for_intelligence",
        form_kwargs=(("reason_required", False), ("reason_label", "Note (optional)")),
    ),
    "signpost": Action(
        "Signpost",
        SignpostForm,
        lambda r, u, d: services.signpost_referral(
            r, actor=u, signpost_reason=d["signpost_reason"], body=d["body"], note=d["reason"]
        ),
        "signpost",
    ),
    "link": Action("Link", LinkForm, _link, "link"),
    "propose_case": Action(
        "Propose for investigation",
        ReasonForm,
        lambda r, u, d: services.propose_case(r, actor=u, reason=d["reason"]),
        "propose_case",
        form_kwargs=(("reason_required", False), ("reason_label", "Note for the director (optional)")),
    ),
    "accept": Action(
        "Accept for investigation",
        AcceptForm,
        lambda r, u, d: services.accept_referral(r, actor=u, title=d["title"], reason=d["reason"]),
        "accept",
        permission="referrals.decide_referral",
    ),
    "defer": Action(
        "Defer",
        ReasonForm,
        lambda r, u, d: services.defer_referral(r, actor=u, reason=d["reason"]),
        "defer",
        permission="referrals.decide_referral",
    ),
    "decline": Action(
        "Decline",
        ReasonForm,
        lambda r, u, d: services.decline_referral(r, actor=u, reason=d["reason"]),
        "decline",
        permission="referrals.decide_referral",
        form_kwargs=(("reason_label", "Reasons for declining"),),
    ),
    "withdraw": Action(
        "Withdraw",
        ReasonForm,
        lambda r, u, d: services.withdraw_referral(r, actor=u, reason=d["reason"]),
        "withdraw",
    ),
    "reopen": Action(
        "Reopen",
        ReasonForm,
        lambda r, u, d: services.reopen_referral(r, actor=u, reason=d["reason"]),
        "reopen",
        permission="referrals.decide_referral",
    ),
}


def available_actions(referral, user) -> list[dict]:
    """Only the actions this user may take on this referral in its current state."""
    available = []
    for name, action in ACTIONS.items():
        if action.transition:
            allowed = has_transition_perm(getattr(referral, action.transition), user)
        elif name == "record_info":
            allowed = user.has_perm(action.permission) and referral.state not in (ReferralState.ACCEPTED,)
        elif name == "claim":
            allowed = user.has_perm(action.permission) and referral.assignee_id != user.pk
        else:
            allowed = user.has_perm(action.permission)
        if allowed:
            extra = {"assignees": services.triage_staff()} if name == "assign" else {}
            available.append({"name": name, "label": action.label, "form": action.form(name, **extra)})
    return available
