"""Dates read one way on every page ("27 March 2026", with a time "27 March 2026, 14:05"), from the
site's format module (config/formats): a template that writes its own date format fails here."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import engines

OWN_FORMAT = re.compile(r'\|date:"(?!DATETIME_FORMAT")[^"]*"')


def test_no_template_writes_a_date_format_of_its_own():
    root = Path(settings.BASE_DIR) / "templates"
    found = [
        "%s: %s" % (path.relative_to(root), match)
        for path in sorted(root.rglob("*"))
        if path.is_file()
        for match in OWN_FORMAT.findall(path.read_text(errors="replace"))
    ]
    assert found == []


def test_the_site_formats_are_the_nhs_style():
    page = engines["django"].from_string('{{ day|date }} · {{ moment|date:"DATETIME_FORMAT" }} · {{ moment }}')
    moment = datetime.datetime(2026, 3, 27, 14, 5, tzinfo=ZoneInfo("Europe/London"))
    assert page.render({"day": datetime.date(2026, 3, 7), "moment": moment}) == (
        "7 March 2026 · 27 March 2026, 14:05 · 27 March 2026, 14:05"
    )
