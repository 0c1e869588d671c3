"""Staff views of referrals: the intake queue, staff entry, the referral page and its actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import mfa
from accounts.access import NotVisible, requires_object_permission, requires_permission
from audit.choices import AuditAction
from audit.services import record_event, shown_references
from kernel.downloads import EXPORT_CHUNK, csv_response
from kernel.errors import WorkflowError
from kernel.history import field_changes
from kernel.once import AlreadySent, do_once, form_token
from referrals import services
from referrals.actions import ACTIONS, available_actions, is_open_to, step_form
from referrals.choices import ReferralState
from referrals.forms import (
    AssessmentForm,
    BulkAssignForm,
    QueueFilterForm,
    StaffAttachmentForm,
    StaffConcernForm,
)
from referrals.models import Referral, TriageCriteria
from referrals.permissions import (
    ADD_REFERRAL,
    TRIAGE_REFERRAL,
    VIEW_REFERRAL,
    may_assign,
    may_see_identity,
    may_triage,
)
from referrals.selectors import (
    apply_queue_filters,
    conversation,
    get_referral_for,
    record_referral_read,
    recorded_filters,
)
from vault.http import evidence_response
from vault.upload import received_file, too_large_message, with_encrypted_upload
from workflow.steps import record_refusal, run_page_action, sent_again

PAGE_SIZE = 25


@require_safe
@requires_permission(VIEW_REFERRAL)
def referral_list(request):
    """The intake queue: filtered, sorted and paged without counting every row, so it stays fast."""
    form = QueueFilterForm(request.GET or None)
    referrals = Referral.objects.visible_to(request.user).select_related("assignee")
    filters = form.cleaned_data if form.is_valid() else {}
    referrals = apply_queue_filters(referrals, filters, request.user)
    sort_key = QueueFilterForm.SORTS[filters.get("sort") or "newest"][0]
    page = max(int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1, 1)
    rows = list(referrals.order_by(sort_key, "-pk")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    shown = rows[:PAGE_SIZE]
    record_event(
        AuditAction.REFERRAL_QUEUE_VIEWED,
        detail={"filters": recorded_filters(filters), "page": page, "shown": shown_references(shown)},
    )
    query = request.GET.copy()
    query.pop("page", None)
    first_number = (page - 1) * PAGE_SIZE + 1
    return render(
        request,
        "referrals/list.html",
        {
            "form": form,
            "referrals": shown,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "first_number": first_number,
            "last_number": first_number + len(shown) - 1,
            "may_assign": may_assign(request.user),
            "filters": [(name, value) for name, value in request.GET.items() if name in form.fields],
        },
    )


EXPORT_LIMIT = 10_000
EXPORT_COLUMNS = ["reference", "received", "state", "organisation", "care setting", "region", "harm", "assigned to"]


@require_POST
@requires_permission(VIEW_REFERRAL)
def referral_export(request):
    """The intake queue as it is filtered, as CSV (at most EXPORT_LIMIT rows; no referrer's identity
    and no description, as on the queue's page); audited with the filters and the rows it holds."""
    form = QueueFilterForm(request.POST)
    filters = form.cleaned_data if form.is_valid() else {}
    referrals = apply_queue_filters(Referral.objects.visible_to(request.user), filters, request.user)
    order = QueueFilterForm.SORTS[filters.get("sort") or "newest"][0]
    rows = referrals.select_related("assignee").order_by(order, "-pk")[:EXPORT_LIMIT]
    record_event(
        AuditAction.REFERRAL_QUEUE_EXPORTED,
        detail={"filters": recorded_filters(filters), "rows": rows.count(), "limit": EXPORT_LIMIT},
    )
    return csv_response(
        EXPORT_COLUMNS,
        (
            [
                referral.reference,
                referral.received_at.date().isoformat(),
                referral.get_state_display(),
                referral.organisation_name,
                referral.get_care_setting_display(),
                referral.get_region_display(),
                referral.get_harm_level_display(),
                referral.assignee.get_username() if referral.assignee else "",
            ]
            for referral in rows.iterator(chunk_size=EXPORT_CHUNK)
        ),
        "intake-queue",
    )


@require_POST
@requires_permission(VIEW_REFERRAL)
def referral_bulk_assign(request):
    """Assign the concerns chosen in the queue to one person: the queue sends the chosen ones here to
    pick the person (so the queue builds no list of people), then each is assigned in its own
    transaction, and one that cannot be (no longer handled, or not the user's to see) is named."""
    if not may_assign(request.user):
        raise PermissionDenied
    back = "%s?%s" % (reverse("referrals:list"), request.POST.get("query", "")[:1000])
    form = BulkAssignForm(request.POST, assignees=services.triage_staff())
    if request.POST.getlist("chosen") and "assignee" not in request.POST:
        record_event(AuditAction.FORM_OPENED, detail={"form": "assign the chosen concerns"})
        chosen = request.POST.getlist("chosen")[: BulkAssignForm.MAX_CHOSEN]
        form = BulkAssignForm(initial={"chosen": chosen}, assignees=services.triage_staff())
        context = {"form": form, "chosen": chosen, "query": request.POST.get("query", "")[:1000]}
        return render(request, "referrals/bulk_assign.html", context)
    if not form.is_valid():
        record_refusal(None, "bulk_assign", {"errors": sorted(form.errors)})
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, "Nothing was assigned: %s." % error)
        return redirect(back)
    assignee, assigned, refused = form.cleaned_data["assignee"], [], []
    for reference in form.cleaned_data["chosen"]:
        try:
            referral = get_referral_for(request.user, reference)
            services.assign_referral(referral, actor=request.user, assignee=assignee)
        except (NotVisible, WorkflowError, PermissionDenied) as refusal:
            refused.append(str(refusal) if isinstance(refusal, WorkflowError) else "%s: not found." % reference)
            record_refusal(None, "bulk_assign", {"reference": reference[:40]})
        else:
            assigned.append(reference)
    if assigned:
        messages.success(request, "Assigned to %s: %s." % (assignee, ", ".join(assigned)))
    for reason in refused:
        messages.error(request, reason)
    return redirect(back)


