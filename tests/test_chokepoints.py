"""No way around the chokepoints: every grant and revocation, every field change and every evidence
event goes through its one door, and the auditors find each where they look for it."""

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.roles import Role
from audit.choices import AuditAction
from audit.forms import AuditSearchForm
from audit.models import AuditEvent
from casework import services
from casework.choices import TeamRole
from casework.models import Investigation, Task
from casework.services import evidence as evidence_services
from disclosures import services as disclosure_services
from disclosures.models import DisclosureItem
from kernel.errors import WorkflowError
from referrals.permissions import VIEW_REFERRAL
from tests.factories import StaffClient, make_referral, make_user

MEMBER = {"casework.view_investigation", "casework.work_on_investigation"}
LEAD = {*MEMBER, "casework.lead_investigation", "casework.manage_investigation_team"}


def permission_events(action, user, target_ref) -> set[str]:
    events = AuditEvent.objects.filter(action=action, target_ref=target_ref, detail__user=user.username)
    return {event.detail["permission"] for event in events}


@pytest.fixture
def scoped(director, lead_investigator):
    referral = make_referral()
    investigation = Investigation.objects.create(reference="INV-2026-8801", title="Doors", origin_referral=referral)
    return services.start_scoping(investigation, actor=director, lead=lead_investigator)


def test_team_changes_record_every_grant_and_revocation(scoped, director, lead_investigator, other_investigator):
    referral = scoped.origin_referral.reference
    assert permission_events(AuditAction.PERMISSION_GRANTED, lead_investigator, scoped.reference) == LEAD
    assert permission_events(AuditAction.PERMISSION_GRANTED, lead_investigator, referral) == {VIEW_REFERRAL}

    services.add_team_member(scoped, other_investigator, TeamRole.ANALYST, actor=director)
    services.remove_team_member(scoped, other_investigator, actor=director)
    assert permission_events(AuditAction.PERMISSION_GRANTED, other_investigator, scoped.reference) == MEMBER
    assert permission_events(AuditAction.PERMISSION_REVOKED, other_investigator, scoped.reference) == MEMBER
    assert permission_events(AuditAction.PERMISSION_REVOKED, other_investigator, referral) == {VIEW_REFERRAL}
    revoked = AuditEvent.objects.filter(action=AuditAction.PERMISSION_REVOKED, detail__user=other_investigator.username)
    assert {event.actor for event in revoked} == {director}


def test_a_leavers_lead_role_handed_to_a_team_member_is_a_recorded_grant(
    scoped, director, lead_investigator, other_investigator
):
    services.add_team_member(scoped, other_investigator, TeamRole.ANALYST, actor=director)
    services.process_leaver(lead_investigator, successor=other_investigator, actor=director)
    granted = permission_events(AuditAction.PERMISSION_GRANTED, other_investigator, scoped.reference)
    assert granted == LEAD
    assert permission_events(AuditAction.PERMISSION_REVOKED, lead_investigator, scoped.reference) == LEAD


def test_a_leavers_reassigned_tasks_keep_their_field_history(scoped, director, lead_investigator, other_investigator):
    task = services.create_task(scoped, actor=lead_investigator, title="Chronology", assignee=lead_investigator)
    services.process_leaver(lead_investigator, successor=other_investigator, actor=director)
    latest = Task.history.filter(id=task.pk).latest()
    assert latest.assignee_id == other_investigator.pk
    assert latest.history_user == director
    assert "reassigned" in latest.history_change_reason


def test_a_disclosure_decision_keeps_each_items_field_history(chief, disclosure):
    item = disclosure.items.get()
    disclosure_services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[item.pk])
    latest = DisclosureItem.history.filter(id=item.pk).latest()
    assert latest.approved is True
    assert latest.history_user == chief
    assert latest.history_change_reason == "approved"


def test_a_recommendation_step_is_recorded_once_and_names_its_case(scoped, lead_investigator):
    recommendation = services.draft_recommendation(
        scoped, actor=lead_investigator, text="Review night staffing", addressee="NHS England"
    )
    services.recommendation_step(recommendation, "agree", actor=lead_investigator)
    steps = AuditEvent.objects.filter(action=AuditAction.RECOMMENDATION_TRANSITIONED)
    assert steps.count() == 1
    assert steps.get().detail["case"] == scoped.reference


def test_the_auditors_case_search_finds_its_evidence_uploads_and_downloads(
    case_investigation, evidence, lead_investigator, director, auditor
):
    lead = StaffClient()
    lead.force_login(lead_investigator)
    url = reverse("casework:evidence_download", args=[case_investigation.reference, evidence.public_id])
    assert lead.get(url).status_code == 200
    evidence_services.set_legal_hold(evidence, hold=True, actor=director, reason="Litigation notice received")

    form = AuditSearchForm({"target": case_investigation.reference})
    assert form.is_valid()
    found = form.filter(AuditEvent.objects.all())
    evidence_events = found.filter(target_ref=str(evidence.public_id))
    assert set(evidence_events.values_list("action", flat=True)) == {
        AuditAction.EVIDENCE_RECEIVED,
        AuditAction.EVIDENCE_DOWNLOADED,
        AuditAction.EVIDENCE_LEGAL_HOLD,
    }
    every_evidence_event = AuditEvent.objects.filter(target_type="casework.evidence")
    assert all(event.detail.get("case") == case_investigation.reference for event in every_evidence_event)


def test_an_evidence_event_for_a_referral_attachment_names_the_referral(attachment, case_referral):
    received = AuditEvent.objects.get(action=AuditAction.EVIDENCE_RECEIVED, target_ref=str(attachment.public_id))
    assert received.detail["case"] == case_referral.reference


def test_outermost_services_refuse_to_run_inside_another_transaction(scoped, lead_investigator):
    """Each service is one durable transaction: nesting one inside another fails loudly, not half-commits."""
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        services.add_note(scoped, "A note", actor=lead_investigator)


def test_a_new_team_member_outside_the_teams_roles_gets_no_grant(scoped, director):
    auditor = make_user("auditor2", Role.AUDITOR)
    with pytest.raises(WorkflowError):
        services.add_team_member(scoped, auditor, TeamRole.ANALYST, actor=director)
    assert not AuditEvent.objects.filter(action=AuditAction.PERMISSION_GRANTED, detail__user="auditor2").exists()
