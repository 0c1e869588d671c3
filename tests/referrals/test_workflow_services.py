"""Every transition of DESIGN 3.1 through the services: allowed from the right state by the right role,
refused otherwise with a clear message, and each leaving a timeline entry and an audit event."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.choices import AuditAction
from casework import services as case_services
from casework.choices import InvestigationState
from kernel.errors import WorkflowError
from referrals import services
from referrals.choices import MessageKind, SignpostReason
from referrals.choices import ReferralState as S
from referrals.models import Referral, SignpostBody
from tests.factories import make_referral
from tests.helpers import assert_audited

FULL_SCORES = {"harm": "major", "scale": "moderate", "public_confidence": "minor", "learning": "major"}


def in_state(state, intake, director):
    """A referral walked to `state` through the services, as it would be in real use."""
    referral = make_referral()
    if state == S.RECEIVED:
        return referral
    services.start_triage(referral, actor=intake)
    if state == S.TRIAGE:
        return refreshed(referral)
    if state == S.AWAITING_INFO:
        return services.request_info(referral, actor=intake, question="Which ward?")
    if state == S.LOGGED:
        return services.log_for_intelligence(referral, actor=intake)
    if state == S.SIGNPOSTED:
        return services.signpost_referral(
            referral, actor=intake, signpost_reason=SignpostReason.REGULATORY, body=SignpostBody.objects.all()[0]
        )
    if state == S.LINKED:
        return services.link_referral(referral, actor=intake, to_referral=make_referral(), reason="Same ward")
    if state == S.WITHDRAWN:
        return services.withdraw_referral(referral, actor=intake, reason="Referrer asked")
    services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="Systemic risk")
    services.propose_case(referral, actor=intake)
    if state == S.PROPOSED:
        return refreshed(referral)
    if state == S.DECLINED:
        return services.decline_referral(referral, actor=director, reason="Already investigated elsewhere")
    if state == S.ACCEPTED:
        case_services.accept_referral(referral, actor=director, title="Deterioration on wards")
        return refreshed(referral)
    raise AssertionError(state)


def refreshed(referral):
    return Referral.objects.get(pk=referral.pk)


# (service call, states it is allowed from, resulting state, audit action, role fixture)
def call_start_triage(r, actor):
    return services.start_triage(r, actor=actor)


def call_request_info(r, actor):
    return services.request_info(r, actor=actor, question="Please tell us which ward")


def call_log(r, actor):
    return services.log_for_intelligence(r, actor=actor, reason="Theme: deterioration")


def call_signpost(r, actor):
    body = SignpostBody.objects.get(name__startswith="Care Quality")
    return services.signpost_referral(r, actor=actor, signpost_reason=SignpostReason.REGULATORY, body=body)


def call_link(r, actor):
    return services.link_referral(r, actor=actor, to_referral=make_referral(), reason="Same organisation and week")


def call_propose(r, actor):
    if r.state in (S.TRIAGE, S.LOGGED):
        services.assess_referral(r, actor=actor, scores=FULL_SCORES, rationale="Meets criteria")
    return services.propose_case(r, actor=actor, reason="National learning")


def call_accept(r, actor):
    case_services.accept_referral(r, actor=actor, title="Recognising deterioration")
    return refreshed(r)


def call_defer(r, actor):
    return services.defer_referral(r, actor=actor, reason="No capacity this quarter")


def call_decline(r, actor):
    return services.decline_referral(r, actor=actor, reason="Covered by a current investigation")


def call_withdraw(r, actor):
    return services.withdraw_referral(r, actor=actor, reason="Referrer withdrew consent")


def call_reopen(r, actor):
    return services.reopen_referral(r, actor=actor, reason="New information")


TRANSITIONS = [
    (call_start_triage, [S.RECEIVED], S.TRIAGE, AuditAction.REFERRAL_TRIAGE_STARTED, "intake"),
    (call_request_info, [S.TRIAGE], S.AWAITING_INFO, AuditAction.REFERRAL_INFO_REQUESTED, "intake"),
    (call_log, [S.TRIAGE], S.LOGGED, AuditAction.REFERRAL_LOGGED, "intake"),
    (call_signpost, [S.TRIAGE], S.SIGNPOSTED, AuditAction.REFERRAL_SIGNPOSTED, "intake"),
    (call_link, [S.TRIAGE, S.LOGGED], S.LINKED, AuditAction.REFERRAL_LINKED, "intake"),
    (call_propose, [S.TRIAGE, S.LOGGED], S.PROPOSED, AuditAction.REFERRAL_PROPOSED, "intake"),
    (call_accept, [S.PROPOSED], S.ACCEPTED, AuditAction.REFERRAL_ACCEPTED, "director"),
    (call_defer, [S.PROPOSED], S.LOGGED, AuditAction.REFERRAL_DEFERRED, "director"),
    (call_decline, [S.PROPOSED], S.DECLINED, AuditAction.REFERRAL_DECLINED, "director"),
    (
        call_withdraw,
        [S.RECEIVED, S.TRIAGE, S.AWAITING_INFO, S.LOGGED, S.LINKED, S.PROPOSED],
        S.WITHDRAWN,
        AuditAction.REFERRAL_WITHDRAWN,
        "intake",
    ),
    (
        call_reopen,
        [S.SIGNPOSTED, S.DECLINED, S.LOGGED, S.WITHDRAWN],
        S.TRIAGE,
        AuditAction.REFERRAL_REOPENED,
        "director",
    ),
]

ALLOWED = [
    (call, source, target, action, role) for call, sources, target, action, role in TRANSITIONS for source in sources
]
REFUSED_STATE = [
    (call, source, role) for call, sources, _, _, role in TRANSITIONS for source in S.values if source not in sources
]


@pytest.mark.parametrize(("call", "source", "target", "action", "role"), ALLOWED)
def test_transition_allowed(call, source, target, action, role, intake, director, request):
    referral = in_state(source, intake, director)
    actor = request.getfixturevalue(role)
    result = call(referral, actor)
    assert result.state == target
    assert refreshed(referral).state == target
    assert_audited(action, actor=actor, target_ref=referral.reference)
    activity = referral.activities.order_by("-pk").first()
    assert (activity.from_state, activity.to_state, activity.actor) == (source, target, actor)


@pytest.mark.parametrize(("call", "source", "role"), REFUSED_STATE)
def test_transition_refused_from_wrong_state_changes_nothing(call, source, role, intake, director, request):
    referral = in_state(source, intake, director)
    before_activities = referral.activities.count()
    with pytest.raises(WorkflowError, match=r"nothing was changed"):
        call(referral, request.getfixturevalue(role))
    assert refreshed(referral).state == source
    assert referral.activities.count() == before_activities


@pytest.mark.parametrize(
    ("call", "source", "wrong_role"),
    [
        (call_start_triage, S.RECEIVED, "lead_investigator"),
        (call_start_triage, S.RECEIVED, "auditor"),
        (call_log, S.TRIAGE, "admin_user"),
        (call_accept, S.PROPOSED, "intake"),
        (call_defer, S.PROPOSED, "intake"),
        (call_decline, S.PROPOSED, "chief"),
        (call_reopen, S.WITHDRAWN, "intake"),
        (call_withdraw, S.TRIAGE, "lead_investigator"),
    ],
)
def test_transition_refused_for_the_wrong_role(call, source, wrong_role, intake, director, request):
    referral = in_state(source, intake, director)
    with pytest.raises(PermissionDenied):
        call(referral, request.getfixturevalue(wrong_role))
    assert refreshed(referral).state == source


def test_accept_creates_a_proposed_investigation(intake, director):
    referral = in_state(S.PROPOSED, intake, director)
    investigation = case_services.accept_referral(referral, actor=director, title="Deterioration on wards")
    assert investigation.reference.startswith("INV-")
    assert len(investigation.reference) == len("INV-2026-0001")
    assert investigation.state == InvestigationState.PROPOSED
    assert investigation.origin_referral == referral
    assert_audited(AuditAction.INVESTIGATION_CREATED, actor=director, target_ref=investigation.reference)


def test_propose_needs_a_complete_assessment(intake, director):
    referral = in_state(S.TRIAGE, intake, director)
    with pytest.raises(WorkflowError, match="Complete the triage assessment"):
        services.propose_case(referral, actor=intake)
    services.assess_referral(referral, actor=intake, scores={"harm": "major"}, rationale="Partial")
    with pytest.raises(WorkflowError, match="Complete the triage assessment"):
        services.propose_case(referral, actor=intake)
    assert refreshed(referral).state == S.TRIAGE


def test_assessment_records_the_criteria_version_and_overall_band(intake, director):
    referral = in_state(S.TRIAGE, intake, director)
    assessment = services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="r")
    assert assessment.criteria.version == 1
    assert assessment.is_complete
    assert assessment.overall_band == "major"
    assert_audited(AuditAction.REFERRAL_ASSESSED, actor=intake, target_ref=referral.reference)


def test_assessment_refuses_unknown_criteria_and_wrong_states(intake, director):
    referral = in_state(S.TRIAGE, intake, director)
    with pytest.raises(WorkflowError, match="Unknown criteria"):
        services.assess_referral(referral, actor=intake, scores={"made_up": "major"}, rationale="r")
    received = make_referral()
    with pytest.raises(WorkflowError, match="only referrals in triage or logged"):
        services.assess_referral(received, actor=intake, scores=FULL_SCORES, rationale="r")


def test_a_reply_answers_a_request_for_information(intake, director):
    referral = in_state(S.AWAITING_INFO, intake, director)
    assert referral.messages.get().kind == MessageKind.QUESTION
    services.reply(referral, "It was ward 7, nights only.")
    assert refreshed(referral).state == S.TRIAGE
    assert_audited(AuditAction.REFERRAL_INFO_RECEIVED, target_ref=referral.reference)
    assert referral.messages.last().kind == MessageKind.REPLY


def test_information_recorded_in_other_states_is_kept_without_a_transition(intake, director):
    referral = in_state(S.LOGGED, intake, director)
    services.record_information(referral, actor=intake, text="Another incident last week.")
    assert refreshed(referral).state == S.LOGGED
    assert referral.messages.get().kind == MessageKind.RECORDED


def test_link_needs_exactly_one_target_and_not_itself(intake, director):
    referral = in_state(S.TRIAGE, intake, director)
    with pytest.raises(WorkflowError, match="one other referral"):
        services.link_referral(referral, actor=intake, reason="r")
    with pytest.raises(WorkflowError, match="itself"):
        services.link_referral(referral, actor=intake, reason="r", to_referral=referral)
    assert refreshed(referral).state == S.TRIAGE


def test_assignment_only_to_people_who_can_triage(intake, director, lead_investigator):
    referral = make_referral()
    services.assign_referral(referral, actor=intake, assignee=intake)
    assert refreshed(referral).assignee == intake
    assert_audited(AuditAction.REFERRAL_ASSIGNED, actor=intake, target_ref=referral.reference)
    with pytest.raises(WorkflowError, match="cannot triage"):
        services.assign_referral(referral, actor=director, assignee=lead_investigator)
    with pytest.raises(PermissionDenied):
        services.assign_referral(referral, actor=lead_investigator, assignee=intake)
    assert refreshed(referral).assignee == intake


def test_received_referral_is_audited_with_remit_flags(db):
    from datetime import date

    from referrals.choices import Region

    referral = make_referral(occurred_on=date(2016, 5, 1), region=Region.OUTSIDE_ENGLAND)
    assert referral.before_remit_start
    assert referral.outside_england
    assert referral.out_of_remit
    event = assert_audited(AuditAction.REFERRAL_RECEIVED, target_ref=referral.reference)
    assert event.detail == {"channel": "web_form", "out_of_remit": True}
    assert referral.reference.startswith("REF-")
    assert len(referral.reference) == len("REF-2026-000001")
