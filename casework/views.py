"""Investigation pages: the list, the investigation page and its actions, directions, and the public reports page."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django_fsm import has_transition_perm

from accounts import mfa
from accounts.access import NotVisible, public, requires_object_permission, requires_permission
from accounts.actions import run_page_action
from accounts.roles import Role
from accounts.workflow import WorkflowError
from audit.choices import AuditAction, Outcome
from audit.services import record_event, shown_references
from casework import forms, services
from casework.choices import (
    ACTIVE_STATES,
    RECORD_CLOSED_STATES,
    DirectionState,
    InvestigationState,
    StatementKind,
    TaskStatus,
)
from casework.evidence import services as evidence_services
from casework.evidence.http import evidence_response
from casework.evidence.upload import too_large_message, with_encrypted_upload
from casework.models import Direction, Evidence, Investigation, SafetyRecommendation, Task
from casework.permissions import (
    BREAK_GLASS,
    VIEW_DIRECTION,
    VIEW_INVESTIGATION,
    WORK_ON_INVESTIGATION,
    content_access,
    get_investigation_content_for,
    get_investigation_for,
)

PAGE_SIZE = 50
CLOSED_STATES = [InvestigationState.CLOSED, InvestigationState.ARCHIVED, InvestigationState.DISPOSED]
PUBLISHED_STATES = [InvestigationState.PUBLISHED, InvestigationState.CLOSED, InvestigationState.ARCHIVED]


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_list(request):
    """Investigators: the investigations they are on and their tasks. Directors: the portfolio."""
    user = request.user
    portfolio_wide = user.has_perm(VIEW_INVESTIGATION)
    if not portfolio_wide and Role.INVESTIGATOR not in user.roles:
        raise PermissionDenied
    page = max(int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1, 1)
    rows = Investigation.objects.visible_to(user).list_page(page, PAGE_SIZE)
    context: dict[str, Any] = {
        "investigations": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "view_summary": casework_summary(user),
    }
    record_event(
        AuditAction.INVESTIGATION_LIST_VIEWED,
        detail={"page": page, "shown": shown_references(context["investigations"], context["view_summary"])},
    )
    return render(request, "casework/list.html", context)


def casework_summary(user) -> dict[str, Any]:
    """What the dashboards show: the user's own cases and tasks; for directors, the portfolio."""
    today = timezone.localdate()
    summary: dict[str, Any] = {
        "my_tasks": list(
            Task.objects.filter(assignee=user, status=TaskStatus.OPEN)
            .select_related("investigation")
            .order_by("due_date", "pk")[:20]
        ),
        "my_investigations": list(
            Investigation.objects.filter(team__user=user).order_by("due_date", "-created_at")[:20]
        ),
    }
    if user.has_perm(VIEW_INVESTIGATION):
        counts = dict(
            Investigation.objects.values_list("state").annotate(count=Count("pk")).values_list("state", "count")
        )
        summary.update(
            by_state=[
                (state.label, counts.get(state.value, 0)) for state in InvestigationState if counts.get(state.value)
            ],
            over_target=list(
                Investigation.objects.over_stage_target(
                    settings.INVESTIGATION_STAGE_TARGET_DAYS, timezone.now()
                ).order_by("state_changed_at")[:20]
            ),
            directed=list(
                Investigation.objects.filter(directed=True, due_date__isnull=False)
                .exclude(state__in=[*CLOSED_STATES, InvestigationState.DISCONTINUED])
                .order_by("due_date")[:20]
            ),
            overdue_tasks=Task.objects.filter(status=TaskStatus.OPEN, due_date__lt=today).count(),
            overdue_recommendations=SafetyRecommendation.objects.filter(state="issued", response_due__lt=today).count(),
        )
    return summary


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_detail(request, reference):
    user = request.user
    investigation = get_investigation_for(user, reference)
    reads_content, break_glass = content_access(user, investigation)
    on_team = reads_content and break_glass is None
    with transaction.atomic():  # one commit for the page's read events
        record_event(AuditAction.INVESTIGATION_VIEWED, target=investigation)
        if reads_content:
            # The journal, interviews and tasks are for the team (directors see the summary), or for
            # a director who opened the case with break-glass: then every read is flagged.
            record_event(
                AuditAction.INVESTIGATION_CONTENT_VIEWED,
                target=investigation,
                detail={"break_glass": break_glass.pk} if break_glass else None,
            )
    context: dict[str, Any] = {
        "investigation": investigation,
        "reads_content": reads_content,
        "break_glass": break_glass,
        "may_break_glass": not reads_content and user.has_perm(BREAK_GLASS),
        "break_glass_form": forms.BreakGlassForm(prefix="break_glass"),
        "team": investigation.team.select_related("user"),
        "statements": investigation.statements.all(),
        "recommendations": investigation.recommendations.all(),
        "terms": investigation.terms_of_reference.first(),
        "on_team": on_team,
        "actions": available_actions(investigation, user),
    }
    if reads_content:
        context.update(
            tasks=investigation.tasks.select_related("assignee"),
            notes=investigation.notes.select_related("author"),
            interviews=investigation.interviews.select_related("conducted_by"),
            observations=investigation.observations.all(),
            evidence=evidence_register(investigation),
            disclosures=investigation.disclosure_requests.all(),
            can_add_evidence=on_team and investigation.state not in RECORD_CLOSED_STATES,
            timeline=timeline(investigation),
            recommendation_form=forms.RecommendationStepForm(prefix="recommendation_step"),
            task_status_form=forms.TaskStatusForm(prefix="task_status"),
        )
    return render(request, "casework/detail.html", context)


