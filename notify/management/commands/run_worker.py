"""The task worker: django-tasks-db's, holding a lock that tells the scheduler it is alive (notify.workers)."""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from notify.workers import hold_liveness_lock


class Command(DatabaseWorkerCommand):
    help = "Run queued tasks until stopped. Run as many as needed, on any machine that reaches the database."

    def handle(self, *args: Any, worker_id: str, **options: Any) -> None:
        hold_liveness_lock(worker_id)
        super().handle(*args, worker_id=worker_id, **options)
