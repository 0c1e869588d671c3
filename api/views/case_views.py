"""Investigations through the API: the list, one investigation, its steps, and its parts (team, tasks,
journal, recommendations, evidence).
"""

from django.db.models import Prefetch, prefetch_related_objects
from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api import serializers as s
from api.exceptions import Conflict, Unprocessable
from api.forms import by_natural_keys, form_data, query_parameters, valid_form
from api.views.base import (
    IDEMPOTENCY_KEY,
    ApiView,
    AuditedList,
    current_state,
    idempotency_key,
    request_digest,
    step_name,
    take,
)
from audit.choices import AuditAction
from audit.services import record_event, shown_references
from casework.actions import ACTIONS as CASE_ACTIONS
from casework.forms import InvestigationFilterForm
from casework.models import CaseNote, Investigation, TeamMembership
from casework.permissions import content_access, may_list_investigations
from casework.selectors import (
    apply_investigation_filters,
    get_evidence_to_download,
    get_investigation_content_for,
    get_investigation_for,
    record_case_read,
    recorded_investigation_filters,
)
from kernel.once import AlreadySent, do_once
from vault.http import evidence_response
from workflow.steps import record_refusal

# Workflow steps of an investigation (its state machine's transitions); other steps have their own resources.
CASE_TRANSITIONS = sorted(name for name in CASE_ACTIONS if callable(getattr(Investigation, name, None)))


@extend_schema(parameters=query_parameters(InvestigationFilterForm, exclude=("sort",)))
class InvestigationList(AuditedList):
    """Directors and the chief: the portfolio. Investigators: the investigations they are on."""

    serializer_class = s.InvestigationSummarySerializer

    def get_queryset(self):
        if not may_list_investigations(self.request.user):
            raise PermissionDenied
        self.filters = valid_form(InvestigationFilterForm(self.request.query_params))
        return apply_investigation_filters(Investigation.objects.visible_to(self.request.user), self.filters)

    def record_page(self, page) -> None:
        record_event(
            AuditAction.INVESTIGATION_LIST_VIEWED,
            detail={"filters": recorded_investigation_filters(self.filters), "shown": shown_references(page)},
        )


class InvestigationDetail(ApiView):
    serializer_class = s.InvestigationSerializer

    def get(self, request, reference):
        investigation = get_investigation_for(request.user, reference)
        reads_content, break_glass = content_access(request.user, investigation)
        record_case_read(investigation, reads_content=reads_content, break_glass=break_glass)
        # One query each for the team and the journal, however long they are.
        prefetch_related_objects(
            [investigation],
            Prefetch("team", queryset=TeamMembership.objects.select_related("user")),
            Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
        )
        context = {"reads_content": reads_content}
        return Response(s.InvestigationSerializer(investigation, context=context).data)


def run_case_step(request, investigation, name: str, *, once: tuple[str, str, str] = ("", "", "")):
    """Take an investigation step as the page does; steps that need a fresh code stay on the page.

    `once` (key, scope, request digest) makes it happen once per Idempotency-Key (kernel.once).
    """
    spec = CASE_ACTIONS[name]
    if spec.allowed is not None and not spec.allowed(investigation, request.user):
        raise PermissionDenied
    if spec.step_up:
        raise PermissionDenied("This step needs a fresh second-factor code: take it on the investigation page.")
    form = by_natural_keys(spec.form(name, investigation, form_data(request.data), prefixed=False))
    key, scope, digest = once
    return take(
        investigation,
        name,
        form,
        lambda data: do_once(
            key,
            scope,
            lambda: spec.perform(investigation, request.user, data),
            result=lambda added: {"pk": added.pk, "request": digest},
        ),
    )


class InvestigationTransition(ApiView):
    """Move the investigation on: `action` names the step; its fields are those of the page's form."""

    serializer_class = s.StepSerializer

    @extend_schema(request=s.StepSerializer, responses={200: s.StepDoneSerializer})
    def post(self, request, reference):
        investigation = get_investigation_for(request.user, reference)
        name = step_name(investigation, request.data, CASE_TRANSITIONS)
        run_case_step(request, investigation, name)
        return Response({"reference": investigation.reference, "action": name, "state": current_state(investigation)})


