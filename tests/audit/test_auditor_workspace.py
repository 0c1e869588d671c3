"""The auditors' search, paging, CSV export (streamed, audited, step-up) and subject access report."""

import csv
import io
import time
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import SESSION_VERIFIED_AT
from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent
from audit.services import record_event
from tests.factories import StaffClient, current_code
from tests.helpers import assert_audited


def signed_in(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    return client


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def trail(db, director, intake):
    record_event(AuditAction.REFERRAL_VIEWED, actor=intake, target_type="referrals.referral", target_ref="REF-1")
    record_event(
        AuditAction.INVESTIGATION_VIEWED, actor=director, target_type="casework.investigation", target_ref="INV-1"
    )
    record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED, target_ref="INV-1")


def search(client, **filters):
    response = client.get(reverse("audit:event_list"), filters)
    return response, [event.id for event in response.context["events"]]


def test_search_by_user_object_action_and_outcome(trail, auditor, intake):
    client = signed_in(auditor)
    _, by_user = search(client, user=intake.username)
    assert {AuditEvent.objects.get(id=s).actor_username for s in by_user} == {intake.username}
    _, by_object = search(client, target="INV-1")
    assert len(by_object) == 2
    _, denied = search(client, outcome="denied", action=AuditAction.ACCESS_DENIED)
    assert [AuditEvent.objects.get(id=s).target_ref for s in denied] == ["INV-1"]
    assert_audited(AuditAction.AUDIT_LOG_VIEWED, actor=auditor)


def test_search_by_date_range_and_address(trail, auditor):
    client = signed_in(auditor)
    today = timezone.localdate()
    _, found = search(client, date_from=today.isoformat(), date_to=today.isoformat(), ip="127.0.0.1")
    assert found == []  # events recorded outside a request carry no address
    _, found = search(client, date_from=today.isoformat(), date_to=today.isoformat())
    assert len(found) >= 3
    _, none = search(client, date_to=(today - timedelta(days=1)).isoformat())
    assert none == []


def test_an_inverted_date_range_is_explained_and_searches_nothing(trail, auditor):
    response, found = search(signed_in(auditor), date_from="2026-06-02", date_to="2026-06-01")
    assert response.status_code == 200
    assert "after the &#x27;to&#x27; date" in response.content.decode()
    assert found == []


def test_a_huge_date_range_and_bad_values_are_handled(trail, auditor):
    client = signed_in(auditor)
    _, found = search(client, date_from="1900-01-01", date_to="2999-12-31")
    assert len(found) >= 3
    response, found = search(client, date_from="not-a-date", ip="999.1.1.1", action="no.such.action")
    assert response.status_code == 200
    assert found == []
    assert "There is a problem" in response.content.decode()


def test_pages_by_id_without_counting(db, auditor):
    for n in range(150):
        record_event(AuditAction.DASHBOARD_VIEWED, detail={"n": n})
    client = signed_in(auditor)
    first, first_page = search(client, action=AuditAction.DASHBOARD_VIEWED)
    assert len(first_page) == 100
    older = first.context["next_before"]
    _, second_page = search(client, action=AuditAction.DASHBOARD_VIEWED, before=older)
    assert len(second_page) == 50
    assert max(second_page) < min(first_page)


def test_export_streams_every_matching_event_and_is_itself_audited(trail, auditor, intake):
    response = signed_in(auditor).post(reverse("audit:export"), {"user": intake.username})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    header, *body = rows(response)
    assert header[:5] == ["id", "seq", "occurred_at", "actor_username", "action"]
    assert {row[3] for row in body} == {intake.username}
    assert len(body) == 2
    exported = assert_audited(AuditAction.AUDIT_EXPORTED, actor=auditor)
    assert exported.detail == {"filters": {"user": intake.username}}


def test_export_with_a_stale_second_factor_asks_for_a_code_and_keeps_the_filters(trail, auditor, intake):
    client = signed_in(auditor)
    session = client.session
    session[SESSION_VERIFIED_AT] = time.time() - 3600
    session.save()
    asked = client.post(reverse("audit:export"), {"user": intake.username})
    assert asked.status_code == 200
    assert 'value="%s"' % intake.username in asked.content.decode()
    done = client.post(reverse("audit:export"), {"user": intake.username, "step_up_code": current_code(auditor)})
    assert len(rows(done)) == 3


def test_export_defuses_spreadsheet_formulas(db, auditor):
    record_event(AuditAction.LOGIN_FAILED, target_ref='=HYPERLINK("http://x")')
    body = rows(signed_in(auditor).post(reverse("audit:export"), {"action": AuditAction.LOGIN_FAILED}))
    assert body[1][6].startswith("'=")


def test_subject_access_lists_what_the_account_did_and_what_was_done_to_it(trail, admin_user, intake, director):
    record_event(AuditAction.MFA_REMOVED, actor=admin_user, target=intake)
    response = signed_in(admin_user).post(reverse("audit:subject_access"), {"username": intake.username})
    body = rows(response)[1:]
    assert {row[4] for row in body} == {
        AuditAction.REFERRAL_VIEWED,
        AuditAction.ACCESS_DENIED,
        AuditAction.MFA_REMOVED,
        AuditAction.SUBJECT_ACCESS_EXPORTED,  # the export itself concerns the account too
    }
    assert_audited(AuditAction.SUBJECT_ACCESS_EXPORTED, actor=admin_user, target_ref=intake.username)


def test_subject_access_without_a_username_is_explained(auditor):
    response = signed_in(auditor).post(reverse("audit:subject_access"), {"username": "  "})
    assert response.status_code == 400
    assert "Give the username" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["intake", "director", "lead_investigator"])
def test_only_auditors_and_administrators_get_subject_access(request, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.post(reverse("audit:subject_access"), {"username": "x"}).status_code == 403


def test_event_rows_escape_what_was_recorded_and_link_each_user_and_object(db, auditor):
    record_event(AuditAction.ACCESS_DENIED, outcome=Outcome.DENIED, target_ref="<script>x</script>&")
    html = signed_in(auditor).get(reverse("audit:event_list")).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;&amp;" in html
    assert 'href="/audit/?target=%3Cscript%3Ex%3C%2Fscript%3E%26"' in html
    assert 'href="/audit/?user=%s"' % auditor.username in html
    assert "nhsuk-tag--red" in html