def timeline(investigation) -> list[dict]:
    """Workflow steps, notes, tasks, interviews and statements in date order."""
    entries = [
        {"when": a.occurred_at, "what": a.action.replace("_", " ").capitalize(), "who": a.actor, "text": a.reason}
        for a in investigation.activities.select_related("actor")
    ]
    entries += [
        {"when": n.created_at, "what": "Journal note", "who": n.author, "text": n.text}
        for n in investigation.notes.select_related("author")
    ]
    entries += [
        {"when": t.created_at, "what": "Task", "who": t.assignee, "text": t.title}
        for t in investigation.tasks.select_related("assignee")
    ]
    entries += [
        {
            "when": i.created_at,
            "what": "Interview (%s)" % i.get_interviewee_type_display(),
            "who": i.conducted_by,
            "text": i.interviewee,
        }
        for i in investigation.interviews.select_related("conducted_by")
    ]
    entries += [
        {"when": e.added_at, "what": "Evidence received", "who": e.added_by, "text": e.title}
        for e in investigation.evidence.select_related("added_by")
    ]
    entries += [
        {"when": s.published_at, "what": s.get_kind_display(), "who": s.published_by, "text": s.text}
        for s in investigation.statements.select_related("published_by")
    ]
    return sorted(entries, key=lambda entry: entry["when"])


def evidence_register(investigation) -> list[dict]:
    """Each item of evidence with its custody log, built from the audit trail (one query for all)."""
    from audit.models import AuditEvent

    items = list(investigation.evidence.select_related("added_by"))
    custody: dict[str, list] = {}
    events = AuditEvent.objects.filter(
        target_type="casework.evidence", target_ref__in=[str(item.public_id) for item in items]
    ).order_by("seq")
    for event in events:
        custody.setdefault(event.target_ref, []).append(event)
    return [{"item": item, "custody": custody.get(str(item.public_id), [])} for item in items]


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

    def form(self, name: str, investigation, data=None):
        if self.form_class is None:
            return None
        kwargs = {"choices": self.choices(investigation)} if self.choices else {}
        return self.form_class(data, prefix=name, **kwargs)


def _can(name):
    return lambda inv, user: has_transition_perm(getattr(inv, name), user)


def _on_team(inv, user):
    return user.has_perm(WORK_ON_INVESTIGATION, inv)


def _works_on(inv, user):
    """Offered while the record is open; refused with an explanation afterwards (services)."""
    return _on_team(inv, user) and inv.state not in RECORD_CLOSED_STATES


def _may_manage_team(inv, user):
    return user.has_perm("casework.manage_investigation_team") or user.has_perm(
        "casework.manage_investigation_team", inv
    )


def _manages_team(inv, user):
    return _may_manage_team(inv, user) and inv.state not in (*CLOSED_STATES, InvestigationState.DISCONTINUED)


def _team_people(inv):
    return services.active_staff_for_team().exclude(case_memberships__investigation=inv)


def _members(inv):
    return services.active_staff_for_team().filter(case_memberships__investigation=inv)


def _simple(name, step_up: str = ""):
    return CaseAction(
        name.replace("_", " ").capitalize(),
        None,
        lambda inv, user, data: services.transition(inv, name, actor=user),
        _can(name),
        step_up=step_up,
    )


