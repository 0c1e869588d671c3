"""Reports through the API: published ones for anyone, drafts and consultations for the case's team
and approvers, with consulted people named by role only."""

import pytest

from casework import services as case_services
from reports import services
from reports.services.publication import approve_interim, publish_report
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_the_public_reads_published_reports_and_recommendations_without_signing_in(
    api_client, matrix_report, lead_investigator, director, chief
):
    recommendation = case_services.draft_recommendation(
        matrix_report.investigation, actor=lead_investigator, text="Staff the night.", addressee="NHS England"
    )
    interim = matrix_report.__class__.objects.create(
        investigation=matrix_report.investigation, kind="interim", title="Early findings", created_by=lead_investigator
    )
    services.save_version(interim, actor=lead_investigator, sections={"summary": "So far."}, based_on=0)
    approve_interim(interim, actor=director)
    publication = publish_report(interim, actor=chief)

    listing = api_client.get("/api/v1/public/reports/").json()
    assert [row["slug"] for row in listing["results"]] == [publication.slug]
    one = api_client.get("/api/v1/public/reports/%s/" % publication.slug).json()
    assert one["kind"] == "interim"
    assert one["sections"]["summary"] == "So far."
    assert one["recommendations"] == []  # a draft recommendation is not public
    assert api_client.get("/api/v1/public/recommendations/%s/" % recommendation.reference).status_code == 404
    assert api_client.post("/api/v1/public/reports/").status_code == 405


def test_the_team_reads_drafts_and_the_consultation_log_by_role(api_client, tokens, matrix_report, matrix_consultation):
    case = matrix_report.investigation.reference
    base = "/api/v1/investigations/%s/reports/" % case
    listing = api_client.get(base, **bearer(tokens["lead_investigator"])).json()
    assert listing["results"][0]["newest_version"] == 2
    draft = api_client.get("%s%s/" % (base, matrix_report.public_id), **bearer(tokens["director"])).json()
    assert draft["sections"]["summary"] == "Matrix draft, again."
    log = api_client.get("%s%s/consultations/" % (base, matrix_report.public_id), **bearer(tokens["chief"])).json()
    assert log[0]["consultees"][0]["comments"][0]["text"] == "Matrix consultation comment."
    assert "consulted@example.org" not in str(log)
    hidden = api_client.get("%s%s/" % (base, matrix_report.public_id), **bearer(tokens["other_investigator"]))
    assert hidden.status_code == 404
