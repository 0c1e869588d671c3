"""The workflow steps on a referral: each step's form, the service it calls, and who may take it.

The referral page offers them as small forms and the API as transitions; both run them through
this one table, so a step has the same rules and the same audit events wherever it is taken.
Linking to an investigation and accepting (which opens one) are casework's: see `offer_step`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django_fsm import has_transition_perm

from referrals import services
from referrals.choices import OPEN_STATES, ReferralState
from referrals.forms import (
    AssignForm,
    DeclineForm,
    InformationForm,
    LegalHoldForm,
    MessageForm,
    ReasonForm,
    SignpostForm,
)
from referrals.permissions import may_assign, may_decide, may_triage


def is_open(referral) -> bool:
    """Still being handled: claiming or assigning an outcome would change nothing."""
    return referral.state in OPEN_STATES


@dataclass(frozen=True)
class Action:
    """A button on the referral page: its form, the service it calls, and who may see it."""

    label: str
    form_class: Any
    perform: Any
    transition: str = ""
    # Who may take the step at all (a rule of referrals.permissions); the state machine decides when.
    may: Callable[[Any], bool] = may_triage
    form_kwargs: tuple = ()
    # When a step that is not a transition shows, beyond who may take it: (referral, user) -> bool.
    shown: Callable[[Any, Any], bool] | None = None
    # A consequential step asks for a fresh second-factor code first (what it is for); the API refuses
    # it (403), so it is taken on the page only.
    step_up: str = ""
    # What the page says once the step is taken.
    done: str = ""
    # What a consequential step will do, stated on its own page before "Yes, ..." is pressed; a step
    # without one is taken from a panel on the referral page.
    consequence: str = ""

    def form(self, name: str, data=None, *, prefixed: bool = True, **extra: Any):
        """The action's form; on a page, prefixed with its name so that several forms share it."""
        if self.form_class is None:
            return None
        return self.form_class(data, prefix=name if prefixed else None, **dict(self.form_kwargs), **extra)


