"""Triage (DESIGN 3.1): each step through the referral's state machine, assessment and assignment.

Transitions lock the referral row, check the actor's permission and the current state, run the
django-fsm transition, save, and record both the timeline entry and the audit event
(workflow.transitions). Two people acting at once are serialised by the row lock: the second sees
the new state and a clear refusal.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import holders_of
from audit.choices import AuditAction
from audit.services import record_event
from kernel.dates import add_years
from kernel.errors import WorkflowError
from kernel.history import change_legal_hold, save_with_history_reason
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from notify.services import notify_outside
from referrals.choices import ENDED_WITHOUT_INVESTIGATION, OPEN_STATES, MessageKind, ReferralState
from referrals.models import (
    Referral,
    ReferralActivity,
    ReferralLink,
    ReferralMessage,
    SignpostBody,
    TriageAssessment,
    TriageCriteria,
)
from referrals.notices import REFERRAL, notify_referral_waiting
from referrals.permissions import (
    DECIDE_REFERRAL,
    TRIAGE_REFERRAL,
    may_assign,
    may_be_assigned,
    may_decide,
    may_triage,
)
from workflow.transitions import run_transition


def start_triage(referral: Referral, *, actor: User) -> Referral:
    return transition(referral, "start_triage", AuditAction.REFERRAL_TRIAGE_STARTED, actor=actor)


def request_info(referral: Referral, *, actor: User, question: str) -> Referral:
    """Ask the referrer a question they read on their page (and are nudged about, if they asked);
    the referral waits in awaiting_info until they or intake record an answer. The question is
    kept encrypted in the conversation, not on the timeline."""
    return transition(
        referral,
        "request_info",
        AuditAction.REFERRAL_INFO_REQUESTED,
        actor=actor,
        reason="Question sent to the person who shared the concern",
        before_save=lambda locked: write_to_referrer(locked, question, actor=actor, kind=MessageKind.QUESTION),
    )


def log_for_intelligence(referral: Referral, *, actor: User, reason: str = "") -> Referral:
    return transition(referral, "log_for_intelligence", AuditAction.REFERRAL_LOGGED, actor=actor, reason=reason)


def signpost_referral(
    referral: Referral,
    *,
    actor: User,
    signpost_reason: str,
    body: SignpostBody,
    note: str = "",
    notice: str = "",
) -> Referral:
    """Out of remit: record why and where the referrer was sent; their page says so, with `notice`
    (what the body chose to tell them) when one is given."""

    def record_outcome(locked: Referral) -> None:
        locked.signpost_reason = signpost_reason
        locked.signposted_to = body
        if notice.strip():
            write_to_referrer(locked, notice, actor=actor, kind=MessageKind.NOTICE)

    return transition(
        referral,
        "signpost",
        AuditAction.REFERRAL_SIGNPOSTED,
        actor=actor,
        reason=note,
        before_save=record_outcome,
        detail={"signpost_reason": signpost_reason, "body": body.name},
    )


def link_referral(
    referral: Referral,
    *,
    actor: User,
    reason: str,
    to_referral: Referral | None = None,
    to_investigation: Any = None,  # an Investigation, found by casework (referrals cannot import it)
) -> Referral:
    """Link to another referral or an investigation (exactly one), e.g. the same issue reported again.

    The caller has found the target through `visible_to`; an investigation comes from casework.
    """
    if (to_referral is None) == (to_investigation is None):
        raise WorkflowError("Link the referral to one other referral or to one investigation.")
    if to_referral is not None and to_referral.pk == referral.pk:
        raise WorkflowError("A referral cannot be linked to itself.")
    target = to_referral or to_investigation

    def create_link(locked: Referral) -> None:
        ReferralLink.objects.create(
            referral=locked, to_referral=to_referral, to_investigation=to_investigation, reason=reason, created_by=actor
        )

    return transition(
        referral,
        "link",
        AuditAction.REFERRAL_LINKED,
        actor=actor,
        reason=reason,
        before_save=create_link,
        detail={"to": target.reference},
    )


def assess_referral(referral: Referral, *, actor: User, scores: dict, rationale: str) -> TriageAssessment:
    """Score the referral against the current published criteria (recorded with their version)."""
    if not may_triage(actor):
        raise PermissionDenied("Only intake staff and directors can assess referrals.")
    criteria = TriageCriteria.current()
    unknown = set(scores) - set(criteria.dimension_keys)
    if unknown:
        raise WorkflowError("Unknown criteria: %s." % ", ".join(sorted(unknown)))
    with service_transaction():
        locked = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
        if locked.state not in (ReferralState.TRIAGE, ReferralState.LOGGED):
            raise WorkflowError(
                "%s is %s: only referrals in triage or logged can be assessed."
                % (locked.reference, locked.get_state_display().lower())
            )
        assessment = TriageAssessment.objects.create(
            referral=locked, criteria=criteria, scores=scores, rationale=rationale, assessed_by=actor
        )
        record_event(
            AuditAction.REFERRAL_ASSESSED,
            actor=actor,
            target=locked,
            detail={"criteria_version": criteria.version, "complete": assessment.is_complete},
        )
    return assessment


def propose_case(referral: Referral, *, actor: User, reason: str = "") -> Referral:
    """Intake proposes an investigation; the directors who decide hear at once."""
    with service_transaction():
        proposed = transition(referral, "propose_case", AuditAction.REFERRAL_PROPOSED, actor=actor, reason=reason)
        notify_referral_waiting(proposed, deciders=holders_of(DECIDE_REFERRAL), actor=actor)
    return proposed


def accept_referral[T](
    referral: Referral, *, actor: User, reason: str = "", open_investigation: Callable[[Referral], T]
) -> T:
    """A director accepts a proposed case; `open_investigation(locked)` opens it in the same transaction.

    The investigation is casework's (`casework.services.accept_referral` passes its opener), so a
    referral is never accepted without its investigation, and referrals never imports casework.
    """
    opened: list[T] = []
    transition(
        referral,
        "accept",
        AuditAction.REFERRAL_ACCEPTED,
        actor=actor,
        reason=reason,
        before_save=lambda locked: opened.append(open_investigation(locked)),
    )
    return opened[0]


def defer_referral(referral: Referral, *, actor: User, reason: str) -> Referral:
    """Criteria met but no capacity now: back to logged, with the reason."""
    return transition(referral, "defer", AuditAction.REFERRAL_DEFERRED, actor=actor, reason=reason)


def decline_referral(referral: Referral, *, actor: User, reason: str, notice: str = "") -> Referral:
    """Not investigated. `reason` is the body's record; `notice` the reasons it chooses to give the
    referrer (s.111(8)-(9)), shown on their page."""

    def give_notice(locked: Referral) -> None:
        if notice.strip():
            write_to_referrer(locked, notice, actor=actor, kind=MessageKind.NOTICE)

    return transition(
        referral, "decline", AuditAction.REFERRAL_DECLINED, actor=actor, reason=reason, before_save=give_notice
    )


def withdraw_referral(referral: Referral, *, actor: User, reason: str) -> Referral:
    """Nothing is deleted: the referral and its material stay, protected, in state withdrawn."""
    return transition(referral, "withdraw", AuditAction.REFERRAL_WITHDRAWN, actor=actor, reason=reason)


def reopen_referral(referral: Referral, *, actor: User, reason: str) -> Referral:
    return transition(referral, "reopen", AuditAction.REFERRAL_REOPENED, actor=actor, reason=reason)


def set_legal_hold(referral: Referral, *, actor: User, hold: bool, reason: str) -> Referral:
    """A director places or lifts a legal hold: while it stands the concern is not disposed of."""
    if not may_decide(actor):
        raise PermissionDenied("Only a director can place or lift a legal hold.")
    with service_transaction():
        locked = change_legal_hold(Referral, referral.pk, hold=hold, reason=reason)
        record_activity(locked, "legal_hold", locked.state, locked.state, actor, reason.strip())
        record_event(
            AuditAction.REFERRAL_LEGAL_HOLD,
            actor=actor,
            target=locked,
            detail={"hold": hold, "reason": reason.strip()[:1000]},
        )
    return locked


def assign_referral(referral: Referral, *, actor: User, assignee: User) -> Referral:
    """Claim (assignee is the actor) or assign to an intake officer or director."""
    if not may_assign(actor):
        raise PermissionDenied("Only intake staff and directors can assign referrals.")
    if not may_be_assigned(assignee):
        raise WorkflowError("%s cannot triage referrals, so cannot be assigned one." % assignee)
    with service_transaction():
        locked = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
        if locked.state not in OPEN_STATES:
            raise WorkflowError(
                "%s is %s: it is no longer being handled, so it is not assigned to anyone. Nothing was changed."
                % (locked.reference, locked.get_state_display().lower())
            )
        previous = locked.assignee
        locked.assignee = assignee
        save_with_history_reason(locked, "assigned", update_fields=["assignee"])
        record_activity(locked, "assigned", "", "", actor, "Assigned to %s" % assignee)
        record_event(
            AuditAction.REFERRAL_ASSIGNED,
            actor=actor,
            target=locked,
            detail={"assignee": assignee.get_username(), "previous": previous.get_username() if previous else None},
        )
    return locked


def triage_staff() -> QuerySet[User]:
    """Active users who may triage, and so may be assigned referrals."""
    return holders_of(TRIAGE_REFERRAL).order_by("first_name", "last_name")


TRANSITION_LABELS = {
    "start_triage": "start triage on",
    "request_info": "request information for",
    "info_received": "record information for",
    "log_for_intelligence": "log",
    "signpost": "signpost",
    "link": "link",
    "propose_case": "propose",
    "accept": "accept",
    "defer": "defer",
    "decline": "decline",
    "withdraw": "withdraw",
    "reopen": "reopen",
}


def write_to_referrer(
    locked: Referral, text: str, *, actor: User, kind: MessageKind = MessageKind.MESSAGE
) -> ReferralMessage:
    """Add a message from the body to `locked` (row-locked by the caller, inside its transaction)."""
    refuse_if_disposed(locked)
    message = ReferralMessage.objects.create(referral=locked, kind=kind, text=text.strip(), author=actor)
    record_event(
        AuditAction.REFERRAL_MESSAGE_SENT,
        actor=actor,
        target=locked,
        detail={"kind": kind, "message": str(message.public_id)},
    )
    if locked.nudge_recipient is not None:
        notify_outside(
            [locked.nudge_recipient],
            NotificationKind.REFERRAL_MESSAGE,
            subject_type=REFERRAL,
            subject_ref=locked.reference,
            link=reverse("public:follow_up"),  # their page, once they give the reference and code again
        )
    return message


def refuse_if_disposed(referral: Referral) -> None:
    """A disposed-of concern is a certificate and its metadata: nothing more is recorded on it."""
    if referral.disposed_at is not None:
        raise WorkflowError(
            "%s was disposed of after its retention period; nothing more can be recorded on it." % referral
        )


def transition(
    referral: Referral,
    name: str,
    audit_action: AuditAction,
    *,
    actor: User | None,
    reason: str = "",
    before_save: Callable[[Referral], object] | None = None,
    detail: dict[str, Any] | None = None,
) -> Referral:
    """Run the referral's transition `name` (workflow.transitions), with its timeline entry and audit event.

    A concern that ends here without becoming an investigation starts its retention; one reopened
    loses it again. A disposed-of concern moves no more.
    """

    def complete(locked: Referral) -> None:
        refuse_if_disposed(locked)
        if before_save is not None:
            before_save(locked)
        ended = locked.state in ENDED_WITHOUT_INVESTIGATION
        locked.retention_until = add_years(timezone.localdate(), settings.REFERRAL_RETENTION_YEARS) if ended else None

    return run_transition(
        referral,
        name,
        actor=actor,
        audit_action=audit_action,
        describe=TRANSITION_LABELS[name],
        record_step=_record_step,
        reason=reason,
        condition_message=(
            "Complete the triage assessment (every criterion scored) before proposing %s." % referral.reference
            if name == "propose_case"
            else ""
        ),
        before_save=complete,
        detail=detail,
    )


def _record_step(referral: Referral, name: str, from_state: str, actor: User | None, reason: str) -> None:
    record_activity(referral, name, from_state, referral.state, actor, reason)


def record_activity(
    referral: Referral, action: str, from_state: str, to_state: str, actor: User | None, reason: str
) -> None:
    """A timeline entry of the referral: a step (from and to a state) or an event such as an assignment."""
    ReferralActivity.objects.create(
        referral=referral, action=action, from_state=from_state, to_state=to_state, reason=reason, actor=actor
    )
