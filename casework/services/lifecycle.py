"""The investigation's workflow (DESIGN 3.2): each stage move, and the statements it publishes."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_fsm import has_transition_perm

from accounts.models import User
from accounts.permissions import holders_of
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import StatementKind, TeamRole
from casework.models import Evidence, Investigation, Statement, TermsOfReference
from casework.notices import notify_about_case
from casework.permissions import DIRECT_INVESTIGATION, PUBLISH_INVESTIGATION, may_direct, may_write_terms
from casework.services.activity import record_activity
from casework.services.team import add_team_member
from kernel.dates import add_years
from kernel.errors import WorkflowError
from kernel.history import change_legal_hold, save_with_history_reason
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from workflow.transitions import run_transition

TRANSITION_DESCRIPTIONS = {
    "start_scoping": "start scoping",
    "approve_terms_of_reference": "approve the terms of reference of",
    "launch": "launch",
    "begin_analysis": "begin analysis on",
    "return_to_evidence": "return to evidence gathering on",
    "start_drafting": "start drafting",
    "submit_for_review": "submit for internal review",
    "approve_for_consultation": "approve for consultation",
    "begin_revision": "begin revision of",
    "submit_final": "submit for final approval",
    "publish": "publish",
    "close": "close",
    "pause": "pause",
    "resume": "resume",
    "discontinue": "discontinue",
    "archive": "archive",
    "dispose": "dispose of",
}


CONDITION_MESSAGES = {
    "approve_terms_of_reference": "Record the terms of reference before approving them.",
    "close": "Every safety recommendation must be closed before the investigation is closed.",
    "dispose": "Disposal needs the retention period to have ended and no legal hold.",
}


# Approval steps and the step that asks for each: whoever asked may not also approve (two-person rule).
APPROVAL_REQUESTS = {"approve_for_consultation": "submit_for_review", "publish": "submit_final"}


# Steps that end a case's work start its retention: the setting naming how many years it is kept.
RETENTION_STARTS = {"close": "RETENTION_YEARS", "discontinue": "DISCONTINUED_RETENTION_YEARS"}

# Checks that domains above casework add to a step (reports: the review settled before consultation).
# Each takes the locked investigation and returns why the step cannot be taken now, or None.
STEP_GUARDS: dict[str, list[Callable[[Investigation], str | None]]] = {}


def guard_step(name: str, check: Callable[[Investigation], str | None]) -> None:
    """Add `check` to step `name`; called at start-up (an AppConfig.ready) by the domain that owns it."""
    STEP_GUARDS.setdefault(name, []).append(check)


# Steps after which an approval waits, and the permission of those who may give it (they hear at once).
GATES = {"submit_for_review": DIRECT_INVESTIGATION, "submit_final": PUBLISH_INVESTIGATION}


def _requester(investigation: Investigation, approval: str) -> int | None:
    """Who asked for `approval`: the last to take the asking step, or who wrote the terms of reference."""
    if approval == "approve_terms_of_reference":
        terms = investigation.terms_of_reference.first()
        return terms.created_by_id if terms else None
    if approval in APPROVAL_REQUESTS:
        return (
            investigation.activities.filter(action=APPROVAL_REQUESTS[approval])
            .order_by("-occurred_at", "-pk")
            .values_list("actor", flat=True)
            .first()
        )
    return None


def transition(
    investigation: Investigation,
    name: str,
    *,
    actor: User,
    reason: str = "",
    before_save: Callable[[Investigation], object] | None = None,
    through_disposal: bool = False,
) -> Investigation:
    """Run one workflow step; see workflow.transitions for the locking and checks.

    Disposal is taken only by an approved disposal (casework.services.disposal), which destroys the
    evidence and the working record in the same transaction.
    """
    if name == "dispose" and not through_disposal:
        raise WorkflowError(
            "A case is disposed of through a disposal: a director asks for it and another director or the "
            "chief investigator approves it. Nothing was changed."
        )

    def complete(locked: Investigation) -> None:
        for check in STEP_GUARDS.get(name, ()):
            if (problem := check(locked)) is not None:
                raise WorkflowError(problem)
        if before_save is not None:
            before_save(locked)
        if name in RETENTION_STARTS:
            keep_until(locked, years=getattr(settings, RETENTION_STARTS[name]))

    requested_by_actor = actor is not None and _requester(investigation, name) == actor.pk
    # Checked once the actor may take the step at all, so that others get the usual refusal.
    if requested_by_actor and has_transition_perm(getattr(investigation, name), actor):
        raise WorkflowError("You asked for this approval, so someone else must give it. Nothing was changed.")
    with service_transaction():
        moved = run_transition(
            investigation,
            name,
            actor=actor,
            audit_action=AuditAction.INVESTIGATION_TRANSITIONED,
            describe=TRANSITION_DESCRIPTIONS[name],
            record_step=record_activity,
            reason=reason,
            condition_message=CONDITION_MESSAGES.get(name, ""),
            before_save=complete,
            detail={"transition": name},
        )
        if name in GATES:
            notify_about_case(holders_of(GATES[name]), NotificationKind.STAGE_GATE_WAITING, moved, actor=actor)
    return moved


def start_scoping(
    investigation: Investigation,
    *,
    actor: User,
    lead: User,
    members: Iterable[tuple[User, str]] = (),
    override_reasons: dict[User, str] | None = None,
) -> Investigation:
    """A director appoints the lead (and team) and scoping begins; conflicts are checked for each."""
    override_reasons = override_reasons or {}
    with service_transaction():
        add_team_member(investigation, lead, TeamRole.LEAD, actor=actor, override_reason=override_reasons.get(lead, ""))
        for member, role in members:
            add_team_member(investigation, member, role, actor=actor, override_reason=override_reasons.get(member, ""))
        return transition(investigation, "start_scoping", actor=actor)


def record_terms_of_reference(investigation: Investigation, text: str, *, actor: User) -> TermsOfReference:
    if not may_write_terms(actor, investigation):
        raise PermissionDenied("Only the team or a director can write the terms of reference.")
    with service_transaction():
        locked = Investigation.objects.select_for_update(no_key=True).get(pk=investigation.pk)
        latest = locked.terms_of_reference.first()
        terms = TermsOfReference.objects.create(
            investigation=locked, version=(latest.version + 1) if latest else 1, text=text, created_by=actor
        )
        record_event(
            AuditAction.TERMS_OF_REFERENCE_RECORDED, actor=actor, target=locked, detail={"version": terms.version}
        )
        waiting = NotificationKind.STAGE_GATE_WAITING
        notify_about_case(holders_of(DIRECT_INVESTIGATION), waiting, locked, actor=actor)
    return terms


def launch(investigation: Investigation, *, actor: User, start_statement: str) -> Investigation:
    """The lead launches the investigation; its start statement is published with it."""
    if not start_statement.strip():
        raise WorkflowError("A start statement is needed to launch an investigation.")
    return transition(
        investigation,
        "launch",
        actor=actor,
        reason="Start statement published",
        before_save=lambda locked: _publish_statement(locked, StatementKind.START, start_statement, actor),
    )


def publish(investigation: Investigation, *, actor: User, report_summary: str) -> Investigation:
    """The chief investigator publishes the report."""
    if not report_summary.strip():
        raise WorkflowError("A summary of the published report is needed.")

    def record_publication(locked: Investigation) -> None:
        locked.report_summary = report_summary
        locked.published_at = timezone.now()
        _publish_statement(locked, StatementKind.REPORT, report_summary, actor)

    return transition(investigation, "publish", actor=actor, before_save=record_publication)


def keep_until(investigation: Investigation, *, years: int) -> None:
    """Set the case's retention date `years` from today, and its evidence's with it (evidence follows its case)."""
    until = add_years(timezone.localdate(), years)
    investigation.retention_until = until
    Evidence.objects.filter(investigation=investigation).update(retention_until=until)


def pause(investigation: Investigation, *, actor: User, reason: str) -> Investigation:
    _require_reason(reason, "pausing")
    return transition(investigation, "pause", actor=actor, reason=reason)


def resume(investigation: Investigation, *, actor: User, reason: str) -> Investigation:
    _require_reason(reason, "resuming")
    return transition(investigation, "resume", actor=actor, reason=reason)


def discontinue(investigation: Investigation, *, actor: User, reasons: str) -> Investigation:
    """Stop before publication; the discontinuation statement with its reasons is published."""
    _require_reason(reasons, "discontinuing")

    return transition(
        investigation,
        "discontinue",
        actor=actor,
        reason=reasons,
        before_save=lambda locked: _publish_statement(locked, StatementKind.DISCONTINUATION, reasons, actor),
    )


def _require_reason(reason: str, doing: str) -> None:
    if not reason.strip():
        raise WorkflowError("Give a reason for %s." % doing)


def _publish_statement(investigation: Investigation, kind: StatementKind, text: str, actor: User) -> Statement:
    statement = Statement.objects.create(investigation=investigation, kind=kind, text=text, published_by=actor)
    record_event(AuditAction.STATEMENT_PUBLISHED, actor=actor, target=investigation, detail={"kind": kind})
    return statement


def set_organisations(investigation: Investigation, *, actor: User, main: str, others: Iterable[str]) -> Investigation:
    """A director records the organisations a case concerns; declared conflicts are checked against them.

    Existing team members are not removed, but a member who has declared a link with a newly named
    organisation is named in the result, for the director to act on.
    """
    if not may_direct(actor):
        raise PermissionDenied("Only a director can record the organisations an investigation concerns.")
    names = [name.strip() for name in others if name.strip()]
    with service_transaction():
        locked = Investigation.objects.select_for_update(no_key=True).get(pk=investigation.pk)
        locked.organisation_name, locked.other_organisations = main.strip(), names
        save_with_history_reason(locked, "organisations recorded")
        record_event(
            AuditAction.INVESTIGATION_ORGANISATIONS_SET,
            actor=actor,
            target=locked,
            detail={"organisations": len(locked.organisations)},
        )
    return locked


def set_case_legal_hold(investigation: Investigation, *, actor: User, hold: bool, reason: str) -> Investigation:
    """A director places or lifts a legal hold on a whole case: while it stands neither the case nor
    any of its evidence can be disposed of, whatever their retention dates."""
    if not may_direct(actor):
        raise PermissionDenied("Only a director can place or lift a legal hold.")
    with service_transaction():
        locked = change_legal_hold(Investigation, investigation.pk, hold=hold, reason=reason)
        record_activity(locked, "legal_hold", "", actor, ("placed: " if hold else "lifted: ") + reason.strip())
        record_event(
            AuditAction.INVESTIGATION_LEGAL_HOLD,
            actor=actor,
            target=locked,
            detail={"hold": hold, "reason": reason.strip()[:1000]},
        )
    return locked
