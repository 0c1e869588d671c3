"""The public concern form and the referrer's own page: no log-in, so every input is untrusted and
rate-limited. The referrer opens their page with the reference and receipt code they were given."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts.access import NotVisible, public, referrer_page
from accounts.outside import end_outside_session, start_referrer_session
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel import throttle
from kernel.client import client_ip
from kernel.errors import WorkflowError
from referrals import services
from referrals.forms import NudgeForm, PublicConcernForm, ReceiptForm, ReplyForm
from referrals.models import Referral
from referrals.progress import progress_of
from referrals.selectors import conversation
from vault.upload import received_file, too_large_message, with_encrypted_upload
from workflow.steps import record_refusal

FORM_TOKENS_KEPT = 10
SESSION_TOKENS = "concern_form_tokens"
SESSION_SUBMITTED = "concern_form_submitted"
SESSION_RECEIPT = "concern_receipt"
HOUR = 3600
FIFTEEN_MINUTES = 900


@public
@csrf_exempt  # the CSRF middleware would read the body before the encrypting upload handler is in place
def share_concern(request):
    """The concern form, limited per address before any of the body is read."""
    if request.method == "POST" and not throttle.allow(
        "concern-form", client_ip(request) or "", limit=settings.PUBLIC_FORM_SUBMISSIONS_PER_HOUR, window_seconds=HOUR
    ):
        return refuse_rate_limited(request, "concern form")
    return _share_concern(request)


@with_encrypted_upload(max_bytes_setting="PUBLIC_ATTACHMENT_MAX_BYTES")
def _share_concern(request):
    """A one-time token per rendering stops a replayed form creating a second concern."""
    status = 200
    if request.method == "POST":
        token = request.POST.get("form_token", "")
        already = request.session.get(SESSION_SUBMITTED, {}).get(token)
        if already:
            return render(request, "public/already_sent.html", {"reference": already}, status=409)
        form = PublicConcernForm(request.POST, request.FILES)
        if request.encrypted_upload.refused:
            form.add_error(None, too_large_message(request.encrypted_upload))
            status = 413
        elif token not in request.session.get(SESSION_TOKENS, []):
            form.add_error(None, "This form has expired. Check your answers and send it again.")
        elif form.is_valid():
            details = {k: v for k, v in form.cleaned_data.items() if k not in ("website", "attachment", "nudge")}
            attachment = received_file(request, form.cleaned_data.get("attachment"))
            referral, receipt_code = services.receive_referral(
                details, attachment=attachment, nudge=form.cleaned_data["nudge"]
            )
            request.session[SESSION_TOKENS] = [t for t in request.session[SESSION_TOKENS] if t != token]
            request.session[SESSION_SUBMITTED] = {
                **request.session.get(SESSION_SUBMITTED, {}),
                token: referral.reference,
            }
            request.session[SESSION_RECEIPT] = {
                "reference": referral.reference,
                "code": receipt_code,
                "emailed": bool(referral.reporter_email),
            }
            return redirect("public:concern_sent")
    else:
        form = PublicConcernForm()
    context = {"form": form, "form_token": issue_form_token(request)}
    return render(request, "public/share_concern.html", context, status=status)


def issue_form_token(request) -> str:
    token = secrets.token_urlsafe(16)
    request.session[SESSION_TOKENS] = [*request.session.get(SESSION_TOKENS, []), token][-FORM_TOKENS_KEPT:]
    return token


@require_safe
@public
def concern_sent(request):
    """The confirmation: the reference and the receipt code, shown once and never again."""
    receipt = request.session.pop(SESSION_RECEIPT, None)
    if receipt is None:
        return redirect("public:share_concern")
    return render(request, "public/concern_sent.html", receipt)


@public
def follow_up(request):
    """The referrer opens their concern's page with its reference and receipt code. A wrong pair gets
    the same answer whether or not the reference exists, and attempts are limited per address and
    per reference; a right one starts a short session that holds that concern and nothing else."""
    limit = settings.FOLLOW_UP_ATTEMPTS_PER_15_MINUTES
    if request.method == "POST" and not throttle.allow(
        "follow-up-address", client_ip(request) or "", limit=limit, window_seconds=FIFTEEN_MINUTES
    ):
        return refuse_rate_limited(request, "follow-up")
    posted = request.method == "POST"
    form = ReceiptForm(request.POST if posted else None, initial={"reference": request.GET.get("reference", "")[:20]})
    if posted and form.is_valid():
        reference = form.cleaned_data["reference"]
        if not throttle.allow("follow-up-reference", reference, limit=limit, window_seconds=FIFTEEN_MINUTES):
            return refuse_rate_limited(request, "follow-up")
        referral = services.find_referral_by_receipt(reference, form.cleaned_data["receipt_code"])
        if referral is None or referral.disposed_at is not None:
            record_event(
                AuditAction.REFERRAL_RECEIPT_CODE_REJECTED,
                outcome=Outcome.DENIED,
                target_type="referrals.referral",
                target_ref=reference,
            )
            form.add_error(None, "We could not match that reference and receipt code. Check both and try again.")
        else:
            start_referrer_session(request, referral.reference)
            record_event(AuditAction.REFERRER_SIGNED_IN, target=referral)
            return redirect("public:concern", referral.reference)
    status = 400 if form.errors else 200
    return render(request, "public/follow_up.html", {"form": form}, status=status)


def _own_concern(request, reference: str) -> Referral:
    """The concern this referrer's session is for; any other reference is not there for them (404)."""
    if reference.upper() != request.referrer_of:
        raise NotVisible("referrals.referral", reference[:20], "read as its referrer")
    referral = Referral.objects.filter(reference=request.referrer_of, disposed_at=None).first()
    if referral is None:
        raise NotVisible("referrals.referral", reference[:20], "read as its referrer")
    return referral


