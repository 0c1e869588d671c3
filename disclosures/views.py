"""Disclosure pages: ask (the team), decide (an approver who did not ask), release, and the register."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts import mfa
from accounts.access import ActionDenied, NotVisible, requires_object_permission, requires_permission
from audit.choices import AuditAction, Outcome
from audit.services import record_event, shown_references
from casework.permissions import VIEW_INVESTIGATION
from casework.selectors import get_investigation_for
from disclosures import services
from disclosures.choices import DisclosureState
from disclosures.forms import DecisionForm, DisclosureRequestForm
from disclosures.models import DisclosureRequest
from disclosures.package import package_response
from disclosures.permissions import VIEW_REGISTER, may_ask, may_decide, may_release
from kernel.downloads import csv_response
from kernel.errors import WorkflowError
from kernel.once import AlreadySent, do_once, form_token
from workflow.steps import refused, run_page_action, sent_again

REGISTER_PAGE = 100


def get_disclosure_for(user, reference: str, public_id) -> DisclosureRequest:
    """A disclosure request of an investigation the user may see (404 otherwise, like any case record)."""
    investigation = get_investigation_for(user, reference)
    disclosure = investigation.disclosure_requests.filter(public_id=public_id).first()
    if disclosure is None:
        raise NotVisible("disclosures.disclosurerequest", str(public_id), "view")
    return disclosure


@requires_object_permission(VIEW_INVESTIGATION)
def request_new(request, reference):
    """The team asks to disclose some of the case's evidence; a refused form keeps everything typed."""
    investigation = get_investigation_for(request.user, reference)
    if not may_ask(request.user, investigation):
        raise ActionDenied("casework.investigation", reference, "ask for a disclosure")
    form = DisclosureRequestForm(request.POST or None, investigation=investigation, prefix="disclosure")
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                disclosure = do_once(
                    form_token(request.POST),
                    "form",
                    lambda: services.request_disclosure(
                        investigation,
                        actor=request.user,
                        evidence_ids=[item.pk for item in data["items"]],
                        recipient=data["recipient"],
                        ground=data["ground"],
                        necessity=data["necessity"],
                        extent=data["extent"],
                    ),
                )
            except AlreadySent:
                return sent_again(request, investigation, name="request_disclosure", label="Ask for a disclosure")
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "Disclosure %s asked for: it now waits for an approver." % disclosure)
                return redirect(disclosure)
        record_event(
            AuditAction.ACTION_REFUSED,
            outcome=Outcome.DENIED,
            target=investigation,
            detail={"action": "request_disclosure", "errors": sorted(form.errors)},
        )
        return render(request, "disclosures/new.html", {"investigation": investigation, "form": form}, status=400)
    record_event(AuditAction.FORM_OPENED, target=investigation, detail={"form": "disclosure request"})
    return render(request, "disclosures/new.html", {"investigation": investigation, "form": form})


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def request_detail(request, reference, public_id):
    disclosure = get_disclosure_for(request.user, reference, public_id)
    record_event(AuditAction.DISCLOSURE_VIEWED, target=disclosure, detail={"case": reference})
    user = request.user
    deciding = disclosure.state == DisclosureState.REQUESTED and may_decide(disclosure, user)
    context = {
        "disclosure": disclosure,
        "investigation": disclosure.investigation,
        "items": disclosure.items.select_related("evidence"),
        "may_decide": deciding and disclosure.requested_by_id != user.pk,
        "asked_by_you": deciding and disclosure.requested_by_id == user.pk,
        "may_release": disclosure.state == DisclosureState.APPROVED and may_release(disclosure, user),
        "may_download": disclosure.state == DisclosureState.DISCLOSED and may_release(disclosure, user),
        "decision_form": DecisionForm(disclosure=disclosure, prefix="decision"),
    }
    return render(request, "disclosures/detail.html", context)


