"""The REST API under /api/v1/, its OpenAPI schema at /api/schema/ and documentation at /api/docs/."""

from django.urls import path, re_path

from api.views import audit_views, base, case_views, referral_views, report_views

app_name = "api"

CASE = "v1/investigations/<ref:reference>/"
urlpatterns = [
    path("v1/intake/referrals/", referral_views.IntakeCreate.as_view(), name="intake"),
    path("v1/referrals/", referral_views.ReferralList.as_view(), name="referral_list"),
    path("v1/referrals/<ref:reference>/", referral_views.ReferralDetail.as_view(), name="referral_detail"),
    path(
        "v1/referrals/<ref:reference>/transitions/",
        referral_views.ReferralTransition.as_view(),
        name="referral_transition",
    ),
    path("v1/investigations/", case_views.InvestigationList.as_view(), name="investigation_list"),
    path(CASE, case_views.InvestigationDetail.as_view(), name="investigation_detail"),
    path(CASE + "transitions/", case_views.InvestigationTransition.as_view(), name="investigation_transition"),
    path(CASE + "team/", case_views.InvestigationTeam.as_view(), name="investigation_team"),
    path(CASE + "tasks/", case_views.InvestigationTasks.as_view(), name="investigation_tasks"),
    path(CASE + "notes/", case_views.InvestigationNotes.as_view(), name="investigation_notes"),
    path(
        CASE + "recommendations/",
        case_views.InvestigationRecommendations.as_view(),
        name="investigation_recommendations",
    ),
    path(CASE + "evidence/", case_views.InvestigationEvidence.as_view(), name="investigation_evidence"),
    path(CASE + "evidence/<uuid:public_id>/content/", case_views.EvidenceContent.as_view(), name="evidence_content"),
    path(CASE + "reports/", report_views.InvestigationReports.as_view(), name="investigation_reports"),
    path(CASE + "reports/<uuid:public_id>/", report_views.ReportDetail.as_view(), name="report_detail"),
    path(
        CASE + "reports/<uuid:public_id>/consultations/",
        report_views.ReportConsultations.as_view(),
        name="report_consultations",
    ),
    path("v1/public/reports/", report_views.PublicReportList.as_view(), name="public_reports"),
    path("v1/public/reports/<slug:slug>/", report_views.PublicReportDetail.as_view(), name="public_report"),
    path("v1/public/recommendations/", report_views.PublicRecommendationList.as_view(), name="public_recommendations"),
    path(
        "v1/public/recommendations/<ref:reference>/",
        report_views.PublicRecommendationDetail.as_view(),
        name="public_recommendation",
    ),
    path("v1/audit/events/", audit_views.AuditEventList.as_view(), name="audit_events"),
    path("schema/", base.SchemaView.as_view(), name="schema"),
    path("docs/", base.DocsView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", base.NotFound.as_view()),
]
