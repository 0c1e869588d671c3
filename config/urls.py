"""Root URL configuration. Every view declares its access policy (see accounts/access.py)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.access import before_second_factor, public
from accounts.login import StaffLoginView
from casework import views as casework_views
from dashboards.views import dashboard, go_to
from reports import public_views as reports_public_views

urlpatterns = [
    path("", reports_public_views.home, name="home"),
    path("dashboard/", dashboard, name="dashboard"),
    path("go/", go_to, name="go_to"),
    path(
        "accounts/login/",
        public(StaffLoginView.as_view()),
        name="login",
    ),
    path("accounts/logout/", before_second_factor(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("referrals/", include("referrals.urls")),
    path("share-a-concern/", include("referrals.public_urls")),
    path("investigations/", include("casework.urls")),
    path("organisations/", include("casework.organisation_urls")),
    path("investigations/<ref:reference>/reports/", include("reports.urls")),
    path("published-investigations/", casework_views.published_reports, name="published_reports"),
    path("audit/", include("oversight.urls")),
    path("disclosures/", include("disclosures.urls")),
    path("portal/", include("portal.urls")),
    path("", include("reports.public_urls")),
    path("", include("notify.urls")),
    path("api/", include("api.urls")),
]
