"""Errors as JSON with a clear `detail`, and every refusal of a signed-in caller in the audit trail."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from accounts.access import AccessRefused, record_denial
from api.authentication import AlreadyRecorded


class Conflict(exceptions.APIException):
    """The workflow refused the step in the record's current state (for example, taken twice)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "That cannot be done now."


class Unprocessable(exceptions.APIException):
    """Well-formed, but refused for what it asks (an Idempotency-Key reused for another concern)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."


def handle_exception(exc, context):
    """DRF's handler, after recording refusals; validation errors keep their fields under `errors`."""
    request = context["request"]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not isinstance(exc, AlreadyRecorded):
        if isinstance(exc, AccessRefused):
            record_denial(request, exc.reason, target_type=exc.target_type, target_ref=exc.target_ref)
        elif isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
            record_denial(request, "permission denied: %s" % exc)
        elif isinstance(exc, exceptions.Throttled):
            record_denial(request, "throttled")
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "The request was not valid; see errors.", "errors": response.data}
    return response
