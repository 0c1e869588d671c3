"""About sixty realistic demo referrals across every state, created through the real services."""

import random
from datetime import timedelta

from django.utils import timezone

from casework import services as case_services
from referrals import services
from referrals.choices import (
    CareSetting,
    Channel,
    ConcernKind,
    Frequency,
    HarmLevel,
    ReferralState,
    Region,
    ReporterType,
    SignpostReason,
)
from referrals.models import Referral, ReferralActivity, SignpostBody

ORGANISATIONS = [
    ("Northshire Hospitals NHS Foundation Trust", CareSetting.HOSPITAL, Region.NORTH_WEST),
    ("Riverside Community Healthcare NHS Trust", CareSetting.COMMUNITY, Region.MIDLANDS),
    ("Eastmoor Mental Health Partnership", CareSetting.MENTAL_HEALTH, Region.EAST_OF_ENGLAND),
    ("South Coast Ambulance Service", CareSetting.AMBULANCE, Region.SOUTH_EAST),
    ("Kingsgate Medical Practice", CareSetting.GP, Region.LONDON),
    ("Meadowbank Care Home", CareSetting.CARE_HOME, Region.SOUTH_WEST),
    ("Harbour Pharmacy Group", CareSetting.PHARMACY, Region.NORTH_EAST_YORKSHIRE),
    ("Westfield University Hospitals", CareSetting.MATERNITY, Region.MIDLANDS),
    ("Northshire Hospitals NHS Foundation Trust", CareSetting.HOSPITAL, Region.NORTH_WEST),
    ("Valley Dental Centre", CareSetting.DENTAL, Region.SOUTH_WEST),
]

CONCERNS = [
    "Patients' early warning scores rose overnight but no doctor was called; two patients were later "
    "admitted to intensive care.",
    "Insulin doses were missed after patients moved between wards because the electronic prescribing "
    "system did not carry the timings over.",
    "Ambulances waited more than four hours outside the emergency department and patients deteriorated "
    "in the vehicles.",
    "Test results flagged as abnormal were filed without being acted on, delaying a cancer diagnosis by "
    "several months.",
    "Nasogastric tube position was not confirmed by X-ray before feeding started.",
    "Fetal heart rate monitoring was misread during a long labour and escalation to the obstetrician came late.",
    "Older residents fell repeatedly at night and no falls risk assessment was updated after each fall.",
    "Patients discharged from the mental health ward were not followed up within 72 hours.",
    "Oxygen cylinders on the ward were found empty when needed for a patient in respiratory distress.",
    "Two medicines with similar packaging were dispensed in error for each other at several branches.",
    "Sepsis screening was not started for a child who returned to the GP twice with a high temperature.",
    "Handover between the night and day teams missed that a patient was nil by mouth before surgery.",
    "Referral letters sent electronically to a clinic were never received because of an address error.",
    "Agency staff could not log in to the patient record system and relied on paper notes without allergy information.",
    "A patient with a learning disability was not given reasonable adjustments and their pain went unrecognised.",
]

# How many demo referrals end in each state.
STATE_COUNTS = {
    ReferralState.RECEIVED: 8,
    ReferralState.TRIAGE: 10,
    ReferralState.AWAITING_INFO: 6,
    ReferralState.LOGGED: 10,
    ReferralState.SIGNPOSTED: 6,
    ReferralState.LINKED: 4,
    ReferralState.PROPOSED: 5,
    ReferralState.ACCEPTED: 3,
    ReferralState.DECLINED: 4,
    ReferralState.WITHDRAWN: 3,
}
FULL_SCORES = {"harm": "major", "scale": "moderate", "public_confidence": "moderate", "learning": "major"}


