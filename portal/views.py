"""The portal's own pages: signing in by a code sent by e-mail, the person's home, signing out.

What they were sent (a draft report to comment on, ...) is listed on their home page by the domain
that sent it; none of it reaches any other person (404)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import outside_person_page, outside_sign_in
from accounts.outside import (
    check_sign_in_code,
    end_outside_session,
    issue_sign_in_code,
    normal_email,
    start_outside_session,
)
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel import throttle
from kernel.client import client_ip
from portal.forms import CodeForm, EmailForm

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


@outside_person_page
def home(request):
    """What has been sent to the person signed in."""
    person = request.outside_person
    record_event(AuditAction.PORTAL_HOME_VIEWED, target=person)
    return render(request, "portal/home.html", {"person": person})


@require_POST
@outside_person_page
def sign_out(request):
    record_event(AuditAction.PORTAL_SIGNED_OUT, target=request.outside_person)
    end_outside_session(request)
    return redirect("portal:sign_in")
