"""Investigations through the services: workflow, team and conflicts, directions, work, recommendations."""

import os
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.roles import Role
from accounts.services import declare_conflict
from audit.choices import AuditAction
from casework import services
from casework.choices import InvestigationState as S
from casework.choices import RecommendationState, StatementKind, TeamRole
from casework.models import Investigation
from kernel.dates import add_years
from kernel.errors import WorkflowError
from referrals.models import Referral
from tests.factories import consult_on_draft, draft_final_report, make_referral, make_user
from tests.helpers import assert_audited, at_once


@pytest.fixture
def investigation(db):
    referral = make_referral(organisation_name="Northshire Hospitals NHS Foundation Trust")
    return Investigation.objects.create(
        reference="INV-2026-9001",
        title="Recognising deterioration",
        organisation_name="Northshire Hospitals NHS Foundation Trust",
        origin_referral=referral,
    )


def fresh(investigation):
    return Investigation.objects.get(pk=investigation.pk)


@pytest.fixture
def scoped(investigation, director, lead_investigator):
    return services.start_scoping(investigation, actor=director, lead=lead_investigator)


def walk(investigation, director, lead, chief, until):
    """Take a scoped investigation through the workflow to state `until`."""
    steps = [
        (S.LAUNCH_PENDING, lambda i: _approve_terms(i, director, lead)),
        (S.EVIDENCE_GATHERING, lambda i: services.launch(i, actor=lead, start_statement="We are investigating.")),
        (S.ANALYSIS, lambda i: services.transition(i, "begin_analysis", actor=lead)),
        (S.DRAFTING, lambda i: services.transition(i, "start_drafting", actor=lead)),
        (S.INTERNAL_REVIEW, lambda i: _submit_draft(i, lead)),
        (S.DRAFT_CONSULTATION, lambda i: services.transition(i, "approve_for_consultation", actor=director)),
        (S.REVISION, lambda i: _consult_and_revise(i, lead)),
        (S.FINAL_APPROVAL, lambda i: services.transition(i, "submit_final", actor=lead)),
        (S.PUBLISHED, lambda i: services.publish(i, actor=chief, report_summary="What we found.")),
    ]
    for state, step in steps:
        if fresh(investigation).state == until:
            break
        step(investigation)
        assert fresh(investigation).state == state
    return fresh(investigation)


def _consult_and_revise(investigation, lead):
    consult_on_draft(investigation, lead)
    return services.transition(investigation, "begin_revision", actor=lead)


def _submit_draft(investigation, lead):
    draft_final_report(investigation, lead)
    return services.transition(investigation, "submit_for_review", actor=lead)


def _approve_terms(investigation, director, lead):
    services.record_terms_of_reference(investigation, "Scope: recognition of deterioration.", actor=lead)
    return services.transition(investigation, "approve_terms_of_reference", actor=director)


def test_full_workflow_to_archive_with_statements_and_audit(scoped, director, lead_investigator, chief):
    investigation = walk(scoped, director, lead_investigator, chief, until=None)
    assert investigation.state == S.PUBLISHED
    assert investigation.statements.filter(kind=StatementKind.START).exists()
    assert investigation.statements.filter(kind=StatementKind.REPORT).exists()
    assert investigation.retention_until is None  # retention runs from closure
    services.transition(investigation, "close", actor=director)
    assert fresh(investigation).retention_until == add_years(timezone.localdate(), settings.RETENTION_YEARS)
    services.transition(investigation, "archive", actor=director)
    assert fresh(investigation).state == S.ARCHIVED
    assert_audited(AuditAction.INVESTIGATION_TRANSITIONED, actor=chief, target_ref=investigation.reference)
    assert investigation.activities.filter(action="publish", actor=chief).exists()


def test_scoping_needs_a_director_and_conflicts_are_checked(investigation, director, intake, lead_investigator):
    with pytest.raises(PermissionDenied):
        services.start_scoping(investigation, actor=intake, lead=lead_investigator)
    declare_conflict(
        lead_investigator,
        organisation_name="northshire hospitals nhs foundation trust",
        nature="Worked there until 2024",
        starts_on=date(2020, 1, 1),
    )
    with pytest.raises(WorkflowError, match="declared a conflict of interest"):
        services.start_scoping(investigation, actor=director, lead=lead_investigator)
    assert fresh(investigation).state == S.PROPOSED
    assert not investigation.team.exists()
    services.start_scoping(
        investigation,
        actor=director,
        lead=lead_investigator,
        override_reasons={lead_investigator: "Left in 2024; no line management overlap"},
    )
    assert fresh(investigation).state == S.SCOPING
    assert investigation.team.get().conflict_override_reason.startswith("Left in 2024")
    assert_audited(AuditAction.CONFLICT_OVERRIDDEN, actor=director, target_ref=investigation.reference)


