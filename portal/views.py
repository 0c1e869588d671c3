"""The portal's own pages: signing in by a code sent by e-mail, the person's home, what they were
sent (a draft report to comment on), signing out. Nothing sent to one person reaches another (404)."""

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts.access import NotVisible, outside_person_page, outside_sign_in
from accounts.outside import (
    check_sign_in_code,
    end_outside_session,
    issue_sign_in_code,
    normal_email,
    start_outside_session,
)
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from casework.choices import RecommendationState
from casework.selectors import answerable_by
from kernel import throttle
from kernel.client import client_ip
from kernel.errors import WorkflowError
from portal.forms import CodeForm, ConsultationCommentForm, EmailForm
from reports.pdf import pdf_response
from reports.selectors import laid_out
from reports.services import consultation as consultation_services
from reports.services.consultation import consultee_for
from vault.upload import received_file, too_large_message, with_encrypted_upload
from workflow.steps import record_refusal

logger = logging.getLogger(__name__)
FIFTEEN_MINUTES = 15 * 60
PENDING_EMAIL = "portal_pending_email"
NEXT = "portal_next"


def _over_limit(request) -> bool:
    return not throttle.allow(
        "portal-sign-in",
        client_ip(request) or "",
        limit=settings.PORTAL_SIGN_IN_ATTEMPTS_PER_15_MINUTES,
        window_seconds=FIFTEEN_MINUTES,
    )


def _rate_limited(request):
    record_event(AuditAction.PORTAL_SIGN_IN_REFUSED, outcome=Outcome.DENIED, detail={"reason": "rate limited"})
    return render(request, "public/rate_limited.html", status=429)


@outside_sign_in
def sign_in(request):
    """Ask for a code. The answer is the same whether or not we know the address."""
    form = EmailForm(request.POST or None)
    if request.method == "POST":
        if _over_limit(request):
            return _rate_limited(request)
        if form.is_valid():
            email = normal_email(form.cleaned_data["email"])
            issued = issue_sign_in_code(email)
            if issued is not None:
                _send_code(email, issued[1])
            following = request.GET.get("next", "")
            request.session[PENDING_EMAIL] = email
            if url_has_allowed_host_and_scheme(following, allowed_hosts={request.get_host()}):
                request.session[NEXT] = following
            return redirect("portal:code")
        return render(request, "portal/sign_in.html", {"form": form}, status=400)
    return render(request, "portal/sign_in.html", {"form": form})


def _send_code(email: str, code: str) -> None:
    """The code goes by e-mail at once (a queued task would keep it in the queue's table)."""
    try:
        send_mail(
            subject="Your sign-in code",
            message=(
                "Your sign-in code is %s. It works once, for %d minutes.\n\n"
                "If you did not ask for it, you can ignore this email: nobody can sign in without it.\n"
                % (code, settings.PORTAL_CODE_MINUTES)
            ),
            from_email=None,
            recipient_list=[email],
        )
    except Exception:
        logger.exception("A portal sign-in code could not be sent")


