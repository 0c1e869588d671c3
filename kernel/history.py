"""Field-level change history (django-simple-history): saving with a reason, and reading what changed.

A change is shown as who changed which fields, when and why, never the values: an auditor sees that
a journal note was edited, not what it says, and personal details never appear.
"""

from simple_history.utils import bulk_update_with_history

from kernel.errors import WorkflowError


def save_with_history_reason(obj, reason: str, **save_kwargs) -> None:
    """Save, labelling the django-simple-history record with why the change was made."""
    obj._change_reason = reason  # read by simple_history when it writes the history row
    obj.save(**save_kwargs)


def update_with_history(objects, *, actor, reason: str, **values) -> int:
    """Set `values` on each of `objects` (a queryset or list of one model) and save them, each with a
    history record naming `actor` and `reason`. A tracked model's `.update()` would leave none."""
    rows = list(objects)
    for row in rows:
        for field, value in values.items():
            setattr(row, field, value)
    if rows:
        bulk_update_with_history(rows, type(rows[0]), list(values), default_user=actor, default_change_reason=reason)
    return len(rows)


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


def change_legal_hold(model, pk, *, hold: bool, reason: str):
    """Lock a record with a `legal_hold` flag, set it and save it with its history, in the caller's
    transaction; a missing reason or a change that changes nothing is refused and explained."""
    if not reason.strip():
        raise WorkflowError("Give a reason for the legal hold decision.")
    locked = model._default_manager.select_for_update(no_key=True).get(pk=pk)
    if locked.legal_hold == hold:
        raise WorkflowError(
            "%s is already %s a legal hold. Nothing was changed." % (locked, "under" if hold else "free of")
        )
    locked.legal_hold = hold
    save_with_history_reason(locked, "legal hold placed" if hold else "legal hold lifted")
    return locked