def test_expired_declaration_is_no_conflict(investigation, director, lead_investigator):
    declare_conflict(
        lead_investigator,
        organisation_name=investigation.organisation_name,
        nature="Placement",
        starts_on=date(2015, 1, 1),
        ends_on=date(2016, 1, 1),
    )
    services.start_scoping(investigation, actor=director, lead=lead_investigator)
    assert fresh(investigation).state == S.SCOPING


def test_declaration_dates_out_of_order_are_refused(lead_investigator):
    with pytest.raises(WorkflowError, match="end date"):
        declare_conflict(
            lead_investigator, organisation_name="X", nature="Y", starts_on=date(2024, 1, 1), ends_on=date(2023, 1, 1)
        )


def test_team_membership_grants_and_removal_revokes_access(scoped, director, lead_investigator, other_investigator):
    referral = scoped.origin_referral
    assert not Investigation.objects.visible_to(other_investigator).exists()
    services.add_team_member(scoped, other_investigator, TeamRole.ANALYST, actor=lead_investigator)
    assert list(Investigation.objects.visible_to(other_investigator)) == [scoped]
    assert Investigation.objects.visible_to(other_investigator, "work_on").exists()
    assert Referral.objects.visible_to(other_investigator).filter(pk=referral.pk).exists()
    services.remove_team_member(scoped, other_investigator, actor=director)
    fresh_user = type(other_investigator).objects.get(pk=other_investigator.pk)  # a new request's user
    assert not Investigation.objects.visible_to(fresh_user).exists()
    assert not Referral.objects.visible_to(fresh_user).exists()
    assert_audited(AuditAction.TEAM_MEMBER_REMOVED, actor=director, target_ref=scoped.reference)


def test_the_last_lead_cannot_be_removed(scoped, director, lead_investigator):
    with pytest.raises(WorkflowError, match="only lead"):
        services.remove_team_member(scoped, lead_investigator, actor=director)
    assert scoped.team.filter(user=lead_investigator).exists()


def test_team_changes_need_a_director_or_the_lead(scoped, other_investigator, intake):
    with pytest.raises(PermissionDenied):
        services.add_team_member(scoped, intake, TeamRole.ANALYST, actor=other_investigator)
    with pytest.raises(WorkflowError, match="not an investigator"):
        services.add_team_member(scoped, intake, TeamRole.ANALYST, actor=scoped.lead)


def test_lead_steps_refused_to_other_team_members(scoped, director, lead_investigator, other_investigator, chief):
    services.add_team_member(scoped, other_investigator, TeamRole.INVESTIGATOR, actor=director)
    _approve_terms(scoped, director, lead_investigator)
    with pytest.raises(PermissionDenied):
        services.launch(scoped, actor=other_investigator, start_statement="x")
    with pytest.raises(PermissionDenied):
        services.launch(scoped, actor=director, start_statement="x")
    assert fresh(scoped).state == S.LAUNCH_PENDING


def test_terms_must_exist_before_approval(scoped, director):
    with pytest.raises(WorkflowError, match="Record the terms of reference"):
        services.transition(scoped, "approve_terms_of_reference", actor=director)


def test_wrong_state_is_refused_and_changes_nothing(scoped, chief):
    with pytest.raises(WorkflowError, match="nothing was changed"):
        services.publish(scoped, actor=chief, report_summary="x")
    assert fresh(scoped).state == S.SCOPING
    assert not scoped.statements.exists()


def test_pause_and_resume_return_to_the_same_stage_with_reasons(scoped, director, lead_investigator, chief):
    investigation = walk(scoped, director, lead_investigator, chief, until=S.ANALYSIS)
    with pytest.raises(WorkflowError, match="reason"):
        services.pause(investigation, actor=director, reason=" ")
    services.pause(investigation, actor=director, reason="Police investigation under way")
    assert fresh(investigation).state == S.PAUSED
    with pytest.raises(PermissionDenied):
        services.resume(investigation, actor=lead_investigator, reason="x")
    services.resume(investigation, actor=director, reason="Police investigation concluded")
    assert fresh(investigation).state == S.ANALYSIS
    assert investigation.activities.get(action="pause").reason == "Police investigation under way"


