"""Staff views of referrals: the intake queue, staff entry, the referral page and its actions."""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django_fsm import has_transition_perm

from accounts.access import NotVisible, requires_object_permission, requires_permission
from accounts.actions import run_page_action
from audit.choices import AuditAction
from audit.history import field_changes
from audit.services import record_event, search_term_digest, shown_references
from casework.evidence.http import evidence_response
from casework.evidence.upload import received_file, too_large_message, with_encrypted_upload
from casework.models import Investigation
from referrals import services
from referrals.choices import QUEUE_STATES, ReferralState
from referrals.forms import (
    AcceptForm,
    AssessmentForm,
    AssignForm,
    InformationForm,
    LinkForm,
    QueueFilterForm,
    ReasonForm,
    SignpostForm,
    StaffAttachmentForm,
    StaffConcernForm,
)
from referrals.models import Referral, TriageCriteria
from referrals.permissions import (
    ADD_REFERRAL,
    ASSIGN_REFERRAL,
    TRIAGE_REFERRAL,
    VIEW_REFERRAL,
    VIEW_REFERRAL_IDENTITY,
    get_referral_for,
)

PAGE_SIZE = 25
REFERENCE_PATTERN = re.compile(r"^REF-\d{4}-\d{6}$", re.IGNORECASE)


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
    recorded = {k: str(v) for k, v in filters.items() if v not in ("", None, False) and k != "q"}
    if filters.get("q"):
        recorded["q_hmac"] = search_term_digest(filters["q"])  # the words themselves may be protected
    shown = rows[:PAGE_SIZE]
    record_event(
        AuditAction.REFERRAL_QUEUE_VIEWED,
        detail={"filters": recorded, "page": page, "shown": shown_references(shown)},
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
        },
    )


def apply_queue_filters(referrals, filters: dict, user):
    if filters.get("q"):
        text = filters["q"].strip()
        referrals = (
            referrals.filter(reference=text.upper()) if REFERENCE_PATTERN.match(text) else referrals.search(text)
        )
    state = filters.get("state")
    referrals = referrals.filter(state=state) if state else referrals.filter(state__in=QUEUE_STATES)
    if filters.get("care_setting"):
        referrals = referrals.filter(care_setting=filters["care_setting"])
    if filters.get("harm_level"):
        referrals = referrals.filter(harm_level=filters["harm_level"])
    if filters.get("organisation"):
        referrals = referrals.filter(organisation_name__icontains=filters["organisation"])
    if filters.get("remit") == "in":
        referrals = referrals.filter(before_remit_start=False, outside_england=False)
    elif filters.get("remit") == "out":
        referrals = referrals.exclude(before_remit_start=False, outside_england=False)
    if filters.get("assignee") == "me":
        referrals = referrals.filter(assignee=user)
    elif filters.get("assignee") == "none":
        referrals = referrals.filter(assignee__isnull=True)
    if filters.get("older_than_days") is not None:
        referrals = referrals.filter(received_at__lt=timezone.now() - timedelta(days=filters["older_than_days"]))
    if filters.get("overdue"):
        referrals = referrals.overdue(settings.REFERRAL_TARGET_DAYS, timezone.now())
    return referrals


@requires_permission(ADD_REFERRAL)
def referral_new(request):
    """A concern received by phone, email or letter, entered by intake staff."""
    form = StaffConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        details = {name: value for name, value in form.cleaned_data.items() if name != "channel"}
        referral, receipt_code = services.receive_referral(
            details, channel=form.cleaned_data["channel"], actor=request.user
        )
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
    referral = get_referral_for(request.user, reference)
    show_identity = request.user.has_perm(VIEW_REFERRAL_IDENTITY)
    with transaction.atomic():  # one commit for the page's read events
        record_event(AuditAction.REFERRAL_VIEWED, target=referral)
        if show_identity:
            record_event(AuditAction.REFERRAL_IDENTITY_VIEWED, target=referral)
    can_triage = request.user.has_perm(TRIAGE_REFERRAL)
    context = {
        "referral": referral,
        "show_identity": show_identity,
        "activities": referral.activities.select_related("actor"),
        "follow_ups": referral.follow_ups.all(),
        "links": referral.links.select_related("to_referral", "to_investigation", "created_by"),
        "assessment": referral.assessments.select_related("criteria", "assessed_by").first(),
        "investigations": referral.investigations.all(),
        "attachments": referral.attachments.filter(disposed_at__isnull=True),
        "history": field_changes(referral.history.select_related("history_user").order_by("history_date")),
        "actions": available_actions(referral, request.user),
        "related": (
            Referral.objects.visible_to(request.user).related_to(referral)
            if can_triage and referral.state in (ReferralState.TRIAGE, ReferralState.LOGGED)
            else []
        ),
        "can_assess": can_triage and referral.state in (ReferralState.TRIAGE, ReferralState.LOGGED),
    }
    return render(request, "referrals/detail.html", context)


@dataclass(frozen=True)
class Action:
    """A button on the referral page: its form, the service it calls, and who may see it."""

    label: str
    form_class: Any
    perform: Any
    transition: str = ""
    permission: str = TRIAGE_REFERRAL
    form_kwargs: tuple = ()

    def form(self, name: str, data=None, **extra):
        """The action's form, prefixed with its name so that several forms share the page."""
        return self.form_class(data, prefix=name, **dict(self.form_kwargs), **extra) if self.form_class else None


