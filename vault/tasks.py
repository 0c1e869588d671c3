"""The evidence store's duties as tasks, for the schedule (settings.SCHEDULE)."""

from django.tasks import task

from vault.integrity import remove_abandoned_uploads, verify_store

ABANDONED_AFTER_SECONDS = 3600


class EvidenceCheckFailed(Exception):
    """Some evidence did not verify: the job fails, naming how many (each is also a tamper event)."""


@task
def verify_evidence() -> int:
    check = verify_store()
    if check.failures:
        raise EvidenceCheckFailed("%s of %s evidence files failed verification" % (len(check.failures), check.checked))
    return check.checked


@task
def clear_abandoned_uploads() -> int:
    return remove_abandoned_uploads(ABANDONED_AFTER_SECONDS)
