"""Conflicts of interest fed by real data: an accepted concern's organisation reaches its investigation,
directors record further organisations, and a declared link blocks appointment to the team."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import ConflictDeclaration
from audit.choices import AuditAction
from casework import services
from kernel.errors import WorkflowError
from referrals.choices import ReferralState as S
from tests.helpers import assert_audited
from tests.referrals.test_workflow_services import in_state

pytestmark = pytest.mark.django_db


def declare(user, organisation: str) -> None:
    ConflictDeclaration.objects.create(
        user=user, organisation_name=organisation, nature="Worked there until last year", starts_on=date(2024, 1, 1)
    )


def test_accepting_a_concern_carries_its_organisation_and_a_declared_link_blocks_appointment(
    intake, director, lead_investigator, other_investigator
):
    referral = in_state(S.PROPOSED, intake, director)
    investigation = services.accept_referral(referral, actor=director, title="Deterioration on wards")
    assert investigation.organisation_name == referral.organisation_name
    declare(other_investigator, referral.organisation_name.upper())  # names are compared without case
    investigation = services.start_scoping(investigation, actor=director, lead=lead_investigator)
    with pytest.raises(WorkflowError, match="declared a conflict of interest"):
        services.add_team_member(investigation, other_investigator, "investigator", actor=director)
    assert not investigation.team.filter(user=other_investigator).exists()


def test_directors_record_further_organisations_and_they_are_checked_too(
    intake, director, lead_investigator, other_investigator
):
    referral = in_state(S.PROPOSED, intake, director)
    investigation = services.accept_referral(referral, actor=director, title="Transfers between trusts")
    declare(other_investigator, "Eastvale Ambulance Service")
    investigation = services.start_scoping(investigation, actor=director, lead=lead_investigator)
    services.set_organisations(
        investigation, actor=director, main=investigation.organisation_name, others=["Eastvale Ambulance Service"]
    )
    assert_audited(AuditAction.INVESTIGATION_ORGANISATIONS_SET, actor=director, target_ref=investigation.reference)
    investigation.refresh_from_db()
    with pytest.raises(WorkflowError, match="Eastvale Ambulance Service"):
        services.add_team_member(investigation, other_investigator, "investigator", actor=director)
    with pytest.raises(PermissionDenied):
        services.set_organisations(investigation, actor=lead_investigator, main="", others=[])


def test_the_organisations_form_on_the_investigation_page(intake, director, lead_investigator):
    from django.urls import reverse

    from tests.factories import StaffClient

    referral = in_state(S.PROPOSED, intake, director)
    investigation = services.accept_referral(referral, actor=director, title="Transfers")
    page = StaffClient()
    page.force_login(director)
    url = reverse("casework:action", args=[investigation.reference, "organisations"])
    typed = {
        "organisations-main": "Northshire Trust",
        "organisations-others": "Eastvale Ambulance Service\n\nWestfield Care",
    }
    response = page.post(url, typed)
    assert response.status_code == 302
    investigation.refresh_from_db()
    assert investigation.organisations == ["Northshire Trust", "Eastvale Ambulance Service", "Westfield Care"]
    detail = page.get(investigation.get_absolute_url()).content.decode()
    assert "Eastvale Ambulance Service" in detail  # the form shows what is recorded
