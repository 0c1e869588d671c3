"""Business rules for investigations: every change is a verb here, in one transaction with its audit event.

Team membership is what gives need-to-know access: adding a member grants their object permissions
(on the investigation and on the referral it came from) and removing one revokes them, in the same
transaction, so the change applies from the member's next request.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_fsm import has_transition_perm

from accounts.grants import (
    grant_object_permission,
    grant_object_permissions,
    revoke_object_permission,
    revoke_object_permissions,
)
from accounts.models import ConflictDeclaration
from accounts.sessions import disable_account
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from casework.choices import RECORD_CLOSED_STATES, StatementKind, TaskStatus, TeamRole
from casework.models import (
    BreakGlassAccess,
    CaseNote,
    Direction,
    DirectionState,
    DirectionVariation,
    Interview,
    Investigation,
    InvestigationActivity,
    SafetyObservation,
    SafetyRecommendation,
    Statement,
    Task,
    TeamMembership,
    TermsOfReference,
)
from casework.permissions import (
    LEAD_PERMISSIONS,
    MEMBER_PERMISSIONS,
    TEAM_ROLES,
    active_break_glass,
    is_on_team,
    may_approve_direction,
    may_break_glass,
    may_direct,
    may_join_team,
    may_manage_team,
    may_register_direction,
    may_write_terms,
)
from kernel.errors import WorkflowError
from kernel.history import save_with_history_reason, update_with_history
from kernel.models import ReferenceCounter
from kernel.transactions import service_transaction
from referrals import services as referral_services
from referrals.models import Referral
from referrals.permissions import VIEW_REFERRAL
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


# Team and conflicts of interest.


def conflicts_for(user, investigation) -> list[ConflictDeclaration]:
    """The user's current declarations about the organisation this investigation concerns."""
    if not investigation.organisation_name:
        return []
    return [
        declaration
        for declaration in user.conflict_declarations.filter(
            organisation_name__iexact=investigation.organisation_name.strip()
        )
        if declaration.is_current()
    ]


def add_team_member(investigation, user, role: str, *, actor, override_reason: str = "") -> TeamMembership:
    """Put `user` on the team and grant their access; refused for a declared conflict unless a
    director overrides it with a recorded reason."""
    _require_team_manager(investigation, actor)
    if user == actor:
        # Separation of duties: nobody grants themselves access to a case.
        raise WorkflowError("You cannot put yourself on a team. Ask another director to add you.")
    if not may_join_team(user):
        raise WorkflowError("%s is not an investigator, director or chief investigator." % user)
    conflicts = conflicts_for(user, investigation)
    if conflicts and not override_reason:
        raise WorkflowError(
            "%s has declared a conflict of interest with %s (%s). A director can override this with a reason."
            % (user, investigation.organisation_name, conflicts[0].nature)
        )
    if conflicts and not may_direct(actor):
        raise PermissionDenied("Only a director can override a declared conflict of interest.")
    with service_transaction():
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        if locked.team.filter(user=user).exists():
            raise WorkflowError("%s is already on the team of %s." % (user, locked))
        membership = TeamMembership.objects.create(
            investigation=locked,
            user=user,
            role=role,
            added_by=actor,
            conflict_override_reason=override_reason if conflicts else "",
        )
        _grant_access(locked, user, role, actor=actor)
        _record_step(locked, "team_member_added", "", actor, "%s as %s" % (user, membership.get_role_display()))
        record_event(
            AuditAction.TEAM_MEMBER_ADDED, actor=actor, target=locked, detail={"user": user.username, "role": role}
        )
        if conflicts:
            record_event(
                AuditAction.CONFLICT_OVERRIDDEN,
                actor=actor,
                target=locked,
                detail={"user": user.username, "reason": override_reason},
            )
    return membership


