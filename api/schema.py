"""How the OpenAPI schema describes the API: its two ways to authenticate, its errors and its tags."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal or service-account API token."}


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.VerifiedSessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    errors = serializers.DictField(
        required=False, help_text="For invalid input: each field's problems (a list of messages)."
    )


# Answers any operation may give, and those only requests that change something give.
ERRORS_ANY = {
    "400": "Invalid filters or input (see `errors`).",
    "401": "No token or session, or the token is unknown, revoked or expired.",
    "403": "The caller's role or token scope does not allow it.",
    "404": "No such object, or one the caller may not see (the same answer).",
    "405": "Method not allowed.",
    "429": "Too many requests for this token; try again after Retry-After seconds.",
}
ERRORS_ON_CHANGE = {
    "409": "The workflow refused the step in the record's current state; nothing was changed.",
    "413": "The request body is too large.",
    "415": "The body must be JSON.",
    "422": "Refused for what it asks: an Idempotency-Key already used for a different concern; nothing was stored.",
}


class ApiAutoSchema(AutoSchema):
    """Documents every JSON error an operation may answer, and tags operations by resource."""

    def get_tags(self) -> list[str]:
        parts = [part for part in self._tokenize_path() if part != "v1"]
        return parts[:1]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {**ERRORS_ANY, **(ERRORS_ON_CHANGE if self.method == "POST" else {})}
        for code, description in errors.items():
            responses.setdefault(code, self._get_response_for_code(OpenApiResponse(ErrorSerializer, description), code))
        return responses