def test_discontinue_publishes_a_statement_and_not_after_publication(scoped, director, lead_investigator, chief):
    services.discontinue(scoped, actor=director, reasons="Issue addressed by a national alert")
    assert fresh(scoped).state == S.DISCONTINUED
    assert scoped.statements.get(kind=StatementKind.DISCONTINUATION).text.startswith("Issue addressed")
    other = Investigation.objects.create(reference="INV-2026-9002", title="Other")
    services.start_scoping(other, actor=director, lead=lead_investigator)
    walk(other, director, lead_investigator, chief, until=None)
    with pytest.raises(WorkflowError, match="nothing was changed"):
        services.discontinue(other, actor=director, reasons="Too late")


def test_close_needs_every_recommendation_closed(scoped, director, lead_investigator, chief):
    investigation = walk(scoped, director, lead_investigator, chief, until=None)
    recommendation = services.draft_recommendation(
        investigation, actor=lead_investigator, text="Standardise escalation", addressee="NHS England"
    )
    with pytest.raises(WorkflowError, match="recommendation must be closed"):
        services.transition(investigation, "close", actor=director)
    services.recommendation_step(recommendation, "agree", actor=lead_investigator)
    issued = services.recommendation_step(recommendation, "issue", actor=director)
    assert issued.issued_on is not None
    assert issued.response_due == issued.issued_on + timedelta(days=90)
    services.recommendation_step(
        recommendation,
        "record_response",
        actor=lead_investigator,
        response_text="We will update the guidance.",
        response_received_on=timezone.localdate(),
    )
    services.recommendation_step(recommendation, "assess", actor=lead_investigator, assessment="accepted_in_full")
    services.recommendation_step(recommendation, "close", actor=director)
    services.transition(investigation, "close", actor=director)
    assert fresh(investigation).state == S.CLOSED


def test_recommendation_bad_input(scoped, director, lead_investigator):
    recommendation = services.draft_recommendation(scoped, actor=lead_investigator, text="t", addressee="a")
    with pytest.raises(WorkflowError, match="nothing was changed"):
        services.recommendation_step(recommendation, "issue", actor=director)
    services.recommendation_step(recommendation, "agree", actor=lead_investigator)
    services.recommendation_step(recommendation, "issue", actor=director)
    with pytest.raises(WorkflowError, match="response text"):
        services.recommendation_step(recommendation, "record_response", actor=lead_investigator)
    with pytest.raises(WorkflowError, match="future"):
        services.recommendation_step(
            recommendation,
            "record_response",
            actor=lead_investigator,
            response_text="x",
            response_received_on=timezone.localdate() + timedelta(days=3),
        )
    assert type(recommendation).objects.get(pk=recommendation.pk).state == RecommendationState.ISSUED


def test_dispose_needs_retention_expired_and_no_legal_hold(scoped, director, chief):
    from casework.services.disposal import approve_disposal, request_disposal

    services.discontinue(scoped, actor=director, reasons="Stopped")
    services.transition(scoped, "archive", actor=director)
    with pytest.raises(WorkflowError, match="disposed of through a disposal"):
        services.transition(scoped, "dispose", actor=director)  # never straight from the state machine
    with pytest.raises(WorkflowError, match="retention"):
        request_disposal(fresh(scoped), actor=director)
    Investigation.objects.filter(pk=scoped.pk).update(retention_until=date(2020, 1, 1), legal_hold=True)
    with pytest.raises(WorkflowError, match="legal hold"):
        request_disposal(fresh(scoped), actor=director)
    Investigation.objects.filter(pk=scoped.pk).update(legal_hold=False)
    approve_disposal(request_disposal(fresh(scoped), actor=director), actor=chief)
    assert fresh(scoped).state == S.DISPOSED


# Directions: the two-person rule.


@pytest.fixture
def director2(db):
    from accounts.roles import Role
    from tests.factories import make_user

    return make_user("director_two", Role.DIRECTOR)


def register(director, **overrides):
    fields: dict[str, Any] = {
        "title": "Mental health inpatient settings",
        "issued_on": timezone.localdate() - timedelta(days=3),
        "scope": "Safety of mental health inpatient care across England.",
        "mandated_report_date": timezone.localdate() + timedelta(days=300),
    }
    fields.update(overrides)
    return services.register_direction(actor=director, **fields)


