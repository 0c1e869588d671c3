"""Who may see what a notification is about: each app that sends notifications registers its rule.

notify sits below the domain apps, so it cannot ask casework who sees an investigation; casework
tells it instead (in its AppConfig.ready), with the same `visible_to` its pages use.
"""

from collections.abc import Callable

from accounts.models import User

SubjectRule = Callable[[User, str], bool]
_rules: dict[str, SubjectRule] = {}


def register_subject(subject_type: str, may_see: SubjectRule) -> None:
    _rules[subject_type] = may_see


def may_see(user: User, subject_type: str, subject_ref: str) -> bool:
    """Whether `user` may see the subject now; an unregistered kind of subject is seen by nobody."""
    rule = _rules.get(subject_type)
    return user.is_active and rule is not None and rule(user, subject_ref)


SCHEDULED_JOB = "notify.scheduledjob"
VERIFICATION = "audit.verification"


def register_own_subjects() -> None:
    from audit.permissions import may_audit
    from notify.permissions import may_view_jobs

    register_subject(SCHEDULED_JOB, lambda user, ref: may_view_jobs(user))
    register_subject(VERIFICATION, lambda user, ref: may_audit(user) or may_view_jobs(user))
