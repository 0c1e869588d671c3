"""Each dashboard leads with what waits for its owner's decision, linked to where it is taken: never
what they asked for themselves, never what they may not decide or see."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.choices import AuditAction
from casework import services
from casework.choices import InvestigationState as S
from referrals import services as referral_services
from reports import services as report_services
from reports.choices import ReportKind
from reports.services.publication import approve_interim, publish_interim
from tests.casework.test_case_access import signed_in
from tests.casework.test_investigation_services import walk
from tests.factories import make_referral, make_user
from tests.helpers import assert_audited
from tests.referrals.test_workflow_services import FULL_SCORES

pytestmark = pytest.mark.django_db


def waiting(user) -> str:
    html = signed_in(user).get(reverse("dashboard")).content.decode()
    if 'data-testid="waiting-for-you"' not in html:
        return ""
    return html.split('data-testid="waiting-for-you"')[1].split("</ul>")[0]


def test_a_director_sees_the_proposal_and_the_direction_but_not_their_own(director, intake, chief):
    referral = make_referral()
    referral_services.start_triage(referral, actor=intake)
    referral_services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="National risk.")
    referral_services.propose_case(referral, actor=intake)
    other_director = make_user("director_two", Role.DIRECTOR)
    mine = services.register_direction(
        actor=director, title="Mine to wait on", issued_on=timezone.localdate(), scope="S"
    )
    services.register_direction(
        actor=other_director, title="Theirs to approve", issued_on=timezone.localdate(), scope="S"
    )

    card = waiting(director)
    assert "A proposal to investigate" in card
    assert referral.get_absolute_url() in card
    assert "Theirs to approve" in card
    assert mine.title not in card  # the two-person rule: never one's own
    event = assert_audited(AuditAction.DASHBOARD_VIEWED, actor=director)
    assert referral.reference in event.detail["shown"]
    assert "Mine to wait on" in waiting(chief)
    assert waiting(intake) == ""


def test_the_chief_sees_the_final_report_to_publish(director, lead_investigator, chief, case_investigation):
    at_final = walk(case_investigation, director, lead_investigator, chief, until=S.FINAL_APPROVAL)
    card = waiting(chief)
    assert "A final report to publish" in card
    assert at_final.get_absolute_url() in card
    assert "A final report to publish" not in waiting(director)


def test_a_director_sees_the_draft_to_approve_for_consultation(director, lead_investigator, chief, case_investigation):
    at_review = walk(case_investigation, director, lead_investigator, chief, until=S.INTERNAL_REVIEW)
    assert "A draft report to approve for consultation" in waiting(director)
    assert at_review.reference in waiting(director)


def test_nothing_waiting_is_said_plainly(director):
    html = signed_in(director).get(reverse("dashboard")).content.decode()
    assert "No decision is waiting for you." in html


def test_the_chief_sees_an_approved_interim_report_until_it_is_published(
    director, lead_investigator, chief, case_investigation
):
    interim = report_services.create_report(
        case_investigation, actor=lead_investigator, kind=ReportKind.INTERIM, title="Early findings"
    )
    report_services.save_version(interim, actor=lead_investigator, sections={"summary": "So far."}, based_on=0)
    assert "An interim report to publish" not in waiting(chief)
    approve_interim(interim, actor=director)
    assert interim.get_absolute_url() in waiting(chief)
    publish_interim(interim, actor=chief)
    assert "An interim report to publish" not in waiting(chief)
