"""The public concern form and follow-up: no log-in, so every input is untrusted and rate-limited."""

import secrets

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from accounts.access import public
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel import throttle
from kernel.client import client_ip
from referrals import services
from referrals.forms import FollowUpForm, PublicConcernForm
from vault.upload import received_file, too_large_message, with_encrypted_upload

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
        if request.encrypted_upload.too_large:
            form.add_error(None, too_large_message(request.encrypted_upload))
            status = 413
        elif token not in request.session.get(SESSION_TOKENS, []):
            form.add_error(None, "This form has expired. Check your answers and send it again.")
        elif form.is_valid():
            details = {k: v for k, v in form.cleaned_data.items() if k not in ("website", "attachment")}
            attachment = received_file(request, form.cleaned_data.get("attachment"))
            referral, receipt_code = services.receive_referral(details, attachment=attachment)
            request.session[SESSION_TOKENS] = [t for t in request.session[SESSION_TOKENS] if t != token]
            request.session[SESSION_SUBMITTED] = {
                **request.session.get(SESSION_SUBMITTED, {}),
                token: referral.reference,
            }
            request.session[SESSION_RECEIPT] = {"reference": referral.reference, "code": receipt_code}
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
@csrf_exempt  # as share_concern: the token is checked once the encrypting upload handler is in place
def follow_up(request):
    """Add information with reference and receipt code. A wrong pair gets the same answer whether or
    not the reference exists, and attempts are limited per address and per reference."""
    limit = settings.FOLLOW_UP_ATTEMPTS_PER_15_MINUTES
    if request.method == "POST" and not throttle.allow(
        "follow-up-address", client_ip(request) or "", limit=limit, window_seconds=FIFTEEN_MINUTES
    ):
        return refuse_rate_limited(request, "follow-up")
    return _follow_up(request)


@with_encrypted_upload(max_bytes_setting="PUBLIC_ATTACHMENT_MAX_BYTES")
def _follow_up(request):
    form = FollowUpForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and request.encrypted_upload.too_large:
        form.add_error(None, too_large_message(request.encrypted_upload))
        status = 413
    elif request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"].strip().upper()
        limit = settings.FOLLOW_UP_ATTEMPTS_PER_15_MINUTES
        if not throttle.allow("follow-up-reference", reference, limit=limit, window_seconds=FIFTEEN_MINUTES):
            return refuse_rate_limited(request, "follow-up")
        referral = services.find_referral_by_receipt(reference, form.cleaned_data["receipt_code"])
        if referral is None:
            record_event(
                AuditAction.REFERRAL_RECEIPT_CODE_REJECTED,
                outcome=Outcome.DENIED,
                target_type="referrals.referral",
                target_ref=reference,
            )
            form.add_error(None, "We could not match that reference and receipt code. Check both and try again.")
        else:
            attachment = received_file(request, form.cleaned_data.get("attachment"))
            services.add_follow_up(referral, form.cleaned_data["text"], attachment=attachment)
            return render(request, "public/follow_up_sent.html", {"reference": referral.reference})
    return render(request, "public/follow_up.html", {"form": form}, status=status)


def refuse_rate_limited(request, what: str):
    record_event(AuditAction.REFERRAL_RATE_LIMITED, outcome=Outcome.DENIED, detail={"form": what})
    return render(request, "public/rate_limited.html", status=429)
