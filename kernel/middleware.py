"""Every page's last touches, in one place so that no template or view can forget them.

Bidirectional control characters are shown, never obeyed. A right-to-left override (U+202E) and
its kind make text display in another order than it was typed, so a name or filename can be made
to read as something else ("invoice\u202egpj.exe"). Stored as typed, they are shown in pages as a
visible code such as [U+202E].

A page not found is the site's own 404 page in development too.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FOUND = re.compile("[%s]" % BIDI_CONTROLS)


def visible(match: re.Match) -> str:
    return "[U+%04X]" % ord(match.group())


class VisibleBidiControlsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        text = response.content.decode(response.charset)
        if FOUND.search(text):  # one pass over the page; most pages have none
            response.content = FOUND.sub(visible, text).encode(response.charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


class DesignedNotFoundMiddleware:
    """With DEBUG on, a page not found is the site's own 404 page, as in production, rather than
    Django's technical page (which lists every URL pattern and tells someone trying the system
    nothing). Off DEBUG, Django already renders the site's page; the console still logs each 404."""

    TECHNICAL_PAGE_MARK = b"<code>DEBUG = True</code>"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not response.streaming
            and self.TECHNICAL_PAGE_MARK in response.content
        ):
            return page_not_found(request, Http404())
        return response
