"""Investigation pages: the list, the investigation page and its actions, directions, and the public reports page."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import mfa
from accounts.access import NotVisible, public, requires_object_permission, requires_permission
from audit.choices import AuditAction, Outcome
from audit.services import record_event, shown_references
from casework import forms, services
from casework.choices import (
    ACTIVE_STATES,
    DirectionState,
    InvestigationState,
    RecommendationState,
    StatementKind,
)
from casework.models import Direction, Investigation, Organisation, ResponseAttachment, SafetyRecommendation
from casework.permissions import (
    DIRECT_INVESTIGATION,
    VIEW_DIRECTION,
    VIEW_INVESTIGATION,
    may_approve_direction,
    may_list_investigations,
)
from casework.selectors import (
    apply_investigation_filters,
    casework_summary,
    disposal_queue,
    get_evidence_to_download,
    get_investigation_for,
    recorded_investigation_filters,
    responses_by_organisation,
)
from casework.services import evidence as evidence_services
from casework.services import responses as response_services
from kernel.downloads import csv_response
from kernel.errors import WorkflowError
from kernel.once import AlreadySent, do_once, form_token
from vault.http import evidence_response
from vault.upload import too_large_message, with_encrypted_upload
from workflow.steps import StepRefused, record_refusal, run_page_action, sent_again, take_step

PAGE_SIZE = 50
PUBLISHED_STATES = [InvestigationState.PUBLISHED, InvestigationState.CLOSED, InvestigationState.ARCHIVED]


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_list(request):
    """Investigators: the investigations they are on and their tasks. Directors: the portfolio."""
    user = request.user
    if not may_list_investigations(user):
        raise PermissionDenied
    form = forms.InvestigationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = max(int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1, 1)
    order = forms.InvestigationFilterForm.SORTS[filters.get("sort") or "newest"][0]
    visible = apply_investigation_filters(Investigation.objects.visible_to(user), filters)
    rows = visible.list_page(page, PAGE_SIZE, order)
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "searched": bool(filters and any(value not in ("", None) for value in filters.values())),
        "investigations": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
        "view_summary": casework_summary(user),
    }
    record_event(
        AuditAction.INVESTIGATION_LIST_VIEWED,
        detail={
            "page": page,
            "filters": recorded_investigation_filters(filters),
            "shown": shown_references(context["investigations"], context["view_summary"]),
        },
    )
    return render(request, "casework/list.html", context)


EXPORT_LIMIT = 10_000
EXPORT_COLUMNS = ["reference", "title", "stage", "directed", "lead", "due", "in stage since"]


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def investigation_export(request):
    """The investigations list as it is filtered, as CSV (at most EXPORT_LIMIT rows): the list's own
    columns, never case content; audited with the filters and the reference of every row."""
    user = request.user
    if not may_list_investigations(user):
        raise PermissionDenied
    form = forms.InvestigationFilterForm(request.POST)
    filters = form.cleaned_data if form.is_valid() else {}
    order = forms.InvestigationFilterForm.SORTS[filters.get("sort") or "newest"][0]
    visible = apply_investigation_filters(Investigation.objects.visible_to(user), filters)
    rows = list(visible.with_team().order_by(*order)[:EXPORT_LIMIT])
    record_event(
        AuditAction.INVESTIGATION_LIST_EXPORTED,
        detail={
            "filters": recorded_investigation_filters(filters),
            "rows": len(rows),
            "limit": EXPORT_LIMIT,
            "shown": shown_references(rows),
        },
    )
    return csv_response(
        EXPORT_COLUMNS,
        (
            [
                investigation.reference,
                investigation.title,
                investigation.get_state_display(),
                "yes" if investigation.directed else "no",
                investigation.lead.username if investigation.lead else "",
                investigation.due_date.isoformat() if investigation.due_date else "",
                timezone.localdate(investigation.state_changed_at).isoformat(),
            ]
            for investigation in rows
        ),
        "investigations",
    )


@require_safe
@requires_permission(VIEW_INVESTIGATION)
def disposal_list(request):
    """Cases due for disposal and disposals waiting for a second approval; the steps are on each case."""
    queue = disposal_queue()
    record_event(
        AuditAction.DISPOSAL_QUEUE_VIEWED,
        detail={"cases": shown_references(queue["due"], queue["waiting"], queue["held"])},
    )
    return render(request, "casework/disposal_queue.html", queue)


@requires_permission(DIRECT_INVESTIGATION)
def leaver(request):
    """Hand a leaver's case roles and open tasks to a colleague, end their access and disable the account."""
    form = forms.LeaverForm(request.POST or None, choices=services.active_staff_for_team())
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.process_leaver(
                form.cleaned_data["leaver"], successor=form.cleaned_data["successor"], actor=request.user
            )
        except WorkflowError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                "%s's %s investigation role(s) and %s open task(s) passed to %s; their account is disabled."
                % (
                    form.cleaned_data["leaver"],
                    summary["investigations"],
                    summary["tasks"],
                    form.cleaned_data["successor"],
                ),
            )
            return redirect("casework:leaver")
    if request.method == "GET":
        record_event(AuditAction.FORM_OPENED, detail={"form": "leaver hand-over"})
    return render(request, "casework/leaver.html", {"form": form})