@outside_sign_in
def code(request):
    """Give the code; a wrong, used or expired code (or an unknown address) is refused alike."""
    email = request.session.get(PENDING_EMAIL)
    if not email:
        return redirect("portal:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if _over_limit(request):
            return _rate_limited(request)
        if form.is_valid():
            person = check_sign_in_code(email, form.cleaned_data["code"])
            if person is not None:
                following = request.session.get(NEXT) or reverse("portal:home")
                start_outside_session(request, person)
                return redirect(following)
            form.add_error(
                "code",
                "That code is not right, or it has been used or has expired. "
                "Check the latest email, or ask for a new code.",
            )
        return render(request, "portal/code.html", {"form": form}, status=400)
    return render(request, "portal/code.html", {"form": form})


@require_safe
@outside_person_page
def home(request):
    """What has been sent to the person signed in."""
    person = request.outside_person
    consultations = person.consultations.select_related("consultation").order_by("-consultation__sent_at")
    record_event(
        AuditAction.PORTAL_HOME_VIEWED,
        target=person,
        detail={"shown": [consultee.reference for consultee in consultations]},
    )
    issued = answerable_by(person)
    context = {
        "person": person,
        "consultations": consultations,
        "recommendations": issued.count(),
        "waiting": issued.filter(state=RecommendationState.ISSUED).count(),
    }
    return render(request, "portal/home.html", context)


@require_safe
@outside_person_page
def consultation(request, public_id):
    """The draft sent to this person: first the confidentiality warning, then the draft and their comments."""
    consultee = consultee_for(request.outside_person, public_id)
    context: dict[str, Any] = {"consultee": consultee, "consultation": consultee.consultation}
    if consultee.acknowledged_at is None:
        record_event(AuditAction.FORM_OPENED, target=consultee, detail={"form": "confidentiality warning"})
        return render(request, "portal/warning.html", context)
    record_event(AuditAction.CONSULTATION_DRAFT_READ, target=consultee)
    return _draft_page(request, consultee)


@require_safe
@outside_person_page
def consultation_pdf(request, public_id):
    """The draft as a PDF, marked on every page with the person's name, the consultation and the date."""
    consultee = consultee_for(request.outside_person, public_id)
    if consultee.acknowledged_at is None:
        return redirect("portal:consultation", public_id)
    record_event(AuditAction.CONSULTATION_DRAFT_DOWNLOADED, target=consultee)
    draft = consultee.consultation
    watermark = "Confidential draft for %s · %s · %s" % (
        consultee.person.name,
        draft.reference,
        timezone.localdate().strftime("%-d %B %Y"),
    )
    return pdf_response(draft.report, draft.version, watermark=watermark)


def _draft_page(request, consultee, *, form=None, refusal: str = "", status: int = 200):
    """The consultation page: the draft, the person's comments, and the comment form (kept as typed)."""
    draft = consultee.consultation
    context: dict[str, Any] = {
        "consultee": consultee,
        "consultation": draft,
        "sections": laid_out(draft.report, draft.version, review=False),
        "comments": consultee.comments.prefetch_related("attachments"),
        "form": form or ConsultationCommentForm(prefix="comment"),
        "refusal": refusal,
    }
    return render(request, "portal/consultation.html", context, status=status)


def _refused(request, consultee, step: str, refusal: str, *, form=None, status: int = 400):
    record_refusal(consultee, step, {})
    return _draft_page(request, consultee, form=form, refusal=refusal, status=status)


@require_POST
@outside_person_page
def consultation_step(request, public_id, step):
    """acknowledge the warning, or send the comments in; a refusal is explained."""
    person = request.outside_person
    consultee = consultee_for(person, public_id)
    if step not in ("acknowledge", "submit"):
        raise NotVisible("reports.consultee", str(public_id), step)
    try:
        if step == "acknowledge":
            consultation_services.acknowledge(consultee, person=person)
        else:
            consultation_services.submit(consultee, person=person)
            messages.success(request, "Thank you: your comments have been sent to the investigation team.")
    except WorkflowError as refusal:
        return _refused(request, consultee, step, str(refusal))
    return redirect("portal:consultation", public_id)


@outside_person_page
@csrf_exempt  # the token is checked once the encrypting upload handler is in place (vault.upload)
def consultation_comment(request, public_id):
    """A comment on a part of the draft, with a file if wanted (encrypted as it arrives, size-limited)."""
    if request.method != "POST":
        return redirect(consultee_for(request.outside_person, public_id))
    return _comment(request, public_id)


@with_encrypted_upload(max_bytes_setting="PUBLIC_ATTACHMENT_MAX_BYTES")
def _comment(request, public_id):
    person = request.outside_person
    consultee = consultee_for(person, public_id)
    form = ConsultationCommentForm(request.POST, request.FILES, prefix="comment")
    if request.encrypted_upload.refused:
        return _refused(
            request, consultee, "comment", too_large_message(request.encrypted_upload), form=form, status=413
        )
    if not form.is_valid():
        return _refused(request, consultee, "comment", "Check the comment below.", form=form)
    try:
        consultation_services.add_comment(
            consultee,
            person=person,
            anchor=form.cleaned_data["anchor"],
            text=form.cleaned_data["text"],
            attachment=received_file(request, form.cleaned_data.get("attachment")),
        )
    except WorkflowError as refusal:
        return _refused(request, consultee, "comment", str(refusal), form=form)
    messages.success(request, "Your comment is saved. Add more, or send them all in when you are ready.")
    return redirect("portal:consultation", public_id)


@require_POST
@outside_person_page
def sign_out(request):
    record_event(AuditAction.PORTAL_SIGNED_OUT, target=request.outside_person)
    end_outside_session(request)
    return redirect("portal:sign_in")
