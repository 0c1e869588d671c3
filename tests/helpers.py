"""Assertions shared across the suite."""

from audit.models import AuditEvent


def assert_audited(action, *, target_ref=None, actor=None, outcome=None, request_id=None):
    """Fail unless an audit event matching every given field was recorded; return the newest match."""
    events = AuditEvent.objects.filter(action=action)
    if target_ref is not None:
        events = events.filter(target_ref=str(target_ref))
    if actor is not None:
        events = events.filter(actor=actor)
    if outcome is not None:
        events = events.filter(outcome=outcome)
    if request_id is not None:
        events = events.filter(request_id=request_id)
    event = events.order_by("-seq").first()
    assert event is not None, "no %s audit event matching target=%s actor=%s outcome=%s request=%s" % (
        action,
        target_ref,
        actor,
        outcome,
        request_id,
    )
    return event