# Evidence.


@csrf_exempt  # the CSRF middleware would read the body first; _evidence_upload checks the token itself
@requires_object_permission(VIEW_INVESTIGATION)
def evidence_upload(request, reference):
    """Add evidence: the file is hashed and encrypted as it arrives; nothing plain reaches the disk."""
    # Checked before the body is read, so a refused user uploads nothing.
    investigation = get_investigation_for(request.user, reference, "work_on")
    return _evidence_upload(request, investigation)


EVIDENCE_FILES_AT_ONCE = 20


@with_encrypted_upload(max_files=EVIDENCE_FILES_AT_ONCE)
def _evidence_upload(request, investigation):
    handler = request.encrypted_upload
    if handler is None:
        record_event(AuditAction.FORM_OPENED, target=investigation, detail={"form": "evidence upload"})
        return _upload_page(request, investigation, forms.EvidenceForm())
    form = forms.EvidenceForm(request.POST, request.FILES)
    status = 200
    if handler.refused:
        form.add_error(None, too_large_message(handler))
        status = 413
    elif form.is_valid():
        register = reverse("casework:evidence", args=[investigation.reference])
        details = {k: form.cleaned_data[k] for k in ("evidence_type", "source", "received_on")}
        try:
            added = do_once(
                form_token(request.POST),
                "form",
                lambda: evidence_services.add_evidence_files(
                    [(upload.blob, upload.evidence_id, upload.name) for upload in form.cleaned_data["file"]],
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    investigation=investigation,
                    **details,
                ),
            )
        except AlreadySent:
            return sent_again(request, investigation, name="add_evidence", label="Add evidence", back=register)
        handler.consumed = True
        messages.success(
            request,
            "Evidence added: %s. Each file's fingerprint is recorded for the chain of custody."
            % ", ".join(evidence.title for evidence in added),
        )
        if request.headers.get("Accept") == "application/json":  # the page's upload script goes there itself
            return JsonResponse({"redirect": register})
        return redirect(register)
    record_event(
        AuditAction.EVIDENCE_UPLOAD_REFUSED,
        outcome=Outcome.DENIED,
        target=investigation,
        detail={"errors": sorted(form.errors), "too_large": handler.too_large, "too_many": handler.too_many},
    )
    return _upload_page(request, investigation, form, status=status)


def _upload_page(request, investigation, form, status: int = 200):
    context = {
        "investigation": investigation,
        "form": form,
        "max_size": settings.EVIDENCE_MAX_BYTES,
        "max_files": EVIDENCE_FILES_AT_ONCE,
    }
    return render(request, "casework/evidence_upload.html", context, status=status)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def evidence_download(request, reference, public_id):
    """Stream authenticated plaintext; a file that fails its check is never served, and is reported."""
    evidence, break_glass = get_evidence_to_download(request.user, reference, public_id)
    return evidence_response(request, evidence, break_glass=break_glass)


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def response_attachment(request, reference, recommendation, public_id):
    """A file an organisation sent with its response, for those who see the investigation (audited)."""
    investigation = get_investigation_for(request.user, reference)
    kept = ResponseAttachment.objects.filter(
        response__recommendation__investigation=investigation,
        response__recommendation__reference=recommendation,
        public_id=public_id,
        disposed_at__isnull=True,
    ).first()
    if kept is None:
        raise NotVisible("casework.responseattachment", str(public_id), "download")
    return evidence_response(request, kept)


