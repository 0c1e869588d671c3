"""Who hears that a decision waits for them: proposals, stage gates, disclosures, break-glass openings."""

import pytest

from casework import services
from casework.services.break_glass import break_glass
from disclosures.choices import Schedule14Ground
from disclosures.services import request_disclosure
from notify.choices import NotificationKind
from notify.models import Notification
from referrals.choices import ReferralState as S
from tests.referrals.test_workflow_services import in_state

pytestmark = pytest.mark.django_db


def told(user, kind) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind=kind).values_list("subject_ref", flat=True))


def test_a_proposal_waits_for_the_directors(intake, director, chief, lead_investigator):
    referral = in_state(S.PROPOSED, intake, director)
    assert told(director, NotificationKind.PROPOSAL_WAITING) == [referral.reference]
    assert told(intake, NotificationKind.PROPOSAL_WAITING) == []  # who proposed it is not told
    assert told(lead_investigator, NotificationKind.PROPOSAL_WAITING) == []


def test_terms_of_reference_wait_for_a_director(case_investigation, director, lead_investigator, other_investigator):
    services.record_terms_of_reference(case_investigation, "What we will look at", actor=lead_investigator)
    assert told(director, NotificationKind.STAGE_GATE_WAITING) == [case_investigation.reference]
    assert told(lead_investigator, NotificationKind.STAGE_GATE_WAITING) == []
    assert told(other_investigator, NotificationKind.STAGE_GATE_WAITING) == []


def test_a_disclosure_waits_for_the_deciders(case_investigation, evidence, lead_investigator, chief, director):
    request_disclosure(
        case_investigation,
        actor=lead_investigator,
        evidence_ids=[evidence.pk],
        recipient="Coroner",
        ground=Schedule14Ground.INVESTIGATION,
        necessity="Needed for the inquest",
        extent="One file",
    )
    assert told(chief, NotificationKind.DISCLOSURE_WAITING) == [case_investigation.reference]
    assert told(director, NotificationKind.DISCLOSURE_WAITING) == []  # external: the chief decides


def test_auditors_hear_of_a_break_glass_opening(case_investigation, director, auditor, chief):
    break_glass(case_investigation, actor=director, reason="A serious incident report needs checking now.")
    assert told(auditor, NotificationKind.BREAK_GLASS_OPENED) == [case_investigation.reference]
    assert told(chief, NotificationKind.BREAK_GLASS_OPENED) == []