@requires_permission(ADD_REFERRAL)
def referral_new(request):
    """A concern received by phone, email or letter, entered by intake staff."""
    form = StaffConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        details = {name: value for name, value in form.cleaned_data.items() if name != "channel"}
        try:
            referral, receipt_code = do_once(
                form_token(request.POST),
                "form",
                lambda: services.receive_referral(details, channel=form.cleaned_data["channel"], actor=request.user),
            )
        except AlreadySent:
            return sent_again(request, None, name="record_concern", label="Record a concern", back="referrals:list")
        messages.success(
            request,
            "%s recorded. Give the referrer their receipt code now, it is shown only once: %s"
            % (referral.reference, receipt_code),
        )
        return redirect(referral)
    record_event(AuditAction.FORM_OPENED, detail={"form": "staff concern entry", "errors": bool(form.errors)})
    return render(request, "referrals/new.html", {"form": form})


@require_safe
@requires_object_permission(VIEW_REFERRAL)
def referral_detail(request, reference):
    return _referral_page(request, get_referral_for(request.user, reference))


def _referral_page(request, referral, *, bound: dict | None = None, record: bool = True):
    """The referral's page, after recording the read (unless `record` is false: a refused step has
    recorded its refusal); `bound` holds a refused step's form, shown open with its errors."""
    show_identity = may_see_identity(request.user)
    if record:
        record_referral_read(referral, show_identity=show_identity)
    can_triage = may_triage(request.user)
    context = {
        "referral": referral,
        "show_identity": show_identity,
        "activities": referral.activities.select_related("actor"),
        "conversation": conversation(referral),
        "links": referral.links.select_related("to_referral", "to_investigation", "created_by"),
        "assessment": referral.assessments.select_related("criteria", "assessed_by").first(),
        "investigations": referral.investigations.all(),
        # Linked where the user may open the case; the related manager is casework's `visible_to`.
        "visible_investigations": set(referral.investigations.visible_to(request.user).values_list("pk", flat=True)),
        "attachments": referral.attachments.filter(disposed_at__isnull=True, message=None),
        "history": field_changes(referral.history.select_related("history_user").order_by("history_date")),
        "actions": available_actions(referral, request.user, bound),
        "related": (
            Referral.objects.visible_to(request.user).related_to(referral)
            if can_triage and referral.state in (ReferralState.TRIAGE, ReferralState.LOGGED)
            else []
        ),
        "can_assess": can_triage and referral.state in (ReferralState.TRIAGE, ReferralState.LOGGED),
    }
    if bound:
        context["form"] = next(iter(bound.values()))  # for the error summary and the page title
    return render(request, "referrals/detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@requires_object_permission(VIEW_REFERRAL)
def referral_action(request, reference, action):
    """A step's own page (what it will do, and its form) and the step itself. A refused step changes
    nothing and shows its form again as sent, with the errors at the fields."""
    if action not in ACTIONS:
        raise Http404("No such action")
    spec = ACTIONS[action]
    referral = get_referral_for(request.user, reference)
    if not spec.may(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return _step_page(request, referral, action, step_form(action))
    shown = spec.shown is None or spec.shown(referral, request.user)
    if spec.step_up and shown and (step_up := mfa.step_up(request, spec.step_up)) is not None:
        return step_up

    def show_again(form):
        if spec.consequence:
            return _step_page(request, referral, action, form, record=False)
        return _referral_page(request, referral, bound={action: form}, record=False)

    return run_page_action(
        request,
        referral,
        name=action,
        label=spec.label,
        form=step_form(action, request.POST),
        perform=lambda data: spec.perform(referral, request.user, data),
        done=spec.done,
        show_again=show_again,
    )


def _step_page(request, referral, action: str, form, *, record: bool = True):
    """A step's page: what it will do, its form, or that it is not open now."""
    if record:
        record_event(AuditAction.REFERRAL_VIEWED, target=referral, detail={"page": "step: %s" % action})
    spec = ACTIONS[action]
    return render(
        request,
        "referrals/step.html",
        {
            "referral": referral,
            "form": form,
            "action": {"name": action, "label": spec.label, "consequence": spec.consequence, "form": form},
            "open_now": is_open_to(referral, request.user, action),
        },
    )


@requires_object_permission(TRIAGE_REFERRAL)
def referral_assess(request, reference):
    """Score the referral against the current triage criteria."""
    referral = get_referral_for(request.user, reference, action="triage")
    criteria = TriageCriteria.current()
    form = AssessmentForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            do_once(
                form_token(request.POST),
                "form",
                lambda: services.assess_referral(
                    referral, actor=request.user, scores=form.scores, rationale=form.cleaned_data["rationale"]
                ),
            )
        except AlreadySent:
            return sent_again(request, referral, name="assess", label="Assessment")
        except WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "Assessment recorded against criteria version %s." % criteria.version)
        return redirect(referral)
    record_event(AuditAction.REFERRAL_VIEWED, target=referral, detail={"page": "assessment"})
    return render(request, "referrals/assess.html", {"referral": referral, "form": form, "criteria": criteria})


@csrf_exempt  # the CSRF middleware would read the body first; _referral_attach checks the token itself
@requires_object_permission(TRIAGE_REFERRAL)
def referral_attach(request, reference):
    """Attach a file received by email or post; it is encrypted as it arrives."""
    referral = get_referral_for(request.user, reference, action="triage")
    return _referral_attach(request, referral)


@with_encrypted_upload
def _referral_attach(request, referral):
    handler = request.encrypted_upload
    form = StaffAttachmentForm(request.POST or None, request.FILES or None)
    status = 200
    if handler is not None and handler.refused:
        form.add_error(None, too_large_message(handler))
        status = 413
    elif (
        handler is not None and form.is_valid() and (upload := received_file(request, form.cleaned_data["attachment"]))
    ):
        try:
            do_once(
                form_token(request.POST),
                "form",
                lambda: services.attach_file(referral, upload, actor=request.user, title=form.cleaned_data["title"]),
            )
        except AlreadySent:
            handler.consumed = False  # the file sent again is not kept
            return sent_again(request, referral, name="attach", label="Attach a file")
        messages.success(request, "File attached.")
        return redirect(referral)
    else:
        record_event(AuditAction.FORM_OPENED, target=referral, detail={"form": "attachment"})
    return render(request, "referrals/attach.html", {"referral": referral, "form": form}, status=status)


@require_safe
@requires_object_permission(VIEW_REFERRAL)
def referral_attachment(request, reference, public_id):
    """Download an attachment of a referral the user may see."""
    referral = get_referral_for(request.user, reference)
    evidence = referral.attachments.filter(public_id=public_id, disposed_at__isnull=True).first()
    if evidence is None:
        raise NotVisible("referrals.attachment", str(public_id), "download")
    return evidence_response(request, evidence)
