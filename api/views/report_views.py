"""Reports through the API: the public site's reports and recommendations (read-only, no sign-in,
limited per client address), and an investigation's drafts and consultations for those who may see
the case (each read recorded as on the pages)."""

from django.conf import settings
from django.db.models import Count, Max, Q
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from api import serializers as s
from api.pagination import CursorPage
from api.views.base import ApiView, AuditedList
from audit.choices import AuditAction
from audit.services import record_event
from casework.selectors import get_investigation_for
from kernel import throttle
from kernel.client import client_ip
from reports.models import Publication
from reports.selectors import consultations_of, get_report_for, public_recommendations

MINUTE = 60


class PerAddressThrottle(BaseThrottle):
    """The public endpoints: API_PUBLIC_REQUESTS_PER_MINUTE per client address."""

    def allow_request(self, request, view) -> bool:
        return throttle.allow(
            "api-public", client_ip(request) or "", limit=settings.API_PUBLIC_REQUESTS_PER_MINUTE, window_seconds=MINUTE
        )

    def wait(self) -> float:
        return MINUTE


class PublicApiView(ApiView):
    """Published material: anyone may read it without a token, and a read is not audited. A caller who
    does send a token or session is still known, so a refusal of theirs (a bad cursor) is recorded."""

    permission_classes = (AllowAny,)
    throttle_classes = (PerAddressThrottle,)


class PublishedPage(CursorPage):
    ordering = "-published_at"


class PublicReportList(PublicApiView, generics.ListAPIView):
    serializer_class = s.PublicationSummarySerializer
    pagination_class = PublishedPage
    queryset = Publication.objects.select_related("report__investigation")


class PublicReportDetail(PublicApiView):
    serializer_class = s.PublicationSerializer

    def get(self, request, slug):
        publication = generics.get_object_or_404(Publication.objects.select_related("report__investigation"), slug=slug)
        recommendations = public_recommendations().filter(investigation=publication.investigation)
        context = {"recommendations": recommendations.order_by("reference")}
        return Response(s.PublicationSerializer(publication, context=context).data)


class PublicRecommendationList(PublicApiView, generics.ListAPIView):
    serializer_class = s.PublicRecommendationSerializer
    pagination_class = CursorPage
    queryset = public_recommendations()


class PublicRecommendationDetail(PublicApiView):
    serializer_class = s.PublicRecommendationSerializer

    def get(self, request, reference):
        recommendation = generics.get_object_or_404(
            public_recommendations(),
            reference=reference,
        )
        return Response(s.PublicRecommendationSerializer(recommendation).data)


class InvestigationReports(AuditedList):
    """An investigation's reports, drafts included: its team and its approvers (404 for anyone else)."""

    serializer_class = s.ReportSummarySerializer

    def get_queryset(self):
        self.investigation = get_investigation_for(self.request.user, self.kwargs["reference"])
        return self.investigation.reports.annotate(
            newest=Max("versions__number"),
            open_comments=Count("comments", filter=Q(comments__resolved_at=None), distinct=True),
        )

    def record_page(self, page) -> None:
        record_event(AuditAction.REPORT_LIST_VIEWED, target=self.investigation)


class ReportDetail(ApiView):
    """A report's newest version, section by section (Markdown)."""

    serializer_class = s.ReportVersionSerializer

    @extend_schema(responses={200: s.ReportVersionSerializer})
    def get(self, request, reference, public_id):
        report = get_report_for(request.user, reference, public_id)
        version = report.latest_version()
        record_event(
            AuditAction.REPORT_VIEWED,
            target=report,
            detail={"case": reference, "version": version.number if version else None},
        )
        return Response(s.ReportVersionSerializer(version).data if version else {})


class ReportConsultations(ApiView):
    """A report's consultations: who was consulted (by role), their comments and how each was handled."""

    serializer_class = s.ConsultationSerializer

    @extend_schema(responses={200: s.ConsultationSerializer(many=True)})
    def get(self, request, reference, public_id):
        report = get_report_for(request.user, reference, public_id)
        consultations = consultations_of(report)
        for consultation in consultations:
            record_event(AuditAction.CONSULTATION_VIEWED, target=consultation, detail={"case": reference})
        return Response(s.ConsultationSerializer(consultations, many=True).data)
