"""The disclosure register's states and the Schedule 14 grounds."""

from django.db import models


class DisclosureState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    DISCLOSED = "disclosed", "Disclosed"


class Schedule14Ground(models.TextChoices):
    """The grounds on which protected material may be disclosed (Health and Care Act 2022, Schedule 14)."""

    INTERNAL = "internal", "Internal: needed by the body's own staff for its functions"
    INVESTIGATION = "investigation", "External: necessary for the purposes of the investigation"
    OFFENCES = "offences", "Prevention, detection or investigation of an offence"
    SERIOUS_RISK = "serious_risk", "Serious and continuing risk to patients or the public"
    HIGH_COURT = "high_court", "Order of the High Court"
