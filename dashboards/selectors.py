"""What waits for a decision of the signed-in person, gathered from every domain for the top of their
dashboard: each item says what it is, names its reference and links to where the decision is taken.

Only what the person may decide is listed (the rule of each domain's `permissions.py`), never what
they asked for themselves (the two-person rules), and only objects they may see.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from django.db.models import Model, Q
from django.urls import reverse

from casework.choices import DirectionState, DisposalState
from casework.choices import InvestigationState as S
from casework.models import Direction, Disposal, Investigation, SafetyRecommendation, TermsOfReference
from casework.permissions import PUBLISH_INVESTIGATION, may_approve_direction, may_approve_disposal, may_direct
from disclosures.choices import DisclosureState
from disclosures.models import DisclosureRequest
from disclosures.permissions import may_decide as may_decide_disclosure
from disclosures.permissions import may_decide_some
from referrals.choices import ReferralState
from referrals.models import Referral
from referrals.permissions import may_decide as may_decide_referral
from reports.choices import ReportKind
from reports.models import Consultation, Report

if TYPE_CHECKING:
    from django.shortcuts import SupportsGetAbsoluteUrl  # a protocol of django-stubs only

LIMIT = 10
SHOWN_OF_A_CASE = ("reference", "state", "state_changed_at")  # what an item needs: the columns fetched


@dataclass(frozen=True)
class Waiting:
    what: str
    reference: str  # as the audit trail names it
    link: str
    since: datetime | None = None
    shows_reference: bool = True


def at_its_page(what: str, decided, since: datetime | None) -> Waiting:
    return Waiting(what, decided.reference, decided.get_absolute_url(), since)


def waiting_for(user) -> list[Waiting]:
    """The decisions waiting for `user`, oldest first within each kind (at most LIMIT of each)."""
    items: list[Waiting] = []
    if may_decide_referral(user):
        for referral in (
            Referral.objects.visible_to(user)
            .filter(state=ReferralState.PROPOSED)
            .only("reference", "state_changed_at")
            .order_by("state_changed_at")[:LIMIT]
        ):
            items.append(
                Waiting(
                    "A proposal to investigate",
                    referral.reference,
                    referral.get_absolute_url(),
                    referral.state_changed_at,
                )
            )
    if may_direct(user):
        gates = (
            Investigation.objects.visible_to(user)
            .filter(
                Q(state=S.INTERNAL_REVIEW)
                | Q(state=S.SCOPING, pk__in=TermsOfReference.objects.values("investigation_id"))
            )
            .only(*SHOWN_OF_A_CASE)
            .order_by("state_changed_at")[:LIMIT]
        )
        for investigation in gates:
            what = (
                "Terms of reference to approve"
                if investigation.state == S.SCOPING
                else "A draft report to approve for consultation"
            )
            items.append(at_its_page(what, investigation, investigation.state_changed_at))
    if user.has_perm(PUBLISH_INVESTIGATION):
        at_final_approval = Investigation.objects.visible_to(user).filter(state=S.FINAL_APPROVAL).only(*SHOWN_OF_A_CASE)
        for investigation in at_final_approval.order_by("state_changed_at")[:LIMIT]:
            items.append(at_its_page("A final report to publish", investigation, investigation.state_changed_at))
        interim = (
            Report.objects.filter(
                investigation__in=Investigation.objects.visible_to(user),
                kind=ReportKind.INTERIM,
                approved_version__isnull=False,
                publication__isnull=True,
            )
            .select_related("investigation")
            .only("public_id", "approved_at", "investigation__reference")
        )
        for report in interim.order_by("approved_at")[:LIMIT]:
            items.append(
                Waiting(
                    "An interim report to publish",
                    report.investigation.reference,
                    report.get_absolute_url(),
                    report.approved_at,
                )
            )
    if may_approve_direction(user):
        directions = (
            Direction.objects.filter(state=DirectionState.REGISTERED)
            .exclude(registered_by=user)
            .only("public_id", "title", "registered_at")
        )
        for direction in directions.order_by("registered_at")[:LIMIT]:
            items.append(
                Waiting(
                    "A Secretary of State direction to approve: %s" % direction.title,
                    str(direction.public_id),
                    reverse("casework:directions"),
                    direction.registered_at,
                    shows_reference=False,
                )
            )
    if may_decide_some(user):
        requests = (
            DisclosureRequest.objects.filter(state=DisclosureState.REQUESTED)
            .exclude(requested_by=user)
            .select_related("investigation")
            .only("public_id", "reference", "ground", "requested_at", "investigation__reference")
            .order_by("requested_at")
        )
        decidable = [request for request in requests[: LIMIT * 3] if may_decide_disclosure(request, user)]
        for request in decidable[:LIMIT]:
            items.append(
                Waiting("A disclosure to decide", request.reference, request.get_absolute_url(), request.requested_at)
            )
    if may_approve_disposal(user):
        disposals = Disposal.objects.filter(state=DisposalState.REQUESTED).exclude(requested_by=user)
        shown = disposals.select_related("investigation", "referral").only(
            "requested_at", "investigation__reference", "referral__reference"
        )
        for disposal in shown.order_by("requested_at")[:LIMIT]:
            record = disposal.investigation or disposal.referral
            items.append(
                Waiting(
                    "A disposal to approve (the second person)",
                    record.reference if record is not None else "",
                    reverse("casework:disposals"),
                    disposal.requested_at,
                )
            )
    return items


def page_for_reference(user, reference: str) -> str | None:
    """Where `reference` (a concern, an investigation, a recommendation, a consultation or a
    disclosure) is shown to `user`, or None when there is no such thing they may open."""
    reference = reference.strip().upper()
    cases = Investigation.objects.visible_to(user)
    found: Model | None = None
    if reference.startswith("REF-"):
        found = Referral.objects.visible_to(user).filter(reference=reference).first()
    elif reference.startswith("INV-"):
        found = cases.filter(reference=reference).first()
    elif reference.startswith("R-"):
        recommendation = SafetyRecommendation.objects.filter(reference=reference, investigation__in=cases).first()
        found = recommendation.investigation if recommendation is not None else None
    elif reference.startswith("CON-"):
        found = Consultation.objects.filter(reference=reference, report__investigation__in=cases).first()
    elif reference.startswith("DIS-"):
        found = DisclosureRequest.objects.filter(reference=reference, investigation__in=cases).first()
    return cast("SupportsGetAbsoluteUrl", found).get_absolute_url() if found is not None else None
