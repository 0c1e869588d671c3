"""NHS.UK responsive tables stack on a narrow screen (390 px) and then show each cell's column label
from a `nhsuk-table-responsive__heading` span: every body cell of such a table carries one.

A table added or changed without its labels fails here.
"""

import re
from pathlib import Path

from django.conf import settings


def tables_missing_labels() -> list[str]:
    missing = []
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        name = str(path.relative_to(root))
        text = path.read_text()
        if "nhsuk-table-responsive" not in text:
            continue
        for body in re.findall(r"<tbody.*?</tbody>", text, re.S):
            for row in re.findall(r"<tr\b.*?</tr>", body, re.S):
                if "colspan" in row:
                    continue
                for cell in re.findall(r'<td class="nhsuk-table__cell"[^>]*>(.{0,60})', row, re.S):
                    if not cell.startswith('<span class="nhsuk-table-responsive__heading">'):
                        missing.append("%s: %s" % (name, cell[:40]))
    return missing


def test_every_responsive_table_cell_carries_its_column_label():
    assert tables_missing_labels() == []