def _recommendation_step(inv, user, data):
    recommendation = get_object_or_404(SafetyRecommendation, investigation=inv, reference=data["recommendation"])
    fields = {k: data[k] for k in ("response_text", "response_received_on", "assessment") if data.get(k)}
    services.recommendation_step(recommendation, data["step"], actor=user, **fields)


def _task_status(inv, user, data):
    task = get_object_or_404(Task, investigation=inv, pk=data["task"])
    services.set_task_status(task, data["status"], actor=user)


def _directs(inv, user):
    return user.has_perm("casework.direct_investigation")


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
        _can("start_scoping"),
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
        allowed=_may_manage_team,
    ),
    "remove_member": CaseAction(
        "Remove a team member",
        forms.RemoveMemberForm,
        lambda inv, user, data: services.remove_team_member(inv, data["user"], actor=user, reason=data["reason"]),
        _manages_team,
        _members,
        allowed=_may_manage_team,
    ),
    "terms": CaseAction(
        "Record terms of reference",
        forms.TermsForm,
        lambda inv, user, data: services.record_terms_of_reference(inv, data["text"], actor=user),
        lambda inv, user: (
            inv.state in (InvestigationState.PROPOSED, InvestigationState.SCOPING)
            and (_on_team(inv, user) or user.has_perm("casework.direct_investigation"))
        ),
    ),
    "approve_terms_of_reference": _simple("approve_terms_of_reference"),
    "launch": CaseAction(
        "Launch (publishes the start statement)",
        forms.LaunchForm,
        lambda inv, user, data: services.launch(inv, actor=user, start_statement=data["start_statement"]),
        _can("launch"),
    ),
    **{
        name: _simple(name)
        for name in (
            "begin_analysis",
            "return_to_evidence",
            "start_drafting",
            "submit_for_review",
            "begin_revision",
            "submit_final",
            "close",
            "archive",
        )
    },
    "approve_for_consultation": _simple(
        "approve_for_consultation", step_up="send the draft report out for consultation"
    ),
    "dispose": _simple("dispose", step_up="dispose of this investigation's record"),
    "publish": CaseAction(
        "Publish the report",
        forms.PublishForm,
        lambda inv, user, data: services.publish(inv, actor=user, report_summary=data["report_summary"]),
        _can("publish"),
        step_up="publish the report",
    ),
    "pause": CaseAction(
        "Pause",
        forms.ReasonForm,
        lambda inv, user, data: services.pause(inv, actor=user, reason=data["reason"]),
        _can("pause"),
    ),
    "resume": CaseAction(
        "Resume",
        forms.ReasonForm,
        lambda inv, user, data: services.resume(inv, actor=user, reason=data["reason"]),
        _can("resume"),
    ),
    "discontinue": CaseAction(
        "Discontinue (publishes a statement)",
        forms.DiscontinueForm,
        lambda inv, user, data: services.discontinue(inv, actor=user, reasons=data["reasons"]),
        _can("discontinue"),
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
    ),
    "task_status": CaseAction(
        "Update task", forms.TaskStatusForm, _task_status, _on_team, allowed=_on_team, listed=False
    ),
    "add_note": CaseAction(
        "Add a journal note",
        forms.NoteForm,
        lambda inv, user, data: services.add_note(inv, data["text"], actor=user),
        _works_on,
        allowed=_on_team,
    ),
    "record_interview": CaseAction(
        "Record an interview",
        forms.InterviewForm,
        lambda inv, user, data: services.record_interview(inv, actor=user, **data),
        _works_on,
        allowed=_on_team,
    ),
    "draft_recommendation": CaseAction(
        "Draft a safety recommendation",
        forms.RecommendationForm,
        lambda inv, user, data: services.draft_recommendation(
            inv, actor=user, text=data["text"], addressee=data["addressee"]
        ),
        _works_on,
        allowed=_on_team,
    ),
    "recommendation_step": CaseAction(
        "Move a recommendation on",
        forms.RecommendationStepForm,
        _recommendation_step,
        _on_team,
        allowed=lambda inv, user: _on_team(inv, user) or user.has_perm("casework.direct_investigation"),
        listed=False,
    ),
    "legal_hold": CaseAction(
        "Place or lift a legal hold on evidence",
        forms.LegalHoldForm,
        lambda inv, user, data: evidence_services.set_legal_hold(
            data["evidence"], hold=data["hold"], actor=user, reason=data["reason"]
        ),
        lambda inv, user: _directs(inv, user) and _held_evidence(inv).exists(),
        _held_evidence,
        allowed=_directs,
    ),
    "dispose_evidence": CaseAction(
        "Dispose of evidence (destroys its key, then the file)",
        forms.EvidenceChoiceForm,
        lambda inv, user, data: evidence_services.dispose(data["evidence"], actor=user),
        lambda inv, user: _directs(inv, user) and _held_evidence(inv).exists(),
        _held_evidence,
        allowed=_directs,
        step_up="destroy evidence for good",
    ),
    "add_observation": CaseAction(
        "Record a safety observation",
        forms.ObservationForm,
        lambda inv, user, data: services.record_observation(
            inv, actor=user, text=data["text"], addressee=data["addressee"]
        ),
        _works_on,
        allowed=_on_team,
    ),
}