def remove_team_member(investigation, user, *, actor, reason: str = "") -> None:
    """Take `user` off the team and revoke their access. The last lead cannot be removed."""
    _require_team_manager(investigation, actor)
    with service_transaction():
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        membership = locked.team.filter(user=user).first()
        if membership is None:
            raise WorkflowError("%s is not on the team of %s." % (user, locked))
        if membership.role == TeamRole.LEAD and not locked.team.filter(role=TeamRole.LEAD).exclude(user=user):
            raise WorkflowError("%s is the only lead of %s: appoint another lead first." % (user, locked))
        if locked.tasks.filter(assignee=user, status=TaskStatus.OPEN).exists():
            raise WorkflowError("%s has open tasks on %s: reassign them first." % (user, locked))
        membership.delete()
        _revoke_access(locked, user, actor=actor)
        _record_step(locked, "team_member_removed", "", actor, "%s%s" % (user, ": %s" % reason if reason else ""))
        record_event(AuditAction.TEAM_MEMBER_REMOVED, actor=actor, target=locked, detail={"user": user.username})


def process_leaver(leaver, *, successor, actor) -> dict:
    """Hand every case role and open task of a departing member of staff to `successor`, then end
    the leaver's access and disable the account. All or nothing."""
    if not may_direct(actor):
        raise PermissionDenied("Only a director can process a leaver.")
    if successor == leaver or not successor.is_active:
        raise WorkflowError("Choose an active colleague other than the leaver to take over.")
    with service_transaction():
        memberships = list(leaver.case_memberships.select_related("investigation"))
        for membership in memberships:
            investigation = membership.investigation
            existing = investigation.team.filter(user=successor).first()
            if existing is None:
                add_team_member(investigation, successor, membership.role, actor=actor)
            elif membership.role == TeamRole.LEAD and existing.role != TeamRole.LEAD:
                existing.role = TeamRole.LEAD
                existing.save(update_fields=["role"])
                _grant_access(investigation, successor, TeamRole.LEAD, actor=actor)
        moved_tasks = update_with_history(
            Task.objects.select_for_update().filter(assignee=leaver, status=TaskStatus.OPEN),
            actor=actor,
            reason="reassigned: %s left" % leaver.get_username(),
            assignee=successor,
        )
        for membership in memberships:
            remove_team_member(membership.investigation, leaver, actor=actor, reason="left the organisation")
        disable_account(leaver, actor=actor, reason="left the organisation")
        summary = {"investigations": len(memberships), "tasks": moved_tasks, "successor": successor.username}
        record_event(AuditAction.LEAVER_PROCESSED, actor=actor, target=leaver, detail=summary)
    return summary


def break_glass(investigation, *, actor, reason: str) -> BreakGlassAccess:
    """Open an investigation's content to a director or chief investigator off its team, for a while.

    The reason is required and recorded; the event is flagged for the auditors' review list.
    """
    if not may_break_glass(actor):
        raise PermissionDenied("Only directors and the chief investigator can open a case off their team.")
    reason = reason.strip()
    if len(reason) < settings.BREAK_GLASS_REASON_MIN_LENGTH:
        raise WorkflowError(
            "Give the reason you need to open this case (at least %s characters). Nothing was opened."
            % settings.BREAK_GLASS_REASON_MIN_LENGTH
        )
    if is_on_team(actor, investigation):
        raise WorkflowError("You are on this investigation's team and can already read its record.")
    with service_transaction():
        Investigation.objects.select_for_update().get(pk=investigation.pk)  # one opening at a time per case
        current = active_break_glass(actor, investigation)
        if current is not None:
            raise WorkflowError(
                "You already have this case open until %s." % timezone.localtime(current.expires_at).strftime("%H:%M")
            )
        now = timezone.now()
        access = BreakGlassAccess.objects.create(
            investigation=investigation,
            user=actor,
            reason=reason,
            opened_at=now,
            expires_at=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        )
        record_event(
            AuditAction.BREAK_GLASS_OPENED,
            actor=actor,
            target=investigation,
            detail={"break_glass": access.pk, "reason": reason[:1000], "expires_at": access.expires_at.isoformat()},
        )
    return access


def _require_team_manager(investigation, actor) -> None:
    if not may_manage_team(actor, investigation):
        raise PermissionDenied("Only a director or the lead investigator can change the team.")


def _grant_access(investigation, user, role, *, actor) -> None:
    """The member's need-to-know: the investigation (a lead's steps too) and the referral it came from."""
    grant_object_permissions(
        user, LEAD_PERMISSIONS if role == TeamRole.LEAD else MEMBER_PERMISSIONS, investigation, actor=actor
    )
    if investigation.origin_referral_id:
        grant_object_permission(user, VIEW_REFERRAL, investigation.origin_referral, actor=actor)


