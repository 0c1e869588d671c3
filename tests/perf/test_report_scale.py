"""The public reports at 50 and at 5,000 published reports, and the PDF of a 40-page report.

Targets (issue 18): the public list (plain, and searched for a term that 20 reports use at either size)
and one report's page take the same number of queries at both sizes, and the larger median is within
1.5x of the smaller. The PDF's time and the
engine's peak memory are measured and printed (figures in the README).
"""

import resource
import subprocess
import sys
import time
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from accounts.roles import Role
from casework.models import Investigation
from reports.choices import ReportKind
from reports.models import Publication, Report, ReportVersion
from reports.pdf import render_pdf
from tests.factories import StaffClient, make_user
from tests.perf.conftest import measure, report

MAX_RATIO = 1.5
PARAGRAPH = (
    "Night staffing on the ward left one registered nurse for two bays. Early warning scores rose "
    "without escalation, because handover did not carry them and the rota gave no time for review. "
)
SECTIONS = {
    "summary": PARAGRAPH * 3,
    "background": PARAGRAPH * 8,
    "approach": PARAGRAPH * 6,
    "findings": ("## Finding\n\n" + PARAGRAPH * 4 + "\n\n") * 4,
    "actions": PARAGRAPH * 3,
    "references": PARAGRAPH * 2,
}


RARE_TERM = "dialysis"
WITH_RARE_TERM = 20


def publish_many(count: int, start: int, author) -> None:
    """`count` published reports; the first WITH_RARE_TERM ever made also mention RARE_TERM."""
    investigations = Investigation.objects.bulk_create(
        Investigation(reference="INV-2027-%05d" % (start + n), title="Published case %s" % (start + n))
        for n in range(count)
    )
    reports = Report.objects.bulk_create(
        Report(investigation=case, kind=ReportKind.FINAL, title="Report %s" % case.reference, created_by=author)
        for case in investigations
    )
    body = ReportVersion.encode(SECTIONS)
    versions = ReportVersion.objects.bulk_create(
        ReportVersion(report=each, number=1, body=body, author=author) for each in reports
    )
    Publication.objects.bulk_create(
        Publication(
            report=each,
            version=version,
            slug="report-%s" % each.investigation.reference.lower(),
            title=each.title,
            kind=ReportKind.FINAL,
            summary=SECTIONS["summary"],
            sections=SECTIONS,
            search_text="\n\n".join(SECTIONS.values()) + (" %s" % RARE_TERM if start + n <= WITH_RARE_TERM else ""),
            care_setting="Hospital" if n % 2 else "Mental health",
            published_by=author,
        )
        for n, (each, version) in enumerate(zip(reports, versions, strict=True))
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.django_db
def test_the_public_reports_do_not_slow_with_their_number():
    chief = make_user("bench_chief", Role.CHIEF_INVESTIGATOR)
    visitor = StaffClient()
    rows: dict[str, list] = {}
    created = 0
    for total in (50, 5_000):
        publish_many(total - created, created + 1, chief)
        created = total
        page = Publication.objects.order_by("pk").first()
        assert page is not None
        for name, url, query in (
            ("list", reverse("public_reports:list"), {}),
            ("search", reverse("public_reports:list"), {"q": RARE_TERM}),
            ("page", page.get_absolute_url(), {}),
        ):
            rows.setdefault(name, []).append(
                ("%d reports" % total, *measure(lambda url=url, query=query: visitor.get(url, query), repeats=20))
            )
    for name, measured in rows.items():
        report("public reports: %s" % name, measured)
        (_, small, small_queries), (_, large, large_queries) = measured
        assert small_queries == large_queries, name
        assert large <= small * MAX_RATIO, "%s: %.2fx slower at 5,000 reports" % (name, large / small)


@pytest.mark.django_db
def test_a_forty_page_report_as_pdf():
    chief = make_user("bench_chief", Role.CHIEF_INVESTIGATOR)
    case = Investigation.objects.create(reference="INV-2027-99999", title="A long report")
    long_report = Report.objects.create(
        investigation=case, kind=ReportKind.FINAL, title="A long report", created_by=chief
    )
    sections = {**SECTIONS, "findings": ("## Finding\n\n" + PARAGRAPH * 10 + "\n\n") * 60}
    version = ReportVersion.objects.create(
        report=long_report, number=1, body=ReportVersion.encode(sections), author=chief
    )
    start = time.perf_counter()
    pdf = render_pdf(long_report, version, watermark="Benchmark copy")
    seconds = time.perf_counter() - start
    pages = len(PdfReader(BytesIO(pdf)).pages)
    assert pages >= 40
    # The engine's peak memory, measured in a process of its own laying out the same HTML.
    from django.template.loader import render_to_string

    from reports.selectors import laid_out

    html = render_to_string(
        "reports/pdf.html",
        {
            "report": long_report,
            "version": version,
            "sections": [s for s in laid_out(long_report, version, review=False) if s["key"] != "general"],
            "watermark": "Benchmark copy",
        },
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, weasyprint; weasyprint.HTML(string=sys.stdin.read()).write_pdf(pdf_tags=True)",
        ],
        input=html,
        text=True,
        check=True,
        timeout=300,
    )
    peak_mib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    print(
        "\nPDF of a %d-page report: %.2f s, %.0f KiB, engine peak memory %.0f MiB"
        % (pages, seconds, len(pdf) / 1024, peak_mib)
    )
