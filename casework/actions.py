"""The steps on an investigation: each step's form, the service it calls, and when it is offered.

The investigation page offers them as small forms and the API as transitions and sub-resources;
both run them through this one table, so a step has the same rules and audit events either way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.shortcuts import get_object_or_404
from django_fsm import has_transition_perm

from casework import forms, services
from casework.choices import CLOSED_STATES, RECORD_CLOSED_STATES, DisposalState, InvestigationState
from casework.models import SafetyRecommendation, Task
from casework.permissions import (
    content_access,
    is_on_team,
    may_approve_disposal,
    may_direct,
    may_manage_team,
    may_move_recommendation,
    may_write_terms,
)
from casework.services import disposal as disposal_services
from casework.services import evidence as evidence_services


@dataclass(frozen=True)
class CaseAction:
    """A button or form on the investigation page: its form, the service it calls, and when it shows."""

    label: str
    form_class: Any
    perform: Callable
    available: Callable
    choices: Callable | None = None
    # Checked before anything else (403 when false); workflow steps leave it to the state machine,
    # so that a step from the wrong state gets its explanation rather than a refusal.
    allowed: Callable | None = None
    listed: bool = True
    # Sensitive steps ask for a fresh second-factor code first; says what the user is about to do.
    step_up: str = ""
    # What an edit form shows before anything is typed: the record's current values.
    initial: Callable | None = None
    # The workspace page it belongs to (casework.workspace.SECTIONS); "" is the overview.
    section: str = ""
    # For a step that cannot be undone or that others act on: what it will do, said on its page
    # before the user confirms it.
    consequence: str = ""

    def form(self, name: str, investigation, data=None, *, prefixed: bool = True):
        """The step's form; on a page, prefixed with its name so that several forms share it."""
        if self.form_class is None:
            return None
        kwargs = {"choices": self.choices(investigation)} if self.choices else {}
        if self.initial is not None:
            kwargs["initial"] = self.initial(investigation)
        return self.form_class(data, prefix=name if prefixed else None, **kwargs)


def transition_allowed(name: str) -> Callable:
    """When a workflow step shows: the state machine says the user may take it from here."""
    return lambda inv, user: has_transition_perm(getattr(inv, name), user)


def _on_team(inv, user):
    """The table's callables take (investigation, user); the rules are casework.permissions'."""
    return is_on_team(user, inv)


def _works_on(inv, user):
    """Offered while the record is open; refused with an explanation afterwards (services)."""
    return _on_team(inv, user) and inv.state not in RECORD_CLOSED_STATES


def _manages_team(inv, user):
    return may_manage_team(user, inv) and inv.state not in (*CLOSED_STATES, InvestigationState.DISCONTINUED)


def _team_people(inv):
    return services.active_staff_for_team().exclude(case_memberships__investigation=inv)


def _members(inv):
    return services.active_staff_for_team().filter(case_memberships__investigation=inv)


def _simple(name, consequence: str, step_up: str = ""):
    return CaseAction(
        name.replace("_", " ").capitalize(),
        None,
        lambda inv, user, data: services.transition(inv, name, actor=user),
        transition_allowed(name),
        step_up=step_up,
        consequence=consequence,
    )


def _recommendation_step(inv, user, data):
    recommendation = get_object_or_404(SafetyRecommendation, investigation=inv, reference=data["recommendation"])
    fields = {
        k: data[k]
        for k in ("response_text", "response_received_on", "assessment", "assessment_notes", "organisation")
        if data.get(k)
    }
    services.recommendation_step(recommendation, data["step"], actor=user, **fields)


def _task_status(inv, user, data):
    task = get_object_or_404(Task, investigation=inv, pk=data["task"])
    services.set_task_status(task, data["status"], actor=user)


def _directs_with_content(inv, user):
    """A director's evidence decisions name the evidence, which is case content: the team's directors,
    or one who opened the case with break-glass."""
    return may_direct(user) and content_access(user, inv)[0]


def _held_evidence(inv):
    return inv.evidence.filter(disposed_at__isnull=True)


