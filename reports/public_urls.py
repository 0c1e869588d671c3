from django.urls import path

from reports import public_views

app_name = "public_reports"
urlpatterns = [
    path("reports/", public_views.report_list, name="list"),
    path("reports/feed/", public_views.new_reports_feed, name="feed"),
    path("reports/<slug:slug>/", public_views.report_page, name="report"),
    path("reports/<slug:slug>/pdf/", public_views.report_pdf, name="pdf"),
    path("recommendations/", public_views.recommendation_list, name="recommendations"),
    path("recommendations/<ref:reference>/", public_views.recommendation_page, name="recommendation"),
    path("observations/", public_views.observation_list, name="observations"),
    path("privacy/", public_views.site_page, {"page": "privacy"}, name="privacy"),
    path("accessibility/", public_views.site_page, {"page": "accessibility"}, name="accessibility"),
    path("contact/", public_views.site_page, {"page": "contact"}, name="contact"),
]
