"""Who may see what a notification is about: each app that sends notifications registers its rule.

notify sits below the domain apps, so it cannot ask casework who sees an investigation; casework
tells it instead (in its AppConfig.ready), with the same `visible_to` its pages use.
"""

from collections.abc import Callable

from accounts.models import OutsidePerson, User

SubjectRule = Callable[[User, str], bool]
OutsideRule = Callable[[OutsidePerson, str], bool]
_rules: dict[str, SubjectRule] = {}
_outside_rules: dict[str, OutsideRule] = {}


def register_subject(subject_type: str, may_see: SubjectRule) -> None:
    _rules[subject_type] = may_see


def register_outside_subject(subject_type: str, may_see: OutsideRule) -> None:
    """What someone outside the body may be told about: only what was addressed to them."""
    _outside_rules[subject_type] = may_see


def outside_may_see(person: OutsidePerson, subject_type: str, subject_ref: str) -> bool:
    rule = _outside_rules.get(subject_type)
    return person.is_active and rule is not None and rule(person, subject_ref)


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
