"""The investigation's timeline: one entry per workflow or team step, with its reason."""

from accounts.models import User
from casework.models import Investigation, InvestigationActivity


def record_activity(
    investigation: Investigation, action: str, from_state: str, actor: User | None, reason: str
) -> None:
    """A timeline entry: a step (with the state it moved to) or a team change (no state), and why."""
    InvestigationActivity.objects.create(
        investigation=investigation,
        action=action,
        from_state=from_state,
        to_state=investigation.state if from_state else "",
        reason=reason,
        actor=actor,
    )