def _revoke_access(investigation, user, *, actor) -> None:
    """Every grant of this case; the referral's too, unless another of its investigations still has them."""
    revoke_object_permissions(user, LEAD_PERMISSIONS, investigation, actor=actor)
    referral = investigation.origin_referral
    if referral is not None and not referral.investigations.filter(team__user=user).exists():
        revoke_object_permission(user, VIEW_REFERRAL, referral, actor=actor)


def _record_step(investigation, action, from_state, actor, reason) -> None:
    InvestigationActivity.objects.create(
        investigation=investigation,
        action=action,
        from_state=from_state,
        to_state=investigation.state if from_state else "",
        reason=reason,
        actor=actor,
    )


# The workflow (DESIGN 3.2).


# Approval steps and the step that asks for each: whoever asked may not also approve (two-person rule).
APPROVAL_REQUESTS = {"approve_for_consultation": "submit_for_review", "publish": "submit_final"}


def _requester(investigation, approval: str):
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


def transition(investigation, name: str, *, actor, reason: str = "", before_save=None) -> Investigation:
    """Run one workflow step; see workflow.transitions for the locking and checks."""
    requested_by_actor = actor is not None and _requester(investigation, name) == actor.pk
    # Checked once the actor may take the step at all, so that others get the usual refusal.
    if requested_by_actor and has_transition_perm(getattr(investigation, name), actor):
        raise WorkflowError("You asked for this approval, so someone else must give it. Nothing was changed.")
    return run_transition(
        investigation,
        name,
        actor=actor,
        audit_action=AuditAction.INVESTIGATION_TRANSITIONED,
        describe=TRANSITION_DESCRIPTIONS[name],
        record_step=_record_step,
        reason=reason,
        condition_message=CONDITION_MESSAGES.get(name, ""),
        before_save=before_save,
        detail={"transition": name},
    )


def start_scoping(investigation, *, actor, lead, members=(), override_reasons=None) -> Investigation:
    """A director appoints the lead (and team) and scoping begins; conflicts are checked for each."""
    override_reasons = override_reasons or {}
    with service_transaction():
        add_team_member(investigation, lead, TeamRole.LEAD, actor=actor, override_reason=override_reasons.get(lead, ""))
        for member, role in members:
            add_team_member(investigation, member, role, actor=actor, override_reason=override_reasons.get(member, ""))
        return transition(investigation, "start_scoping", actor=actor)


def record_terms_of_reference(investigation, text: str, *, actor) -> TermsOfReference:
    if not may_write_terms(actor, investigation):
        raise PermissionDenied("Only the team or a director can write the terms of reference.")
    with service_transaction():
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        latest = locked.terms_of_reference.first()
        terms = TermsOfReference.objects.create(
            investigation=locked, version=(latest.version + 1) if latest else 1, text=text, created_by=actor
        )
        record_event(
            AuditAction.TERMS_OF_REFERENCE_RECORDED, actor=actor, target=locked, detail={"version": terms.version}
        )
    return terms


def launch(investigation, *, actor, start_statement: str) -> Investigation:
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


def publish(investigation, *, actor, report_summary: str) -> Investigation:
    """The chief investigator publishes the report."""
    if not report_summary.strip():
        raise WorkflowError("A summary of the published report is needed.")

    def record_publication(locked):
        locked.report_summary = report_summary
        locked.published_at = timezone.now()
        locked.retention_until = timezone.localdate() + timedelta(days=365 * settings.RETENTION_YEARS)
        _publish_statement(locked, StatementKind.REPORT, report_summary, actor)

    return transition(investigation, "publish", actor=actor, before_save=record_publication)


def pause(investigation, *, actor, reason: str) -> Investigation:
    _require_reason(reason, "pausing")
    return transition(investigation, "pause", actor=actor, reason=reason)


def resume(investigation, *, actor, reason: str) -> Investigation:
    _require_reason(reason, "resuming")
    return transition(investigation, "resume", actor=actor, reason=reason)


def discontinue(investigation, *, actor, reasons: str) -> Investigation:
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


def _publish_statement(investigation, kind, text, actor) -> Statement:
    statement = Statement.objects.create(investigation=investigation, kind=kind, text=text, published_by=actor)
    record_event(AuditAction.STATEMENT_PUBLISHED, actor=actor, target=investigation, detail={"kind": kind})
    return statement


