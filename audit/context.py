"""Who is making the current request, from where: set by middleware, read by `record_event`.

A context variable rather than a thread-local so that it is also correct under ASGI.
"""

from contextvars import ContextVar, Token
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass
class RequestContext:
    request_id: str
    ip_address: str | None
    user_agent: str
    request: HttpRequest
    # Events written for this request so far; a signed-in request that wrote none gets a generic one.
    events_recorded: int = 0
    # The API token the request authenticated with, named in each of its events (api.authentication).
    api_token_id: int | None = None


_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def current_request_context() -> RequestContext | None:
    return _current.get()


def set_request_context(context: RequestContext | None) -> Token[RequestContext | None]:
    """Set the context and return a token for `reset_request_context`."""
    return _current.set(context)


def reset_request_context(token: Token[RequestContext | None]) -> None:
    _current.reset(token)
