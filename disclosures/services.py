"""Disclosure requests: ask, decide (never the asker), release exactly what was approved. One transaction each."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import holders_of
from audit.choices import AuditAction
from audit.services import record_event
from casework.models import Evidence, Investigation
from casework.notices import notify_about_case
from casework.services import require_open_record
from disclosures.choices import Schedule14Ground
from disclosures.models import DisclosureItem, DisclosureRequest
from disclosures.permissions import APPROVE_ANY, APPROVE_INTERNAL, may_ask, may_release
from kernel.errors import WorkflowError
from kernel.history import update_with_history
from kernel.models import ReferenceCounter
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from workflow.transitions import run_transition


def request_disclosure(
    investigation: Investigation,
    *,
    actor: User,
    evidence_ids: Iterable[int],
    recipient: str,
    ground: str,
    necessity: str,
    extent: str,
) -> DisclosureRequest:
    """A team member asks to disclose some of the investigation's evidence to a named recipient."""
    if not may_ask(actor, investigation):
        raise PermissionDenied("Only the investigation team can ask for a disclosure.")
    require_open_record(investigation)
    wanted = set(evidence_ids)
    if not wanted:
        raise WorkflowError("Choose at least one evidence item to disclose.")
    items = list(Evidence.objects.filter(investigation=investigation, disposed_at__isnull=True, pk__in=wanted))
    if len(items) != len(wanted):
        raise WorkflowError("An item chosen is not evidence of %s (or has been disposed of)." % investigation)
    with service_transaction():
        disclosure = DisclosureRequest.objects.create(
            reference=ReferenceCounter.next_reference("DIS", digits=4),
            investigation=investigation,
            recipient=recipient,
            ground=ground,
            necessity=necessity,
            extent=extent,
            requested_by=actor,
        )
        DisclosureItem.objects.bulk_create(DisclosureItem(request=disclosure, evidence=item) for item in items)
        record_event(
            AuditAction.DISCLOSURE_REQUESTED,
            actor=actor,
            target=disclosure,
            detail={
                "case": investigation.reference,
                "ground": ground,
                "items": sorted(str(i.public_id) for i in items),
            },
        )
        deciders = list(holders_of(APPROVE_ANY))
        if ground == Schedule14Ground.INTERNAL:
            deciders += holders_of(APPROVE_INTERNAL)
        notify_about_case(
            deciders,
            NotificationKind.DISCLOSURE_WAITING,
            investigation,
            link=disclosure.get_absolute_url(),
            actor=actor,
        )
    return disclosure


def decide_disclosure(
    disclosure: DisclosureRequest, *, actor: User, approve: bool, approved_ids: Iterable[int] = (), note: str = ""
) -> DisclosureRequest:
    """Approve some or all of the requested items, or refuse; the requester never decides their own request."""
    if disclosure.requested_by_id == actor.pk:
        raise WorkflowError("You asked for this disclosure, so someone else must decide it. Nothing was changed.")
    chosen = set(approved_ids)
    if approve and not chosen:
        raise WorkflowError("Approve at least one item, or refuse the request.")
    if not approve and not note.strip():
        raise WorkflowError("Give the reason for refusing.")

    def record_decision(locked: DisclosureRequest) -> None:
        requested = set(locked.items.values_list("pk", flat=True))
        if not chosen <= requested:
            raise WorkflowError("Only items in the request can be approved. Nothing was changed.")
        reason = "approved" if approve else "refused"
        update_with_history(locked.items.filter(pk__in=chosen), actor=actor, reason=reason, approved=True)
        update_with_history(locked.items.exclude(pk__in=chosen), actor=actor, reason=reason, approved=False)
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note.strip()

    return run_transition(
        disclosure,
        "approve" if approve else "refuse",
        actor=actor,
        audit_action=AuditAction.DISCLOSURE_APPROVED if approve else AuditAction.DISCLOSURE_REFUSED,
        describe="decide",
        before_save=record_decision,
        detail={"case": disclosure.investigation.reference, "approved_items": len(chosen)},
    )


def release_disclosure(disclosure: DisclosureRequest, *, actor: User) -> DisclosureRequest:
    """Mark the approved items released to the recipient; the package is then built from them alone."""

    def record_release(locked: DisclosureRequest) -> None:
        if locked.items.filter(approved=True, evidence__disposed_at__isnull=False).exists():
            raise WorkflowError("An approved item has since been disposed of; ask for a new disclosure.")
        locked.released_by, locked.released_at = actor, timezone.now()

    return run_transition(
        disclosure,
        "release",
        actor=actor,
        audit_action=AuditAction.DISCLOSURE_RELEASED,
        describe="release",
        before_save=record_release,
        detail={"case": disclosure.investigation.reference, "items": released_ids(disclosure)},
    )


def record_package_download(disclosure: DisclosureRequest, *, actor: User) -> None:
    """A later copy of a released package, for the team only, is recorded like the first."""
    if not may_release(disclosure, actor):
        raise PermissionDenied("Only the investigation team can download a released package.")
    record_event(
        AuditAction.DISCLOSURE_PACKAGE_DOWNLOADED,
        actor=actor,
        target=disclosure,
        detail={"case": disclosure.investigation.reference, "items": released_ids(disclosure)},
    )


def released_ids(disclosure: DisclosureRequest) -> list[str]:
    return sorted(str(public_id) for public_id in approved_evidence(disclosure).values_list("public_id", flat=True))


def approved_evidence(disclosure: DisclosureRequest) -> QuerySet[Evidence]:
    """The only evidence a package may hold: the items the decision approved."""
    return Evidence.objects.filter(
        pk__in=disclosure.items.filter(approved=True).values("evidence"), disposed_at__isnull=True
    ).order_by("pk")
