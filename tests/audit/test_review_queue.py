"""Review flags raised by the trail, and the auditors' queue where each is reviewed with a note."""

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent, FlagReview
from audit.review import current_flags, review_flag, unreviewed_flags
from audit.services import record_event
from kernel.errors import WorkflowError
from tests.audit.test_chain import triggers_disabled
from tests.factories import StaffClient
from tests.helpers import assert_audited


def kinds(flags) -> set[str]:
    return {flag.kind for flag in flags}


def at_local(event, hour: int, weekday_offset: int = 0):
    """Move an event to a given local hour (tests only: the trail itself is append-only)."""
    moment = datetime.combine(timezone.localdate(), datetime.min.time()).replace(hour=hour)
    moment = timezone.make_aware(moment) + timedelta(days=weekday_offset)
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s", [moment, event.id])


def test_each_kind_of_flag_is_raised(db, director, intake, settings):
    settings.REVIEW_BULK_THRESHOLD = 3
    record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED, target_ref="INV-1")
    record_event(AuditAction.BREAK_GLASS_OPENED, actor=director, target_ref="INV-1", detail={"break_glass": 1})
    record_event(
        AuditAction.INVESTIGATION_CONTENT_VIEWED, actor=director, target_ref="INV-1", detail={"break_glass": 1}
    )
    for _ in range(4):
        record_event(AuditAction.REFERRAL_VIEWED, actor=intake, target_ref="REF-1")
    assert {"denied", "break_glass", "off_team", "bulk"} <= kinds(current_flags())


def test_out_of_hours_content_access_is_flagged_but_working_hours_are_not(db, intake):
    late = record_event(AuditAction.REFERRAL_VIEWED, actor=intake, target_ref="REF-1")
    daytime = record_event(AuditAction.REFERRAL_VIEWED, actor=intake, target_ref="REF-2")
    at_local(late, 23)
    at_local(daytime, 11, weekday_offset=-timezone.localdate().weekday())  # a Monday
    flagged = {flag.key for flag in current_flags() if flag.kind == "out_of_hours"}
    assert "out_of_hours:%s" % late.id in flagged
    assert "out_of_hours:%s" % daytime.id not in flagged


def test_reviewing_a_flag_needs_a_note_takes_it_off_the_queue_and_is_audited(db, intake, auditor):
    denied = record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED)
    key = "denied:%s" % denied.id
    with pytest.raises(WorkflowError, match="Write what you found"):
        review_flag(key, note="  ", actor=auditor)
    review_flag(key, note="Mistyped URL; no pattern.", actor=auditor)
    assert key not in {flag.key for flag in unreviewed_flags()}
    event = assert_audited(AuditAction.FLAG_REVIEWED, actor=auditor)
    assert event.detail == {"flag": key, "note": "Mistyped URL; no pattern."}


def test_an_unknown_flag_is_refused(db, auditor):
    with pytest.raises(WorkflowError, match="no such flag"):
        review_flag("denied:999999", note="x", actor=auditor)


@pytest.mark.django_db(transaction=True)
def test_two_auditors_reviewing_at_once_have_exactly_one_winner(migrated_data, auditor, intake):
    from accounts.roles import Role
    from tests.factories import make_user

    second = make_user("second_auditor", Role.AUDITOR)
    denied = record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED)
    key = "denied:%s" % denied.id
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def review(actor):
        try:
            barrier.wait()
            review_flag(key, note="Reviewed by %s" % actor.username, actor=actor)
            outcomes.append("won")
        except WorkflowError as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()

    threads = [threading.Thread(target=review, args=(who,)) for who in (auditor, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1
    assert any("already reviewed this flag" in outcome for outcome in outcomes)
    assert FlagReview.objects.filter(key=key).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.FLAG_REVIEWED).count() == 1


def test_queue_page_lists_flags_and_reviews_them(db, auditor, intake):
    denied = record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED, target_ref="INV-9")
    client = StaffClient()
    client.force_login(auditor)
    page = client.get(reverse("audit:review_queue"))
    assert "denied:%s" % denied.id in page.content.decode()
    refused = client.post(reverse("audit:review_queue"), {"flag": "denied:%s" % denied.id, "note": ""}, follow=True)
    assert "Write what you found" in refused.content.decode()
    done = client.post(reverse("audit:review_queue"), {"flag": "denied:%s" % denied.id, "note": "Checked."})
    assert done.status_code == 302
    assert "denied:%s" % denied.id not in client.get(reverse("audit:review_queue")).content.decode()


def test_reviewed_flags_never_hide_older_unreviewed_ones(db, intake, auditor, monkeypatch):
    from audit import review

    monkeypatch.setattr(review, "QUEUE_LIMIT", 3)
    denied = [record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED) for _ in range(5)]
    for event in denied[1:]:
        review_flag("denied:%s" % event.id, note="Checked.", actor=auditor)
    assert [flag.key for flag in unreviewed_flags()] == ["denied:%s" % denied[0].id]


def test_a_reviewed_bulk_day_leaves_the_queue(db, intake, auditor, settings):
    settings.REVIEW_BULK_THRESHOLD = 2
    for _ in range(3):
        record_event(AuditAction.REFERRAL_VIEWED, actor=intake, target_ref="REF-1")
    (bulk,) = [flag for flag in unreviewed_flags() if flag.kind == "bulk"]
    review_flag(bulk.key, note="Triage day; expected.", actor=auditor)
    assert "bulk" not in kinds(unreviewed_flags())
    assert "bulk" in kinds(current_flags())


def test_events_older_than_the_review_window_raise_no_flags(db, intake, settings):
    settings.REVIEW_WINDOW_DAYS = 30
    old = record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED)
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=31), old.id],
        )
    assert "denied:%s" % old.id not in {flag.key for flag in current_flags()}
    recent = record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED)
    assert "denied:%s" % recent.id in {flag.key for flag in current_flags()}
