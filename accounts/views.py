from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from accounts import mfa, sessions, tokens
from accounts.access import before_second_factor, requires_permission, signed_in
from accounts.models import ApiTokenScope, Authenticator, RecoveryCodeDevice
from accounts.permissions import CHANGE_USER, VIEW_USER, may_change_accounts
from accounts.services import declare_conflict
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.forms import NHSFormMixin
from kernel.once import AlreadySent, do_once, form_token
from workflow.steps import sent_again


@require_safe
@requires_permission(VIEW_USER)
def user_list(request):
    """Staff accounts and their roles, for system administrators (no case content)."""
    users = (
        get_user_model()
        .objects.prefetch_related("groups")
        .annotate(
            active_sessions=Count("sessions", filter=Q(sessions__expire_date__gt=timezone.now())),
            has_authenticator=Exists(Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .order_by("username")
    )
    record_event(AuditAction.USER_LIST_VIEWED)
    context = {"users": users, "actions": USER_ACTIONS, "may_change": may_change_accounts(request.user)}
    return render(request, "accounts/user_list.html", context)


class DeclarationForm(NHSFormMixin, forms.Form):
    organisation_name = forms.CharField(label="Organisation", max_length=200)
    nature = forms.CharField(label="Nature of the link", max_length=300)
    starts_on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(
        label="Until (if it has ended)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@signed_in
def declarations(request):
    """Each member of staff records their own links to healthcare organisations (conflicts of interest)."""
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_once(form_token(request.POST), "form", lambda: declare_conflict(request.user, **form.cleaned_data))
        except AlreadySent:
            return sent_again(request, None, name="declare", label="Declaration", back="accounts:declarations")
        except WorkflowError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Declaration recorded.")
            return redirect("accounts:declarations")
    if request.method == "GET":
        record_event(AuditAction.FORM_OPENED, detail={"form": "conflict declarations"})
    return render(
        request,
        "accounts/declarations.html",
        {"form": form, "declarations": request.user.conflict_declarations.all()},
    )


# The second factor.


class CodeForm(NHSFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class ReauthenticationForm(NHSFormMixin, forms.Form):
    """Password and a current code: asked for again before second-factor settings change."""

    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = CodeForm.base_fields["code"]


def _safe_next(request, default: str = "dashboard") -> str:
    """The page to return to, only a path on this site: a forged `next=` to another host, or one that is
    not a path at all (which `redirect` would try as a view name), is ignored."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


def _end_locked_out_session(request):
    """After the failure that locks the account out, sign the session out; django-axes answers with its page."""
    if not getattr(request, "axes_locked_out", False):
        return None
    logout(request)
    return HttpResponse(status=429)


@before_second_factor
def mfa_verify(request):
    """Second step of signing in: a code from the authenticator app or a recovery code."""
    if not mfa.has_authenticator(request.user):
        return redirect_to_login(_safe_next(request), resolve_url("accounts:mfa_setup"))
    if mfa.is_verified(request):
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.verify_second_factor(request, form.cleaned_data["code"]):
            return redirect(_safe_next(request))
        if (locked := _end_locked_out_session(request)) is not None:
            return locked
        form.add_error("code", "That code is wrong or has already been used. Enter the current code.")
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _safe_next(request)})


@before_second_factor
def mfa_setup(request):
    """Set up the authenticator app (QR code or typed key), confirmed by its first code.

    Only for an account with no authenticator: replacing one needs a verified session and the
    password again (`mfa_settings`), so a stolen password alone can never attach a new device.
    """
    if mfa.has_authenticator(request.user):
        return redirect_to_login(_safe_next(request), resolve_url("accounts:mfa_verify"))
    device = mfa.pending_authenticator(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm_authenticator(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _safe_next(request)})
        form.add_error("code", "That code does not match. Check the time on your phone and enter the current code.")
    context = {"form": form, "qr_code": mfa.qr_code_svg(device), "manual_key": mfa.manual_key(device)}
    return render(request, "accounts/mfa_setup.html", {**context, "next": _safe_next(request)})


@signed_in
def mfa_settings(request):
    """Recovery codes left; new recovery codes or a new authenticator, after the password and a code again."""
    user = request.user
    form = ReauthenticationForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST" and action in ("new_codes", "new_authenticator") and form.is_valid():
        if not user.check_password(form.cleaned_data["password"]):
            mfa.record_failed_attempt(request)  # guessing the password here counts towards the lockout
            if (locked := _end_locked_out_session(request)) is not None:
                return locked
            form.add_error("password", "The password is not right. Nothing was changed.")
        elif not mfa.verify_second_factor(request, form.cleaned_data["code"]):
            if (locked := _end_locked_out_session(request)) is not None:
                return locked
            form.add_error("code", "That code is wrong or has already been used. Nothing was changed.")
        elif action == "new_codes":
            codes = mfa.regenerate_recovery_codes(user, actor=user)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": resolve_url("dashboard")})
        else:
            mfa.remove_second_factor(user, actor=user, reason="replaced by the user")
            messages.success(request, "Your old authenticator no longer works. Set up the new one now.")
            return redirect("accounts:mfa_setup")
    if request.method == "GET":
        record_event(AuditAction.FORM_OPENED, detail={"form": "second factor settings"})
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    context = {"form": form, "recovery_codes_left": recovery.remaining() if recovery else 0}
    return render(request, "accounts/mfa_settings.html", context)


# Sessions.


@signed_in
def session_list(request):
    """The user's own active sessions: where and when; end one, or all but this one."""
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "end_others":
            ended = sessions.end_all_sessions(
                user, actor=user, reason="ended by the user", keep_session_key=request.session.session_key
            )
            messages.success(request, "%s other session%s ended." % (ended, "" if ended == 1 else "s"))
        elif sessions.end_session(user, request.POST.get("session", ""), actor=user):
            messages.success(request, "Session ended.")
        else:
            messages.error(request, "That session had already ended. Nothing was changed.")
        return redirect("accounts:sessions")
    record_event(AuditAction.SESSIONS_VIEWED, target=user)
    current_key = request.session.session_key
    rows = [{"session": s, "current": s.session_key == current_key} for s in sessions.active_sessions(user)]
    return render(request, "accounts/sessions.html", {"rows": rows})


USER_ACTIONS = {
    "end_sessions": "End all sessions",
    "reset_second_factor": "Reset second factor",
    "disable": "Disable account",
}


@require_POST
@requires_permission(CHANGE_USER)
def user_action(request, username, action):
    """Administrators: end a user's sessions, reset their lost authenticator, or disable the account.

    Never on one's own account: an administrator changes their own second factor on their settings
    page, with the password and a code, like everyone else.
    """
    if action not in USER_ACTIONS:
        raise Http404("No such action")
    target = get_object_or_404(get_user_model(), username=username)
    if target == request.user:
        raise PermissionDenied
    if (response := mfa.step_up(request, "change another user's account")) is not None:
        return response
    if action == "end_sessions":
        sessions.end_all_sessions(target, actor=request.user, reason="ended by an administrator")
    elif action == "reset_second_factor":
        mfa.remove_second_factor(target, actor=request.user, reason="reset by an administrator")
        sessions.end_all_sessions(target, actor=request.user, reason="second factor reset")
    else:
        sessions.disable_account(target, actor=request.user, reason="disabled by an administrator")
    messages.success(request, "%s: %s done." % (target.username, USER_ACTIONS[action]))
    return redirect("accounts:user_list")


# API tokens.


class ApiTokenForm(NHSFormMixin, forms.Form):
    name = forms.CharField(max_length=100, label="What is the token for?")
    scopes = forms.MultipleChoiceField(
        label="Scopes", choices=ApiTokenScope.choices, widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(label="Days until it expires", min_value=1, max_value=tokens.MAX_DAYS, initial=90)


@signed_in
def api_tokens(request):
    """The user's own API tokens: create one (shown once, after a fresh code), or revoke one."""
    user = request.user
    form = ApiTokenForm(prefix="token")
    created = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        token_id = request.POST.get("token", "")
        if token_id.isdigit() and tokens.revoke_token(user, int(token_id)):
            messages.success(request, "Token revoked: it no longer works.")
        else:
            messages.error(request, "That token was already revoked or is not yours. Nothing was changed.")
            record_event(
                AuditAction.ACTION_REFUSED,
                outcome=Outcome.DENIED,
                detail={"action": "revoke API token", "token": token_id[:20]},
            )
        return redirect("accounts:api_tokens")
    if request.method == "POST":
        form = ApiTokenForm(request.POST, prefix="token")
        if form.is_valid():
            if (step_up := mfa.step_up(request, "create an API token")) is not None:
                return step_up
            try:
                _, created = do_once(
                    form_token(request.POST), "form", lambda: tokens.create_token(user, **form.cleaned_data)
                )
            except AlreadySent:
                return sent_again(
                    request,
                    None,
                    name="create API token",
                    label="New token (if you did not see its value, revoke the newest token below)",
                    back="accounts:api_tokens",
                )
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
        if created is None:
            record_event(
                AuditAction.ACTION_REFUSED,
                outcome=Outcome.DENIED,
                detail={"action": "create API token", "errors": sorted(form.errors)},
            )
    else:
        record_event(AuditAction.API_TOKENS_VIEWED, target=user)
    context = {"form": form, "created": created, "tokens": user.api_tokens.all()}
    response = render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response