# Opening investigations: from an accepted referral or an approved direction.


def open_investigation(*, actor, title: str, origin_referral=None, directed: bool = False, due_date=None):
    """A new investigation, proposed, with its INV reference: the one way one is created."""
    investigation = Investigation.objects.create(
        reference=ReferenceCounter.next_reference("INV", digits=4),
        title=title,
        origin_referral=origin_referral,
        directed=directed,
        due_date=due_date,
    )
    detail = {"from": origin_referral.reference} if origin_referral is not None else {"directed": directed}
    record_event(AuditAction.INVESTIGATION_CREATED, actor=actor, target=investigation, detail=detail)
    return investigation


def accept_referral(referral, *, actor, title: str, reason: str = "") -> Investigation:
    """A director accepts a proposed referral: it becomes an investigation, in one transaction."""
    return referral_services.accept_referral(
        referral,
        actor=actor,
        reason=reason,
        open_investigation=lambda locked: open_investigation(actor=actor, title=title, origin_referral=locked),
    )


def link_referral(referral, *, actor, reference: str, reason: str):
    """Link a referral to the referral or investigation `reference`, found only among those `actor` may see.

    One the actor may not see is answered exactly as a missing one, and the attempt is recorded as
    a denied access: the link form must not reveal which investigations exist.
    """
    target = reference.strip().upper()
    to_referral = Referral.objects.visible_to(actor).filter(reference=target).first()
    to_investigation = None
    if to_referral is None:
        to_investigation = Investigation.objects.visible_to(actor).filter(reference=target).first()
    if to_referral is None and to_investigation is None:
        record_event(
            AuditAction.ACCESS_DENIED,
            actor=actor,
            outcome=Outcome.DENIED,
            target_type=Investigation._meta.label_lower if target.startswith("INV-") else Referral._meta.label_lower,
            target_ref=target,
            detail={"reason": "not visible for link", "from": referral.reference},
        )
        raise WorkflowError("There is no referral or investigation %s that you can see." % target)
    return referral_services.link_referral(
        referral, actor=actor, reason=reason, to_referral=to_referral, to_investigation=to_investigation
    )


# Secretary of State directions (two-person rule).


def register_direction(*, actor, title, issued_on, scope, mandated_report_date=None) -> Direction:
    if not may_register_direction(actor):
        raise PermissionDenied("Only a director can register a direction.")
    if issued_on > timezone.localdate():
        raise WorkflowError("A direction cannot be issued in the future.")
    if mandated_report_date is not None and mandated_report_date < issued_on:
        raise WorkflowError("The mandated report date cannot be before the direction was issued.")
    with service_transaction():
        direction = Direction.objects.create(
            title=title,
            issued_on=issued_on,
            scope=scope,
            mandated_report_date=mandated_report_date,
            registered_by=actor,
        )
        record_event(AuditAction.DIRECTION_REGISTERED, actor=actor, target=direction)
    return direction


def approve_direction(direction, *, actor) -> Investigation:
    """A second director or the chief investigator approves: a directed investigation is created."""
    if not may_approve_direction(actor):
        raise PermissionDenied("Only a director or the chief investigator can approve a direction.")
    with service_transaction():
        locked = Direction.objects.select_for_update().get(pk=direction.pk)
        if locked.registered_by_id == actor.pk:
            raise WorkflowError("You registered this direction, so someone else must approve it (two-person rule).")
        if locked.state != DirectionState.REGISTERED:
            raise WorkflowError(
                "This direction is already %s; nothing was changed." % locked.get_state_display().lower()
            )
        investigation = open_investigation(
            actor=actor, title=locked.title, directed=True, due_date=locked.mandated_report_date
        )
        locked.state = DirectionState.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.investigation = investigation
        locked.save()
        record_event(
            AuditAction.DIRECTION_APPROVED,
            actor=actor,
            target=locked,
            detail={"investigation": investigation.reference},
        )
    return investigation


