"""Cursor pages: each page is one indexed range read, at the same cost however deep the client goes."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not cursor.position.isdigit():
            raise NotFound(self.invalid_cursor_message)
        return cursor


class AuditCursorPage(CursorPage):
    ordering = "-id"
