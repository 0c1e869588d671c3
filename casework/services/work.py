"""The team's work on a case: tasks, the journal, interviews; only while on the team and the record is open."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import RECORD_CLOSED_STATES
from casework.models import CaseNote, Interview, Investigation, Task, TeamMembership
from casework.notices import notify_about_case
from casework.permissions import is_on_team
from kernel.errors import WorkflowError
from kernel.history import save_with_history_reason
from kernel.transactions import service_transaction
from notify.choices import NotificationKind


def _require_team(investigation: Investigation, actor: User) -> None:
    """Team members only, and only while the investigation's record is still open."""
    if not is_on_team(actor, investigation):
        raise PermissionDenied("Only the investigation team can do this.")
    require_open_record(investigation)


def hold_membership(investigation: Investigation, actor: User) -> None:
    """Inside the change's transaction: lock the actor's place on the team, or refuse if it is gone.

    The permission checked when the request began may be stale by now (a long upload; a director
    removing the member meanwhile). Removal deletes this row, so it waits for a change holding the
    lock to commit first, and a change that asks after the removal finds no row: the trail never
    shows a member adding to a case after being taken off it.
    """
    if not TeamMembership.objects.select_for_update().filter(investigation=investigation, user=actor).exists():
        raise PermissionDenied("You are no longer on the team of %s; nothing was added." % investigation)


def require_open_record(investigation: Investigation) -> None:
    if investigation.state in RECORD_CLOSED_STATES:
        raise WorkflowError(
            "%s is %s: its record is complete and nothing more can be added."
            % (investigation, investigation.get_state_display().lower())
        )


def create_task(
    investigation: Investigation, *, actor: User, title: str, assignee: User, due_date: date | None = None
) -> Task:
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
        notify_about_case([assignee], NotificationKind.TASK_ASSIGNED, investigation, actor=actor)
    return task


def set_task_status(task: Task, status: str, *, actor: User) -> Task:
    _require_team(task.investigation, actor)
    with service_transaction():
        hold_membership(task.investigation, actor)
        locked = Task.objects.select_for_update(no_key=True).get(pk=task.pk)
        locked.status = status
        save_with_history_reason(locked, "status %s" % status, update_fields=["status"])
        record_event(
            AuditAction.TASK_UPDATED,
            actor=actor,
            target=locked.investigation,
            detail={"task": locked.pk, "status": status},
        )
    return locked


def add_note(investigation: Investigation, text: str, *, actor: User) -> CaseNote:
    _require_team(investigation, actor)
    with service_transaction():
        hold_membership(investigation, actor)
        note = CaseNote.objects.create(investigation=investigation, text=text, author=actor)
        record_event(AuditAction.NOTE_ADDED, actor=actor, target=investigation, detail={"note": note.pk})
    return note


def edit_note(note: CaseNote, text: str, *, actor: User, expected_version: int | None = None) -> CaseNote:
    """Only the author edits, while the record is open; every earlier version stays in the note's
    history. An edit of `expected_version` when the note has moved on is refused, not merged."""
    if note.author_id != actor.pk:
        raise PermissionDenied("Only the author can edit a journal note.")
    _require_team(note.investigation, actor)
    if note.investigation.state in RECORD_CLOSED_STATES:
        raise WorkflowError("%s is archived: its journal can no longer be changed." % note.investigation)
    with service_transaction():
        hold_membership(note.investigation, actor)
        locked = CaseNote.objects.select_for_update(no_key=True).get(pk=note.pk)
        if expected_version is not None and locked.version != expected_version:
            raise WorkflowError(
                "This note was changed after you opened it (it is now version %d, shown above). Your text is "
                "kept below: compare the two and save again." % locked.version
            )
        locked.text = text
        locked.version += 1
        locked.edited_at = timezone.now()
        save_with_history_reason(locked, "edited")
        record_event(AuditAction.NOTE_EDITED, actor=actor, target=locked.investigation, detail={"note": locked.pk})
    return locked


def record_interview(
    investigation: Investigation,
    *,
    actor: User,
    interviewee: str,
    interviewee_type: str,
    held_on: date,
    consent_given: bool,
    consent_notes: str = "",
) -> Interview:
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
