"""JSON bodies, read up to API_MAX_BODY_BYTES and no further (chunked bodies included)."""

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from api.exceptions import RequestTooLarge


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge("The request body is larger than %s bytes." % limit)
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error: nested too deeply.") from error
        if not only_storable_text(data):
            raise ParseError(
                "The body holds a NUL character or a lone surrogate (\\u0000, \\ud800-\\udfff), which cannot be stored."
            )
        return data


def only_storable_text(value) -> bool:
    """Whether every string in a parsed JSON value can be stored in PostgreSQL text."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return all(only_storable_text(key) and only_storable_text(item) for key, item in value.items())
    if isinstance(value, list):
        return all(only_storable_text(item) for item in value)
    return True
