"""The public face of the reports: the list with search and filters, a page and a PDF per report,
the log of safety recommendations with a page each, and an Atom feed. Published material only;
not audited (anyone on the internet could flood the trail with reads of public pages)."""

from django.contrib.postgres.search import SearchQuery
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from accounts.access import public
from casework.choices import ACTIVE_STATES, StatementKind
from casework.choices import InvestigationState as S
from casework.models import Investigation, SafetyObservation
from reports.choices import ReportKind
from reports.forms import PublicReportFilterForm
from reports.markup import render as render_markup
from reports.models import PUBLICATION_SEARCH, Publication
from reports.pdf import pdf_response
from reports.selectors import public_recommendations, published_sections

LATEST_REPORTS = 3
PAGE_SIZE = 20
FEED_SIZE = 20


@require_safe
@public
def site_page(request, page):
    """The pages every public site has: the privacy notice, the accessibility statement, contact."""
    return render(request, "public/site/%s.html" % page)


@require_safe
@public
def home(request):
    """The public landing page: what the body does, sharing a concern, the latest reports and the
    investigations under way (their published start statements)."""
    under_way = (
        Investigation.objects.filter(statements__kind=StatementKind.START, state__in=[*ACTIVE_STATES, S.PAUSED])
        .distinct()
        .order_by("-created_at")[:LATEST_REPORTS]
    )
    context = {
        "latest": Publication.objects.order_by("-published_at", "-pk")[:LATEST_REPORTS],
        "under_way": under_way,
    }
    return render(request, "public/home.html", context)


@require_safe
@public
def report_list(request):
    form = PublicReportFilterForm(request.GET or None)
    publications = Publication.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            query = SearchQuery(data["q"], search_type="websearch", config="english")
            publications = publications.annotate(search=PUBLICATION_SEARCH).filter(search=query)
        if data["kind"]:
            publications = publications.filter(kind=data["kind"])
        if data["care_setting"]:
            publications = publications.filter(care_setting=data["care_setting"])
        if data["directed"]:
            publications = publications.exclude(direction_title="")
    page = Paginator(publications.order_by("-published_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/reports/list.html", {"form": form, "page": page})


@require_safe
@public
def report_page(request, slug):
    publication = get_object_or_404(Publication.objects.select_related("report__investigation"), slug=slug)
    return render(
        request,
        "public/reports/report.html",
        {"publication": publication, "sections": published_sections(publication)},
    )


@require_safe
@public
def report_pdf(request, slug):
    publication = get_object_or_404(Publication.objects.select_related("report__investigation", "version"), slug=slug)
    return pdf_response(publication.report, publication.version, watermark="")


@require_safe
@public
def recommendation_list(request):
    recommendations = public_recommendations().order_by("-issued_on", "reference")
    page = Paginator(recommendations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/reports/recommendations.html", {"page": page})


@require_safe
@public
def observation_list(request):
    """Safety observations: learning published with final reports, without a formal recommendation."""
    published = Publication.objects.filter(kind=ReportKind.FINAL).values("report__investigation")
    observations = (
        SafetyObservation.objects.filter(investigation__in=published)
        .select_related("investigation")
        .prefetch_related(
            Prefetch(
                "investigation__reports__publication",
                queryset=Publication.objects.filter(kind=ReportKind.FINAL),
            )
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(observations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/reports/observations.html", {"page": page})


@require_safe
@public
def recommendation_page(request, reference):
    recommendation = (
        public_recommendations()
        .filter(reference=reference)
        .select_related("response")
        .prefetch_related("response__actions")
        .first()
    )
    if recommendation is None:
        raise Http404("No such recommendation")
    publication = Publication.objects.filter(
        report__investigation=recommendation.investigation, kind=ReportKind.FINAL
    ).first()
    context = {
        "recommendation": recommendation,
        "publication": publication,
        # The body publishes a response with its assessment of it.
        "published_response": recommendation.response_published,
        "response": recommendation.response_or_none,
    }
    return render(request, "public/reports/recommendation.html", context)


class NewReportsFeed(Feed):
    """An Atom feed of the newest published reports."""

    feed_type = Atom1Feed
    title = "Patient safety investigation reports"
    link = "/reports/"
    subtitle = "Reports as they are published."

    def items(self):
        return Publication.objects.order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, item: Publication) -> str:
        return "%s%s" % (item.title, " (interim report)" if item.is_interim else "")

    def item_description(self, item: Publication) -> str:
        return render_markup(item.summary)

    def item_pubdate(self, item: Publication):
        return item.published_at


new_reports_feed = require_safe(public(NewReportsFeed()))