def available_actions(investigation, user) -> list[dict]:
    return [
        {"name": name, "label": action.label, "form": action.form(name, investigation)}
        for name, action in ACTIONS.items()
        if action.listed and action.available(investigation, user)
    ]


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_action(request, reference, action):
    """Run one action from the investigation page; a refusal is explained and changes nothing."""
    if action not in ACTIONS:
        raise Http404("No such action")
    spec = ACTIONS[action]
    investigation = get_investigation_for(request.user, reference)
    if spec.allowed is not None and not spec.allowed(investigation, request.user):
        raise PermissionDenied
    needs_step_up = spec.step_up and spec.available(investigation, request.user)
    if needs_step_up and (step_up := mfa.step_up(request, spec.step_up)) is not None:
        return step_up
    return run_page_action(
        request,
        investigation,
        name=action,
        label=spec.label,
        form=spec.form(action, investigation, request.POST),
        perform=lambda data: spec.perform(investigation, request.user, data),
    )


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def break_glass(request, reference):
    """A director or the chief investigator opens a case off their team, with a reason, for a limited time."""
    investigation = get_investigation_for(request.user, reference)
    if not request.user.has_perm(BREAK_GLASS):
        raise PermissionDenied
    if (step_up := mfa.step_up(request, "open this case's record off your team")) is not None:
        return step_up
    return run_page_action(
        request,
        investigation,
        name="break_glass",
        label="Open the record (break-glass)",
        form=forms.BreakGlassForm(request.POST, prefix="break_glass"),
        perform=lambda data: services.break_glass(investigation, actor=request.user, reason=data["reason"]),
    )


@requires_permission("casework.direct_investigation")
def leaver(request):
    """Hand a leaver's case roles and open tasks to a colleague, end their access and disable the account."""
    form = forms.LeaverForm(request.POST or None, choices=services.active_staff_for_team())
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.process_leaver(
                form.cleaned_data["leaver"], successor=form.cleaned_data["successor"], actor=request.user
            )
        except WorkflowError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                "%s's %s investigation role(s) and %s open task(s) passed to %s; their account is disabled."
                % (
                    form.cleaned_data["leaver"],
                    summary["investigations"],
                    summary["tasks"],
                    form.cleaned_data["successor"],
                ),
            )
            return redirect("casework:leaver")
    if request.method == "GET":
        record_event(AuditAction.FORM_OPENED, detail={"form": "leaver hand-over"})
    return render(request, "casework/leaver.html", {"form": form})


# Evidence.


@csrf_exempt  # the CSRF middleware would read the body first; _evidence_upload checks the token itself
@requires_object_permission(VIEW_INVESTIGATION)
def evidence_upload(request, reference):
    """Add evidence: the file is hashed and encrypted as it arrives; nothing plain reaches the disk."""
    # Checked before the body is read, so a refused user uploads nothing.
    investigation = get_investigation_for(request.user, reference, "work_on")
    return _evidence_upload(request, investigation)


