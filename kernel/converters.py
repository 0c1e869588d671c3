"""Path converters that bound what a URL can carry to a query or an audit column.

An identifier that cannot be one (too long, a NUL, a control or bidirectional character) matches
no route, so it is answered 404 before any view, query or audit column sees it.
"""


class ReferenceConverter:
    """A human reference such as REF-2026-000123, INV-2026-0042 or R-2026-001."""

    regex = "[A-Za-z0-9][A-Za-z0-9-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class UsernameConverter:
    """A username as Django's validator allows it (letters, digits and @.+-_), at most 150 characters."""

    regex = r"[\w.@+-]{1,150}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
