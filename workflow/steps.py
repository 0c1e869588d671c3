"""The page action: validate a small form, call one service, explain the outcome, go back.

Referral and investigation pages offer their workflow steps as small forms that post here. A
refused form or a refusal by the workflow changes nothing, is explained to the user, and is
recorded in the audit trail like every other request.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.db.models import Model
from django.forms import BaseForm
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect

from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.once import AlreadySent, do_once, form_token

if TYPE_CHECKING:
    from django.shortcuts import SupportsGetAbsoluteUrl  # a protocol of django-stubs only


ALREADY_SENT = "%s: this form was already sent and done, so nothing was done again."


class StepRefused(Exception):
    """A step that was not taken: its form was invalid (`errors`) or the workflow refused it (the message)."""

    def __init__(self, message: str, errors: ErrorDict | None = None) -> None:
        super().__init__(message)
        self.errors = errors


def take_step[T](target: Model, *, name: str, form: BaseForm | None, perform: Callable[[dict[str, Any]], T]) -> T:
    """`perform(cleaned_data)` if `form` (or no form) is valid; a refusal is recorded and raised as StepRefused.

    The one way a page action or an API transition runs a step, so both refuse alike and leave the
    same audit event.
    """
    if form is not None and not form.is_valid():
        record_refusal(target, name, {"errors": sorted(form.errors)})
        raise StepRefused("The form was not valid.", form.errors)
    try:
        return perform(form.cleaned_data if form is not None else {})
    except WorkflowError as refusal:
        if refusal.denial is not None:
            record_event(AuditAction.ACCESS_DENIED, outcome=Outcome.DENIED, **refusal.denial)
        record_refusal(target, name, {"refusal": str(refusal)[:300]})
        raise StepRefused(str(refusal)) from refusal


def run_page_action(
    request: HttpRequest,
    target: Model,
    *,
    name: str,
    label: str,
    form: BaseForm | None,
    perform: Callable[[dict[str, Any]], object],
    done: str = "",
    back: str = "",
    show_again: Callable[[BaseForm], HttpResponse] | None = None,
) -> HttpResponse:
    """Take the step from a page and go back to `back` (or `target`'s page) with what happened (`done`
    says it in words; without it, the step's label and "done").

    With `show_again`, a refused form is shown again by it, with the errors at their fields (a refusal
    by the workflow above them) and everything typed kept; without it, the errors are said at the
    top of the page gone back to. A form sent again with the same one-time token (kernel.once) does
    nothing and says so.
    """
    token = form_token(request.POST)
    destination = back or cast("SupportsGetAbsoluteUrl", target)  # every page target has its own page
    try:
        take_step(target, name=name, form=form, perform=lambda data: do_once(token, "form", lambda: perform(data)))
    except AlreadySent:
        return sent_again(request, target, name=name, label=label, back=back or None)
    except StepRefused as refusal:
        if form is not None and show_again is not None:
            if refusal.errors is None:
                form.add_error(None, str(refusal))
            return show_again(form)
        if refusal.errors is None:
            messages.error(request, str(refusal))
        for field, errors in (refusal.errors or {}).items():
            field_label = form.fields[field].label if field in form.fields else ""  # type: ignore[union-attr]  # errors come only from a form
            for error in errors:
                messages.error(request, "%s: %s%s" % (label, "%s: " % field_label if field_label else "", error))
        return redirect(destination)
    messages.success(request, done or "%s: done." % label)
    return redirect(destination)


def sent_again(
    request: HttpRequest, target: Model | None, *, name: str, label: str, back: object = None
) -> HttpResponseRedirect:
    """A form sent again with a token already used: nothing is done; say so and go back (to `back` or `target`)."""
    record_refusal(target, name, {"refusal": "form sent again"})
    messages.info(request, ALREADY_SENT % label)
    return redirect(cast("SupportsGetAbsoluteUrl", back or target))


def record_refusal(target: Model | None, name: str, detail: dict) -> None:
    """Record that step `name` on `target` was refused."""
    record_event(AuditAction.ACTION_REFUSED, outcome=Outcome.DENIED, target=target, detail={"action": name, **detail})


def refused(request: HttpRequest, target: Model, name: str, detail: dict) -> HttpResponseRedirect:
    """Record that `name` on `target` was refused and go back to it (the message is already set)."""
    record_refusal(target, name, detail)
    return redirect(cast("SupportsGetAbsoluteUrl", target))
