"""The log-in page: Django's, with the username checked before anything looks it up, recorded when
refused, and a limit of failed log-ins per address whatever the usernames.

Django's AuthenticationForm shows a maximum length but does not enforce it, so an over-long name
reached authentication (and django-axes' 255-character column). Here it is refused by the form, and
the refusal is a failed log-in in the audit trail like any other. django-axes locks a username at
an address; trying many usernames from one address is stopped here (LOGIN_FAILURES_PER_ADDRESS
failures in LOGIN_LOCKOUT_MINUTES, then every attempt from there is refused until the window ends).
"""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.validators import MaxLengthValidator
from django.shortcuts import render

from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel import throttle
from kernel.client import client_ip

FAILURES_SCOPE = "login-failures-per-address"


class StaffLoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(self.username_field.max_length))


class StaffLoginView(LoginView):
    form_class = StaffLoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if throttle.exhausted(FAILURES_SCOPE, client_ip(request) or "", **failure_window()):
            record_event(AuditAction.LOGIN_RATE_LIMITED, outcome=Outcome.DENIED, detail={"username_tried": True})
            return render(request, "registration/too_many_attempts.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.allow(FAILURES_SCOPE, client_ip(self.request) or "", **failure_window())
        if form.is_bound and "username" in form.errors:
            # Refused before authentication (over-long, a NUL): the authentication signals never fire.
            record_event(
                AuditAction.LOGIN_FAILED,
                outcome=Outcome.DENIED,
                target_type="accounts.user",
                target_ref=form.data.get("username", ""),
                detail={"reason": "username refused by the form"},
            )
        return super().form_invalid(form)


def failure_window() -> dict[str, int]:
    return {"limit": settings.LOGIN_FAILURES_PER_ADDRESS, "window_seconds": settings.LOGIN_LOCKOUT_MINUTES * 60}
