"""Review flags raised by the trail, and the auditors' queue where each is reviewed with a note."""

import threading
from datetime import datetime, timedelta
from typing import cast

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


def queue(client, **filters):
    return client.get(reverse("audit:review_queue"), filters)


def test_the_queue_groups_flags_by_person_day_and_kind_and_reviews_a_group_with_one_note(db, auditor, intake):
    denied = [
        record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED, target_ref="INV-%s" % n)
        for n in range(5)
    ]
    client = StaffClient()
    client.force_login(auditor)

    page = queue(client)
    (group,) = page.context["groups"]
    assert (group.kind, group.username, len(group.flags), group.severity) == ("denied", intake.username, 5, "medium")
    assert page.content.decode().count('data-testid="flag-group"') == 1
    refused = client.post(reverse("audit:review_queue"), {"group": group.token, "note": ""}, follow=True)
    assert "Write what you found" in refused.content.decode()
    later = record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED, target_ref="INV-9")
    done = client.post(reverse("audit:review_queue"), {"group": group.token, "note": "Mistyped links; no pattern."})

    assert done.status_code == 302
    assert set(FlagReview.objects.values_list("key", flat=True)) == {"denied:%s" % e.id for e in denied}
    assert FlagReview.objects.filter(note="Mistyped links; no pattern.").count() == 5
    assert [flag.key for flag in unreviewed_flags()] == ["denied:%s" % later.id], "raised after the page was shown"
    event = assert_audited(AuditAction.FLAG_REVIEWED, actor=auditor)
    assert event.detail["count"] == 5


def test_the_queue_is_filtered_by_kind_severity_and_person(db, auditor, intake, director):
    record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED)
    record_event(AuditAction.BREAK_GLASS_OPENED, actor=director, target_ref="INV-1", detail={"break_glass": 1})
    client = StaffClient()
    client.force_login(auditor)

    everything = queue(client).context["groups"]
    assert [group.kind for group in everything] == ["break_glass", "denied"], "the most severe first"
    assert [g.kind for g in queue(client, kind="denied").context["groups"]] == ["denied"]
    assert [g.kind for g in queue(client, severity="high").context["groups"]] == ["break_glass"]
    assert [g.username for g in queue(client, user=intake.username).context["groups"]] == [intake.username]


def test_only_real_refusals_count_as_denied_attempts(db, intake):
    form_errors = record_event(
        AuditAction.ACTION_REFUSED, actor=intake, outcome=Outcome.DENIED, detail={"errors": ["text"]}
    )
    sent_back = record_event(AuditAction.REQUEST_RECORDED, actor=intake, outcome=Outcome.DENIED, detail={"status": 400})
    forbidden = record_event(AuditAction.REQUEST_RECORDED, actor=intake, outcome=Outcome.DENIED, detail={"status": 403})
    refused = record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED)

    denied = {flag.key for flag in current_flags() if flag.kind == "denied"}

    assert denied == {"denied:%s" % forbidden.id, "denied:%s" % refused.id}
    assert "denied:%s" % form_errors.id not in denied
    assert "denied:%s" % sent_back.id not in denied


@pytest.mark.django_db(transaction=True)
def test_two_auditors_reviewing_the_same_group_at_once_review_each_flag_once(migrated_data, auditor, intake):
    from accounts.roles import Role
    from audit.review import grouped, review_groups
    from tests.factories import make_user
    from tests.helpers import at_once

    second = make_user("second_reviewer", Role.AUDITOR)
    for _ in range(3):
        record_event(AuditAction.ACCESS_DENIED, actor=intake, outcome=Outcome.DENIED)
    (group,) = grouped(unreviewed_flags())

    results = at_once(
        lambda: review_groups([group.token], note="First look.", actor=auditor),
        lambda: review_groups([group.token], note="Second look.", actor=second),
    )

    assert FlagReview.objects.count() == 3
    counts = [cast("tuple[int, int]", outcome) for outcome in results]
    assert [reviewed + taken for reviewed, taken in counts] == [3, 3], "each saw all three"
    assert sum(reviewed for reviewed, _ in counts) == 3, "each flag reviewed exactly once"


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
