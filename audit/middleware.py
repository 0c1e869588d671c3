"""Request context for the audit trail: a request id, the client's address and user agent."""

import uuid

from audit.context import RequestContext, reset_request_context, set_request_context

USER_AGENT_MAX_LENGTH = 512


class RequestContextMiddleware:
    """Give every request an id (echoed in `X-Request-ID`) and make it available to `record_event`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = RequestContext(
            request_id=uuid.uuid4().hex,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
            request=request,
        )
        request.request_id = context.request_id
        token = set_request_context(context)
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = context.request_id
        return response
