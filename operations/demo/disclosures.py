"""Demo disclosures: one waiting for the chief investigator, one internal share released, one refused."""

from casework.choices import RECORD_CLOSED_STATES
from casework.models import Investigation
from disclosures.choices import Schedule14Ground
from disclosures.services import decide_disclosure, release_disclosure, request_disclosure


def create_demo_disclosures(people: dict) -> None:
    cases = (
        Investigation.objects.filter(evidence__isnull=False, evidence__disposed_at__isnull=True)
        .exclude(state__in=RECORD_CLOSED_STATES)
        .distinct()
        .order_by("pk")
    )
    waiting, internal, refused = list(cases[:3])
    for investigation, ground, recipient in (
        (waiting, Schedule14Ground.OFFENCES, "Detective Sergeant, Northshire Police public protection unit"),
        (internal, Schedule14Ground.INTERNAL, "National learning team (internal)"),
        (refused, Schedule14Ground.INVESTIGATION, "Clinical director, Riverside Community Trust"),
    ):
        item = investigation.evidence.filter(disposed_at__isnull=True).order_by("pk")[0]
        lead = investigation.lead
        disclosure = request_disclosure(
            investigation,
            actor=lead,
            evidence_ids=[item.pk],
            recipient=recipient,
            ground=ground,
            necessity="Needed by %s for its own duties; no less intrusive route exists." % recipient,
            extent="The %s only, for that purpose, to be destroyed when done." % item.title.lower(),
        )
        if investigation is internal:
            decide_disclosure(
                disclosure, actor=people["director"], approve=True, approved_ids=[disclosure.items.get().pk]
            )
            release_disclosure(disclosure, actor=lead)
        elif investigation is refused:
            decide_disclosure(
                disclosure, actor=people["chief"], approve=False, note="The trust can obtain this from its own records."
            )