@require_POST
@requires_object_permission(VIEW_INVESTIGATION)
def request_action(request, reference, public_id, action):
    """approve, refuse (with a fresh code) or release (a fresh code; the response is the package)."""
    disclosure = get_disclosure_for(request.user, reference, public_id)
    if action not in ("approve", "refuse", "release"):
        raise NotVisible("disclosures.disclosurerequest", str(public_id), action)
    if (step_up := mfa.step_up(request, "%s a disclosure of protected material" % action)) is not None:
        return step_up
    if action == "release":
        try:
            released = services.release_disclosure(disclosure, actor=request.user)
        except WorkflowError as refusal:
            messages.error(request, str(refusal))
            return refused(request, disclosure, action, {"refusal": str(refusal)[:300]})
        return package_response(released)
    return run_page_action(
        request,
        disclosure,
        name=action,
        label="Decision",
        form=DecisionForm(request.POST, disclosure=disclosure, prefix="decision"),
        perform=lambda data: services.decide_disclosure(
            disclosure,
            actor=request.user,
            approve=action == "approve",
            approved_ids=[item.pk for item in data["approved_items"]] if action == "approve" else (),
            note=data["note"],
        ),
    )


@require_safe
@requires_object_permission(VIEW_INVESTIGATION)
def package_download(request, reference, public_id):
    """Another copy of a released package, for the team; recorded like the release."""
    disclosure = get_disclosure_for(request.user, reference, public_id)
    if disclosure.state != DisclosureState.DISCLOSED:
        raise NotVisible("disclosures.disclosurerequest", str(public_id), "download package")
    if not may_release(disclosure, request.user):
        raise ActionDenied("disclosures.disclosurerequest", str(public_id), "download package")
    services.record_package_download(disclosure, actor=request.user)
    return package_response(disclosure)


@require_safe
@requires_permission(VIEW_REGISTER)
def register(request):
    """Every disclosure request, newest first: waiting decisions at the top for those who decide them."""
    page = max(int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1, 1)
    counted = _register_rows().annotate(
        item_count=Count("items"), approved_count=Count("items", filter=Q(items__approved=True))
    )
    rows = list(counted[(page - 1) * REGISTER_PAGE : page * REGISTER_PAGE + 1])
    waiting = [
        disclosure
        for disclosure in _register_rows().filter(state=DisclosureState.REQUESTED)
        if may_decide(disclosure, request.user) and disclosure.requested_by_id != request.user.pk
    ]
    shown = rows[:REGISTER_PAGE]
    record_event(
        AuditAction.DISCLOSURE_REGISTER_VIEWED, detail={"page": page, "shown": shown_references(shown, waiting)}
    )
    context = {"rows": shown, "page": page, "has_next": len(rows) > REGISTER_PAGE, "waiting": waiting}
    return render(request, "disclosures/register.html", context)


REGISTER_COLUMNS = [
    "reference",
    "investigation",
    "state",
    "recipient",
    "schedule_14_ground",
    "necessity",
    "extent",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
    "decision_note",
    "released_by",
    "released_at",
    "items_requested",
    "items_approved",
]


@require_POST
@requires_permission(VIEW_REGISTER)
def register_export(request):
    """The whole register as CSV (items as evidence id:sha256), behind a fresh code, itself audited."""
    if (step_up := mfa.step_up(request, "export the disclosure register")) is not None:
        return step_up
    references = list(DisclosureRequest.objects.order_by("pk").values_list("reference", flat=True))
    record_event(AuditAction.DISCLOSURE_REGISTER_EXPORTED, detail={"shown": references})
    return csv_response(
        REGISTER_COLUMNS,
        map(_register_cells, _register_rows().prefetch_related("items__evidence").iterator(chunk_size=500)),
        "disclosures",
    )


def _register_rows():
    return DisclosureRequest.objects.select_related("investigation", "requested_by", "decided_by", "released_by")


def _register_cells(disclosure) -> list:
    def items(approved_only):
        return " ".join(
            "%s:%s" % (item.evidence.public_id, item.evidence.sha256)
            for item in disclosure.items.all()
            if item.approved or not approved_only
        )

    def when(moment):
        return moment.isoformat() if moment else ""

    return [
        disclosure.reference,
        disclosure.investigation.reference,
        disclosure.state,
        disclosure.recipient,
        disclosure.get_ground_display(),
        disclosure.necessity,
        disclosure.extent,
        disclosure.requested_by.username,
        when(disclosure.requested_at),
        disclosure.decided_by.username if disclosure.decided_by else "",
        when(disclosure.decided_at),
        disclosure.decision_note,
        disclosure.released_by.username if disclosure.released_by else "",
        when(disclosure.released_at),
        items(approved_only=False),
        items(approved_only=True),
    ]