def _link(referral, user, data):
    target = data["to_reference"].strip().upper()
    to_referral = Referral.objects.visible_to(user).filter(reference=target).first()
    to_investigation = None if to_referral else Investigation.objects.filter(reference=target).first()
    if to_referral is None and to_investigation is None:
        raise services.WorkflowError("There is no referral or investigation %s that you can see." % target)
    services.link_referral(
        referral, actor=user, reason=data["reason"], to_referral=to_referral, to_investigation=to_investigation
    )


ACTIONS: dict[str, Action] = {
    "claim": Action(
        "Claim", None, lambda r, u, d: services.assign_referral(r, actor=u, assignee=u), permission=ASSIGN_REFERRAL
    ),
    "assign": Action(
        "Assign",
        AssignForm,
        lambda r, u, d: services.assign_referral(r, actor=u, assignee=d["assignee"]),
        permission=ASSIGN_REFERRAL,
    ),
    "start_triage": Action("Start triage", None, lambda r, u, d: services.start_triage(r, actor=u), "start_triage"),
    "request_info": Action(
        "Request more information",
        ReasonForm,
        lambda r, u, d: services.request_info(r, actor=u, reason=d["reason"]),
        "request_info",
        form_kwargs=(("reason_label", "What information is needed?"),),
    ),
    "record_info": Action(
        "Record information received",
        InformationForm,
        lambda r, u, d: services.add_follow_up(r, d["text"], actor=u),
    ),
    "log_for_intelligence": Action(
        "Log for intelligence",
        ReasonForm,
        lambda r, u, d: services.log_for_intelligence(r, actor=u, reason=d["reason"]),
        "log_for_intelligence",
        form_kwargs=(("reason_required", False), ("reason_label", "Note (optional)")),
    ),
    "signpost": Action(
        "Signpost",
        SignpostForm,
        lambda r, u, d: services.signpost_referral(
            r, actor=u, signpost_reason=d["signpost_reason"], body=d["body"], note=d["reason"]
        ),
        "signpost",
    ),
    "link": Action("Link", LinkForm, _link, "link"),
    "propose_case": Action(
        "Propose for investigation",
        ReasonForm,
        lambda r, u, d: services.propose_case(r, actor=u, reason=d["reason"]),
        "propose_case",
        form_kwargs=(("reason_required", False), ("reason_label", "Note for the director (optional)")),
    ),
    "accept": Action(
        "Accept for investigation",
        AcceptForm,
        lambda r, u, d: services.accept_referral(r, actor=u, title=d["title"], reason=d["reason"]),
        "accept",
        permission="referrals.decide_referral",
    ),
    "defer": Action(
        "Defer",
        ReasonForm,
        lambda r, u, d: services.defer_referral(r, actor=u, reason=d["reason"]),
        "defer",
        permission="referrals.decide_referral",
    ),
    "decline": Action(
        "Decline",
        ReasonForm,
        lambda r, u, d: services.decline_referral(r, actor=u, reason=d["reason"]),
        "decline",
        permission="referrals.decide_referral",
        form_kwargs=(("reason_label", "Reasons for declining"),),
    ),
    "withdraw": Action(
        "Withdraw",
        ReasonForm,
        lambda r, u, d: services.withdraw_referral(r, actor=u, reason=d["reason"]),
        "withdraw",
    ),
    "reopen": Action(
        "Reopen",
        ReasonForm,
        lambda r, u, d: services.reopen_referral(r, actor=u, reason=d["reason"]),
        "reopen",
        permission="referrals.decide_referral",
    ),
}


def available_actions(referral, user) -> list[dict]:
    """Only the actions this user may take on this referral in its current state."""
    available = []
    for name, action in ACTIONS.items():
        if action.transition:
            allowed = has_transition_perm(getattr(referral, action.transition), user)
        elif name == "record_info":
            allowed = user.has_perm(action.permission) and referral.state not in (ReferralState.ACCEPTED,)
        elif name == "claim":
            allowed = user.has_perm(action.permission) and referral.assignee_id != user.pk
        else:
            allowed = user.has_perm(action.permission)
        if allowed:
            extra = {"assignees": services.triage_staff()} if name == "assign" else {}
            available.append({"name": name, "label": action.label, "form": action.form(name, **extra)})
    return available


@require_POST
@requires_object_permission(VIEW_REFERRAL)
def referral_action(request, reference, action):
    """Run one action from the referral page; a refusal is explained and changes nothing."""
    if action not in ACTIONS:
        raise Http404("No such action")
    spec = ACTIONS[action]
    referral = get_referral_for(request.user, reference)
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    extra = {"assignees": services.triage_staff()} if action == "assign" else {}
    return run_page_action(
        request,
        referral,
        name=action,
        label=spec.label,
        form=spec.form(action, request.POST, **extra),
        perform=lambda data: spec.perform(referral, request.user, data),
    )


@requires_object_permission(TRIAGE_REFERRAL)
def referral_assess(request, reference):
    """Score the referral against the current triage criteria."""
    referral = get_referral_for(request.user, reference, action="triage")
    criteria = TriageCriteria.current()
    form = AssessmentForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            services.assess_referral(
                referral, actor=request.user, scores=form.scores, rationale=form.cleaned_data["rationale"]
            )
        except services.WorkflowError as refusal:
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
    if handler is not None and handler.too_large:
        form.add_error(None, too_large_message(handler))
        status = 413
    elif handler is not None and form.is_valid():
        services.attach_file(
            referral,
            received_file(request, form.cleaned_data["attachment"]),
            actor=request.user,
            title=form.cleaned_data["title"],
        )
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
        raise NotVisible("casework.evidence", str(public_id), "download")
    return evidence_response(request, evidence, referral.reference)