ACTIONS: dict[str, Action] = {
    "claim": Action(
        "Claim",
        None,
        lambda r, u, d: services.assign_referral(r, actor=u, assignee=u),
        may=may_assign,
        shown=lambda referral, user: is_open(referral) and referral.assignee_id != user.pk,
        done="This concern is now yours to handle.",
    ),
    "assign": Action(
        "Assign",
        AssignForm,
        lambda r, u, d: services.assign_referral(r, actor=u, assignee=d["assignee"]),
        may=may_assign,
        shown=lambda referral, user: is_open(referral),
        done="Assigned: they will see it in their queue.",
    ),
    "start_triage": Action(
        "Start triage",
        None,
        lambda r, u, d: services.start_triage(r, actor=u),
        "start_triage",
        done="Triage started: assess it against the criteria next.",
    ),
    "request_info": Action(
        "Request more information",
        MessageForm,
        lambda r, u, d: services.request_info(r, actor=u, question=d["text"]),
        "request_info",
        form_kwargs=(("text_label", "What do you need to know?"),),
        done="Your question is on the person's page; they are told by e-mail if they asked to be.",
    ),
    "message": Action(
        "Write to the person who shared it",
        MessageForm,
        lambda r, u, d: services.send_message(r, actor=u, text=d["text"]),
        shown=lambda referral, user: referral.disposed_at is None,
        done="Your message is on the person's page.",
    ),
    "record_info": Action(
        "Record information received",
        InformationForm,
        lambda r, u, d: services.record_information(r, actor=u, text=d["text"]),
        done="The information is recorded with the concern.",
    ),
    "log_for_intelligence": Action(
        "Log for intelligence",
        ReasonForm,
        lambda r, u, d: services.log_for_intelligence(r, actor=u, reason=d["reason"]),
        "log_for_intelligence",
        done="Logged for intelligence: the concern is closed and counts in the patterns the body watches.",
        consequence="The concern is closed and kept for intelligence: it counts in the patterns the body watches, "
        "and nobody acts on it further unless it is reopened.",
        form_kwargs=(("reason_required", False), ("reason_label", "Note (optional)")),
    ),
    "signpost": Action(
        "Signpost",
        SignpostForm,
        lambda r, u, d: services.signpost_referral(
            r, actor=u, signpost_reason=d["signpost_reason"], body=d["body"], note=d["reason"], notice=d["notice"]
        ),
        "signpost",
        done="Signposted: the person who shared it sees where to go on their concern's page.",
        consequence="The concern is closed as outside the body's remit, and the person who shared it is pointed to "
        "the organisation you choose on their concern's page.",
    ),
    "propose_case": Action(
        "Propose for investigation",
        ReasonForm,
        lambda r, u, d: services.propose_case(r, actor=u, reason=d["reason"]),
        "propose_case",
        done="Proposed for investigation: it waits for a director's decision.",
        form_kwargs=(("reason_required", False), ("reason_label", "Note for the director (optional)")),
    ),
    "defer": Action(
        "Defer",
        ReasonForm,
        lambda r, u, d: services.defer_referral(r, actor=u, reason=d["reason"]),
        "defer",
        done="Deferred: the concern stays open for a later decision.",
        may=may_decide,
    ),
    "decline": Action(
        "Decline",
        DeclineForm,
        lambda r, u, d: services.decline_referral(r, actor=u, reason=d["reason"], notice=d["notice"]),
        "decline",
        done="Declined: the person who shared it sees the outcome on their concern's page.",
        may=may_decide,
        consequence="The concern is closed without an investigation. The person who shared it sees the outcome "
        "on their concern's page, with what you write for them.",
    ),
    "withdraw": Action(
        "Withdraw",
        ReasonForm,
        lambda r, u, d: services.withdraw_referral(r, actor=u, reason=d["reason"]),
        "withdraw",
        done="Withdrawn: the concern is closed and stays on record.",
        consequence="The concern is closed as withdrawn. It stays on record, and a director can reopen it.",
    ),
    "reopen": Action(
        "Reopen",
        ReasonForm,
        lambda r, u, d: services.reopen_referral(r, actor=u, reason=d["reason"]),
        "reopen",
        done="Reopened: the concern is back in the intake queue.",
        may=may_decide,
    ),
    "legal_hold": Action(
        "Place or lift a legal hold",
        LegalHoldForm,
        lambda r, u, d: services.set_legal_hold(r, actor=u, hold=d["hold"], reason=d["reason"]),
        done="The legal hold decision is recorded.",
        may=may_decide,
    ),
}


def offer_step(name: str, action: Action, *, before: str) -> None:
    """Offer a step whose effect belongs to the domain above (casework's "accept" opens an investigation).

    That domain calls this at start-up (its AppConfig.ready), so the referral page and the API offer
    the step in its place on the page while referrals never imports the layer above it.
    """
    steps = list(ACTIONS.items())
    position = next(index for index, (existing, _) in enumerate(steps) if existing == before)
    steps.insert(position, (name, action))
    ACTIONS.clear()
    ACTIONS.update(steps)


def is_open_to(referral, user, name: str) -> bool:
    """Whether `user` may take step `name` on `referral` now."""
    action = ACTIONS[name]
    if action.transition:
        return has_transition_perm(getattr(referral, action.transition), user)
    if name == "record_info":
        return action.may(user) and referral.state not in (ReferralState.ACCEPTED,)
    if action.shown is not None:
        return action.may(user) and action.shown(referral, user)
    return action.may(user)


def step_form(name: str, data=None):
    """Step `name`'s form, bound to `data` when sent (None for a step without one)."""
    extra: dict[str, Any] = {"assignees": services.triage_staff()} if name == "assign" else {}
    return ACTIONS[name].form(name, data, **extra)


def available_actions(referral, user, bound: dict | None = None) -> list[dict]:
    """The steps this user may take on this referral in its current state: a consequential one as a
    link to its own page, the others with their form (the sent one from `bound`, with its errors)."""
    bound = bound or {}
    return [
        {
            "name": name,
            "label": action.label,
            "consequential": bool(action.consequence),
            "form": None if action.consequence else bound.get(name) or step_form(name),
            "open": name in bound,
        }
        for name, action in ACTIONS.items()
        if is_open_to(referral, user, name)
    ]
