"""The REST API: the same chokepoints, services and audit events as the web pages, answered in JSON.

Every view reads through `visible_to` / `get_visible_object` (an object the caller may not see is a
404), changes through the services by way of the pages' own step tables and forms, and records
the same audit events as the page that shows or changes the same thing.
"""

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.access import api_endpoint
from accounts.models import ApiTokenScope
from api import serializers as s
from api.exceptions import Conflict, RequestTooLarge
from api.forms import InvestigationFilterForm, by_natural_keys, form_data, query_parameters, valid_form
from api.pagination import AuditCursorPage, CursorPage
from audit.choices import AuditAction
from audit.forms import AuditSearchForm
from audit.models import AuditEvent
from audit.permissions import VIEW_AUDIT_TRAIL
from audit.services import record_event, shown_references
from casework.actions import ACTIONS as CASE_ACTIONS
from casework.models import CaseNote, Investigation, TeamMembership
from casework.permissions import content_access, may_list_investigations
from casework.selectors import (
    get_evidence_to_download,
    get_investigation_content_for,
    get_investigation_for,
    record_case_read,
)
from referrals import services as referral_services
from referrals.actions import ACTIONS as REFERRAL_ACTIONS
from referrals.choices import Channel
from referrals.forms import ConcernForm, QueueFilterForm
from referrals.models import Referral
from referrals.permissions import ADD_REFERRAL, VIEW_REFERRAL, may_see_identity
from referrals.selectors import apply_queue_filters, get_referral_for, record_referral_read, recorded_filters
from vault.http import evidence_response
from workflow.steps import StepRefused, record_refusal, take_step

MAX_IDEMPOTENCY_KEY = 200
# Workflow steps of an investigation (its state machine's transitions); other steps have their own resources.
CASE_TRANSITIONS = sorted(name for name in CASE_ACTIONS if callable(getattr(Investigation, name, None)))


class ApiView(generics.GenericAPIView):
    """Base of every API view: its declared permission, token scope and method rules."""

    http_method_names = ["get", "head", "post"]
    required_permission = ""
    token_scope = ""

    @classmethod
    def as_view(cls, **initkwargs):
        return api_endpoint(super().as_view(**initkwargs), cls.required_permission)

    def initial(self, request, *args, **kwargs):
        # Who is asking, then the method, before anything is looked up (as on the web pages).
        self.perform_authentication(request)
        if request.method not in self.allowed_methods:
            self.http_method_not_allowed(request)
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > settings.API_MAX_BODY_BYTES:
            raise RequestTooLarge("The request body is larger than %s bytes." % settings.API_MAX_BODY_BYTES)
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        """Errors are JSON everywhere, the schema and documentation views included."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return response

    def perform_content_negotiation(self, request, force=False):
        """Answer in JSON (or the view's own format) whatever the client accepts, rather than 406."""
        return super().perform_content_negotiation(request, force=True)


class AuditedList(ApiView, generics.ListAPIView):
    """A paged list whose read event names what the page showed."""

    pagination_class = CursorPage

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        self.record_page(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def record_page(self, page) -> None:
        raise NotImplementedError


def take(target, name: str, form, perform):
    """Run a step as the pages do; a refusal becomes 400 (the form) or 409 (the workflow)."""
    try:
        return take_step(target, name=name, form=form, perform=perform)
    except StepRefused as refusal:
        if refusal.errors is not None:
            raise ValidationError(refusal.errors) from refusal
        raise Conflict(str(refusal)) from refusal


def current_state(obj) -> str:
    """The state as committed, read afresh.

    Not `refresh_from_db`: django-fsm's version unprotects the state field on the model class while
    it reloads, which races between the threads of one worker (found under `make load`: one request
    in ~150 answered 500 with "Direct state modification is not allowed").
    """
    return type(obj).objects.values_list("state", flat=True).get(pk=obj.pk)


def step_name(target, data, names) -> str:
    """The step asked for, if it is one of `names`; otherwise a 400 that lists them (recorded)."""
    name = data.get("action") if isinstance(data, dict) else None
    if not isinstance(name, str) or name not in names:
        record_refusal(target, "api step", {"errors": ["action"]})
        raise ValidationError({"action": ["Choose one of: %s." % ", ".join(sorted(names))]})
    return name


# Referrals.


class IntakeCreate(ApiView):
    """Machine intake: a partner system forwards a concern (tokens with the intake scope)."""

    required_permission = ADD_REFERRAL
    token_scope = ApiTokenScope.INTAKE
    serializer_class = s.IntakeSerializer

    @extend_schema(
        request=s.IntakeSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Names this concern (1-200 visible ASCII characters): a retry with the same key "
                "returns the concern already created, never a second one.",
            )
        ],
        responses={201: s.IntakeReceiptSerializer, 200: s.IntakeReceiptSerializer},
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "")
        if key and not (len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable()):
            raise ValidationError({"Idempotency-Key": ["Give 1-200 visible ASCII characters."]})
        form = ConcernForm(form_data(request.data, ignore=()))
        if not form.is_valid():
            record_refusal(None, "api intake", {"errors": sorted(form.errors)})
            raise ValidationError(form.errors)
        referral, receipt_code = referral_services.receive_referral(
            form.cleaned_data, channel=Channel.API, actor=request.user, intake_key=key
        )
        receipt = {
            "reference": referral.reference,
            "receipt_code": receipt_code or None,
            "state": referral.state,
            "replayed": not receipt_code,
        }
        return Response(receipt, status=status.HTTP_200_OK if not receipt_code else status.HTTP_201_CREATED)


