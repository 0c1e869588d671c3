"""Requests per minute per token (or per signed-in user), counted in PostgreSQL so every worker shares them."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from kernel import throttle

WINDOW_SECONDS = 60


class PerTokenThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return True  # refused before this by DeclaredAccess
        caller = "token:%s" % request.auth.pk if request.auth is not None else "session-user:%s" % request.user.pk
        return throttle.allow("api", caller, limit=settings.API_REQUESTS_PER_MINUTE, window_seconds=WINDOW_SECONDS)

    def wait(self) -> float:
        return WINDOW_SECONDS
