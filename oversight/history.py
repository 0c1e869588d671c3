"""Field-level change history of a referral or investigation and all its records, for auditors.

Shown beside the events for the same object (kernel.history says what an entry shows, never values).
"""

from django.apps import apps

from kernel.history import field_changes

# For each case model, the historical models that belong to one case and how to reach its reference.
CASE_HISTORIES = {
    "referrals.Referral": [
        ("referrals.Referral", "reference"),
        ("referrals.TriageAssessment", "referral__reference"),
        ("referrals.Attachment", "referral__reference"),
    ],
    "casework.Investigation": [
        ("casework.Investigation", "reference"),
        ("casework.TeamMembership", "investigation__reference"),
        ("casework.Task", "investigation__reference"),
        ("casework.CaseNote", "investigation__reference"),
        ("casework.Interview", "investigation__reference"),
        ("casework.Direction", "investigation__reference"),
        ("casework.SafetyRecommendation", "investigation__reference"),
        ("casework.Evidence", "investigation__reference"),
    ],
}
CASE_HISTORY_LIMIT = 300


def case_history(reference: str) -> list[dict] | None:
    """Newest first, every field-level change to the case with this reference and its records.

    None when no referral or investigation has the reference (the search was for something else).
    At most CASE_HISTORY_LIMIT entries from each kind of record, so a long case stays quick to show.
    """
    for case_label, sources in CASE_HISTORIES.items():
        if apps.get_model(case_label).objects.filter(reference=reference).exists():
            entries = []
            for label, path in sources:
                history = apps.get_model(label).history.filter(**{path: reference}).select_related("history_user")
                newest = list(history.order_by("-history_date", "-history_id")[:CASE_HISTORY_LIMIT])
                entries.extend(field_changes(reversed(newest)))
            return sorted(entries, key=lambda entry: entry["when"], reverse=True)
    return None
