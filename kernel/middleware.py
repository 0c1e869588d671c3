"""Bidirectional control characters shown, never obeyed, in every page.

A right-to-left override (U+202E) and its kind make text display in another order than it was
typed, so a name or filename can be made to read as something else ("invoice\u202egpj.exe"). Stored
as typed, they are shown in pages as a visible code such as [U+202E]: one place, so no template
can forget.
"""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