@extend_schema(parameters=query_parameters(QueueFilterForm, exclude=("sort",)))
class ReferralList(AuditedList):
    """The intake queue (open referrals unless a state is given), newest first."""

    required_permission = VIEW_REFERRAL
    serializer_class = s.ReferralSummarySerializer

    def get_queryset(self):
        self.filters = valid_form(QueueFilterForm(self.request.query_params))
        referrals = Referral.objects.visible_to(self.request.user).select_related("assignee")
        return apply_queue_filters(referrals, self.filters, self.request.user)

    def record_page(self, page) -> None:
        record_event(
            AuditAction.REFERRAL_QUEUE_VIEWED,
            detail={"filters": recorded_filters(self.filters), "shown": shown_references(page)},
        )


class ReferralDetail(ApiView):
    serializer_class = s.ReferralSerializer

    def get(self, request, reference):
        referral = get_referral_for(request.user, reference)
        show_identity = may_see_identity(request.user)
        record_referral_read(referral, show_identity=show_identity)
        return Response(s.ReferralSerializer(referral, context={"show_identity": show_identity}).data)


class ReferralTransition(ApiView):
    """Take a triage step: `action` names it; its fields are those of the referral page's form for it."""

    serializer_class = s.StepSerializer

    @extend_schema(request=s.StepSerializer, responses={200: s.StepDoneSerializer})
    def post(self, request, reference):
        referral = get_referral_for(request.user, reference)
        name = step_name(referral, request.data, REFERRAL_ACTIONS)
        spec = REFERRAL_ACTIONS[name]
        if not spec.may(request.user):
            raise PermissionDenied
        extra = {"assignees": referral_services.triage_staff()} if name == "assign" else {}
        form = by_natural_keys(spec.form(name, form_data(request.data), prefixed=False, **extra))
        take(referral, name, form, lambda data: spec.perform(referral, request.user, data))
        return Response({"reference": referral.reference, "action": name, "state": current_state(referral)})


# Investigations.


