"""The base of every API view (declared permission, token scope, methods, JSON errors) and how a step runs."""

import json

from django.conf import settings
from django.utils.crypto import salted_hmac
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, generics
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from accounts.access import api_endpoint
from api.exceptions import Conflict, RequestTooLarge
from api.pagination import CursorPage
from workflow.steps import StepRefused, record_refusal, take_step


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
        """Record the page's read event; every list names what it showed, so each one defines this."""
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


class SchemaView(ApiView, SpectacularAPIView):
    """The OpenAPI 3 schema, for signed-in staff and token holders."""


class DocsView(ApiView, SpectacularSwaggerSplitView):
    """Browsable documentation of the schema (Swagger UI, served from this site)."""


@extend_schema(exclude=True)
class NotFound(ApiView):
    """Anything else under /api/ (or a path value of the wrong shape): a JSON 404, like every API error.

    A DRF view, so that a caller who sent a token is identified and the probe is in the audit trail.
    """

    permission_classes: list = []

    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound("Not found")

    post = get


MAX_IDEMPOTENCY_KEY = 200
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Names this request (1-200 visible ASCII characters): a retry with the same key and body "
    "returns what the first created (HTTP 200, `Idempotent-Replayed: true`), never a second one; the same "
    "key with another body is refused (HTTP 422).",
)


def idempotency_key(request) -> str:
    """The request's Idempotency-Key header ("" when none), refused when malformed."""
    key = request.headers.get("Idempotency-Key", "")
    if key and not (len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable()):
        raise ValidationError({"Idempotency-Key": ["Give 1-200 visible ASCII characters."]})
    return key


def request_digest(data) -> str:
    """A keyed hash of a request body, to tell a retry from another request under the same key."""
    canonical = json.dumps(data, sort_keys=True, default=str)
    return salted_hmac("api.idempotent_request", canonical, algorithm="sha256").hexdigest()