@referrer_page
@csrf_exempt  # the token is checked once the encrypting upload handler is in place (vault.upload)
def concern(request, reference):
    """The referrer's page: the concern's progress in plain words and the conversation with the body;
    a reply may carry a file (encrypted as it arrives, size-limited)."""
    return _concern(request, reference)


@with_encrypted_upload(max_bytes_setting="PUBLIC_ATTACHMENT_MAX_BYTES")
def _concern(request, reference):
    referral = _own_concern(request, reference)
    form = ReplyForm(request.POST, request.FILES) if request.method == "POST" else ReplyForm()
    status = 200
    if request.method == "POST":
        if request.encrypted_upload.refused:
            form.add_error(None, too_large_message(request.encrypted_upload))
            status = 413
        elif form.is_valid():
            try:
                services.reply(
                    referral,
                    form.cleaned_data["text"],
                    attachment=received_file(request, form.cleaned_data.get("attachment")),
                )
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "Your reply has been sent. We will read it soon.")
                return redirect("public:concern", referral.reference)
        status = status if status != 200 else 400
        record_refusal(referral, "referrer_reply", {"errors": sorted(form.errors)})
    else:
        record_event(AuditAction.REFERRER_PAGE_VIEWED, target=referral)
    context = {
        "referral": referral,
        "progress": progress_of(referral),
        "conversation": conversation(referral, for_referrer=True),
        "form": form,
        "nudge_form": NudgeForm(initial={"wanted": referral.nudge_recipient_id is not None}),
        "may_nudge": bool(referral.reporter_email),
    }
    return render(request, "public/concern.html", context, status=status)


@require_POST
@referrer_page
def concern_nudge(request, reference):
    """The referrer turns the e-mail nudge on or off (only with an address we hold)."""
    referral = _own_concern(request, reference)
    form = NudgeForm(request.POST)
    wanted = form.is_valid() and form.cleaned_data["wanted"]
    try:
        services.set_nudge(referral, wanted=wanted)
    except WorkflowError as refusal:
        record_refusal(referral, "referrer_nudge", {"refusal": str(refusal)})
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            "We will e-mail you when there is a new message. The e-mail will not say what it is."
            if wanted
            else "We will not e-mail you about new messages. Check back here with your receipt code.",
        )
    return redirect("public:concern", referral.reference)


@require_POST
@referrer_page
def concern_sign_out(request):
    record_event(AuditAction.REFERRER_SIGNED_OUT, target_type="referrals.referral", target_ref=request.referrer_of)
    end_outside_session(request)
    return redirect("public:follow_up")


def refuse_rate_limited(request, what: str):
    record_event(AuditAction.REFERRAL_RATE_LIMITED, outcome=Outcome.DENIED, detail={"form": what})
    return render(request, "public/rate_limited.html", status=429)
