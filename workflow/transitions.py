"""The one way a state-machine transition runs, for every protected model.

Lock the row, check the state and then the actor's permission, apply the django-fsm transition,
save, and record the timeline entry and the audit event, all in one transaction. Of two people
acting at once, the second waits for the lock, then sees the new state and a clear refusal.

Services lock rows FOR NO KEY UPDATE (`select_for_update(no_key=True)`): it serialises changes to
the row as FOR UPDATE does, but lets other transactions' new child rows (a note, a task) pass their
deferred foreign-key check, which takes FOR KEY SHARE on the parent at commit. With FOR UPDATE a
member's note committing while a director removed that member deadlocked.
"""

from collections.abc import Callable
from typing import Protocol, cast

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from audit.choices import AuditAction
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.history import save_with_history_reason
from kernel.transactions import service_transaction


class StateMachine(Protocol):
    """What a transition reads of a protected model besides Model's own: its django-fsm state."""

    state: str

    def get_state_display(self) -> str: ...


def run_transition[M: Model, U: AbstractUser](
    obj: M,
    name: str,
    *,
    actor: U | None,
    audit_action: AuditAction,
    describe: str,
    record_step: Callable[[M, str, str, U | None, str], object] | None = None,
    reason: str = "",
    condition_message: str = "",
    before_save: Callable[[M], object] | None = None,
    detail: dict | None = None,
) -> M:
    """Apply transition `name` to a locked copy of `obj`; return the saved copy.

    `describe` completes "you cannot ... it" in the refusal; `record_step(locked, name, from_state,
    actor, reason)` writes the model's timeline entry, for models that keep one.
    """
    with service_transaction():
        locked = type(obj)._default_manager.select_for_update(no_key=True).get(pk=obj.pk)
        method = getattr(locked, name)
        if not can_proceed(method, check_conditions=False):
            raise WorkflowError(
                "%s is now %s, so you cannot %s it. Someone may have acted on it already; nothing was changed."
                % (locked, cast(StateMachine, locked).get_state_display().lower(), describe)
            )
        # The public (the referrer following up) acts with no account: as anonymous, never with a permission.
        if not has_transition_perm(method, actor if actor is not None else AnonymousUser()):
            if not can_proceed(method):
                raise WorkflowError(condition_message or "%s cannot be moved on yet." % locked)
            raise PermissionDenied("Your role cannot %s this." % describe)
        from_state = cast(StateMachine, locked).state
        method()
        if before_save is not None:
            before_save(locked)
        if hasattr(locked, "state_changed_at"):
            locked.state_changed_at = timezone.now()
        save_with_history_reason(locked, name)
        if record_step is not None:
            record_step(locked, name, from_state, actor, reason)
        record_event(
            audit_action,
            actor=actor,
            target=locked,
            detail={"from": from_state, "to": cast(StateMachine, locked).state, **(detail or {})},
        )
    return locked
