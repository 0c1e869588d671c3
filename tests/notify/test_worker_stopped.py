"""A worker killed while handing a mail to the server: its task runs once more, and the mail is not sent again."""

import multiprocessing
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connections
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from audit.choices import AuditAction
from audit.models import AuditEvent
from notify.choices import EmailState
from notify.models import Notification
from notify.workers import requeue_abandoned_tasks, worker_is_alive
from tests.notify.conftest import open_case, run_worker
from tests.smtp import smtp_mailers, smtp_server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]
WORKER_ID = "worker-to-be-killed"


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def run_worker_process() -> None:
    call_command("run_worker", no_startup_delay=True, interval=0.1, verbosity=0, reload=False, worker_id=WORKER_ID)


def test_a_worker_killed_mid_send_is_run_again_once_and_no_mail_goes_twice(people, settings):
    with smtp_server() as (mailbox, port):
        mailbox.hold = threading.Event()  # the server keeps the message unanswered: the send never ends
        settings.MAILERS = smtp_mailers(port)
        open_case(people)  # the lead is told they were put on the team
        connections.close_all()  # the worker must not share this process's connection
        worker = multiprocessing.get_context("fork").Process(target=run_worker_process)
        worker.start()
        try:
            assert mailbox.holding.wait(timeout=30), "the worker never reached the mail server"
            assert worker_is_alive(WORKER_ID)
            assert requeue_abandoned_tasks() == 0  # a live worker's task is left alone
        finally:
            worker.kill()  # SIGKILL: no chance to tidy up
            worker.join(timeout=30)
        # PostgreSQL ends the dead worker's session, and with it the lock, moments after the process
        # dies (the scheduler looks every few seconds).
        assert wait_until(lambda: not worker_is_alive(WORKER_ID), seconds=30)
        assert Notification.objects.get().email == EmailState.CLAIMED
        assert requeue_abandoned_tasks() == 1
        mailbox.hold.set()  # the server answers again: a second send would now be delivered
        run_worker()
    # The server dropped the half-finished transaction when the worker died (it never said 250), and
    # the retry found the claim and did not send again: at most once, and the in-service
    # notification remains.
    assert mailbox.messages == []
    notification = Notification.objects.get()
    assert notification.email == EmailState.UNCERTAIN
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2
    assert AuditEvent.objects.filter(action=AuditAction.STALE_TASK_REQUEUED).count() == 1
