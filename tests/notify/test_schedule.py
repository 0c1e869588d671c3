"""The schedule: kept in one place, refused at start-up when it names no task, each run enqueued once
however many schedulers tick, run by the real database worker, and its outcome shown and audited."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.roles import Role
from audit.choices import AuditAction
from audit.models import AuditEvent
from audit.services import record_event
from notify.models import JobOutcome, ScheduledJob
from notify.schedule import Job, configured_jobs, enqueue_due_jobs
from tests.factories import StaffClient, make_user
from tests.notify.conftest import run_worker
from tests.operations.test_concurrency import run_together


@task
def failing_duty() -> None:
    raise RuntimeError("the duty found something wrong")


NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_schedule_naming_a_task_that_does_not_exist_is_refused_at_start_up(settings):
    settings.SCHEDULE = {**settings.SCHEDULE, "typo": {"task": "audit.tasks.export_audit_haed", "every": timedelta(1)}}
    with pytest.raises(SystemCheckError, match="export_audit_haed"):
        call_command("check")
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        call_command("run_schedule")


def test_runs_are_aligned_to_the_time_of_day_and_weekly_ones_to_mondays():
    nightly = Job("nightly", failing_duty, timedelta(days=1), time(2, 0))
    assert nightly.next_run_after(NOON) == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert nightly.next_run_after(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    weekly = Job("weekly", failing_duty, timedelta(days=7), time(3, 0))
    assert weekly.next_run_after(NOON) == datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # a Monday
    quarter_hourly = Job("head", failing_duty, timedelta(minutes=15), time(0, 0))
    assert quarter_hourly.next_run_after(NOON) == datetime(2026, 11, 30, 12, 15, tzinfo=UTC)


@pytest.mark.django_db
def test_a_new_job_runs_at_once_and_then_not_again_before_its_next_slot():
    assert sorted(enqueue_due_jobs(NOON)) == sorted(configured_jobs())
    assert DBTaskResult.objects.count() == len(configured_jobs())
    assert enqueue_due_jobs(NOON + timedelta(minutes=14)) == []
    assert enqueue_due_jobs(NOON + timedelta(minutes=15)) == ["export-audit-head"]
    assert ScheduledJob.objects.get(name="verify-audit-chain").next_run_at == datetime(2026, 12, 1, 2, tzinfo=UTC)


@pytest.mark.django_db
def test_a_task_enqueued_in_a_transaction_that_rolls_back_is_not_queued():
    def enqueue_then_fail():
        with transaction.atomic():
            enqueue_due_jobs(NOON)
            raise RuntimeError("the service failed after enqueueing")

    with pytest.raises(RuntimeError):
        enqueue_then_fail()
    assert not DBTaskResult.objects.exists()
    assert not ScheduledJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_schedulers_ticking_at_once_enqueue_each_run_exactly_once(migrated_data):
    results = run_together(*[lambda: enqueue_due_jobs(NOON)] * 4)
    assert not [result for result in results if isinstance(result, Exception)]
    assert sorted(name for names in results for name in names) == sorted(configured_jobs())
    assert DBTaskResult.objects.count() == len(configured_jobs())


# The worker closes a connection found inside a transaction, as between tasks in production: these
# tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_scheduled_job_and_its_row_and_the_trail_say_how_it_went(migrated_data, settings, tmp_path):
    settings.AUDIT_HEAD_PATH = str(tmp_path / "head.json")
    settings.SCHEDULE = {"export-audit-head": {"task": "audit.tasks.export_audit_head", "every": timedelta(minutes=15)}}
    record_event(AuditAction.DASHBOARD_VIEWED)  # a chain to export the head of
    enqueue_due_jobs()
    run_worker()
    job = ScheduledJob.objects.get()
    assert job.last_outcome == JobOutcome.SUCCEEDED
    assert job.last_duration is not None
    assert job.last_error == ""
    assert (tmp_path / "head.json").exists()
    finished = AuditEvent.objects.get(action=AuditAction.SCHEDULED_JOB_FINISHED)
    assert finished.target_ref == "export-audit-head"
    assert finished.detail["outcome"] == "succeeded"
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_HEAD_EXPORTED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_shows_as_failed_with_its_error(migrated_data, settings):
    settings.SCHEDULE = {"failing": {"task": "tests.notify.test_schedule.failing_duty", "every": timedelta(hours=1)}}
    enqueue_due_jobs()
    run_worker()
    job = ScheduledJob.objects.get()
    assert job.last_outcome == JobOutcome.FAILED
    assert "the duty found something wrong" in job.last_error
    finished = AuditEvent.objects.get(action=AuditAction.SCHEDULED_JOB_FINISHED)
    assert finished.detail["outcome"] == "failed"
    client = StaffClient()
    client.force_login(make_user("sysadmin", Role.SYSTEM_ADMINISTRATOR))
    page = client.get(reverse("notify:jobs"))
    assert page.status_code == 200
    row = page.content.decode().split('data-testid="job-failing"')[1].split("</tr>")[0]
    assert "Failed" in row
    assert "the duty found something wrong" in row
    assert AuditEvent.objects.filter(action=AuditAction.JOBS_VIEWED).exists()