@extend_schema(parameters=query_parameters(InvestigationFilterForm))
class InvestigationList(AuditedList):
    """Directors and the chief: the portfolio. Investigators: the investigations they are on."""

    serializer_class = s.InvestigationSummarySerializer

    def get_queryset(self):
        if not may_list_investigations(self.request.user):
            raise PermissionDenied
        self.filters = valid_form(InvestigationFilterForm(self.request.query_params))
        investigations = Investigation.objects.visible_to(self.request.user)
        if self.filters["state"]:
            investigations = investigations.filter(state=self.filters["state"])
        if self.filters["directed"] is not None:
            investigations = investigations.filter(directed=self.filters["directed"])
        return investigations

    def record_page(self, page) -> None:
        filters = {name: str(value) for name, value in self.filters.items() if value not in ("", None)}
        record_event(
            AuditAction.INVESTIGATION_LIST_VIEWED, detail={"filters": filters, "shown": shown_references(page)}
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


def run_case_step(request, investigation, name: str):
    """Take an investigation step as the page does; steps that need a fresh code stay on the page."""
    spec = CASE_ACTIONS[name]
    if spec.allowed is not None and not spec.allowed(investigation, request.user):
        raise PermissionDenied
    if spec.step_up:
        raise PermissionDenied("This step needs a fresh second-factor code: take it on the investigation page.")
    form = by_natural_keys(spec.form(name, investigation, form_data(request.data), prefixed=False))
    return take(investigation, name, form, lambda data: spec.perform(investigation, request.user, data))


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
        raise NotImplementedError

    def add(self, request, reference):
        investigation = get_investigation_for(request.user, reference)
        added = run_case_step(request, investigation, self.add_step)
        return Response(self.get_serializer(added).data, status=status.HTTP_201_CREATED)


class InvestigationTeam(CasePart):
    serializer_class = s.TeamMemberSerializer
    part, add_step = "team", "add_member"

    def items(self, investigation):
        return investigation.team.select_related("user")

    @extend_schema(request=s.StepSerializer, responses={201: s.TeamMemberSerializer})
    def post(self, request, reference):
        """Add a member (`user`: username, `role`, `override_reason`), as directors and leads do on the page."""
        return self.add(request, reference)


class InvestigationTasks(CasePart):
    serializer_class = s.TaskSerializer
    content, part, add_step = True, "tasks", "add_task"

    def items(self, investigation):
        return investigation.tasks.select_related("assignee")

    @extend_schema(request=s.StepSerializer, responses={201: s.TaskSerializer})
    def post(self, request, reference):
        """Add a task (`title`, `assignee`: a team member's username, `due_date`)."""
        return self.add(request, reference)


class InvestigationNotes(CasePart):
    serializer_class = s.NoteSerializer
    content, part, add_step = True, "journal", "add_note"

    def items(self, investigation):
        return investigation.notes.select_related("author")

    @extend_schema(request=s.StepSerializer, responses={201: s.NoteSerializer})
    def post(self, request, reference):
        """Add a journal note (`text`)."""
        return self.add(request, reference)


class InvestigationRecommendations(CasePart):
    serializer_class = s.RecommendationSerializer
    part, add_step = "recommendations", "draft_recommendation"

    def items(self, investigation):
        return investigation.recommendations.all()

    @extend_schema(request=s.StepSerializer, responses={201: s.RecommendationSerializer})
    def post(self, request, reference):
        """Draft a safety recommendation (`text`, `addressee`)."""
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


# Audit trail.


@extend_schema(parameters=query_parameters(AuditSearchForm))
class AuditEventList(AuditedList):
    """Auditors: the trail, newest first, with the audit page's filters."""

    required_permission = VIEW_AUDIT_TRAIL
    serializer_class = s.AuditEventSerializer
    pagination_class = AuditCursorPage

    def get_queryset(self):
        self.form = AuditSearchForm(self.request.query_params)
        valid_form(self.form)
        return self.form.filter(AuditEvent.objects.all())

    def record_page(self, page) -> None:
        record_event(AuditAction.AUDIT_LOG_VIEWED, detail={"filters": self.form.terms(), "via": "api"})


# The schema and its documentation.


class SchemaView(ApiView, SpectacularAPIView):
    """The OpenAPI 3 schema, for signed-in staff and token holders."""


class DocsView(ApiView, SpectacularSwaggerSplitView):
    """Browsable documentation of the schema (Swagger UI, served from this site)."""


@api_endpoint
@csrf_exempt  # changes nothing, so a browser's cookies must not turn it into the HTML CSRF page
def not_found(request, *args, **kwargs):
    """Anything else under /api/ (or a path value of the wrong shape): a JSON 404, like every API error."""
    return JsonResponse({"detail": "Not found"}, status=404)