# Directions.


@requires_permission(VIEW_DIRECTION)
def direction_list(request):
    """Directions, with the days left to each mandated report date; directors register new ones here."""
    form = forms.DirectionForm(request.POST or None, prefix="direction")
    if request.method == "POST":
        if form.is_valid():
            try:
                do_once(
                    form_token(request.POST),
                    "form",
                    lambda: services.register_direction(actor=request.user, **form.cleaned_data),
                )
            except AlreadySent:
                return sent_again(
                    request, None, name="register_direction", label="Register a direction", back="casework:directions"
                )
            except WorkflowError as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request, "Direction registered. Another director or the chief investigator must approve it."
                )
                return redirect("casework:directions")
        else:
            messages.error(request, "The direction was not registered: correct the form below.")
    return _directions_page(request, form)


def _directions_page(request, form, *, bound=None, bound_for=None, record: bool = True):
    """The directions page; `bound` is a refused variation or revocation form, shown again open on
    the row of the direction `bound_for` with its errors (the refusal is recorded, not a read)."""
    directions = list(
        Direction.objects.select_related("investigation", "registered_by", "approved_by").prefetch_related("variations")
    )
    for direction in directions:
        direction.sent_form = bound if direction.public_id == bound_for else None  # type: ignore[attr-defined]  # for the page only
    if record:
        record_event(
            AuditAction.DIRECTIONS_VIEWED,
            detail={"shown": shown_references([d.investigation for d in directions if d.investigation])},
        )
    return render(
        request,
        "casework/directions.html",
        {
            "directions": directions,
            "form": form,
            "variation_form": forms.VariationForm(prefix="vary"),
            "revocation_form": forms.RevocationForm(prefix="revoke"),
            "refusal": bound is not None,  # the page title says "Error:"
            "States": DirectionState,
        },
    )


DIRECTION_ACTIONS = {
    "approve": (None, lambda direction, user, data: services.approve_direction(direction, actor=user)),
    "vary": (forms.VariationForm, lambda direction, user, data: services.vary_direction(direction, actor=user, **data)),
    "revoke": (
        forms.RevocationForm,
        lambda direction, user, data: services.revoke_direction(direction, actor=user, **data),
    ),
}
APPROVAL_CONSEQUENCE = (
    "A directed investigation is opened at once, with the mandated report date as its due date, and it is "
    "counted against that date from today. The direction can afterwards only be varied or revoked."
)


@require_http_methods(["GET", "HEAD", "POST"])
@requires_permission(VIEW_DIRECTION)
def direction_action(request, public_id, action):
    """Approve (after a page saying what approval does), vary or revoke a direction. A refused
    variation or revocation is shown again with its errors; nothing is changed."""
    if action not in DIRECTION_ACTIONS:
        raise Http404("No such action")
    direction = get_object_or_404(Direction, public_id=public_id)
    if request.method != "POST":
        if action != "approve":
            return HttpResponseNotAllowed(["POST"])
        if not may_approve_direction(request.user):
            raise PermissionDenied
        record_event(AuditAction.DIRECTIONS_VIEWED, target=direction, detail={"page": "approve"})
        return render(
            request, "casework/direction_approve.html", {"direction": direction, "consequence": APPROVAL_CONSEQUENCE}
        )
    if action == "approve" and (step_up := mfa.step_up(request, "approve a Secretary of State direction")):
        return step_up
    form_class, perform = DIRECTION_ACTIONS[action]
    form = form_class(request.POST, prefix=action) if form_class else None
    try:
        take_step(
            direction,
            name="direction_%s" % action,
            form=form,
            perform=lambda data: perform(direction, request.user, data),
        )
    except StepRefused as refusal:
        if form is None:
            messages.error(request, str(refusal))
            return redirect("casework:directions")
        if refusal.errors is None:
            form.add_error(None, str(refusal))
        return _directions_page(
            request, forms.DirectionForm(prefix="direction"), bound=form, bound_for=direction.public_id, record=False
        )
    messages.success(request, DIRECTION_DONE[action])
    return redirect("casework:directions")


