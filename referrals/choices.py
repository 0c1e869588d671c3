"""Choices for concerns. Values are stored; labels are what people read."""

from django.db import models


class ReferralState(models.TextChoices):
    RECEIVED = "received", "Received"
    TRIAGE = "triage", "In triage"
    AWAITING_INFO = "awaiting_info", "Awaiting information"
    LOGGED = "logged", "Logged for intelligence"
    SIGNPOSTED = "signposted", "Signposted"
    LINKED = "linked", "Linked"
    PROPOSED = "proposed", "Proposed for investigation"
    ACCEPTED = "accepted", "Accepted for investigation"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


# States from which a referral can still be withdrawn (signposted, declined and accepted are outcomes).
OPEN_STATES = [
    ReferralState.RECEIVED,
    ReferralState.TRIAGE,
    ReferralState.AWAITING_INFO,
    ReferralState.LOGGED,
    ReferralState.LINKED,
    ReferralState.PROPOSED,
]


# Outcomes that end a concern's handling without an investigation to keep it with: each starts the
# concern's own retention (REFERRAL_RETENTION_YEARS), after which it may be disposed of.
ENDED_WITHOUT_INVESTIGATION = frozenset(
    {ReferralState.LOGGED, ReferralState.SIGNPOSTED, ReferralState.DECLINED, ReferralState.WITHDRAWN}
)


# States with work waiting: what the intake queue shows unless a state is chosen.
QUEUE_STATES = [ReferralState.RECEIVED, ReferralState.TRIAGE, ReferralState.AWAITING_INFO, ReferralState.PROPOSED]


class ReporterType(models.TextChoices):
    PATIENT = "patient", "A patient"
    FAMILY_OR_CARER = "family_or_carer", "A family member or carer"
    STAFF = "staff", "A member of staff"
    ORGANISATION = "organisation", "An organisation"
    OTHER = "other", "Other"


class ConcernKind(models.TextChoices):
    HAPPENED = "happened", "Something that happened"
    MIGHT_HAPPEN = "might_happen", "Something that might happen"


class CareSetting(models.TextChoices):
    HOSPITAL = "hospital", "Hospital (acute)"
    MENTAL_HEALTH = "mental_health", "Mental health service"
    AMBULANCE = "ambulance", "Ambulance or NHS 111"
    GP = "gp", "GP practice or primary care"
    COMMUNITY = "community", "Community health service"
    CARE_HOME = "care_home", "Care home or care at home"
    PHARMACY = "pharmacy", "Pharmacy"
    DENTAL = "dental", "Dental service"
    MATERNITY = "maternity", "Maternity service"
    OTHER = "other", "Other or more than one"


class Region(models.TextChoices):
    LONDON = "london", "London"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"
    EAST_OF_ENGLAND = "east_of_england", "East of England"
    MIDLANDS = "midlands", "Midlands"
    NORTH_WEST = "north_west", "North West"
    NORTH_EAST_YORKSHIRE = "north_east_yorkshire", "North East and Yorkshire"
    ACROSS_ENGLAND = "across_england", "Across England"
    OUTSIDE_ENGLAND = "outside_england", "Outside England"


class HarmLevel(models.TextChoices):
    NONE = "none", "No harm"
    LOW = "low", "Low harm"
    MODERATE = "moderate", "Moderate harm"
    SEVERE = "severe", "Severe harm"
    DEATH = "death", "Death"
    UNKNOWN = "unknown", "Not known"


class Frequency(models.TextChoices):
    ONCE = "once", "Once"
    MORE_THAN_ONCE = "more_than_once", "More than once"
    ONGOING = "ongoing", "It is ongoing"
    UNKNOWN = "unknown", "Not known"


class Channel(models.TextChoices):
    WEB_FORM = "web_form", "Online form"
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    API = "api", "Partner system"


class SignpostReason(models.TextChoices):
    INDIVIDUAL_COMPLAINT = "individual_complaint", "Individual complaint, not a system-wide safety issue"
    OUTSIDE_ENGLAND = "outside_england", "Care outside England"
    BEFORE_REMIT = "before_remit", "Events before 1 April 2017"
    REGULATORY = "regulatory", "A matter for a regulator"
    NOT_HEALTHCARE = "not_healthcare", "Not about healthcare"
    OTHER = "other", "Other"


class Band(models.TextChoices):
    MINOR = "minor", "Minor"
    MODERATE = "moderate", "Moderate"
    MAJOR = "major", "Major"


# How each step appears on a referral's timeline.
ACTIVITY_LABELS = {
    "received": "Received",
    "assigned": "Assigned",
    "start_triage": "Triage started",
    "request_info": "Information requested",
    "info_received": "Information received",
    "log_for_intelligence": "Logged for intelligence",
    "signpost": "Signposted",
    "link": "Linked",
    "propose_case": "Proposed for investigation",
    "accept": "Accepted for investigation",
    "defer": "Deferred",
    "decline": "Declined",
    "withdraw": "Withdrawn",
    "reopen": "Reopened",
}


class MessageKind(models.TextChoices):
    """What a message in a concern's conversation is: the body writes the first three, and the referrer
    sees them on their page; the referrer writes replies; staff record what came by phone or post."""

    QUESTION = "question", "A question from us"
    MESSAGE = "message", "A message from us"
    NOTICE = "notice", "Our decision"
    REPLY = "reply", "From the person who shared the concern"
    RECORDED = "recorded", "Recorded by staff (received by phone, e-mail or letter)"


# What the body writes to the referrer: these nudge a referrer who asked for an e-mail.
FROM_THE_BODY = frozenset({MessageKind.QUESTION, MessageKind.MESSAGE, MessageKind.NOTICE})
