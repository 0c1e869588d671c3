"""Choices for investigations."""

from django.db import models


class InvestigationState(models.TextChoices):
    """The investigation workflow (DESIGN 3.2); it begins when a director accepts a proposed case."""

    PROPOSED = "proposed", "Proposed"