def vary_direction(direction, *, actor, issued_on, summary, mandated_report_date=None) -> DirectionVariation:
    """A new version of the direction; a new mandated date moves the investigation's due date."""
    if not may_register_direction(actor):
        raise PermissionDenied("Only a director can record a variation.")
    with service_transaction():
        locked = Direction.objects.select_for_update().get(pk=direction.pk)
        if locked.state != DirectionState.APPROVED:
            raise WorkflowError("Only an approved direction in force can be varied.")
        if issued_on < locked.issued_on or issued_on > timezone.localdate():
            raise WorkflowError("A variation is issued after the direction and not in the future.")
        if mandated_report_date is not None and mandated_report_date < issued_on:
            raise WorkflowError("The mandated report date cannot be before the variation was issued.")
        latest = locked.variations.first()
        variation = DirectionVariation.objects.create(
            direction=locked,
            version=(latest.version + 1) if latest else 2,
            issued_on=issued_on,
            mandated_report_date=mandated_report_date,
            summary=summary,
            registered_by=actor,
        )
        investigation = locked.investigation
        if mandated_report_date is not None and investigation is not None:
            investigation.due_date = mandated_report_date
            save_with_history_reason(investigation, "direction varied", update_fields=["due_date"])
        record_event(
            AuditAction.DIRECTION_VARIED,
            actor=actor,
            target=locked,
            detail={"version": variation.version, "due": str(mandated_report_date or "")},
        )
    return variation


def revoke_direction(direction, *, actor, revoked_on, reason) -> Direction:
    """Revocation discontinues the directed investigation (with its published statement)."""
    if not may_register_direction(actor):
        raise PermissionDenied("Only a director can record a revocation.")
    _require_reason(reason, "the revocation")
    with service_transaction():
        locked = Direction.objects.select_for_update().get(pk=direction.pk)
        if locked.state != DirectionState.APPROVED:
            raise WorkflowError("Only an approved direction in force can be revoked.")
        locked.state = DirectionState.REVOKED
        locked.revoked_on = revoked_on
        locked.revocation_reason = reason
        locked.save()
        discontinue(
            locked.investigation, actor=actor, reasons="The Secretary of State revoked the direction: %s" % reason
        )
        record_event(AuditAction.DIRECTION_REVOKED, actor=actor, target=locked)
    return locked


# The work: tasks, journal, interviews.


def _require_team(investigation, actor) -> None:
    """Team members only, and only while the investigation's record is still open."""
    if not is_on_team(actor, investigation):
        raise PermissionDenied("Only the investigation team can do this.")
    require_open_record(investigation)


def hold_membership(investigation, actor) -> None:
    """Inside the change's transaction: lock the actor's place on the team, or refuse if it is gone.

    The permission checked when the request began may be stale by now (a long upload; a director
    removing the member meanwhile). Removal deletes this row, so it waits for a change holding the
    lock to commit first, and a change that asks after the removal finds no row: the trail never
    shows a member adding to a case after being taken off it.
    """
    if not TeamMembership.objects.select_for_update().filter(investigation=investigation, user=actor).exists():
        raise PermissionDenied("You are no longer on the team of %s; nothing was added." % investigation)


def require_open_record(investigation) -> None:
    if investigation.state in RECORD_CLOSED_STATES:
        raise WorkflowError(
            "%s is %s: its record is complete and nothing more can be added."
            % (investigation, investigation.get_state_display().lower())
        )


def create_task(investigation, *, actor, title, assignee, due_date=None) -> Task:
    _require_team(investigation, actor)
    if not investigation.team.filter(user=assignee).exists():
        raise WorkflowError("%s is not on the team of %s, so cannot be given its tasks." % (assignee, investigation))
    if due_date is not None and due_date < timezone.localdate():
        raise WorkflowError("A new task cannot be due in the past.")
    with service_transaction():
        hold_membership(investigation, actor)
        task = Task.objects.create(
            investigation=investigation, title=title, assignee=assignee, due_date=due_date, created_by=actor
        )
        record_event(AuditAction.TASK_CREATED, actor=actor, target=investigation, detail={"task": task.pk})
    return task


def set_task_status(task, status: str, *, actor) -> Task:
    _require_team(task.investigation, actor)
    with service_transaction():
        hold_membership(task.investigation, actor)
        locked = Task.objects.select_for_update().get(pk=task.pk)
        locked.status = status
        save_with_history_reason(locked, "status %s" % status, update_fields=["status"])
        record_event(
            AuditAction.TASK_UPDATED,
            actor=actor,
            target=locked.investigation,
            detail={"task": locked.pk, "status": status},
        )
    return locked