@with_encrypted_upload
def _evidence_upload(request, investigation):
    handler = request.encrypted_upload
    if handler is None:
        record_event(AuditAction.FORM_OPENED, target=investigation, detail={"form": "evidence upload"})
        return render(
            request, "casework/evidence_upload.html", {"investigation": investigation, "form": forms.EvidenceForm()}
        )
    form = forms.EvidenceForm(request.POST, request.FILES)
    status = 200
    if handler.too_large:
        form.add_error(None, too_large_message(handler))
        status = 413
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        details = {k: form.cleaned_data[k] for k in ("evidence_type", "source", "received_on")}
        evidence = evidence_services.add_evidence(
            upload.blob,
            handler.evidence_id,
            actor=request.user,
            title=form.cleaned_data["title"],
            filename=upload.name,
            investigation=investigation,
            **details,
        )
        handler.consumed = True
        messages.success(request, "Evidence added: %s (SHA-256 %s)." % (evidence.title, evidence.sha256))
        return redirect(investigation)
    record_event(
        AuditAction.EVIDENCE_UPLOAD_REFUSED,
        outcome=Outcome.DENIED,
        target=investigation,
        detail={"errors": sorted(form.errors), "too_large": handler.too_large},
    )
    return render(
        request, "casework/evidence_upload.html", {"investigation": investigation, "form": form}, status=status
    )


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def evidence_download(request, reference, public_id):
    """Stream authenticated plaintext; a file that fails its check is never served, and is reported."""
    investigation, break_glass = get_investigation_content_for(request.user, reference)
    evidence = Evidence.objects.filter(
        investigation=investigation, public_id=public_id, disposed_at__isnull=True
    ).first()
    if evidence is None:
        raise NotVisible("casework.evidence", str(public_id), "download")
    return evidence_response(request, evidence, reference, break_glass=break_glass)


# Directions.


@requires_permission(VIEW_DIRECTION)
def direction_list(request):
    """Directions, with the days left to each mandated report date; directors register new ones here."""
    form = forms.DirectionForm(request.POST or None, prefix="direction")
    if request.method == "POST":
        if form.is_valid():
            try:
                services.register_direction(actor=request.user, **form.cleaned_data)
            except WorkflowError as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request, "Direction registered. Another director or the chief investigator must approve it."
                )
                return redirect("casework:directions")
        else:
            messages.error(request, "The direction was not registered: correct the form below.")
    directions = list(
        Direction.objects.select_related("investigation", "registered_by", "approved_by").prefetch_related("variations")
    )
    record_event(
        AuditAction.DIRECTIONS_VIEWED,
        detail={"shown": shown_references([d.investigation for d in directions if d.investigation])},
    )
    return render(
        request,
        "casework/directions.html",
        {
            "directions": directions,
            "form": form,
            "variation_form": forms.VariationForm(prefix="vary"),
            "revocation_form": forms.RevocationForm(prefix="revoke"),
            "States": DirectionState,
        },
    )


DIRECTION_ACTIONS = {
    "approve": (None, lambda direction, user, data: services.approve_direction(direction, actor=user)),
    "vary": (forms.VariationForm, lambda direction, user, data: services.vary_direction(direction, actor=user, **data)),
    "revoke": (
        forms.RevocationForm,
        lambda direction, user, data: services.revoke_direction(direction, actor=user, **data),
    ),
}


@require_POST
@requires_permission(VIEW_DIRECTION)
def direction_action(request, public_id, action):
    if action not in DIRECTION_ACTIONS:
        raise Http404("No such action")
    direction = get_object_or_404(Direction, public_id=public_id)
    if action == "approve" and (step_up := mfa.step_up(request, "approve a Secretary of State direction")):
        return step_up
    form_class, perform = DIRECTION_ACTIONS[action]
    form = form_class(request.POST, prefix=action) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(
            request, "Nothing was changed: %s" % "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect("casework:directions")
    try:
        perform(direction, request.user, form.cleaned_data if form is not None else {})
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Direction %s: done." % action)
    return redirect("casework:directions")


# The public page: published material only.


@require_safe
@public
def published_reports(request):
    """Published reports, start and discontinuation statements, and the safety recommendations log."""
    published = Investigation.objects.filter(state__in=PUBLISHED_STATES).order_by("-published_at")
    started = Investigation.objects.filter(statements__kind=StatementKind.START).exclude(
        state__in=[*PUBLISHED_STATES, InvestigationState.DISPOSED]
    )
    return render(
        request,
        "public/published_reports.html",
        {
            "published": published.prefetch_related(
                Prefetch(
                    "recommendations", queryset=SafetyRecommendation.objects.exclude(state__in=["draft", "agreed"])
                )
            ),
            "in_progress": started.filter(state__in=[*ACTIVE_STATES, InvestigationState.PAUSED]).prefetch_related(
                Prefetch("statements", queryset=_statements(StatementKind.START))
            ),
            "discontinued": Investigation.objects.filter(state=InvestigationState.DISCONTINUED)
            .filter(Q(statements__kind=StatementKind.DISCONTINUATION))
            .distinct()
            .prefetch_related(Prefetch("statements", queryset=_statements(StatementKind.DISCONTINUATION))),
        },
    )


def _statements(kind):
    from casework.models import Statement

    return Statement.objects.filter(kind=kind)
