"""An auditor answers "who saw this case, when and why" and sees its field-level changes, never its content."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from audit.choices import AuditAction
from casework import services
from tests.factories import StaffClient


def signed_in(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    return client


def case_timeline(auditor, reference):
    response = signed_in(auditor).get(reverse("audit:event_list"), {"target": reference})
    assert response.status_code == 200
    return response


def test_the_case_timeline_names_everyone_who_saw_it_including_in_lists(
    auditor, director, lead_investigator, case_investigation
):
    signed_in(lead_investigator).get(reverse("casework:list"))
    signed_in(director).get(case_investigation.get_absolute_url())

    response = case_timeline(auditor, case_investigation.reference)

    seen = {(event.actor_username, event.action) for event in response.context["events"]}
    assert (lead_investigator.username, AuditAction.INVESTIGATION_LIST_VIEWED) in seen
    assert (director.username, AuditAction.INVESTIGATION_VIEWED) in seen


def test_break_glass_reads_show_why_the_case_was_opened(auditor, director, case_investigation):
    reason = "A serious incident report needs checking against this case."
    services.break_glass(case_investigation, actor=director, reason=reason)
    signed_in(director).get(case_investigation.get_absolute_url())

    body = case_timeline(auditor, case_investigation.reference).content.decode()

    assert "Break-glass" in body
    assert "Investigation journal and interviews viewed" in body


def test_field_level_changes_are_shown_beside_the_events_without_their_content(
    auditor, lead_investigator, case_investigation
):
    investigator = signed_in(lead_investigator)
    add_note = reverse("casework:action", args=[case_investigation.reference, "add_note"])
    investigator.post(add_note, {"add_note-text": "The night sister said the alarm was off."})
    note = case_investigation.notes.get()
    services.edit_note(note, "The night sister said the alarm was silenced.", actor=lead_investigator)
    add_task = reverse("casework:action", args=[case_investigation.reference, "add_task"])
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    investigator.post(
        add_task,
        {"add_task-title": "Ask for the rota", "add_task-assignee": lead_investigator.pk, "add_task-due_date": due},
    )
    assert case_investigation.tasks.exists()

    response = case_timeline(auditor, case_investigation.reference)

    history = response.context["history"]
    note_changes = [entry for entry in history if entry["record"] == "Case note %s" % note.pk]
    assert [entry["what"] for entry in note_changes] == ["Changed", "Created"]
    assert "text" in note_changes[0]["fields"]
    assert note_changes[1]["who"] == lead_investigator  # made in a request: the request's user
    assert any(entry["record"].startswith("Task") for entry in history)
    assert any(entry["record"].startswith("Investigation") for entry in history)
    body = response.content.decode()
    assert 'data-testid="field-history"' in body
    assert "alarm" not in body
    assert "Ask for the rota" not in body


def test_a_referral_timeline_names_changed_personal_fields_but_never_their_values(auditor, intake, case_referral):
    from referrals.services import start_triage

    start_triage(case_referral, actor=intake)
    case_referral.reporter_name = "Changed Name"
    case_referral.save()

    response = case_timeline(auditor, case_referral.reference)

    fields = [field for entry in response.context["history"] for field in entry["fields"]]
    assert "reporter name" in [str(field).lower() for field in fields]
    body = response.content.decode()
    assert "Changed Name" not in body
    assert "Sam Example" not in body


def test_a_search_for_something_that_is_not_a_case_shows_no_history_panel(auditor, intake):
    response = case_timeline(auditor, intake.username)
    assert response.context["history"] is None
    assert 'data-testid="field-history"' not in response.content.decode()
