"""Opening investigations: from an accepted referral or an approved direction; linking referrals to them."""

from datetime import date

from accounts.models import User
from audit.choices import AuditAction
from audit.services import record_event
from casework.models import Investigation
from kernel.errors import WorkflowError
from kernel.models import ReferenceCounter
from referrals import services as referral_services
from referrals.models import Referral


def open_investigation(
    *,
    actor: User,
    title: str,
    origin_referral: Referral | None = None,
    directed: bool = False,
    due_date: date | None = None,
) -> Investigation:
    """A new investigation, proposed, with its INV reference: the one way one is created."""
    investigation = Investigation.objects.create(
        reference=ReferenceCounter.next_reference("INV", digits=4),
        title=title,
        origin_referral=origin_referral,
        # The organisation the concern is about: the team's declared conflicts are checked against it.
        organisation_name=origin_referral.organisation_name if origin_referral is not None else "",
        directed=directed,
        due_date=due_date,
    )
    detail = {"from": origin_referral.reference} if origin_referral is not None else {"directed": directed}
    record_event(AuditAction.INVESTIGATION_CREATED, actor=actor, target=investigation, detail=detail)
    return investigation


def accept_referral(referral: Referral, *, actor: User, title: str, reason: str = "") -> Investigation:
    """A director accepts a proposed referral: it becomes an investigation, in one transaction."""
    return referral_services.accept_referral(
        referral,
        actor=actor,
        reason=reason,
        open_investigation=lambda locked: open_investigation(actor=actor, title=title, origin_referral=locked),
    )


def link_referral(referral: Referral, *, actor: User, reference: str, reason: str) -> Referral:
    """Link a referral to the referral or investigation `reference`, found only among those `actor` may see.

    One the actor may not see is answered exactly as a missing one: the link form must not reveal
    which investigations exist. When it does exist, the attempt is recorded as a denied access (a
    mistyped reference is only the refused step, recorded by the step runner).
    """
    target = reference.strip().upper()
    to_referral = Referral.objects.visible_to(actor).filter(reference=target).first()
    to_investigation = None
    if to_referral is None:
        to_investigation = Investigation.objects.visible_to(actor).filter(reference=target).first()
    if to_referral is None and to_investigation is None:
        hidden = [model for model in (Investigation, Referral) if model.objects.filter(reference=target).exists()]
        denial = None
        if hidden:
            denial = {
                "actor": actor,
                "target_type": hidden[0]._meta.label_lower,
                "target_ref": target,
                "detail": {"reason": "not visible for link", "from": referral.reference},
            }
        raise WorkflowError("There is no referral or investigation %s that you can see." % target, denial=denial)
    return referral_services.link_referral(
        referral, actor=actor, reason=reason, to_referral=to_referral, to_investigation=to_investigation
    )
