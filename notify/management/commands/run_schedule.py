"""The scheduler: enqueues each periodic job of settings.SCHEDULE when it falls due."""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

from notify.schedule import configured_jobs, enqueue_due_jobs
from notify.workers import requeue_abandoned_tasks


class Command(BaseCommand):
    help = (
        "Enqueue scheduled jobs as they fall due, and queue again tasks whose worker stopped, until "
        "stopped (SIGTERM or Ctrl-C). More than one is harmless."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = configured_jobs()  # a schedule naming a job that does not exist stops here
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("Scheduling %s jobs: %s." % (len(jobs), ", ".join(sorted(jobs))))
        while not stop.is_set():
            try:
                for name in enqueue_due_jobs():
                    self.stdout.write("Enqueued %s." % name)
                if requeued := requeue_abandoned_tasks():
                    self.stdout.write("Queued again %s task(s) whose worker had stopped." % requeued)
            except DatabaseError as error:
                self.stderr.write("Scheduling failed (%s); trying again." % error)
                connection.close()
            stop.wait(settings.SCHEDULE_TICK_SECONDS)
        connection.close()
