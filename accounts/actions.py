"""The page action: validate a small form, call one service, explain the outcome, go back.

Referral and investigation pages offer their workflow steps as small forms that post here. A
refused form or a refusal by the workflow changes nothing, is explained to the user, and is
recorded in the audit trail like every other request.
"""

from django.contrib import messages
from django.shortcuts import redirect

from accounts.workflow import WorkflowError
from audit.choices import AuditAction, Outcome
from audit.services import record_event


def run_page_action(request, target, *, name: str, label: str, form, perform):
    """`perform(cleaned_data)` if `form` (or no form) is valid; redirect back to `target` either way."""
    if form is not None and not form.is_valid():
        for field, errors in form.errors.items():
            field_label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, "%s: %s%s" % (label, "%s: " % field_label if field_label else "", error))
        return refused(request, target, name, {"errors": sorted(form.errors)})
    try:
        perform(form.cleaned_data if form is not None else {})
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
        return refused(request, target, name, {"refusal": str(refusal)[:300]})
    messages.success(request, "%s: done." % label)
    return redirect(target)


def refused(request, target, name, detail):
    """Record that `name` on `target` was refused and go back to it (the message is already set)."""
    record_event(AuditAction.ACTION_REFUSED, outcome=Outcome.DENIED, target=target, detail={"action": name, **detail})
    return redirect(target)
