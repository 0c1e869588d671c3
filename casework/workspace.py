"""The investigation as a workspace: an overview, a page per part of the record, and a page per step.

The overview carries the header every page shares (stage, lead, due date, where the case is in its
lifecycle) and links to the steps open to the user. Each part of the record (journal, tasks,
evidence, interviews, recommendations, disclosures, timeline) has its own page and shows one page
of its list, so no page costs more as the case grows. Each step has its own page too: its form full
width, what it will do said before it is confirmed, and, when refused, the form shown again with
the errors at their fields and everything typed kept.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import mfa
from accounts.access import ActionDenied, requires_object_permission
from casework import forms, services
from casework.actions import ACTIONS, CaseAction, available_actions
from casework.choices import RECORD_CLOSED_STATES, USUAL_PATH, InvestigationState
from casework.models import CaseNote, Investigation
from casework.permissions import VIEW_INVESTIGATION, content_access, may_break_glass
from casework.selectors import CaseTimeline, evidence_register, get_investigation_for, record_case_read
from workflow.steps import run_page_action

PAGE_SIZE = 25
# The steps whose form sits on their part's page (not a link to a page of its own): refused, they
# are shown again there.
SHOWN_ON_THEIR_PAGE = {"add_note", "add_task", "record_interview", "draft_recommendation"}

S = InvestigationState


@dataclass(frozen=True)
class Section:
    """A part of the record with its own page: `content` parts are for the team (or break-glass)."""

    title: str
    content: bool
    build: Callable[[Investigation, Any, dict], dict]


def lifecycle(investigation: Investigation) -> list[dict]:
    """Each stage of the usual path, done, current or to come: a paused case shows where it stopped,
    an archived or disposed one the whole path done, a discontinued one none (said beside it)."""
    if investigation.state == S.DISCONTINUED:
        return []
    where = str(investigation.paused_from if investigation.state == S.PAUSED else investigation.state)
    path = [str(stage.value) for stage in USUAL_PATH]
    reached = path.index(where) if where in path else len(path)
    return [
        {"label": stage.label, "status": "done" if n < reached else "current" if n == reached else "to come"}
        for n, stage in enumerate(USUAL_PATH)
    ]


def _page(rows, request, size: int = PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _form_on_page(investigation, context, action: str):
    """The step's form on its part's page: the refused one, with what was typed, or a new one."""
    return context["bound"].get(action) or ACTIONS[action].form(action, investigation)


def _journal(investigation, request, context):
    notes = _page(investigation.notes.select_related("author").order_by("-created_at", "-pk"), request)
    return {"page": notes, "note_form": _form_on_page(investigation, context, "add_note")}


def _tasks(investigation, request, context):
    tasks = _page(investigation.tasks.select_related("assignee"), request)
    return {"page": tasks, "task_form": _form_on_page(investigation, context, "add_task")}


def _evidence(investigation, request, context):
    items = _page(investigation.evidence.select_related("added_by").order_by("-received_on", "-pk"), request)
    return {"page": items, "register": evidence_register(items.object_list)}


def _interviews(investigation, request, context):
    interviews = _page(investigation.interviews.select_related("conducted_by"), request)
    return {"page": interviews, "interview_form": _form_on_page(investigation, context, "record_interview")}


def _recommendations(investigation, request, context):
    recommendations = _page(
        investigation.recommendations.select_related("organisation", "response__submitted_by")
        .prefetch_related("response__actions", "response__attachments")
        .order_by("reference"),
        request,
    )
    return {
        "page": recommendations,
        "observations": investigation.observations.all() if context["reads_content"] else (),
        "recommendation_form": forms.RecommendationStepForm(prefix="recommendation_step"),
        "draft_form": _form_on_page(investigation, context, "draft_recommendation"),
    }


def _disclosures(investigation, request, context):
    return {
        "page": _page(investigation.disclosure_requests.order_by("-pk"), request),
        "has_evidence": investigation.evidence.filter(disposed_at__isnull=True).exists(),
    }


def _timeline(investigation, request, context):
    return {"page": _page(CaseTimeline(investigation), request)}


SECTIONS: dict[str, Section] = {
    "journal": Section("Journal", True, _journal),
    "tasks": Section("Tasks", True, _tasks),
    "evidence": Section("Evidence", True, _evidence),
    "interviews": Section("Interviews", True, _interviews),
    "recommendations": Section("Recommendations", False, _recommendations),
    "disclosures": Section("Disclosures", True, _disclosures),
    "timeline": Section("Timeline", True, _timeline),
}


def section_url(investigation: Investigation, section: str) -> str:
    return reverse("casework:%s" % section if section else "casework:detail", args=[investigation.reference])


def _workspace(
    request, investigation: Investigation, section: str, *, part: str = "", record: bool = True
) -> dict[str, Any]:
    """What every workspace page shows (the header, the lifecycle, the parts of the record), after
    recording the read (unless `record` is false: a refused POST has recorded its refusal); a content
    part refuses those who may only see the summary."""
    user = request.user
    reads_content, break_glass = content_access(user, investigation)
    if section and SECTIONS[section].content and not reads_content:
        raise ActionDenied("casework.investigation", investigation.reference, "read content")
    if record:
        # The overview and a step's page show the summary; the parts show content (the
        # recommendations page its observations).
        shows_content = reads_content and section in SECTIONS
        record_case_read(investigation, reads_content=shows_content, break_glass=break_glass, part=part or section)
    return {
        "investigation": investigation,
        "section": section,
        "sections": [
            {"name": name, "title": spec.title, "url": section_url(investigation, name)}
            for name, spec in SECTIONS.items()
            if reads_content or not spec.content
        ],
        "lifecycle": lifecycle(investigation),
        "lead": investigation.team.filter(role="lead").select_related("user").first(),
        "reads_content": reads_content,
        "break_glass": break_glass,
        "on_team": reads_content and break_glass is None,
    }


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_detail(request, reference):
    """The overview: the team, the terms, the statements and the steps open to the user."""
    investigation = get_investigation_for(request.user, reference)
    context = _workspace(request, investigation, "")
    context.update(
        may_break_glass=not context["reads_content"] and may_break_glass(request.user),
        break_glass_form=forms.BreakGlassForm(prefix="break_glass"),
        team=investigation.team.select_related("user"),
        statements=investigation.statements.all(),
        terms=investigation.terms_of_reference.first(),
        actions=available_actions(investigation, request.user),
    )
    return render(request, "casework/workspace/overview.html", context)


def _section_page(request, investigation, section: str, bound: dict | None = None):
    context = _workspace(request, investigation, section)
    context["bound"] = bound or {}
    context.update(SECTIONS[section].build(investigation, request, context))
    open_steps = available_actions(investigation, request.user, section=section)
    context["open_steps"] = {step["name"] for step in open_steps}
    context["actions"] = [step for step in open_steps if step["name"] not in SHOWN_ON_THEIR_PAGE]
    context["can_add_evidence"] = context["on_team"] and investigation.state not in RECORD_CLOSED_STATES
    return render(request, "casework/workspace/%s.html" % section, context)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_section(request, reference, section):
    if section not in SECTIONS:
        raise Http404("No such part of the record")
    return _section_page(request, get_investigation_for(request.user, reference), section)


# Steps: each has its own page (GET) and is taken by POST to the same address.


@require_http_methods(["GET", "HEAD", "POST"])
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_action(request, reference, action):
    """A step's page, and the step itself; a refusal is explained and changes nothing."""
    if action not in ACTIONS:
        raise Http404("No such action")
    spec = ACTIONS[action]
    investigation = get_investigation_for(request.user, reference)
    if spec.allowed is not None and not spec.allowed(investigation, request.user):
        raise ActionDenied("casework.investigation", investigation.reference, action)
    if request.method != "POST":
        return _step_page(request, investigation, action, spec, spec.form(action, investigation))
    needs_step_up = spec.step_up and spec.available(investigation, request.user)
    if needs_step_up and (step_up := mfa.step_up(request, spec.step_up)) is not None:
        return step_up

    def show_again(form):
        if action in SHOWN_ON_THEIR_PAGE:
            return _section_page(request, investigation, spec.section, bound={action: form})
        return _step_page(request, investigation, action, spec, form, recorded=False)

    return run_page_action(
        request,
        investigation,
        name=action,
        label=spec.label,
        form=spec.form(action, investigation, request.POST),
        perform=lambda data: spec.perform(investigation, request.user, data),
        back=section_url(investigation, spec.section),
        show_again=show_again if spec.listed else None,
    )


