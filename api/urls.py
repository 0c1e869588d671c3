"""The REST API under /api/v1/, its OpenAPI schema at /api/schema/ and documentation at /api/docs/."""

from django.urls import path, re_path

from api import views

app_name = "api"

CASE = "v1/investigations/<slug:reference>/"
urlpatterns = [
    path("v1/intake/referrals/", views.IntakeCreate.as_view(), name="intake"),
    path("v1/referrals/", views.ReferralList.as_view(), name="referral_list"),
    path("v1/referrals/<slug:reference>/", views.ReferralDetail.as_view(), name="referral_detail"),
    path(
        "v1/referrals/<slug:reference>/transitions/",
        views.ReferralTransition.as_view(),
        name="referral_transition",
    ),
    path("v1/investigations/", views.InvestigationList.as_view(), name="investigation_list"),
    path(CASE, views.InvestigationDetail.as_view(), name="investigation_detail"),
    path(CASE + "transitions/", views.InvestigationTransition.as_view(), name="investigation_transition"),
    path(CASE + "team/", views.InvestigationTeam.as_view(), name="investigation_team"),
    path(CASE + "tasks/", views.InvestigationTasks.as_view(), name="investigation_tasks"),
    path(CASE + "notes/", views.InvestigationNotes.as_view(), name="investigation_notes"),
    path(CASE + "recommendations/", views.InvestigationRecommendations.as_view(), name="investigation_recommendations"),
    path(CASE + "evidence/", views.InvestigationEvidence.as_view(), name="investigation_evidence"),
    path(CASE + "evidence/<uuid:public_id>/content/", views.EvidenceContent.as_view(), name="evidence_content"),
    path("v1/audit/events/", views.AuditEventList.as_view(), name="audit_events"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", views.not_found),
]