def test_direction_registered_by_one_and_approved_by_another(director, director2):
    direction = register(director)
    with pytest.raises(WorkflowError, match="two-person rule"):
        services.approve_direction(direction, actor=director)
    investigation = services.approve_direction(direction, actor=director2)
    assert investigation.directed
    assert investigation.due_date == direction.mandated_report_date
    assert investigation.state == S.PROPOSED
    with pytest.raises(WorkflowError, match="already approved"):
        services.approve_direction(direction, actor=director2)
    assert_audited(AuditAction.DIRECTION_APPROVED, actor=director2)


def test_chief_investigator_can_approve_but_not_register(director, chief):
    with pytest.raises(PermissionDenied):
        register(chief)
    assert services.approve_direction(register(director), actor=chief).directed


def test_variation_moves_the_due_date_and_revocation_discontinues(director, director2):
    direction = register(director)
    investigation = services.approve_direction(direction, actor=director2)
    new_date = timezone.localdate() + timedelta(days=400)
    variation = services.vary_direction(
        direction,
        actor=director,
        issued_on=timezone.localdate(),
        summary="Extended scope",
        mandated_report_date=new_date,
    )
    assert variation.version == 2
    assert fresh(investigation).due_date == new_date
    assert type(direction).objects.get(pk=direction.pk).current_report_date == new_date
    services.revoke_direction(direction, actor=director, revoked_on=timezone.localdate(), reason="Superseded")
    assert fresh(investigation).state == S.DISCONTINUED
    assert "revoked" in investigation.statements.get(kind=StatementKind.DISCONTINUATION).text


@pytest.mark.parametrize(
    ("field", "days_from_today", "message"),
    [
        ("issued_on", 1, "future"),
        ("mandated_report_date", -30, "before the direction was issued"),
    ],
)
def test_direction_dates_out_of_order_are_refused(director, field, days_from_today, message):
    # Dates from the day the test runs, not the day it was collected (a run can cross midnight).
    with pytest.raises(WorkflowError, match=message):
        register(director, **{field: timezone.localdate() + timedelta(days=days_from_today)})


# Work: tasks, journal, interviews; and the leaver service.