def create_demo_referrals(intake, director) -> list[Referral]:
    """Referrals received over the last four months, each walked to its state through the services.

    Dates are moved back afterwards with a plain update: demo data only, not a change to record.
    """
    rng = random.Random(2026)  # noqa: S311 (repeatable demo data, not security)
    now = timezone.now()
    created: list[Referral] = []
    number = 0
    for state, count in STATE_COUNTS.items():
        for _ in range(count):
            number += 1
            organisation, setting, region = ORGANISATIONS[number % len(ORGANISATIONS)]
            occurred = now.date() - timedelta(days=rng.randint(5, 200))
            if number % 13 == 0:
                occurred = occurred.replace(year=2016)
            anonymous = number % 4 == 0
            referral, _ = services.receive_referral(
                {
                    "reporter_type": rng.choice(list(ReporterType)),
                    "concern_kind": ConcernKind.MIGHT_HAPPEN if number % 7 == 0 else ConcernKind.HAPPENED,
                    "organisation_name": organisation,
                    "care_setting": setting,
                    "region": Region.OUTSIDE_ENGLAND if number % 17 == 0 else region,
                    "occurred_on": occurred,
                    "description": CONCERNS[number % len(CONCERNS)],
                    "harm_level": rng.choice(list(HarmLevel)),
                    "frequency": rng.choice(list(Frequency)),
                    "reporter_name": "" if anonymous else "Demo Referrer %s" % number,
                    "reporter_email": "" if anonymous else "referrer%s@example.org" % number,
                    "reporter_phone": "",
                    "patient_details": "Patient initials A.B., ward 7" if number % 5 == 0 else "",
                },
                channel=Channel.WEB_FORM if number % 3 else Channel.PHONE,
                actor=None if number % 3 else intake,
            )
            walk_to(referral, state, intake, director, created)
            received = now - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23))
            moved_on = received + (now - received) / 3
            Referral.objects.filter(pk=referral.pk).update(received_at=received, state_changed_at=moved_on)
            steps = list(referral.activities.order_by("pk").values_list("pk", flat=True))
            for index, pk in enumerate(steps):
                ReferralActivity.objects.filter(pk=pk).update(
                    occurred_at=received + (moved_on - received) * index / max(len(steps) - 1, 1)
                )
            created.append(referral)
    return created


def walk_to(referral, state, intake, director, earlier) -> None:
    if state == ReferralState.RECEIVED:
        return
    services.start_triage(referral, actor=intake)
    if state == ReferralState.AWAITING_INFO:
        services.request_info(referral, actor=intake, question="Which ward, and roughly when did this start?")
    elif state == ReferralState.LOGGED:
        services.log_for_intelligence(referral, actor=intake, reason="Theme noted for pattern analysis.")
    elif state == ReferralState.SIGNPOSTED:
        services.signpost_referral(
            referral,
            actor=intake,
            signpost_reason=SignpostReason.INDIVIDUAL_COMPLAINT,
            body=SignpostBody.objects.get(name__startswith="The provider"),
            note="Referrer told about the NHS complaints procedure.",
            notice="This is about one person's care, which the provider's complaints procedure looks at first. "
            "If you are not happy with their answer, the Parliamentary and Health Service Ombudsman can help.",
        )
    elif state == ReferralState.LINKED:
        services.link_referral(referral, actor=intake, to_referral=earlier[0], reason="Same issue, same trust.")
    elif state == ReferralState.WITHDRAWN:
        services.withdraw_referral(referral, actor=intake, reason="Referrer asked us to withdraw it.")
    elif state in (ReferralState.PROPOSED, ReferralState.ACCEPTED, ReferralState.DECLINED):
        services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="Recurring national risk.")
        services.propose_case(referral, actor=intake, reason="Meets the criteria for a national investigation.")
        if state == ReferralState.ACCEPTED:
            case_services.accept_referral(referral, actor=director, title="Safety of %s" % referral.organisation_name)
        elif state == ReferralState.DECLINED:
            services.decline_referral(
                referral,
                actor=director,
                reason="Already covered by a current investigation.",
                notice="A national investigation already under way covers the safety issue you raised. We have "
                "added what you told us to its evidence.",
            )
