"""An organisation's contact in the portal: the recommendations issued to their organisation, and
the formal response to each (drafted, saved as often as they like, then sent once). A contact sees
only their own organisation's recommendations (404 otherwise), and a contact removed from the
organisation sees none of them from their next request."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts.access import outside_person_page
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import RecommendationState
from casework.selectors import answerable_by, get_recommendation_for_contact
from casework.services import responses as response_services
from kernel.errors import WorkflowError
from portal.forms import ResponseActionFormSet, ResponseForm
from vault.upload import received_file, too_large_message, with_encrypted_upload
from workflow.steps import record_refusal


@require_safe
@outside_person_page
def recommendations(request):
    """The recommendations issued to the contact's organisations, those waiting for a response first."""
    listed = list(
        answerable_by(request.outside_person)
        .select_related("organisation")
        .order_by("-state", "response_due", "reference")
    )
    record_event(
        AuditAction.PORTAL_RECOMMENDATIONS_VIEWED,
        target=request.outside_person,
        detail={"shown": [recommendation.reference for recommendation in listed]},
    )
    return render(request, "portal/recommendations.html", {"recommendations": listed})


@outside_person_page
@csrf_exempt  # the token is checked once the encrypting upload handler is in place (vault.upload)
def recommendation(request, reference):
    """One recommendation and the organisation's response: a draft form until it is sent."""
    return _recommendation(request, reference)


@with_encrypted_upload(max_bytes_setting="PUBLIC_ATTACHMENT_MAX_BYTES")
def _recommendation(request, reference):
    person = request.outside_person
    recommendation = get_recommendation_for_contact(person, reference)
    if request.method != "POST":
        record_event(AuditAction.RECOMMENDATION_RESPONSE_VIEWED, target=recommendation)
        return _page(request, recommendation)
    form = ResponseForm(request.POST, request.FILES, prefix="response")
    actions = ResponseActionFormSet(request.POST, prefix="actions")
    if request.encrypted_upload.refused:
        return _refused(request, recommendation, too_large_message(request.encrypted_upload), form, actions, 413)
    if not (form.is_valid() and actions.is_valid()):
        return _refused(request, recommendation, "Check your response below.", form, actions)
    try:
        response_services.save_response(
            recommendation,
            person=person,
            decision=form.cleaned_data["decision"],
            text=form.cleaned_data["text"],
            actions=[row for row in actions.cleaned_data if row and not row.get("DELETE")],
            attachment=received_file(request, form.cleaned_data.get("attachment")),
        )
    except (WorkflowError, PermissionDenied) as refusal:
        return _refused(request, recommendation, str(refusal), form, actions)
    messages.success(request, "Your response is saved. Send it when it is ready: you can change it until then.")
    return redirect("portal:recommendation", recommendation.reference)


@require_POST
@outside_person_page
def recommendation_submit(request, reference):
    """Send the saved response (once)."""
    recommendation = get_recommendation_for_contact(request.outside_person, reference)
    try:
        response_services.submit_response(recommendation, person=request.outside_person)
    except (WorkflowError, PermissionDenied) as refusal:
        record_refusal(recommendation, "submit_response", {"refusal": str(refusal)[:300]})
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Thank you: your response has been sent to the investigation team.")
    return redirect("portal:recommendation", recommendation.reference)


def _page(request, recommendation, *, form=None, actions=None, refusal: str = "", status: int = 200):
    response = getattr(recommendation, "response", None)
    open_for_answer = recommendation.state == RecommendationState.ISSUED
    initial: dict[str, Any] = {"decision": response.decision, "text": response.text} if response else {}
    saved_actions = (
        [{"description": a.description, "owner": a.owner, "due_on": a.due_on} for a in response.actions.all()]
        if response
        else []
    )
    context = {
        "recommendation": recommendation,
        "response": response,
        "open_for_answer": open_for_answer,
        "form": form or ResponseForm(prefix="response", initial=initial),
        "actions": actions or ResponseActionFormSet(prefix="actions", initial=saved_actions),
        "refusal": refusal,
    }
    return render(request, "portal/recommendation.html", context, status=status)


def _refused(request, recommendation, refusal: str, form, actions, status: int = 400):
    record_refusal(recommendation, "save_response", {"refusal": refusal[:300], "errors": sorted(form.errors)})
    return _page(request, recommendation, form=form, actions=actions, refusal=refusal, status=status)
