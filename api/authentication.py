"""Who is calling the API: a personal or service-account token (`Authorization: Bearer psi_...`), or a
signed-in browser session that has given its second factor (with Django's CSRF check on changes).

A token's scope follows from the request: `intake` for the intake endpoint, `read` for GET and HEAD,
`write` for anything else. Refused tokens are audited by `accounts.tokens.authenticate_token`.
"""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from accounts.models import ApiTokenScope
from accounts.tokens import ScopeRefused, TokenRefused, authenticate_token
from audit.context import current_request_context


class AlreadyRecorded:
    """Marks a refusal whose audit event is already written (the handler must not write another)."""


class TokenRejected(AlreadyRecorded, exceptions.AuthenticationFailed):
    pass


class ScopeRejected(AlreadyRecorded, exceptions.PermissionDenied):
    pass


def required_scope(view, method: str) -> str:
    declared = getattr(view, "token_scope", "")
    if declared:
        return declared
    return ApiTokenScope.READ if method in SAFE_METHODS else ApiTokenScope.WRITE


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "bearer"

    def authenticate(self, request):
        keyword, _, presented = get_authorization_header(request).decode("latin-1").partition(" ")
        if keyword.lower() != self.keyword:
            return None
        presented = presented.strip()
        view = request.parser_context.get("view") if request.parser_context else None
        try:
            token = authenticate_token(presented, required_scope(view, request.method))
        except ScopeRefused as refusal:
            raise ScopeRejected(str(refusal)) from refusal
        except TokenRefused as refusal:
            raise TokenRejected(str(refusal)) from refusal
        if (context := current_request_context()) is not None:
            context.api_token_id = token.pk
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser's session, only once its second factor is given (as the web pages require)."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_active or not getattr(user, "is_verified", lambda: False)():
            return None
        self.enforce_csrf(request)
        return user, None
