"""Investigation pages: need-to-know on the page itself, actions through the page, directions, the public page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.choices import AuditAction
from audit.models import AuditEvent
from casework import services
from casework.choices import InvestigationState as S
from casework.choices import TeamRole
from casework.models import Direction, Investigation
from tests.factories import consult_on_draft, draft_final_report
from tests.helpers import assert_audited


@pytest.fixture
def case(director, lead_investigator):
    investigation = Investigation.objects.create(reference="INV-2026-0500", title="Night-time falls")
    services.start_scoping(investigation, actor=director, lead=lead_investigator)
    services.add_note(investigation, "Met the ward manager; rota gaps at night.", actor=lead_investigator)
    return investigation


def action(investigation, name):
    return reverse("casework:action", args=[investigation.reference, name])


def test_team_sees_the_journal_and_its_viewing_is_audited(client, case, lead_investigator):
    client.force_login(lead_investigator)
    html = client.get(reverse("casework:journal", args=[case.reference])).content.decode()
    assert "rota gaps at night" in html
    read = assert_audited(AuditAction.INVESTIGATION_CONTENT_VIEWED, actor=lead_investigator, target_ref=case.reference)
    assert read.detail == {"part": "journal"}


@pytest.mark.parametrize("persona", ["director", "chief"])
def test_director_off_the_team_sees_the_summary_not_the_journal(client, case, personas, persona):
    user = personas[persona]
    client.force_login(user)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Night-time falls" in html
    assert "rota gaps at night" not in html
    assert 'data-testid="summary-only"' in html
    assert client.get(reverse("casework:journal", args=[case.reference])).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.INVESTIGATION_CONTENT_VIEWED, actor=user).exists()
    assert client.post(action(case, "add_note"), {"add_note-text": "x"}).status_code == 403


def test_removed_member_loses_access_on_the_next_request(client, case, director, other_investigator):
    services.add_team_member(case, other_investigator, TeamRole.ANALYST, actor=director)
    client.force_login(other_investigator)
    assert client.get(case.get_absolute_url()).status_code == 200
    director_client = client.__class__()
    director_client.force_login(director)
    director_client.post(action(case, "remove_member"), {"remove_member-user": other_investigator.pk})
    assert not case.team.filter(user=other_investigator).exists()
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(reverse("casework:list")).status_code == 200
    assert case.reference not in client.get(reverse("casework:list")).content.decode()


def test_task_for_someone_off_the_team_is_explained_through_the_page(client, case, lead_investigator, intake):
    client.force_login(lead_investigator)
    response = client.post(
        action(case, "add_task"), {"add_task-title": "Chronology", "add_task-assignee": intake.pk}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()
    assert not case.tasks.exists()


def test_step_from_the_wrong_state_is_explained_through_the_page(client, case, director):
    client.force_login(director)
    response = client.post(action(case, "approve_for_consultation"), follow=True)
    assert "is now scoping, so you cannot approve for consultation it" in response.content.decode()
    assert Investigation.objects.get(pk=case.pk).state == S.SCOPING


def test_removing_the_last_lead_is_explained_through_the_page(client, case, director, lead_investigator):
    client.force_login(director)
    response = client.post(action(case, "remove_member"), {"remove_member-user": lead_investigator.pk}, follow=True)
    assert "only lead" in response.content.decode()
    assert case.team.filter(user=lead_investigator).exists()


def test_directions_page_two_person_rule(client, director, chief):
    client.force_login(director)
    client.post(
        reverse("casework:directions"),
        {
            "direction-title": "Maternity services",
            "direction-issued_on": timezone.localdate().isoformat(),
            "direction-scope": "National maternity safety",
            "direction-mandated_report_date": (timezone.localdate() + timedelta(days=200)).isoformat(),
        },
    )
    direction = Direction.objects.get()
    approve = reverse("casework:direction_action", args=[direction.public_id, "approve"])
    refused = client.post(approve, follow=True)
    assert "someone else must approve it" in refused.content.decode()
    client.force_login(chief)
    client.post(approve)
    direction.refresh_from_db()
    assert direction.investigation is not None
    assert direction.investigation.directed
    html = client.get(reverse("casework:directions")).content.decode()
    assert "200 days left" in html


def test_approving_a_direction_first_says_what_it_will_do(client, director, chief):
    direction = services.register_direction(
        actor=director, title="Maternity", issued_on=timezone.localdate(), scope="Scope"
    )
    client.force_login(chief)
    listing = client.get(reverse("casework:directions")).content.decode()
    approve = reverse("casework:direction_action", args=[direction.public_id, "approve"])
    assert 'href="%s"' % approve in listing  # a link to the confirmation, not a one-click form
    page = client.get(approve).content.decode()
    assert "A directed investigation is opened at once" in page
    assert "Yes, approve the direction" in page
    assert Direction.objects.get(pk=direction.pk).investigation is None
    assert client.get(reverse("casework:direction_action", args=[direction.public_id, "revoke"])).status_code == 405


def test_the_approval_page_of_a_direction_already_approved_offers_nothing(client, director, chief):
    direction = services.register_direction(
        actor=director, title="Maternity", issued_on=timezone.localdate(), scope="Scope"
    )
    services.approve_direction(direction, actor=chief)
    client.force_login(chief)
    page = client.get(reverse("casework:direction_action", args=[direction.public_id, "approve"])).content.decode()
    assert 'data-testid="step-closed"' in page
    assert "Yes, approve the direction" not in page
    again = client.post(reverse("casework:direction_action", args=[direction.public_id, "approve"]), follow=True)
    assert "already approved" in again.content.decode()
    assert Investigation.objects.filter(directed=True).count() == 1


def test_a_refused_revocation_opens_its_panel_again_with_the_error(client, director, chief):
    direction = services.register_direction(
        actor=director, title="Maternity", issued_on=timezone.localdate(), scope="Scope"
    )
    services.approve_direction(direction, actor=chief)
    client.force_login(director)
    response = client.post(reverse("casework:direction_action", args=[direction.public_id, "revoke"]), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    opened = '<details class="nhsuk-details" open><summary class="nhsuk-details__summary">'
    assert opened + '<span class="nhsuk-details__summary-text">Record a revocation' in page
    assert "nhsuk-error-summary" in page
    assert Direction.objects.get(pk=direction.pk).state == "approved"
    assert_audited(AuditAction.ACTION_REFUSED, actor=director)


def test_direction_with_dates_out_of_order_is_refused_with_a_message(client, director):
    client.force_login(director)
    response = client.post(
        reverse("casework:directions"),
        {
            "direction-title": "X",
            "direction-issued_on": timezone.localdate().isoformat(),
            "direction-scope": "Y",
            "direction-mandated_report_date": (timezone.localdate() - timedelta(days=5)).isoformat(),
        },
        follow=True,
    )
    assert "cannot be before the direction was issued" in response.content.decode()
    assert not Direction.objects.exists()


def test_public_page_shows_only_published_material(client, director, lead_investigator, chief):
    published = Investigation.objects.create(reference="INV-2026-0601", title="Published one")
    services.start_scoping(published, actor=director, lead=lead_investigator)
    services.record_terms_of_reference(published, "ToR", actor=lead_investigator)
    services.transition(published, "approve_terms_of_reference", actor=director)
    services.launch(published, actor=lead_investigator, start_statement="We are looking at night-time falls.")
    for step in ("begin_analysis", "start_drafting"):
        services.transition(published, step, actor=lead_investigator)
    draft_final_report(published, lead_investigator)
    services.transition(published, "submit_for_review", actor=lead_investigator)
    services.transition(published, "approve_for_consultation", actor=director)
    consult_on_draft(published, lead_investigator)
    services.transition(published, "begin_revision", actor=lead_investigator)
    services.transition(published, "submit_final", actor=lead_investigator)
    draft = services.draft_recommendation(
        published, actor=lead_investigator, text="Secret draft wording", addressee="NHSE"
    )
    services.publish(published, actor=chief, report_summary="Falls at night follow rota gaps.")
    issued = services.draft_recommendation(
        published, actor=lead_investigator, text="Staff nights safely", addressee="NHSE"
    )
    services.recommendation_step(issued, "agree", actor=lead_investigator)
    services.recommendation_step(issued, "issue", actor=director)
    scoping = Investigation.objects.create(reference="INV-2026-0602", title="Unannounced scoping work")
    services.start_scoping(scoping, actor=director, lead=lead_investigator)
    stopped = Investigation.objects.create(reference="INV-2026-0603", title="Stopped one")
    services.discontinue(stopped, actor=director, reasons="Addressed by a national alert")

    html = client.get(reverse("published_reports")).content.decode()
    assert "Falls at night follow rota gaps." in html
    assert "Staff nights safely" in html
    assert "Awaiting response" in html
    assert draft.text not in html
    assert "Unannounced scoping work" not in html
    assert "Addressed by a national alert" in html


def test_staff_record_declarations_and_dates_out_of_order_are_explained(client, other_investigator):
    client.force_login(other_investigator)
    url = reverse("accounts:declarations")
    refused = client.post(
        url,
        {
            "organisation_name": "Riverside",
            "nature": "Sister works there",
            "starts_on": "2024-05-01",
            "ends_on": "2024-01-01",
        },
    )
    assert "The end date must not be before the start date" in refused.content.decode()
    assert "Sister works there" in refused.content.decode()
    client.post(url, {"organisation_name": "Riverside", "nature": "Sister works there", "starts_on": "2024-05-01"})
    assert other_investigator.conflict_declarations.get().organisation_name == "Riverside"
    assert_audited(AuditAction.CONFLICT_DECLARED, actor=other_investigator)


def test_dashboards_show_own_cases_and_tasks_and_the_directors_portfolio(client, case, director, lead_investigator):
    services.create_task(case, actor=lead_investigator, title="Visit the ward at night", assignee=lead_investigator)
    Investigation.objects.filter(pk=case.pk).update(state_changed_at=timezone.now() - timedelta(days=400))
    client.force_login(lead_investigator)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Visit the ward at night" in html
    assert case.reference in html[html.index('data-testid="my-investigations"') :]
    assert 'data-testid="portfolio"' not in html
    client.force_login(director)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Scoping: 1" in html
    assert case.reference in html[html.index('data-testid="over-target"') :]


def test_leaver_page_hands_over_and_explains_refusals(client, case, director, lead_investigator, other_investigator):
    client.force_login(director)
    url = reverse("casework:leaver")
    same = client.post(url, {"leaver": lead_investigator.pk, "successor": lead_investigator.pk})
    assert "other than the leaver" in same.content.decode()
    response = client.post(url, {"leaver": lead_investigator.pk, "successor": other_investigator.pk}, follow=True)
    assert "passed to" in response.content.decode()
    assert Investigation.objects.get(pk=case.pk).lead == other_investigator


# Every workflow step of DESIGN 3.2 through the page: by the role that may take it, refused to one that may not.
PAGE_STEPS = [
    ("approve_terms_of_reference", S.SCOPING, {}, S.LAUNCH_PENDING, "director", "lead_investigator"),
    (
        "launch",
        S.LAUNCH_PENDING,
        {"start_statement": "We start."},
        S.EVIDENCE_GATHERING,
        "lead_investigator",
        "director",
    ),
    ("begin_analysis", S.EVIDENCE_GATHERING, {}, S.ANALYSIS, "lead_investigator", "chief"),
    ("return_to_evidence", S.ANALYSIS, {}, S.EVIDENCE_GATHERING, "lead_investigator", "chief"),
    ("start_drafting", S.ANALYSIS, {}, S.DRAFTING, "lead_investigator", "director"),
    ("submit_for_review", S.DRAFTING, {}, S.INTERNAL_REVIEW, "lead_investigator", "director"),
    ("approve_for_consultation", S.INTERNAL_REVIEW, {}, S.DRAFT_CONSULTATION, "director", "lead_investigator"),
    ("begin_revision", S.DRAFT_CONSULTATION, {}, S.REVISION, "lead_investigator", "director"),
    ("submit_final", S.REVISION, {}, S.FINAL_APPROVAL, "lead_investigator", "director"),
    ("publish", S.FINAL_APPROVAL, {"report_summary": "Findings."}, S.PUBLISHED, "chief", "director"),
    ("close", S.PUBLISHED, {}, S.CLOSED, "director", "lead_investigator"),
    ("pause", S.ANALYSIS, {"reason": "Inquest"}, S.PAUSED, "director", "lead_investigator"),
    ("discontinue", S.SCOPING, {"reasons": "Alert issued"}, S.DISCONTINUED, "director", "chief"),
]


def walked_to(state, personas):
    from tests.casework.test_investigation_services import walk

    investigation = Investigation.objects.create(reference="INV-2026-0%03d" % len(state), title="Walked")
    services.start_scoping(investigation, actor=personas["director"], lead=personas["lead_investigator"])
    return walk(investigation, personas["director"], personas["lead_investigator"], personas["chief"], until=state)


@pytest.mark.parametrize(("step", "source", "fields", "target", "role", "wrong_role"), PAGE_STEPS)
def test_every_workflow_step_through_the_page(client, personas, step, source, fields, target, role, wrong_role):
    investigation = walked_to(source, personas)
    if step == "approve_terms_of_reference":
        services.record_terms_of_reference(investigation, "ToR", actor=personas["lead_investigator"])
    data = {"%s-%s" % (step, name): value for name, value in fields.items()}
    client.force_login(personas[wrong_role])
    assert client.post(action(investigation, step), data).status_code == 403
    assert Investigation.objects.get(pk=investigation.pk).state == source
    client.force_login(personas[role])
    response = client.post(action(investigation, step), data, follow=True)
    assert "done." in response.content.decode()
    assert Investigation.objects.get(pk=investigation.pk).state == target


def test_resume_archive_through_the_page(client, personas):
    investigation = walked_to(S.ANALYSIS, personas)
    services.pause(investigation, actor=personas["director"], reason="Inquest")
    client.force_login(personas["director"])
    client.post(action(investigation, "resume"), {"resume-reason": "Inquest concluded"})
    assert Investigation.objects.get(pk=investigation.pk).state == S.ANALYSIS
    services.discontinue(investigation, actor=personas["director"], reasons="Stopped")
    client.post(action(investigation, "archive"))
    assert Investigation.objects.get(pk=investigation.pk).state == S.ARCHIVED


def test_a_refused_step_is_audited(client, case, director):
    client.force_login(director)
    client.post(action(case, "approve_for_consultation"))
    event = assert_audited(AuditAction.ACTION_REFUSED, actor=director, target_ref=case.reference)
    assert event.detail["action"] == "approve_for_consultation"
    assert "is now scoping" in event.detail["refusal"]


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_directions_page_queries_do_not_grow_with_directions(client, director, chief):
    def add_direction(n):
        direction = services.register_direction(
            actor=director,
            title="D%s" % n,
            issued_on=timezone.localdate(),
            scope="s",
            mandated_report_date=timezone.localdate() + timedelta(days=100),
        )
        services.approve_direction(direction, actor=chief)
        services.vary_direction(direction, actor=director, issued_on=timezone.localdate(), summary="v")

    client.force_login(director)
    add_direction(0)
    one = count_queries(client, reverse("casework:directions"))
    for n in range(1, 5):
        add_direction(n)
    assert count_queries(client, reverse("casework:directions")) == one


def test_investigation_page_queries_do_not_grow_with_tasks(
    client, case, lead_investigator, other_investigator, director
):
    services.add_team_member(case, other_investigator, TeamRole.ANALYST, actor=director)
    client.force_login(lead_investigator)
    services.create_task(case, actor=lead_investigator, title="t0", assignee=lead_investigator)
    one = count_queries(client, case.get_absolute_url())
    for n in range(1, 6):
        assignee = other_investigator if n % 2 else lead_investigator
        services.create_task(case, actor=lead_investigator, title="t%s" % n, assignee=assignee)
    assert count_queries(client, case.get_absolute_url()) == one