def add_note(investigation, text: str, *, actor) -> CaseNote:
    _require_team(investigation, actor)
    with service_transaction():
        hold_membership(investigation, actor)
        note = CaseNote.objects.create(investigation=investigation, text=text, author=actor)
        record_event(AuditAction.NOTE_ADDED, actor=actor, target=investigation, detail={"note": note.pk})
    return note


def edit_note(note, text: str, *, actor) -> CaseNote:
    """Only the author edits; every earlier version stays in the note's history."""
    if note.author_id != actor.pk:
        raise PermissionDenied("Only the author can edit a journal note.")
    _require_team(note.investigation, actor)
    with service_transaction():
        hold_membership(note.investigation, actor)
        locked = CaseNote.objects.select_for_update().get(pk=note.pk)
        locked.text = text
        locked.edited_at = timezone.now()
        save_with_history_reason(locked, "edited")
        record_event(AuditAction.NOTE_EDITED, actor=actor, target=locked.investigation, detail={"note": locked.pk})
    return locked


def record_interview(investigation, *, actor, interviewee, interviewee_type, held_on, consent_given, consent_notes=""):
    _require_team(investigation, actor)
    if held_on > timezone.localdate():
        raise WorkflowError("An interview cannot be recorded before it has happened.")
    with service_transaction():
        hold_membership(investigation, actor)
        interview = Interview.objects.create(
            investigation=investigation,
            interviewee=interviewee,
            interviewee_type=interviewee_type,
            held_on=held_on,
            consent_given=consent_given,
            consent_notes=consent_notes,
            conducted_by=actor,
        )
        record_event(
            AuditAction.INTERVIEW_RECORDED, actor=actor, target=investigation, detail={"interview": interview.pk}
        )
    return interview


# Safety recommendations and observations (DESIGN 3.3).


def draft_recommendation(investigation, *, actor, text, addressee) -> SafetyRecommendation:
    _require_team(investigation, actor)
    with service_transaction():
        hold_membership(investigation, actor)
        recommendation = SafetyRecommendation.objects.create(
            investigation=investigation,
            reference=ReferenceCounter.next_reference("R", digits=3),
            text=text,
            addressee=addressee,
        )
        record_event(
            AuditAction.RECOMMENDATION_CREATED,
            actor=actor,
            target=investigation,
            detail={"recommendation": recommendation.reference},
        )
    return recommendation


def recommendation_step(recommendation, name: str, *, actor, **fields) -> SafetyRecommendation:
    """agree, issue (sets the response due date), record_response, assess, close."""

    def apply_fields(locked):
        if name == "issue":
            locked.issued_on = timezone.localdate()
            locked.response_due = locked.issued_on + timedelta(days=settings.RECOMMENDATION_RESPONSE_DAYS)
        for field, value in fields.items():
            setattr(locked, field, value)

    if name == "record_response" and (not fields.get("response_text") or not fields.get("response_received_on")):
        raise WorkflowError("Record the response text and the date it was received.")
    if name == "record_response" and fields["response_received_on"] > timezone.localdate():
        raise WorkflowError("A response cannot be received in the future.")
    if name == "assess" and not fields.get("assessment"):
        raise WorkflowError("Choose an assessment of the response.")

    return run_transition(
        recommendation,
        name,
        actor=actor,
        audit_action=AuditAction.RECOMMENDATION_TRANSITIONED,
        describe=name.replace("_", " "),
        record_step=_no_timeline,
        before_save=apply_fields,
        detail={
            "case": recommendation.investigation.reference,
            "recommendation": recommendation.reference,
            "step": name,
        },
    )


def _no_timeline(*args) -> None:
    """Recommendations keep no timeline of their own: the audit event and field history are theirs."""


def record_observation(investigation, *, actor, text, addressee="") -> SafetyObservation:
    _require_team(investigation, actor)
    with service_transaction():
        hold_membership(investigation, actor)
        observation = SafetyObservation.objects.create(investigation=investigation, text=text, addressee=addressee)
        record_event(AuditAction.OBSERVATION_CREATED, actor=actor, target=investigation)
    return observation


def active_staff_for_team():
    """Active users who can be put on an investigation team."""
    return get_user_model().objects.filter(is_active=True, groups__name__in=[r.value for r in TEAM_ROLES]).distinct()
