"""Staff roles. Each is a group (created by a data migration) carrying the role's model permissions."""

from django.db import models


class Role(models.TextChoices):
    """Group names, in the order used to pick a user's primary role for display."""

    DIRECTOR = "director", "Director"
    CHIEF_INVESTIGATOR = "chief_investigator", "Chief Investigator"
    INTAKE_OFFICER = "intake_officer", "Intake officer"
    INVESTIGATOR = "investigator", "Investigator"
    AUDITOR = "auditor", "Auditor"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"