def test_tasks_only_for_team_members_and_not_due_in_the_past(scoped, lead_investigator, other_investigator):
    with pytest.raises(WorkflowError, match="not on the team"):
        services.create_task(scoped, actor=lead_investigator, title="Interview ward staff", assignee=other_investigator)
    with pytest.raises(WorkflowError, match="past"):
        services.create_task(
            scoped, actor=lead_investigator, title="t", assignee=lead_investigator, due_date=date(2020, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        services.create_task(scoped, actor=other_investigator, title="t", assignee=lead_investigator)
    task = services.create_task(scoped, actor=lead_investigator, title="Visit the unit", assignee=lead_investigator)
    assert task.status == "open"


def test_note_edits_keep_every_version(scoped, lead_investigator, director):
    note = services.add_note(scoped, "First impressions", actor=lead_investigator)
    services.edit_note(note, "First impressions, corrected", actor=lead_investigator)
    assert [h.text for h in note.history.order_by("history_date")] == [
        "First impressions",
        "First impressions, corrected",
    ]
    with pytest.raises(PermissionDenied):
        services.edit_note(note, "Rewritten", actor=director)


def test_interview_with_consent_and_not_in_the_future(scoped, lead_investigator):
    with pytest.raises(WorkflowError, match="before it has happened"):
        services.record_interview(
            scoped,
            actor=lead_investigator,
            interviewee="Ward sister",
            interviewee_type="staff",
            held_on=date.today() + timedelta(days=1),
            consent_given=True,
        )
    interview = services.record_interview(
        scoped,
        actor=lead_investigator,
        interviewee="Ward sister",
        interviewee_type="staff",
        held_on=date.today(),
        consent_given=True,
        consent_notes="Written consent on file",
    )
    assert interview.consent_given


def test_leaver_hands_over_roles_and_tasks_then_loses_access(scoped, director, lead_investigator, other_investigator):
    services.create_task(scoped, actor=lead_investigator, title="Write chronology", assignee=lead_investigator)
    summary = services.process_leaver(lead_investigator, successor=other_investigator, actor=director)
    assert summary == {"investigations": 1, "tasks": 1, "successor": other_investigator.username}
    assert fresh(scoped).lead == other_investigator
    assert scoped.tasks.get().assignee == other_investigator
    leaver = type(lead_investigator).objects.get(pk=lead_investigator.pk)
    assert not leaver.is_active
    assert not Investigation.objects.visible_to(leaver).exists()
    assert_audited(AuditAction.LEAVER_PROCESSED, actor=director, target_ref=lead_investigator.username)


def test_leaver_with_a_conflicted_successor_changes_nothing(scoped, director, lead_investigator, other_investigator):
    declare_conflict(
        other_investigator,
        organisation_name=scoped.organisation_name,
        nature="Spouse works there",
        starts_on=date(2020, 1, 1),
    )
    with pytest.raises(WorkflowError, match="conflict of interest"):
        services.process_leaver(lead_investigator, successor=other_investigator, actor=director)
    assert fresh(scoped).lead == lead_investigator
    assert type(lead_investigator).objects.get(pk=lead_investigator.pk).is_active


@pytest.mark.django_db(transaction=True)
def test_two_directors_pausing_at_once_exactly_one_wins(migrated_data):

    from accounts.roles import Role
    from tests.factories import make_user

    directors = [make_user("dir%s" % n, Role.DIRECTOR) for n in range(2)]
    lead = make_user("lead", Role.INVESTIGATOR)
    investigation = Investigation.objects.create(reference="INV-2026-9100", title="Race")
    services.start_scoping(investigation, actor=directors[0], lead=lead)
    outcomes = at_once(
        *(
            lambda who=who: services.pause(investigation, actor=who, reason="Paused by %s" % who.username)
            for who in directors
        )
    )
    [refusal] = [str(outcome) for outcome in outcomes if isinstance(outcome, WorkflowError)]
    assert "is now paused" in refusal
    assert "nothing was changed" in refusal
    assert investigation.activities.filter(action="pause").count() == 1


def test_nothing_is_added_to_an_archived_record(scoped, director, lead_investigator, evidence_storage):
    import uuid

    from casework.services import evidence as evidence_services
    from vault import blobs

    services.discontinue(scoped, actor=director, reasons="Stopped")
    services.transition(scoped, "archive", actor=director)
    archived = fresh(scoped)
    with pytest.raises(WorkflowError, match="record is complete"):
        services.add_note(archived, "Late note", actor=lead_investigator)
    with pytest.raises(WorkflowError, match="record is complete"):
        services.create_task(archived, actor=lead_investigator, title="t", assignee=lead_investigator)
    evidence_id = uuid.uuid4()
    blob = blobs.store_stream(evidence_id, [b"late evidence"])
    with pytest.raises(WorkflowError, match="record is complete"):
        evidence_services.add_evidence(
            blob, evidence_id, actor=lead_investigator, title="t", filename="f", investigation=archived
        )
    assert not os.path.exists(os.path.join(evidence_storage, blob.blob_name))
    assert not archived.notes.exists()


def test_whoever_wrote_the_terms_of_reference_cannot_approve_them(scoped, director):
    services.record_terms_of_reference(scoped, "Scope written by the director.", actor=director)
    with pytest.raises(WorkflowError, match="someone else must give it"):
        services.transition(scoped, "approve_terms_of_reference", actor=director)
    assert fresh(scoped).state == S.SCOPING


def test_whoever_submitted_the_final_report_cannot_publish_it(investigation, director, chief):
    """The chief investigator leading a case submits it for final approval; another must publish it."""
    other_chief = make_user("second_chief", Role.CHIEF_INVESTIGATOR)
    services.start_scoping(investigation, actor=director, lead=chief)
    at_final = walk(investigation, director, chief, other_chief, until=S.FINAL_APPROVAL)
    with pytest.raises(WorkflowError, match="someone else must give it"):
        services.publish(at_final, actor=chief, report_summary="Findings.")
    assert fresh(investigation).state == S.FINAL_APPROVAL
    services.publish(at_final, actor=other_chief, report_summary="Findings.")
    assert fresh(investigation).state == S.PUBLISHED


def test_whoever_submitted_the_draft_for_review_cannot_approve_it_for_consultation(investigation, director, chief):
    """A director leading a case submits the draft for review; another director approves it."""
    other_director = make_user("second_director", Role.DIRECTOR)
    services.start_scoping(investigation, actor=other_director, lead=director)
    at_review = walk(investigation, other_director, director, chief, until=S.INTERNAL_REVIEW)
    with pytest.raises(WorkflowError, match="someone else must give it"):
        services.transition(at_review, "approve_for_consultation", actor=director)
    services.transition(at_review, "approve_for_consultation", actor=other_director)
    assert fresh(investigation).state == S.DRAFT_CONSULTATION