ACTIONS: dict[str, CaseAction] = {
    "start_scoping": CaseAction(
        "Start scoping and appoint the lead",
        forms.StartScopingForm,
        lambda inv, user, data: services.start_scoping(
            inv,
            actor=user,
            lead=data["lead"],
            override_reasons={data["lead"]: data["override_reason"]} if data["override_reason"] else {},
        ),
        transition_allowed("start_scoping"),
        _team_people,
    ),
    "add_member": CaseAction(
        "Add a team member",
        forms.TeamMemberForm,
        lambda inv, user, data: services.add_team_member(
            inv, data["user"], data["role"], actor=user, override_reason=data["override_reason"]
        ),
        _manages_team,
        _team_people,
        allowed=lambda inv, user: may_manage_team(user, inv),
    ),
    "remove_member": CaseAction(
        "Remove a team member",
        forms.RemoveMemberForm,
        lambda inv, user, data: services.remove_team_member(inv, data["user"], actor=user, reason=data["reason"]),
        _manages_team,
        _members,
        allowed=lambda inv, user: may_manage_team(user, inv),
        consequence="They lose access to this case's record at once; their open tasks stay on the case.",
    ),
    "terms": CaseAction(
        "Record terms of reference",
        forms.TermsForm,
        lambda inv, user, data: services.record_terms_of_reference(inv, data["text"], actor=user),
        lambda inv, user: (
            inv.state in (InvestigationState.PROPOSED, InvestigationState.SCOPING) and may_write_terms(user, inv)
        ),
    ),
    "approve_terms_of_reference": _simple(
        "approve_terms_of_reference",
        "The terms of reference are fixed as they stand and the case becomes ready to launch.",
    ),
    "launch": CaseAction(
        "Launch (publishes the start statement)",
        forms.LaunchForm,
        lambda inv, user, data: services.launch(inv, actor=user, start_statement=data["start_statement"]),
        transition_allowed("launch"),
        consequence="The start statement is published on the public website straight away and cannot be withdrawn.",
    ),
    **{
        name: _simple(name, consequence)
        for name, consequence in (
            ("begin_analysis", "The case moves from gathering evidence to analysis."),
            ("return_to_evidence", "The case goes back to gathering evidence."),
            ("start_drafting", "The case moves to drafting the report."),
            ("submit_for_review", "The draft report goes to internal review; the reviewers are told."),
            ("begin_revision", "Consultation ends and the team revises the draft."),
            ("submit_final", "The final report goes to the chief investigator for approval and publication."),
            ("close", "The case is closed; its retention period starts."),
            ("archive", "The record is archived: nothing more can be added to it."),
        )
    },
    "approve_for_consultation": _simple(
        "approve_for_consultation",
        "The draft as it stands is frozen and can be sent to the people to be consulted under section 115.",
        step_up="send the draft report out for consultation",
    ),
    "request_disposal": CaseAction(
        "Ask for this case to be disposed of",
        None,
        lambda inv, user, data: disposal_services.request_disposal(inv, actor=user),
        lambda inv, user: (
            may_direct(user)
            and inv.state == InvestigationState.ARCHIVED
            and not inv.disposals.filter(state=DisposalState.REQUESTED).exists()
        ),
        allowed=lambda inv, user: may_direct(user),
        step_up="ask for this case's record to be destroyed",
        consequence="Another director or the chief investigator is asked to approve destroying this case's record.",
    ),
    "approve_disposal": CaseAction(
        "Approve the disposal (destroys the evidence and the working record)",
        None,
        lambda inv, user, data: disposal_services.approve_open_disposal(inv, actor=user),
        lambda inv, user: (
            may_approve_disposal(user)
            and inv.disposals.filter(state=DisposalState.REQUESTED).exclude(requested_by=user).exists()
        ),
        allowed=lambda inv, user: may_approve_disposal(user),
        step_up="destroy this case's evidence and working record",
        consequence="The evidence and the working record are destroyed for good; the disposal certificate remains.",
    ),
    "pause": CaseAction(
        "Pause",
        forms.ReasonForm,
        lambda inv, user, data: services.pause(inv, actor=user, reason=data["reason"]),
        transition_allowed("pause"),
        consequence="Work stops and the stage clock is held until someone resumes the case.",
    ),
    "resume": CaseAction(
        "Resume",
        forms.ReasonForm,
        lambda inv, user, data: services.resume(inv, actor=user, reason=data["reason"]),
        transition_allowed("resume"),
    ),
    "discontinue": CaseAction(
        "Discontinue (publishes a statement)",
        forms.DiscontinueForm,
        lambda inv, user, data: services.discontinue(inv, actor=user, reasons=data["reasons"]),
        transition_allowed("discontinue"),
        consequence="The case ends without a report and the statement of reasons is published straight away.",
    ),
    "add_task": CaseAction(
        "Add a task",
        forms.TaskForm,
        lambda inv, user, data: services.create_task(
            inv, actor=user, title=data["title"], assignee=data["assignee"], due_date=data["due_date"]
        ),
        _works_on,
        _members,
        allowed=_on_team,
        section="tasks",
    ),
    "task_status": CaseAction(
        "Update task", forms.TaskStatusForm, _task_status, _on_team, allowed=_on_team, listed=False, section="tasks"
    ),
    "add_note": CaseAction(
        "Add a journal note",
        forms.NoteForm,
        lambda inv, user, data: services.add_note(inv, data["text"], actor=user),
        _works_on,
        allowed=_on_team,
        section="journal",
    ),
    "record_interview": CaseAction(
        "Record an interview",
        forms.InterviewForm,
        lambda inv, user, data: services.record_interview(inv, actor=user, **data),
        _works_on,
        allowed=_on_team,
        section="interviews",
    ),
    "draft_recommendation": CaseAction(
        "Draft a safety recommendation",
        forms.RecommendationForm,
        lambda inv, user, data: services.draft_recommendation(
            inv, actor=user, text=data["text"], addressee=data["addressee"], organisation=data["organisation"]
        ),
        _works_on,
        allowed=_on_team,
        section="recommendations",
    ),
    "recommendation_step": CaseAction(
        "Move a recommendation on",
        forms.RecommendationStepForm,
        _recommendation_step,
        _on_team,
        allowed=lambda inv, user: may_move_recommendation(user, inv),
        listed=False,
        section="recommendations",
    ),
    "organisations": CaseAction(
        "Record the organisations concerned",
        forms.OrganisationsForm,
        lambda inv, user, data: services.set_organisations(inv, actor=user, main=data["main"], others=data["others"]),
        lambda inv, user: may_direct(user) and inv.state not in RECORD_CLOSED_STATES,
        allowed=lambda inv, user: may_direct(user),
        initial=lambda inv: {"main": inv.organisation_name, "others": "\n".join(inv.other_organisations)},
    ),
    "case_legal_hold": CaseAction(
        "Place or lift a legal hold on the whole case",
        forms.CaseLegalHoldForm,
        lambda inv, user, data: services.set_case_legal_hold(inv, actor=user, hold=data["hold"], reason=data["reason"]),
        lambda inv, user: may_direct(user) and inv.state != InvestigationState.DISPOSED,
        allowed=lambda inv, user: may_direct(user),
        initial=lambda inv: {"hold": inv.legal_hold},
        consequence="While the case is held nothing of it can be disposed of, whatever its retention date.",
    ),
    "legal_hold": CaseAction(
        "Place or lift a legal hold on evidence",
        forms.LegalHoldForm,
        lambda inv, user, data: evidence_services.set_legal_hold(
            data["evidence"], hold=data["hold"], actor=user, reason=data["reason"]
        ),
        lambda inv, user: _directs_with_content(inv, user) and _held_evidence(inv).exists(),
        _held_evidence,
        allowed=_directs_with_content,
        section="evidence",
    ),
    "dispose_evidence": CaseAction(
        "Dispose of evidence (destroys its key, then the file)",
        forms.EvidenceChoiceForm,
        lambda inv, user, data: evidence_services.dispose(data["evidence"], actor=user),
        lambda inv, user: _directs_with_content(inv, user) and _held_evidence(inv).exists(),
        _held_evidence,
        allowed=_directs_with_content,
        step_up="destroy evidence for good",
        section="evidence",
        consequence="The file's key is destroyed, then the file: it can never be read again.",
    ),
    "add_observation": CaseAction(
        "Record a safety observation",
        forms.ObservationForm,
        lambda inv, user, data: services.record_observation(
            inv, actor=user, text=data["text"], addressee=data["addressee"]
        ),
        _works_on,
        allowed=_on_team,
        section="recommendations",
    ),
}


def offer_case_step(name: str, action: CaseAction, *, before: str) -> None:
    """Offer a step whose effect belongs to a domain above casework (reports publishes the frozen
    final report in the "publish" step), in its place on the page; called from that domain's
    AppConfig.ready, so casework never imports it."""
    steps = list(ACTIONS.items())
    position = next(index for index, (existing, _) in enumerate(steps) if existing == before)
    steps.insert(position, (name, action))
    ACTIONS.clear()
    ACTIONS.update(steps)


def available_actions(investigation, user, *, section: str = "") -> list[dict]:
    """The steps of one workspace page open to `user` now, as links to their own pages (no form is
    built until one is opened)."""
    return [
        {"name": name, "label": action.label, "consequential": bool(action.consequence)}
        for name, action in ACTIONS.items()
        if action.listed and action.section == section and action.available(investigation, user)
    ]
