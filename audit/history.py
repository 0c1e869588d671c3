"""Field-level change history (django-simple-history) of a referral or investigation and its records.

Shown to auditors beside the events for the same object, and on the referral page. It says who
changed which fields, when and why, never the values: an auditor sees that a journal note was
edited, not what it says (separation of duties), and personal details never appear.
"""

from django.apps import apps

# For each case model, the historical models that belong to one case and how to reach its reference.
CASE_HISTORIES = {
    "referrals.Referral": [
        ("referrals.Referral", "reference"),
        ("referrals.TriageAssessment", "referral__reference"),
        ("casework.Evidence", "referral__reference"),
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


def field_changes(records) -> list[dict]:
    """History records (oldest first) as entries naming the fields each one changed."""
    entries = []
    previous_of: dict = {}
    for record in records:
        model = record.instance_type
        key = getattr(record, model._meta.pk.attname)
        previous = previous_of.get(key)
        changed = [change.field for change in record.diff_against(previous).changes] if previous else []
        previous_of[key] = record
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": record.get_history_type_display(),
                "record": "%s %s" % (model._meta.verbose_name.capitalize(), key),
                "fields": [model._meta.get_field(name).verbose_name for name in changed],
                "reason": record.history_change_reason or "",
            }
        )
    return entries


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
