"""What system administrators do to staff accounts: create one with its role, change the role,
disable and re-enable it. Each is one audited transaction.

A new member of staff sets their own password from a one-time link e-mailed to them (Django's
password-reset tokens: the link stops working once used, after `PASSWORD_RESET_TIMEOUT`, or when
the password changes) and sets up their second factor at their first sign-in. Nobody else ever
knows their password.

Disabling someone who still holds case roles or open tasks is refused: the domains that give out
that work say so (`refuse_disabling_while`), and a director hands it over through the leavers'
hand-over, which disables the account itself.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.sessions import disable_account, end_all_sessions
from audit.choices import AuditAction
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction

# Each returns why `user` may not simply be disabled now (work still theirs), or None.
_DISABLE_BLOCKERS: list[Callable[[User], str | None]] = []


def refuse_disabling_while(check: Callable[[User], str | None]) -> None:
    """Called from a domain's AppConfig.ready: accounts never imports the domains above it."""
    _DISABLE_BLOCKERS.append(check)


def _not_self(user: User, actor: User, doing: str) -> None:
    if user.pk == actor.pk:
        raise WorkflowError("You cannot %s your own account: another administrator does. Nothing was changed." % doing)


def create_account(*, actor: User, username: str, first_name: str, last_name: str, email: str, role: str) -> User:
    """A staff account with one role and no password; its owner is e-mailed a link to set one."""
    email = email.strip().lower()
    with service_transaction():
        if User.objects.filter(username__iexact=username).exists():
            raise WorkflowError("There is already an account called %s. Nothing was created." % username)
        if User.objects.filter(email__iexact=email).exists():
            raise WorkflowError("There is already an account for %s. Nothing was created." % email)
        user = User(username=username, first_name=first_name, last_name=last_name, email=email)
        user.set_unusable_password()
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        record_event(AuditAction.ACCOUNT_CREATED, actor=actor, target=user, detail={"role": role})
        invite(user, actor=actor)
    return user


def invite(user: User, *, actor: User) -> None:
    """E-mail `user` a one-time link to set their password, once the transaction has committed (the
    link is sent straight away, never stored in the outgoing-mail queue)."""
    if not user.is_active:
        raise WorkflowError("%s is disabled: enable the account before inviting them." % user.username)
    path = reverse(
        "accounts:set_password",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    link = settings.SITE_URL.rstrip("/") + path
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    record_event(AuditAction.ACCOUNT_INVITED, actor=actor, target=user)
    transaction.on_commit(
        lambda: send_mail(
            subject="Your account: set your password",
            message=(
                "An account has been made for you (user name %s). Set your password with this link, which works "
                "once and for %d hours:\n\n%s\n\nYou will then set up your second factor with an authenticator "
                "app. If you did not expect this, tell the service desk." % (user.username, hours, link)
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    )


def change_role(user: User, role: str, *, actor: User) -> None:
    """Give `user` exactly one role; their sessions end so that they sign in again under it."""
    _not_self(user, actor, "change the role of")
    with service_transaction():
        before = sorted(user.groups.values_list("name", flat=True))
        user.groups.set([Group.objects.get(name=role)])
        record_event(AuditAction.ROLE_CHANGED, actor=actor, target=user, detail={"from": before, "to": role})
        end_all_sessions(user, actor=actor, reason="role changed")


def disable(user: User, *, actor: User) -> None:
    """Disable the account at once, unless work is still theirs (then nothing changes, and the
    refusal says what and who hands it over)."""
    _not_self(user, actor, "disable")
    if reasons := [reason for check in _DISABLE_BLOCKERS if (reason := check(user)) is not None]:
        raise WorkflowError(
            "%s %s. A director hands this over in the leavers' hand-over, which then disables the account. "
            "Nothing was changed." % (user.get_full_name() or user.username, " and ".join(reasons))
        )
    disable_account(user, actor=actor, reason="disabled by an administrator")


def enable(user: User, *, actor: User) -> None:
    """Let a disabled account sign in again (with its password and second factor as they were)."""
    with service_transaction():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise WorkflowError("%s is already enabled. Nothing was changed." % user.username)
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        record_event(AuditAction.ACCOUNT_ENABLED, actor=actor, target=locked)
