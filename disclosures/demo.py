"""Demo disclosures: one waiting for the chief investigator, one internal share released, one refused."""

from casework.choices import RECORD_CLOSED_STATES
from casework.models import Evidence
from disclosures.models import Schedule14Ground
from disclosures.services import decide_disclosure, release_disclosure, request_disclosure


def create_demo_disclosures(people: dict) -> None:
    evidence = (
        Evidence.objects.filter(investigation__isnull=False, disposed_at__isnull=True)
        .exclude(investigation__state__in=RECORD_CLOSED_STATES)
        .select_related("investigation")
        .order_by("pk")
    )
    cases = {item.investigation_id: item for item in evidence}
    waiting, internal, refused = list(cases.values())[:3]
    for item, ground, recipient in (
        (waiting, Schedule14Ground.OFFENCES, "Detective Sergeant, Northshire Police public protection unit"),
        (internal, Schedule14Ground.INTERNAL, "National learning team (internal)"),
        (refused, Schedule14Ground.INVESTIGATION, "Clinical director, Riverside Community Trust"),
    ):
        lead = item.investigation.lead
        disclosure = request_disclosure(
            item.investigation,
            actor=lead,
            evidence_ids=[item.pk],
            recipient=recipient,
            ground=ground,
            necessity="Needed by %s for its own duties; no less intrusive route exists." % recipient,
            extent="The %s only, for that purpose, to be destroyed when done." % item.title.lower(),
        )
        if item is internal:
            decide_disclosure(
                disclosure, actor=people["director"], approve=True, approved_ids=[disclosure.items.get().pk]
            )
            release_disclosure(disclosure, actor=lead)
        elif item is refused:
            decide_disclosure(
                disclosure, actor=people["chief"], approve=False, note="The trust can obtain this from its own records."
            )
