"""The investigation as a workspace: a page per part of the record, one page of each list, a page
per step that says what it will do, forms shown again with their errors and entries, and journal
notes their author edits with every version kept."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.choices import AuditAction
from casework import services
from casework.models import CaseNote, Investigation
from kernel.once import FORM_FIELD
from tests.factories import StaffClient
from tests.helpers import assert_audited


@pytest.fixture
def case(director, lead_investigator):
    investigation = Investigation.objects.create(reference="INV-2026-0612", title="Missed sepsis screening")
    return services.start_scoping(investigation, actor=director, lead=lead_investigator)


def signed_in(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    return client


def url(case, name, *args) -> str:
    return reverse("casework:%s" % name, args=[case.reference, *args])


def add_notes(case, author, count: int, start: int = 0) -> None:
    CaseNote.objects.bulk_create(
        CaseNote(investigation=case, text="Note number %03d" % n, author=author) for n in range(start, start + count)
    )


def test_the_overview_shows_the_header_the_lifecycle_and_links_to_each_part(case, lead_investigator):
    page = signed_in(lead_investigator).get(case.get_absolute_url()).content.decode()

    header = page[page.index('data-testid="case-header"') : page.index("</dl>")]
    assert "Scoping" in header
    assert str(lead_investigator) in header
    lifecycle = page[page.index('data-testid="lifecycle"') : page.index("</ol>", page.index('data-testid="lifecycle"'))]
    assert 'aria-current="step">Scoping' in lifecycle
    assert 'Proposed <span class="nhsuk-u-visually-hidden">(done)' in lifecycle
    for part in ("journal", "tasks", "evidence", "interviews", "recommendations", "disclosures", "timeline"):
        assert url(case, part) in page
    # The steps are links to their own pages: no step's form is built on the overview.
    assert 'href="%s"' % url(case, "action", "record_interview") not in page
    assert "<textarea" not in page


@pytest.mark.parametrize("part", ["journal", "timeline"])
def test_each_part_shows_one_page_of_its_list_and_costs_the_same_however_long(case, lead_investigator, part):
    client = signed_in(lead_investigator)
    add_notes(case, lead_investigator, 5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(case, part)).status_code == 200
    add_notes(case, lead_investigator, 195, start=5)

    with CaptureQueriesContext(connection) as many:
        first = client.get(url(case, part)).content.decode()
    eighth = client.get(url(case, part) + "?page=8").content.decode()

    assert len(many) == len(few)
    assert first.count("Note number") == 25
    assert "Note number 199" in first
    assert "Note number 174" not in first
    assert "Page 1 of" in first
    assert "?page=2" in first
    assert "Note number 000" in eighth


def test_a_director_off_the_team_sees_the_recommendations_but_not_the_records_content(case, off_team_director):
    client = signed_in(off_team_director)

    assert client.get(url(case, "recommendations")).status_code == 200
    for part in ("journal", "tasks", "evidence", "interviews", "disclosures", "timeline"):
        assert client.get(url(case, part)).status_code == 403, part
    overview = client.get(case.get_absolute_url()).content.decode()
    assert url(case, "journal") not in overview
    assert 'data-testid="summary-only"' in overview


@pytest.fixture
def off_team_director(db):
    from accounts.roles import Role
    from tests.factories import make_user

    return make_user("director_elsewhere", Role.DIRECTOR)


def test_a_consequential_step_says_what_it_will_do_before_it_is_taken(case, director):
    client = signed_in(director)

    page = client.get(url(case, "action", "case_legal_hold")).content.decode()

    assert 'data-testid="consequence"' in page
    assert "nothing of it can be disposed of" in page
    assert "Yes, place or lift a legal hold" in page
    case.refresh_from_db()
    assert case.legal_hold is False, "opening the step's page changes nothing"
    assert_audited(AuditAction.INVESTIGATION_VIEWED, actor=director, target_ref=case.reference)


def test_a_step_not_open_now_says_so_and_offers_no_form(case, lead_investigator):
    page = signed_in(lead_investigator).get(url(case, "action", "begin_analysis")).content.decode()

    assert 'data-testid="step-closed"' in page
    assert 'data-testid="confirm-begin_analysis"' not in page


def test_a_refused_step_is_shown_again_with_the_error_at_its_field_and_the_entries_kept(case, director):
    client = signed_in(director)

    response = client.post(url(case, "action", "pause"), {"pause-reason": "", FORM_FIELD: "t1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Error: Pause" in page
    assert 'class="nhsuk-error-summary"' in page
    assert 'href="#id_pause-reason"' in page
    assert "nhsuk-form-group--error" in page
    assert_audited(AuditAction.ACTION_REFUSED, actor=director, target_ref=case.reference)


def test_a_journal_note_refused_is_shown_again_on_the_journal_with_what_was_typed(case, lead_investigator, settings):
    client = signed_in(lead_investigator)
    text = "x" * 20_001

    response = client.post(url(case, "action", "add_note"), {"add_note-text": text, FORM_FIELD: "t2"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="note-form"' in page
    assert text in page
    assert "nhsuk-error-message" in page
    assert not case.notes.exists()


def test_a_refusal_by_the_workflow_is_said_above_the_form_and_keeps_the_entries(case, lead_investigator):
    client = signed_in(lead_investigator)
    tomorrow = "2999-01-01"

    response = client.post(
        url(case, "action", "record_interview"),
        {
            "record_interview-interviewee": "Ward sister, nights",
            "record_interview-interviewee_type": "staff",
            "record_interview-held_on": tomorrow,
            FORM_FIELD: "t3",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot be recorded before it has happened" in page
    assert 'value="Ward sister, nights"' in page


def test_a_step_taken_goes_back_to_its_part_with_what_was_done(case, lead_investigator):
    client = signed_in(lead_investigator)

    response = client.post(url(case, "action", "add_note"), {"add_note-text": "Rota checked.", FORM_FIELD: "t4"})

    assert response.status_code == 302
    assert response["Location"] == url(case, "journal")
    assert case.notes.get().text == "Rota checked."


def test_the_author_edits_a_note_and_every_version_is_kept(case, lead_investigator):
    client = signed_in(lead_investigator)
    note = services.add_note(case, "The alarm was silenced.", actor=lead_investigator)

    page = client.get(url(case, "journal_note", note.pk)).content.decode()
    assert 'data-testid="note-edit"' in page
    assert 'name="version" value="1"' in page
    response = client.post(
        url(case, "journal_note", note.pk),
        {"text": "The alarm was silenced twice.", "version": "1", FORM_FIELD: "t5"},
    )

    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.text, note.version) == ("The alarm was silenced twice.", 2)
    versions = client.get(url(case, "journal_note", note.pk)).content.decode()
    shown = versions[versions.index('data-testid="note-versions"') :]
    assert "The alarm was silenced twice." in shown
    assert "The alarm was silenced.</p>" in shown
    assert_audited(AuditAction.NOTE_EDITED, actor=lead_investigator, target_ref=case.reference)


def test_an_edit_made_on_an_older_version_is_refused_and_what_was_typed_is_kept(case, lead_investigator):
    client = signed_in(lead_investigator)
    note = services.add_note(case, "First reading.", actor=lead_investigator)
    services.edit_note(note, "Second reading.", actor=lead_investigator, expected_version=1)

    response = client.post(
        url(case, "journal_note", note.pk), {"text": "My stale rewrite.", "version": "1", FORM_FIELD: "t6"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "changed after you opened it" in page
    assert "My stale rewrite." in page
    assert "Second reading." in page
    note.refresh_from_db()
    assert (note.text, note.version) == ("Second reading.", 2)


def test_only_the_author_may_edit_a_note(case, lead_investigator, other_investigator, director):
    note = services.add_note(case, "Mine.", actor=lead_investigator)
    services.add_team_member(case, other_investigator, "investigator", actor=director)
    client = signed_in(other_investigator)

    page = client.get(url(case, "journal_note", note.pk)).content.decode()
    response = client.post(url(case, "journal_note", note.pk), {"text": "Not mine.", "version": "1", FORM_FIELD: "t7"})

    assert 'data-testid="note-edit"' not in page
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.text == "Mine."


def test_a_note_of_another_case_is_not_found_through_this_one(case, director, lead_investigator):
    other = services.start_scoping(
        Investigation.objects.create(reference="INV-2026-0613", title="Other case"),
        actor=director,
        lead=lead_investigator,
    )
    note = services.add_note(other, "Not this case's.", actor=lead_investigator)
    client = signed_in(lead_investigator)

    assert client.get(url(case, "journal_note", note.pk)).status_code == 404
    response = client.post(url(case, "journal_note", note.pk), {"text": "Moved", "version": "1", FORM_FIELD: "t8"})
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.text == "Not this case's."
