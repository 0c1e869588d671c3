"""Report text is a small markup: CommonMark (markdown-it-py) with tables, raw HTML off, and the
output passed through an allow-list sanitiser (nh3) as a second wall. Headings written in a section
sit under the section's own heading, so they are moved down two levels (# becomes h3)."""

from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

HEADING_SHIFT = 2
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}


def _shift_headings(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h%d" % min(int(token.tag[1]) + HEADING_SHIFT, 6)


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.core.ruler.push("shift_headings", _shift_headings)
    return parser


def render(text: str) -> SafeString:
    """Safe HTML for `text`: whatever was typed, no script, handler or foreign element survives."""
    html = _parser().render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)
