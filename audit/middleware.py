"""Request context for the audit trail: a request id, the client's address and user agent."""

import uuid
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from audit.choices import AuditAction, Outcome
from audit.context import RequestContext, reset_request_context, set_request_context
from audit.services import record_event
from kernel.client import client_ip

USER_AGENT_MAX_LENGTH = 512


class RequestContextMiddleware:
    """Give every request an id (echoed in `X-Request-ID`) and make it available to `record_event`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        context = RequestContext(
            request_id=uuid.uuid4().hex,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
            request=request,
        )
        request.request_id = context.request_id  # type: ignore[attr-defined]  # our own attribute on Django's request
        token = set_request_context(context)
        try:
            response = self.get_response(request)
            record_unrecorded_request(request, response, context)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = context.request_id
        return response


def record_unrecorded_request(request: HttpRequest, response: HttpResponseBase, context: RequestContext) -> None:
    """Every request by a signed-in user, or a signed-in person outside the body, leaves an event.

    Views record what they show or change in specific events; a request that recorded none (a
    redirect, a refused method, a page that records nothing of its own) is recorded here, so that
    nothing a member of staff or an outside person asks for is missing from the trail. Anonymous
    requests are left out: anyone on the internet could otherwise flood the chain.
    """
    user = getattr(request, "user", None)
    staff = user is not None and user.is_authenticated
    if context.events_recorded or not (staff or getattr(request, "outside_actor", "")):
        return
    match = request.resolver_match
    record_event(
        AuditAction.REQUEST_RECORDED,
        actor=user if staff else None,
        outcome=Outcome.ALLOWED if response.status_code < 400 else Outcome.DENIED,
        detail={
            "method": request.method,
            "path": request.path[:300],
            "status": response.status_code,
            "url_name": match.view_name if match else "",
        },
    )