def _step_page(request, investigation, action: str, spec: CaseAction, form, *, recorded: bool = True):
    """The step's page: its form, what it will do, and whether it is open now (the form is offered
    only when it is)."""
    if not spec.listed:
        raise Http404("This step is taken from its part of the record")
    context = _workspace(request, investigation, "", part="step: %s" % action, record=recorded)
    context.update(
        form=form,
        action={"name": action, "label": spec.label, "consequence": spec.consequence, "form": form},
        open_now=spec.available(investigation, request.user),
        back_url=section_url(investigation, spec.section),
    )
    return render(request, "casework/workspace/step.html", context)


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def break_glass(request, reference):
    """A director or the chief investigator opens a case off their team, with a reason, for a limited time."""
    investigation = get_investigation_for(request.user, reference)
    if not may_break_glass(request.user):
        raise ActionDenied("casework.investigation", investigation.reference, "break glass")
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


# Journal notes: their author edits them while the record is open; every version is kept.


@require_http_methods(["GET", "HEAD", "POST"])
@requires_object_permission(VIEW_INVESTIGATION)
def journal_note(request, reference, note_id):
    """One note with every earlier version; its author edits it here while the record is open."""
    investigation = get_investigation_for(request.user, reference)
    context = _workspace(request, investigation, "journal", part="journal note", record=request.method != "POST")
    note = get_object_or_404(CaseNote.objects.select_related("author"), investigation=investigation, pk=note_id)
    context.update(
        note=note,
        versions=note.history.select_related("history_user").order_by("-history_date", "-history_id"),
        editable=(
            context["on_team"] and note.author_id == request.user.pk and investigation.state not in RECORD_CLOSED_STATES
        ),
    )
    if request.method != "POST":
        context["form"] = forms.NoteEditForm(initial={"text": note.text, "version": note.version})
        return render(request, "casework/workspace/note.html", context)
    return run_page_action(
        request,
        investigation,
        name="edit_note",
        label="Edit the note",
        form=forms.NoteEditForm(request.POST),
        perform=lambda data: services.edit_note(
            note, data["text"], actor=request.user, expected_version=data["version"]
        ),
        done="Your note is saved; its earlier versions are kept below it.",
        back=reverse("casework:journal_note", args=[investigation.reference, note.pk]),
        show_again=lambda form: render(request, "casework/workspace/note.html", {**context, "form": form}),
    )
