from django.db import models


class ReportKind(models.TextChoices):
    INTERIM = "interim", "Interim report (s.116)"
    FINAL = "final", "Final report"


class Section(models.TextChoices):
    """The parts of a report, in the order they are read. Recommendations and observations are the
    case's own records (one source of truth), shown in their place; every other part is written text."""

    SUMMARY = "summary", "Summary"
    BACKGROUND = "background", "Background and context"
    APPROACH = "approach", "How the investigation was done"
    FINDINGS = "findings", "Findings and analysis"
    RECOMMENDATIONS = "recommendations", "Safety recommendations"
    OBSERVATIONS = "observations", "Safety observations"
    ACTIONS = "actions", "Safety actions already taken"
    REFERENCES = "references", "Glossary and references"


# The sections drawn from the case's records, and those whose text a version holds.
RECORD_SECTIONS = {Section.RECOMMENDATIONS, Section.OBSERVATIONS}
WRITTEN_SECTIONS = [section for section in Section if section not in RECORD_SECTIONS]


class CommentAnchor(models.TextChoices):
    """Where a review comment points: one section, or the draft as a whole."""

    GENERAL = "general", "The draft as a whole"
    SUMMARY = Section.SUMMARY.value, Section.SUMMARY.label
    BACKGROUND = Section.BACKGROUND.value, Section.BACKGROUND.label
    APPROACH = Section.APPROACH.value, Section.APPROACH.label
    FINDINGS = Section.FINDINGS.value, Section.FINDINGS.label
    RECOMMENDATIONS = Section.RECOMMENDATIONS.value, Section.RECOMMENDATIONS.label
    OBSERVATIONS = Section.OBSERVATIONS.value, Section.OBSERVATIONS.label
    ACTIONS = Section.ACTIONS.value, Section.ACTIONS.label
    REFERENCES = Section.REFERENCES.value, Section.REFERENCES.label


class ConsulteePurpose(models.TextChoices):
    """Why someone is sent the draft (s.115): what they are asked to look at."""

    FACTUAL_ACCURACY = "factual_accuracy", "To check its facts"
    CRITICISED = "criticised", "A person or organisation it criticises"
    FAMILY = "family", "The patient or their family"
    OTHER = "other", "Another reason"


class Handling(models.TextChoices):
    """What the team did with a comment from the consultation."""

    ACCEPTED = "accepted", "Accepted"
    PARTLY_ACCEPTED = "partly_accepted", "Partly accepted"
    NOT_ACCEPTED = "not_accepted", "Not accepted"