DIRECTION_DONE = {
    "approve": "Direction approved: its investigation is open and counted against the mandated date.",
    "vary": "Variation recorded: the mandated date shown is the varied one.",
    "revoke": "Revocation recorded.",
}


# The public page: published material only.


@require_safe
@public
def published_reports(request):
    """Published reports, start and discontinuation statements, and the safety recommendations log."""
    published = Investigation.objects.filter(state__in=PUBLISHED_STATES).order_by("-published_at")
    started = Investigation.objects.filter(statements__kind=StatementKind.START).exclude(
        state__in=[*PUBLISHED_STATES, InvestigationState.DISPOSED]
    )
    return render(
        request,
        "public/published_reports.html",
        {
            "published": published.prefetch_related(
                Prefetch(
                    "recommendations", queryset=SafetyRecommendation.objects.exclude(state__in=["draft", "agreed"])
                )
            ),
            "in_progress": started.filter(state__in=[*ACTIVE_STATES, InvestigationState.PAUSED]).prefetch_related(
                Prefetch("statements", queryset=_statements(StatementKind.START))
            ),
            "discontinued": Investigation.objects.filter(state=InvestigationState.DISCONTINUED)
            .filter(Q(statements__kind=StatementKind.DISCONTINUATION))
            .distinct()
            .prefetch_related(Prefetch("statements", queryset=_statements(StatementKind.DISCONTINUATION))),
        },
    )


def _statements(kind):
    from casework.models import Statement

    return Statement.objects.filter(kind=kind)


# Organisations the body addresses, and their contacts (directors).


@requires_permission(DIRECT_INVESTIGATION)
def organisation_list(request):
    """Every organisation on record with its recommendations waiting; directors add one here."""
    form = forms.OrganisationForm(request.POST if request.method == "POST" else None, prefix="organisation")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                organisation = response_services.create_organisation(actor=request.user, **form.cleaned_data)
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "%s recorded: name its contacts next." % organisation)
                return redirect(organisation)
        record_refusal(None, "create_organisation", {"errors": sorted(form.errors)})
        status = 400
    organisations = Organisation.objects.annotate(
        contact_count=Count("contacts", filter=Q(contacts__removed_at=None), distinct=True),
        waiting=Count("recommendations", filter=Q(recommendations__state=RecommendationState.ISSUED), distinct=True),
    )
    record_event(AuditAction.ORGANISATIONS_LISTED)
    context = {"organisations": organisations, "form": form, "responses": responses_by_organisation()}
    return render(request, "casework/organisations.html", context, status=status)


@requires_permission(DIRECT_INVESTIGATION)
def organisation_detail(request, public_id):
    """One organisation: its contacts (add one here) and the recommendations issued to it."""
    organisation = get_object_or_404(Organisation, public_id=public_id)
    form = forms.ContactForm(request.POST if request.method == "POST" else None, prefix="contact")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                response_services.add_contact(organisation, actor=request.user, **form.cleaned_data)
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request,
                    "%s can now sign in to the portal to answer for %s." % (form.cleaned_data["name"], organisation),
                )
                return redirect(organisation)
        record_refusal(organisation, "add_contact", {"errors": sorted(form.errors)})
        status = 400
    else:
        record_event(AuditAction.ORGANISATION_VIEWED, target=organisation)
    context = {
        "organisation": organisation,
        "contacts": organisation.contacts.filter(removed_at=None).select_related("person", "added_by"),
        "recommendations": organisation.recommendations.select_related("investigation").order_by("-issued_on"),
        "form": form,
    }
    return render(request, "casework/organisation.html", context, status=status)


@require_POST
@requires_permission(DIRECT_INVESTIGATION)
def organisation_contact_remove(request, public_id, person_id):
    organisation = get_object_or_404(Organisation, public_id=public_id)
    contact = organisation.contacts.filter(person__public_id=person_id, removed_at=None).first()
    if contact is None:
        raise NotVisible("casework.organisationcontact", str(person_id), "remove")
    return run_page_action(
        request,
        organisation,
        name="remove_contact",
        label="Remove the contact",
        form=None,
        perform=lambda data: response_services.remove_contact(contact, actor=request.user),
    )
