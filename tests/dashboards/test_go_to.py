"""The header's "go to a reference" box opens what a reference names, for whoever may open it; for
anyone else it is not there (404, recorded), whether or not it exists."""

import pytest
from django.urls import reverse

from audit.choices import AuditAction, Outcome
from casework import services
from tests.casework.test_case_access import signed_in
from tests.helpers import assert_audited

pytestmark = pytest.mark.django_db


def go(client, reference):
    return client.get(reverse("go_to"), {"reference": reference})


def test_each_kind_of_reference_opens_its_page(director, lead_investigator, case_investigation, case_referral):
    recommendation = services.draft_recommendation(
        case_investigation, actor=lead_investigator, text="Staff the night.", addressee="NHS England"
    )
    client = signed_in(director)
    assert go(client, case_investigation.reference.lower())["Location"] == case_investigation.get_absolute_url()
    assert go(client, " %s " % case_referral.reference)["Location"] == case_referral.get_absolute_url()
    assert go(client, recommendation.reference)["Location"] == case_investigation.get_absolute_url()
    assert "Go to a reference" in client.get(reverse("dashboard")).content.decode()


def test_a_reference_the_user_may_not_open_is_not_there(intake, case_investigation):
    client = signed_in(intake)
    for reference in (case_investigation.reference, "INV-2026-9999", "NOT-A-REFERENCE"):
        assert go(client, reference).status_code == 404
    denied = assert_audited(AuditAction.ACCESS_DENIED, outcome=Outcome.DENIED, actor=intake)
    assert denied.target_ref == "NOT-A-REFERENCE"
    assert go(client, "")["Location"] == reverse("dashboard")