class CasePart(ApiView, generics.ListAPIView):
    """A list belonging to one investigation, and (where there is one) the step that adds to it."""

    pagination_class = None
    content = False  # the journal, tasks and evidence: the team's, or under break-glass
    part = ""
    add_step = ""

    def get_queryset(self):
        user, reference = self.request.user, self.kwargs["reference"]
        if self.content:
            self.investigation, break_glass = get_investigation_content_for(user, reference)
        else:
            self.investigation, break_glass = get_investigation_for(user, reference), None
        record_case_read(self.investigation, reads_content=self.content, break_glass=break_glass, part=self.part)
        return self.items(self.investigation)

    def items(self, investigation):
        """The part's rows for `investigation`; each part (team, tasks, journal, ...) defines this."""
        raise NotImplementedError

    def add(self, request, reference):
        """Take the part's add step; with an Idempotency-Key, a retry answers with what the first added."""
        investigation = get_investigation_for(request.user, reference)
        key, digest = idempotency_key(request), request_digest(request.data)
        scope = "api %s %s %s" % (request.user.pk, investigation.pk, self.add_step)
        try:
            added = run_case_step(request, investigation, self.add_step, once=(key, scope, digest))
        except AlreadySent as sent:
            if sent.claim.result.get("request") != digest:
                record_refusal(investigation, self.add_step, {"refusal": "Idempotency-Key reused for another request"})
                raise Unprocessable(
                    "This Idempotency-Key was already used for a different request: nothing was added."
                ) from sent
            first = self.get_queryset().filter(pk=sent.claim.result["pk"]).first()
            if first is None:
                raise Conflict("What the first request with this Idempotency-Key added is no longer there.") from sent
            return Response(self.get_serializer(first).data, headers={"Idempotent-Replayed": "true"})
        return Response(self.get_serializer(added).data, status=status.HTTP_201_CREATED)


class InvestigationTeam(CasePart):
    serializer_class = s.TeamMemberSerializer
    part, add_step = "team", "add_member"

    def items(self, investigation):
        return investigation.team.select_related("user")

    @extend_schema(
        request=s.StepSerializer,
        responses={201: s.TeamMemberSerializer, 200: s.TeamMemberSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, reference):
        """Add a member (`user`: username, `role`, `override_reason`), as directors and leads do on the page."""
        return self.add(request, reference)


class InvestigationTasks(CasePart):
    serializer_class = s.TaskSerializer
    content, part, add_step = True, "tasks", "add_task"

    def items(self, investigation):
        return investigation.tasks.select_related("assignee")

    @extend_schema(
        request=s.StepSerializer, responses={201: s.TaskSerializer, 200: s.TaskSerializer}, parameters=[IDEMPOTENCY_KEY]
    )
    def post(self, request, reference):
        """Add a task (`title`, `assignee`: a team member's username, `due_date`)."""
        return self.add(request, reference)


class InvestigationNotes(CasePart):
    serializer_class = s.NoteSerializer
    content, part, add_step = True, "journal", "add_note"

    def items(self, investigation):
        return investigation.notes.select_related("author")

    @extend_schema(
        request=s.StepSerializer, responses={201: s.NoteSerializer, 200: s.NoteSerializer}, parameters=[IDEMPOTENCY_KEY]
    )
    def post(self, request, reference):
        """Add a journal note (`text`)."""
        return self.add(request, reference)


class InvestigationRecommendations(CasePart):
    serializer_class = s.RecommendationSerializer
    part, add_step = "recommendations", "draft_recommendation"

    def items(self, investigation):
        return investigation.recommendations.select_related("organisation", "response").prefetch_related(
            "response__actions", "response__attachments"
        )

    @extend_schema(
        request=s.StepSerializer,
        responses={201: s.RecommendationSerializer, 200: s.RecommendationSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, reference):
        """Draft a safety recommendation (`text`, and `addressee` or `organisation`: its ODS code)."""
        return self.add(request, reference)


class InvestigationEvidence(CasePart):
    serializer_class = s.EvidenceSerializer
    content, part = True, "evidence"

    def items(self, investigation):
        return investigation.evidence.filter(disposed_at__isnull=True).select_related("added_by")


def evidence_failed(request, evidence):
    return JsonResponse(
        {"detail": "This file failed its integrity check and was not served. The security team has been told."},
        status=500,
    )


class EvidenceContent(ApiView):
    """The file itself, decrypted and checked as it streams (as the page's download)."""

    @extend_schema(
        parameters=[],
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, "The file, with its recorded content type.")},
    )
    def get(self, request, reference, public_id):
        evidence, break_glass = get_evidence_to_download(request.user, reference, public_id)
        return evidence_response(request._request, evidence, break_glass=break_glass, on_failure=evidence_failed)
