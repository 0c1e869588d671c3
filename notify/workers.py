"""Whether a task's worker is still alive, so that a task left running by a stopped worker runs again.

A worker (`manage.py run_worker`) holds a PostgreSQL session lock named after its id on a
connection of its own for as long as its process lives. PostgreSQL lets go of it the moment that
process or its connection dies, so whoever can take the lock knows the worker is gone.
"""

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.choices import AuditAction
from audit.services import record_event

# The first key of the two-key advisory locks workers hold ("WK"); one-key locks (the audit chain's)
# are a separate space.
LIVENESS_LOCK_CLASS = 0x574B
# A task is run at most this many times: a second stopped worker means the task itself may be to blame.
MAX_RUNS = 2

_liveness_connection = None


def hold_liveness_lock(worker_id: str) -> None:
    """Take this worker's lock on a connection Django's request cycle never closes; keep it for the process."""
    global _liveness_connection
    held = connections.create_connection(DEFAULT_DB_ALIAS)
    held.ensure_connection()
    with held.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [LIVENESS_LOCK_CLASS, worker_id])
    _liveness_connection = held


def worker_is_alive(worker_id: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LIVENESS_LOCK_CLASS, worker_id])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [LIVENESS_LOCK_CLASS, worker_id])
    return not free


def requeue_abandoned_tasks() -> int:
    """Queue again each task whose worker died while running it (once; a second death fails it)."""
    requeued = 0
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(status=TaskResultStatus.RUNNING)
        for task in running:
            if not task.worker_ids or worker_is_alive(task.worker_ids[-1]):
                continue
            if len(task.worker_ids) >= MAX_RUNS:
                task.status = TaskResultStatus.FAILED
                task.finished_at = timezone.now()
                task.exception_class_path = "notify.workers.WorkerStopped"
                task.traceback = "WorkerStopped: its worker stopped while running it, %s times" % len(task.worker_ids)
            else:
                task.status = TaskResultStatus.READY
            task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            record_event(
                AuditAction.STALE_TASK_REQUEUED,
                target_type="django_tasks_db.dbtaskresult",
                target_ref=str(task.pk),
                detail={"task": task.task_path, "runs": len(task.worker_ids), "status": task.status},
            )
            requeued += 1
    return requeued
