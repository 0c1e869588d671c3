"""A report version as a PDF: the same sections as its page, laid out by WeasyPrint with a title
page, a table of contents, page numbers and headings as bookmarks, tagged for assistive technology.

A copy made for one reader carries `watermark` at the head of every page and across it, so a copy
that leaks names whose it was (s.124).
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from reports.models import Report, ReportVersion
from reports.selectors import laid_out


def render_pdf(report: Report, version: ReportVersion, *, watermark: str) -> bytes:
    html = render_to_string(
        "reports/pdf.html",
        {
            "report": report,
            "version": version,
            "sections": [section for section in laid_out(report, version, review=False) if section["key"] != "general"],
            "watermark": watermark,
            "made_on": timezone.localdate(),
        },
    )
    return HTML(string=html).write_pdf(pdf_tags=True)


def pdf_response(report: Report, version: ReportVersion, *, watermark: str) -> HttpResponse:
    """The PDF as a download that no cache keeps."""
    response = HttpResponse(render_pdf(report, version, watermark=watermark), content_type="application/pdf")
    name = "%s-draft-version-%s.pdf" % (report.investigation.reference, version.number)
    response["Content-Disposition"] = 'attachment; filename="%s"' % name
    response["Cache-Control"] = "no-store"
    return response
