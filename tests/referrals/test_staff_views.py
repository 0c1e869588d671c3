"""Staff pages: entry of concerns by phone/email/letter, the intake queue, the referral page and its actions."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import search_term_digest
from kernel.once import FORM_FIELD, new_token
from referrals import services
from referrals.actions import ACTIONS
from referrals.choices import ReferralState
from referrals.models import Referral
from tests.factories import make_referral, referral_details
from tests.helpers import assert_audited
from tests.referrals.test_workflow_services import FULL_SCORES

QUEUE = "/referrals/"


def staff_answers(**overrides):
    answers = {k: v for k, v in referral_details().items() if k != "occurred_on"}
    answers.update({"occurred_on": "", "channel": "phone"})
    answers.update(overrides)
    return answers


def test_staff_record_a_phone_concern_and_read_out_the_receipt_code(client, intake):
    client.force_login(intake)
    response = client.post(reverse("referrals:new"), staff_answers(), follow=True)
    referral = Referral.objects.get()
    assert (referral.channel, referral.recorded_by) == ("phone", intake)
    html = response.content.decode()
    assert "Give the referrer their receipt code now" in html
    code = html.split("it is shown only once: ")[1][:14]
    assert services.find_referral_by_receipt(referral.reference, code) == referral
    assert_audited(AuditAction.REFERRAL_RECEIVED, actor=intake, target_ref=referral.reference)


def test_staff_entry_refuses_bad_input_and_keeps_it(client, intake):
    client.force_login(intake)
    response = client.post(reverse("referrals:new"), staff_answers(channel="carrier-pigeon", reporter_email="bad"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in html
    assert "Enter a valid email address" in html
    assert escape(referral_details()["description"]) in html
    assert not Referral.objects.exists()


# The intake queue.


@pytest.fixture
def queue(intake, director):
    mine = make_referral(organisation_name="Harbour Pharmacy Group", care_setting="pharmacy")
    services.assign_referral(mine, actor=intake, assignee=intake)
    in_triage = make_referral(description="Ventilator alarms were silenced on the unit overnight.")
    services.start_triage(in_triage, actor=intake)
    old = make_referral(region="outside_england")
    Referral.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(days=30), state_changed_at=timezone.now() - timedelta(days=30)
    )
    closed = make_referral()
    services.withdraw_referral(closed, actor=intake, reason="Asked to")
    return {"mine": mine, "in_triage": in_triage, "old": old, "closed": closed}


def listed(client, **params) -> set[str]:
    html = client.get(QUEUE, params).content.decode()
    return {ref for ref in Referral.objects.values_list("reference", flat=True) if ref in html}


def test_queue_shows_open_work_newest_first_and_is_audited(client, intake, queue):
    client.force_login(intake)
    response = client.get(QUEUE)
    html = response.content.decode()
    assert listed(client) == {queue[k].reference for k in ("mine", "in_triage", "old")}
    assert "Referrals 1 to 3" in html
    assert html.index(queue["in_triage"].reference) < html.index(queue["old"].reference)
    assert_audited(AuditAction.REFERRAL_QUEUE_VIEWED, actor=intake)


def test_search_terms_are_recorded_as_keyed_hashes_never_in_clear(client, intake, queue):
    client.force_login(intake)
    client.get(QUEUE, {"q": "Mrs Jane Patient", "state": "triage"})
    event = assert_audited(AuditAction.REFERRAL_QUEUE_VIEWED, actor=intake)
    assert "Jane" not in str(event.detail)
    assert event.detail["filters"]["state"] == "triage"
    assert event.detail["filters"]["q_hmac"] == search_term_digest("  mrs jane   PATIENT ")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "withdrawn"}, {"closed"}),
        ({"state": "triage"}, {"in_triage"}),
        ({"care_setting": "pharmacy"}, {"mine"}),
        ({"organisation": "harbour"}, {"mine"}),
        ({"remit": "out"}, {"old"}),
        ({"assignee": "me"}, {"mine"}),
        ({"assignee": "none"}, {"in_triage", "old"}),
        ({"older_than_days": "7"}, {"old"}),
        ({"overdue": "on"}, {"old"}),
        ({"q": "ventilator alarms"}, {"in_triage"}),
    ],
)
def test_queue_filters(client, intake, queue, params, expected):
    client.force_login(intake)
    assert listed(client, **params) == {queue[key].reference for key in expected}


def test_queue_search_by_reference(client, intake, queue):
    client.force_login(intake)
    assert listed(client, q=queue["old"].reference.lower()) == {queue["old"].reference}


def test_queue_ignores_bad_filter_values_with_a_message(client, intake, queue):
    client.force_login(intake)
    response = client.get(QUEUE, {"state": "nonsense", "older_than_days": "-4", "page": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_queue_explains_a_number_of_days_too_large_for_a_date(client, intake, queue):
    client.force_login(intake)
    response = client.get(QUEUE, {"older_than_days": "64773896639482118144"})
    assert response.status_code == 200
    assert "less than or equal to 36500" in response.content.decode()


def test_queue_pages_without_counting_every_row(client, intake, monkeypatch):
    monkeypatch.setattr("referrals.views.PAGE_SIZE", 2)
    referrals = [make_referral() for _ in range(5)]
    client.force_login(intake)
    first = client.get(QUEUE).content.decode()
    assert "page=2" in first
    third = client.get(QUEUE, {"page": 3}).content.decode()
    assert referrals[0].reference in third
    assert "page=4" not in third


# The referral page.


def test_intake_sees_identity_and_its_viewing_is_audited(client, intake, case_referral):
    client.force_login(intake)
    html = client.get(case_referral.get_absolute_url()).content.decode()
    assert "sam@example.org" in html
    assert_audited(AuditAction.REFERRAL_IDENTITY_VIEWED, actor=intake, target_ref=case_referral.reference)


def test_investigator_on_the_case_sees_the_concern_but_not_the_identity(client, lead_investigator, case_referral):
    client.force_login(lead_investigator)
    html = client.get(case_referral.get_absolute_url()).content.decode()
    assert escape(case_referral.description) in html
    assert "sam@example.org" not in html
    assert "Sam Example" not in html
    assert not AuditEvent.objects.filter(action=AuditAction.REFERRAL_IDENTITY_VIEWED, actor=lead_investigator)


def actions_on_page(client, referral) -> set[str]:
    html = client.get(referral.get_absolute_url()).content.decode()
    return set(re.findall(r'data-testid="action-([a-z_]+)"', html))


def test_only_the_actions_allowed_now_are_offered(client, intake, director, lead_investigator):
    referral = make_referral()
    client.force_login(intake)
    assert actions_on_page(client, referral) == {
        "claim",
        "assign",
        "start_triage",
        "record_info",
        "message",
        "withdraw",
    }
    client.force_login(lead_investigator)
    services_grant(lead_investigator, referral)
    assert actions_on_page(client, referral) == set()
    services.start_triage(referral, actor=intake)
    services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="r")
    services.propose_case(referral, actor=intake)
    client.force_login(director)
    assert {"accept", "defer", "decline", "withdraw"} <= actions_on_page(client, referral)
    client.force_login(intake)
    assert not {"accept", "defer", "decline"} & actions_on_page(client, referral)


def services_grant(user, referral):
    from accounts.grants import grant_object_permission

    grant_object_permission(user, "referrals.view_referral", referral, actor=None)


def action_url(referral, action):
    return reverse("referrals:action", args=[referral.reference, action])


def test_action_from_the_wrong_state_is_explained_and_changes_nothing(client, intake):
    referral = make_referral()
    client.force_login(intake)
    client.post(action_url(referral, "start_triage"))
    response = client.post(action_url(referral, "start_triage"), follow=True)
    assert "is now in triage, so you cannot start triage on it" in response.content.decode()
    assert referral.activities.filter(action="start_triage").count() == 1


def test_a_consequential_step_has_its_own_page_saying_what_it_will_do(client, intake):
    referral = make_referral()
    client.force_login(intake)
    detail = client.get(referral.get_absolute_url()).content.decode()
    assert 'href="%s"' % action_url(referral, "withdraw") in detail  # a link, not a one-click form
    page = client.get(action_url(referral, "withdraw")).content.decode()
    assert "What this will do" in page
    assert "The concern is closed as withdrawn" in page
    assert "Yes, withdraw" in page
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.RECEIVED
    assert_audited(AuditAction.REFERRAL_VIEWED, actor=intake, target_ref=referral.reference)


def test_a_step_not_open_now_says_so_on_its_page(client, director):
    referral = make_referral()
    client.force_login(director)
    page = client.get(action_url(referral, "reopen")).content.decode()
    assert 'data-testid="step-closed"' in page
    assert "<form" not in page.split('data-testid="step-title"')[1]


def test_a_refused_step_is_shown_again_with_the_error_at_its_field_and_nothing_lost(client, intake):
    referral = make_referral()
    client.force_login(intake)
    response = client.post(action_url(referral, "withdraw"), {"withdraw-reason": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Withdraw" in page
    assert "Reason: Enter reason" in page  # in the error summary, linked to the field
    assert "nhsuk-textarea--error" in page
    assert "The concern is closed as withdrawn" in page  # still on the step's own page
    assert_audited(AuditAction.ACTION_REFUSED, actor=intake, target_ref=referral.reference)
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.RECEIVED


def test_a_refused_panel_step_reopens_its_panel_with_what_was_typed(client, intake):
    referral = make_referral()
    services.start_triage(referral, actor=intake)
    client.force_login(intake)
    response = client.post(action_url(referral, "link"), {"link-to_reference": "REF-2026-424242", "link-reason": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<details class="nhsuk-details" open id="step-link">' in page
    assert 'value="REF-2026-424242"' in page
    assert "Why are they linked?: Enter why are they linked?" in page or "nhsuk-textarea--error" in page
    assert "<title>Error: REF-" in page


def test_director_declines_with_reasons_through_the_page(client, intake, director):
    referral = make_referral()
    services.start_triage(referral, actor=intake)
    services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="r")
    services.propose_case(referral, actor=intake)
    client.force_login(director)
    client.post(action_url(referral, "decline"), {"decline-reason": "Covered elsewhere"})
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.DECLINED
    assert referral.activities.get(action="decline").reason == "Covered elsewhere"


def test_link_through_the_page_to_an_unknown_reference_is_explained(client, intake):
    referral = make_referral()
    services.start_triage(referral, actor=intake)
    client.force_login(intake)
    response = client.post(
        action_url(referral, "link"), {"link-to_reference": "REF-2026-424242", "link-reason": "Same"}, follow=True
    )
    assert "There is no referral or investigation REF-2026-424242" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.TRIAGE


def test_unknown_action_is_not_found_and_get_shows_the_steps_page(client, intake, case_referral):
    client.force_login(intake)
    assert client.post(action_url(case_referral, "delete_everything")).status_code == 404
    assert client.get(action_url(case_referral, "delete_everything")).status_code == 404
    page = client.get(action_url(case_referral, "start_triage"))
    assert page.status_code == 200
    assert 'data-testid="step-title">Start triage<' in page.content.decode()


def test_assessment_page_scores_every_criterion(client, intake):
    referral = make_referral()
    services.start_triage(referral, actor=intake)
    client.force_login(intake)
    url = reverse("referrals:assess", args=[referral.reference])
    assert "Harm to patients and staff" in client.get(url).content.decode()
    missing = client.post(url, {"score_harm": "major", "rationale": "r"})
    assert "This field is required" in missing.content.decode()
    client.post(url, {**{"score_%s" % k: v for k, v in FULL_SCORES.items()}, "rationale": "Systemic"})
    assert referral.assessments.get().is_complete
    assert "propose_case" in actions_on_page(client, referral)


def test_related_concerns_are_suggested_during_triage(client, intake):
    first = make_referral(description="Ventilator alarms were silenced on the intensive care unit.")
    second = make_referral(
        organisation_name="Elsewhere Trust", description="Alarms on ventilators silenced without review."
    )
    unrelated = make_referral(organisation_name="Valley Dental Centre", description="Dental x-ray cleaning lapses.")
    one_word_alike = make_referral(
        organisation_name="Hillside Practice", description="The practice silenced complaints about its waiting list."
    )
    services.start_triage(first, actor=intake)
    client.force_login(intake)
    html = client.get(first.get_absolute_url()).content.decode()
    related = html[html.index('data-testid="related"') : html.index('data-testid="timeline"')]
    assert second.reference in related
    assert "similar wording: ventilator, alarms, silenced" in related
    assert unrelated.reference not in related
    assert one_word_alike.reference not in related  # "silenced" alone is not enough
    assert "share at least two significant words" in html


def test_change_history_and_timeline_are_shown(client, intake):
    referral = make_referral()
    services.start_triage(referral, actor=intake)
    services.assign_referral(referral, actor=intake, assignee=intake)
    client.force_login(intake)
    html = client.get(referral.get_absolute_url()).content.decode()
    assert "Change history" in html
    assert "state" in html
    timeline = html[html.index('data-testid="timeline"') :]
    assert "Triage started" in timeline
    assert "Assigned" in timeline


# Every transition of DESIGN 3.1 through the page, by the role that may take it, and refused to one that may not.
VIEW_TRANSITIONS = [
    ("start_triage", ReferralState.RECEIVED, {}, ReferralState.TRIAGE, "intake"),
    ("request_info", ReferralState.TRIAGE, {"text": "Which ward?"}, ReferralState.AWAITING_INFO, "intake"),
    ("record_info", ReferralState.AWAITING_INFO, {"text": "Ward 7"}, ReferralState.TRIAGE, "intake"),
    ("log_for_intelligence", ReferralState.TRIAGE, {"reason": ""}, ReferralState.LOGGED, "intake"),
    (
        "signpost",
        ReferralState.TRIAGE,
        {"signpost_reason": "regulatory", "reason": ""},
        ReferralState.SIGNPOSTED,
        "intake",
    ),
    ("link", ReferralState.LOGGED, {"reason": "Same issue"}, ReferralState.LINKED, "intake"),
    ("propose_case", ReferralState.LOGGED, {"reason": ""}, ReferralState.PROPOSED, "intake"),
    ("accept", ReferralState.PROPOSED, {"title": "Ward safety", "reason": ""}, ReferralState.ACCEPTED, "director"),
    ("defer", ReferralState.PROPOSED, {"reason": "No capacity"}, ReferralState.LOGGED, "director"),
    ("decline", ReferralState.PROPOSED, {"reason": "Covered"}, ReferralState.DECLINED, "director"),
    ("withdraw", ReferralState.PROPOSED, {"reason": "Asked to"}, ReferralState.WITHDRAWN, "intake"),
    ("reopen", ReferralState.DECLINED, {"reason": "New evidence"}, ReferralState.TRIAGE, "director"),
]
REFUSED_ROLE = {"accept": "intake", "defer": "intake", "decline": "chief", "reopen": "intake"}


def form_data(action, fields, referral, intake):
    from referrals.models import SignpostBody

    data = {"%s-%s" % (action, name): value for name, value in fields.items()}
    if action == "signpost":
        data["signpost-body"] = SignpostBody.objects.all()[0].pk
    if action == "link":
        data["link-to_reference"] = make_referral().reference
    if action == "propose_case":
        services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="r")
    return data


@pytest.mark.parametrize(("action", "source", "fields", "target", "role"), VIEW_TRANSITIONS)
def test_every_transition_through_the_page(client, personas, action, source, fields, target, role):
    from tests.referrals.test_workflow_services import in_state

    referral = in_state(source, personas["intake"], personas["director"])
    data = form_data(action, fields, referral, personas["intake"])
    refused_role = REFUSED_ROLE.get(action, "auditor")
    client.force_login(personas[refused_role])
    refused = client.post(action_url(referral, action), data)
    assert refused.status_code == (404 if refused_role == "auditor" else 403)
    assert Referral.objects.get(pk=referral.pk).state == source

    client.force_login(personas[role])
    response = client.post(action_url(referral, action), data, follow=True)
    said = escape(ACTIONS[action].done) if ACTIONS[action].done else "done."
    assert said in response.content.decode(), response.content.decode()[:3000]
    assert Referral.objects.get(pk=referral.pk).state == target


HOSTILE = '<script>alert("x")</script>'


def test_script_in_follow_ups_reasons_and_links_is_escaped_on_the_page(client, intake):
    referral = make_referral()
    services.reply(referral, HOSTILE)
    services.start_triage(referral, actor=intake)
    services.request_info(referral, actor=intake, question=HOSTILE)
    services.record_information(referral, actor=intake, text="fine")
    services.link_referral(referral, actor=intake, to_referral=make_referral(), reason=HOSTILE)
    client.force_login(intake)
    html = client.get(referral.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;") >= 3


def test_linking_to_an_investigation_the_officer_cannot_see_answers_as_for_a_missing_one(
    client, intake, case_investigation
):
    """The link form must not reveal which investigations exist: an invisible one is answered like
    a reference nobody holds and links nothing; the attempt on the real one is a recorded denial."""
    referral = make_referral()
    services.start_triage(referral, actor=intake)
    client.force_login(intake)
    answers = {}
    for reference in (case_investigation.reference, "INV-2026-9999"):
        # As a browser sends it: with the form's one-time token, so the step runs in a transaction
        # that rolls back, and the denial must still be recorded.
        form = {"link-to_reference": reference, "link-reason": "Same", FORM_FIELD: new_token()}
        response = client.post(action_url(referral, "link"), form, follow=True)
        page = response.content.decode().replace(reference, "<reference>")
        answers[reference] = re.findall(r'nhsuk-error-summary__list">\s*<li>(.*?)</li>', page)
    assert answers["INV-2026-9999"] == ["There is no referral or investigation <reference> that you can see."]
    assert answers[case_investigation.reference] == answers["INV-2026-9999"]
    denial = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED, target_ref=case_investigation.reference)
    assert (denial.actor, denial.target_type) == (intake, "casework.investigation")
    assert not AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, target_ref="INV-2026-9999").exists()
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.TRIAGE
    assert not referral.links.exists()


def test_intake_writes_to_the_referrer_from_the_page_and_others_may_not(client, intake, lead_investigator):
    referral = make_referral()
    client.force_login(intake)
    response = client.post(action_url(referral, "message"), {"message-text": "We have started looking at this."})
    assert response.status_code == 302
    message = referral.messages.get()
    assert (message.kind, message.author, message.text) == ("message", intake, "We have started looking at this.")
    assert_audited(AuditAction.REFERRAL_MESSAGE_SENT, actor=intake, target_ref=referral.reference)
    assert "We have started looking at this." in client.get(referral.get_absolute_url()).content.decode()

    empty = client.post(action_url(referral, "message"), {"message-text": ""})
    assert empty.status_code == 200  # shown again, the panel open and the field marked
    assert '<details class="nhsuk-details" open id="step-message">' in empty.content.decode()
    assert referral.messages.count() == 1

    client.force_login(lead_investigator)
    services_grant(lead_investigator, referral)
    assert client.post(action_url(referral, "message"), {"message-text": "Hello"}).status_code == 403
    assert referral.messages.count() == 1


def test_an_ended_concern_offers_no_claim_and_refuses_one(client, intake):
    referral = make_referral()
    services.withdraw_referral(referral, actor=intake, reason="Asked to.")
    client.force_login(intake)
    assert not {"claim", "assign"} & actions_on_page(client, referral)
    refused = client.post(action_url(referral, "claim"), follow=True)
    assert "no longer being handled" in refused.content.decode()
    assert Referral.objects.get(pk=referral.pk).assignee is None


def test_steps_say_what_they_did_in_words(client, intake):
    referral = make_referral()
    client.force_login(intake)
    page = client.post(action_url(referral, "claim"), follow=True).content.decode()
    assert "This concern is now yours to handle." in page
    assert "Claim: done." not in page
    # Every step on a concern, casework's included, has its own words for what it did.
    assert [name for name, action in ACTIONS.items() if not action.done] == []


def test_the_queue_keeps_its_column_labels_on_a_narrow_screen(client, intake):
    """NHS.UK responsive tables show each cell's label when the table stacks (390 px wide)."""
    make_referral()
    client.force_login(intake)
    body = client.get(reverse("referrals:list")).content.decode().split('data-testid="queue-rows"')[1]
    cells = body.split("</tbody>")[0].split('<td class="nhsuk-table__cell">')[1:]
    assert len(cells) == 7
    labels = ["Choose", "Reference", "Organisation and setting", "State", "Harm", "Received", "Assigned to"]
    for cell, label in zip(cells, labels, strict=True):
        assert cell.startswith('<span class="nhsuk-table-responsive__heading">%s </span>' % label)
