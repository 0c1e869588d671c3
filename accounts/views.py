from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.http import require_POST, require_safe

from accounts import administration, mfa, sessions, tokens
from accounts.access import before_second_factor, public, requires_permission, signed_in
from accounts.models import ApiTokenScope, Authenticator, RecoveryCodeDevice
from accounts.permissions import CHANGE_USER, VIEW_USER, may_change_accounts
from accounts.roles import Role
from accounts.services import declare_conflict
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.forms import NHSFormMixin
from kernel.once import AlreadySent, do_once, form_token
from kernel.transactions import service_transaction
from workflow.steps import record_refusal, run_page_action, sent_again


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
    starts_on = forms.DateField(label="From")
    ends_on = forms.DateField(
        label="Until (if it has ended)",
        required=False,
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
    "invite": "E-mail a new link to set the password",
    "disable": "Disable account",
    "enable": "Enable account",
    "change_role": "Change role",
}


class AccountForm(NHSFormMixin, forms.Form):
    username = forms.RegexField(
        label="User name",
        max_length=150,
        regex=r"^[a-z][a-z0-9_.-]{1,149}$",
        error_messages={
            "invalid": "Use lower-case letters, digits, dots, dashes or underscores, starting with a letter."
        },
        help_text="What they sign in with, for example jane.smith.",
    )
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Work e-mail address", help_text="The link to set their password goes here.")
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect)


class RoleForm(NHSFormMixin, forms.Form):
    role = forms.ChoiceField(label="New role", choices=Role.choices, widget=forms.RadioSelect)


@requires_permission(CHANGE_USER)
def user_new(request):
    """Create a staff account with its role; its owner is e-mailed a link to set their password."""
    form = AccountForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                user = do_once(
                    form_token(request.POST),
                    "form",
                    lambda: administration.create_account(actor=request.user, **form.cleaned_data),
                )
            except AlreadySent:
                return sent_again(
                    request, None, name="create_account", label="Create an account", back="accounts:user_list"
                )
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request,
                    "%s can now set their password from the link e-mailed to %s." % (user.username, user.email),
                )
                return redirect("accounts:user_detail", username=user.username)
        record_refusal(None, "create_account", {"errors": sorted(form.errors)})
        return render(request, "accounts/user_new.html", {"form": form}, status=400)
    record_event(AuditAction.FORM_OPENED, detail={"form": "new staff account"})
    return render(request, "accounts/user_new.html", {"form": form})


@require_safe
@requires_permission(VIEW_USER)
def user_detail(request, username):
    """One staff account: its role and state, and what an administrator may do to it."""
    account = get_object_or_404(get_user_model(), username=username)
    record_event(AuditAction.USER_VIEWED, target=account)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "may_change": may_change_accounts(request.user) and account != request.user,
            "role_form": RoleForm(initial={"role": account.primary_role}, prefix="change_role"),
            "has_password": account.has_usable_password(),
            "has_authenticator": Authenticator.objects.filter(user=account, confirmed=True).exists(),
        },
    )


@require_POST
@requires_permission(CHANGE_USER)
def user_action(request, username, action):
    """Administrators: end a user's sessions, reset their lost authenticator, e-mail a new link to set
    the password, change the role, disable or enable the account.

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
    form = RoleForm(request.POST, prefix="change_role") if action == "change_role" else None
    steps = {
        "end_sessions": lambda data: sessions.end_all_sessions(
            target, actor=request.user, reason="ended by an administrator"
        ),
        "reset_second_factor": lambda data: _reset_second_factor(target, request.user),
        "invite": lambda data: administration.invite(target, actor=request.user),
        "disable": lambda data: administration.disable(target, actor=request.user),
        "enable": lambda data: administration.enable(target, actor=request.user),
        "change_role": lambda data: administration.change_role(target, data["role"], actor=request.user),
    }
    return run_page_action(
        request,
        target,
        name=action,
        label=USER_ACTIONS[action],
        form=form,
        perform=steps[action],
        done="%s: %s done." % (target.username, USER_ACTIONS[action].lower()),
        back=reverse("accounts:user_detail", args=[target.username]),
    )


def _reset_second_factor(target, actor) -> None:
    mfa.remove_second_factor(target, actor=actor, reason="reset by an administrator")
    sessions.end_all_sessions(target, actor=actor, reason="second factor reset")


@public
def set_password(request, uidb64, token):
    """A new member of staff (or one whose administrator sent a new link) sets their own password;
    the link works once and for a limited time."""
    user = _user_of_link(uidb64, token)
    if user is None:
        record_event(AuditAction.PASSWORD_LINK_REFUSED, outcome=Outcome.DENIED)
        return render(request, "accounts/set_password.html", {"expired": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_transaction():
            form.save()
            record_event(AuditAction.PASSWORD_SET, actor=user, target=user)
        messages.success(request, "Your password is set. Sign in with it; you will then set up your second factor.")
        return redirect("login")
    return render(
        request, "accounts/set_password.html", {"form": form, "account": user}, status=400 if form.errors else 200
    )


def _user_of_link(uidb64: str, token: str):
    try:
        user = get_user_model().objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()), is_active=True)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, get_user_model().DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


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
