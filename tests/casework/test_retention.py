"""Retention dates are set when a case's work ends, and its evidence follows the case."""

from datetime import date

import pytest
from django.conf import settings
from django.utils import timezone

from casework import services
from kernel.dates import add_years

pytestmark = pytest.mark.django_db


def test_a_discontinued_case_and_its_evidence_are_kept_for_their_period(case_investigation, evidence, director):
    assert evidence.retention_until is None
    services.discontinue(case_investigation, actor=director, reasons="The trust's own review covers it.")
    expected = add_years(timezone.localdate(), settings.DISCONTINUED_RETENTION_YEARS)
    case_investigation.refresh_from_db()
    evidence.refresh_from_db()
    assert case_investigation.retention_until == expected
    assert evidence.retention_until == expected


def test_years_are_added_on_the_calendar():
    assert add_years(date(2026, 3, 1), 20) == date(2046, 3, 1)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)


def test_a_concern_that_ends_without_an_investigation_is_kept_for_its_period_and_reopening_clears_it(intake, director):
    from referrals import services as referral_services
    from referrals.choices import ReferralState as S
    from tests.referrals.test_workflow_services import in_state, refreshed

    logged = in_state(S.LOGGED, intake, director)
    assert logged.retention_until == add_years(timezone.localdate(), settings.REFERRAL_RETENTION_YEARS)
    proposed = in_state(S.PROPOSED, intake, director)
    assert proposed.retention_until is None
    services.accept_referral(proposed, actor=director, title="Kept with its investigation")
    assert refreshed(proposed).retention_until is None
    reopened = referral_services.reopen_referral(logged, actor=director, reason="New information arrived")
    assert reopened.retention_until is None


def test_a_legal_hold_on_the_case_blocks_disposing_of_its_evidence_and_is_audited(
    case_investigation, evidence, director, lead_investigator
):
    from django.core.exceptions import PermissionDenied

    from audit.choices import AuditAction
    from casework.models import Evidence
    from casework.services import evidence as evidence_services
    from kernel.errors import WorkflowError
    from tests.helpers import assert_audited

    with pytest.raises(PermissionDenied):
        services.set_case_legal_hold(case_investigation, actor=lead_investigator, hold=True, reason="Litigation")
    with pytest.raises(WorkflowError, match="reason"):
        services.set_case_legal_hold(case_investigation, actor=director, hold=True, reason=" ")
    services.set_case_legal_hold(case_investigation, actor=director, hold=True, reason="Civil claim notified")
    assert_audited(AuditAction.INVESTIGATION_LEGAL_HOLD, actor=director, target_ref=case_investigation.reference)
    Evidence.objects.filter(pk=evidence.pk).update(retention_until=date(2020, 1, 1))  # long past
    with pytest.raises(WorkflowError, match="legal hold"):
        evidence_services.dispose(Evidence.objects.get(pk=evidence.pk), actor=director)
    assert not Evidence.objects.get(pk=evidence.pk).is_disposed
    with pytest.raises(WorkflowError, match="already under"):
        services.set_case_legal_hold(case_investigation, actor=director, hold=True, reason="Again")
    services.set_case_legal_hold(case_investigation, actor=director, hold=False, reason="Claim settled")
    evidence_services.dispose(Evidence.objects.get(pk=evidence.pk), actor=director)
    assert Evidence.objects.get(pk=evidence.pk).is_disposed


def test_a_director_places_a_legal_hold_on_a_concern_through_its_page(intake, director):
    from django.urls import reverse

    from audit.choices import AuditAction
    from referrals.models import Referral
    from tests.factories import StaffClient, make_referral
    from tests.helpers import assert_audited

    referral = make_referral()
    url = reverse("referrals:action", args=[referral.reference, "legal_hold"])
    typed = {"legal_hold-hold": "on", "legal_hold-reason": "Solicitor's letter received"}
    officer = StaffClient()
    officer.force_login(intake)
    assert officer.post(url, typed).status_code == 403
    assert not Referral.objects.get(pk=referral.pk).legal_hold
    page = StaffClient()
    page.force_login(director)
    assert page.post(url, typed).status_code == 302
    assert Referral.objects.get(pk=referral.pk).legal_hold
    assert_audited(AuditAction.REFERRAL_LEGAL_HOLD, actor=director, target_ref=referral.reference)
    assert 'data-testid="legal-hold"' in page.get(referral.get_absolute_url()).content.decode()
