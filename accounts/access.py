"""The access chokepoints: every view declares a policy, every protected read goes through `visible_to`.

Three layers, all deny-by-default:

1. Django's LoginRequiredMiddleware sends anonymous requests to the log-in page unless a view is
   declared `public`; a user who has given a password but not yet a second-factor code reaches
   only the views declared `before_second_factor` (the code and enrolment pages, log-out) and is
   sent to give a code from everywhere else.
2. `AccessPolicyMiddleware` refuses to run a view with no declared policy (and a system check fails
   at start-up), and enforces model-level permissions (`requires_permission`).
3. Object-level need-to-know: protected models use `ObjectPermissionQuerySet.visible_to(user,
   action)`, and views fetch single objects with `get_visible_object`, which answers 404 for an
   object the user may not see (the same answer as a missing one) and 403 for a visible object the
   user may not act on.

Role-wide (portfolio) access is a model permission held through a role's group; need-to-know
access is a django-guardian object permission in the model's direct foreign-key tables. This is
guardian's own convention (`accept_global_perms`): a global permission covers every object.
Every denial is written to the audit trail here, in one place.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, Self, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.db.models.options import Options
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts.mfa import has_authenticator
from accounts.models import User
from accounts.outside import outside_person_of, referrer_reference_of
from accounts.permissions import holds
from audit.choices import AuditAction, Outcome
from audit.services import record_event


class PolicyKind(StrEnum):
    PUBLIC = "public"
    BEFORE_SECOND_FACTOR = "before_second_factor"
    SIGNED_IN = "signed_in"
    PERMISSION = "permission"
    OBJECT_PERMISSION = "object_permission"
    API = "api"
    # People outside the body (accounts/outside.py): the sign-in pages, and the pages behind them.
    OUTSIDE_SIGN_IN = "outside_sign_in"
    OUTSIDE = "outside"
    REFERRER = "referrer"


# What a session holding an outside person or a referrer may reach: their own pages and the public ones.
OUTSIDE_REACHABLE = {PolicyKind.PUBLIC, PolicyKind.OUTSIDE_SIGN_IN, PolicyKind.OUTSIDE, PolicyKind.REFERRER}


@dataclass(frozen=True)
class AccessPolicy:
    """What a view requires. `permission` is "app_label.codename" for the two permission kinds."""

    kind: PolicyKind
    permission: str = ""

    def __str__(self) -> str:
        return "%s %s" % (self.kind, self.permission) if self.permission else str(self.kind)


type View = Callable[..., HttpResponseBase]


def _declare[V: View](policy: AccessPolicy) -> Callable[[V], V]:
    def decorator(view: V) -> V:
        view.access_policy = policy  # type: ignore[attr-defined]  # the view carries its declared policy
        if policy.kind in OUTSIDE_REACHABLE:
            view = login_not_required(view)
        return view

    return decorator


def api_endpoint[V: View](view: V, permission: str = "") -> V:
    """A REST API view: Django REST framework authenticates (token or verified session) and checks it.

    Log-in redirects and the page-method rule do not apply; `api.permissions.DeclaredAccess` enforces
    `permission` and refuses service accounts outside intake, and `api.exceptions` records refusals.
    """
    view.access_policy = AccessPolicy(PolicyKind.API, permission)  # type: ignore[attr-defined]  # as in _declare
    return login_not_required(view)


def public[V: View](view: V) -> V:
    """No log-in needed (the log-in page, and later the public concern form)."""
    return _declare(AccessPolicy(PolicyKind.PUBLIC))(view)


def outside_sign_in[V: View](view: V) -> V:
    """A page for signing in from outside the body: anyone without a staff session (404 with one)."""
    return _declare(AccessPolicy(PolicyKind.OUTSIDE_SIGN_IN))(view)


def outside_person_page[V: View](view: V) -> V:
    """A page for a signed-in outside person only (`request.outside_person`); staff sessions get 404."""
    return _declare(AccessPolicy(PolicyKind.OUTSIDE))(view)


def referrer_page[V: View](view: V) -> V:
    """A page for a referrer signed in with their concern's receipt code (`request.referrer_of`); the
    view shows only that concern. Staff sessions get 404."""
    return _declare(AccessPolicy(PolicyKind.REFERRER))(view)


def before_second_factor[V: View](view: V) -> V:
    """Signed in with a password, second factor not necessarily given yet (MFA pages, log-out)."""
    return _declare(AccessPolicy(PolicyKind.BEFORE_SECOND_FACTOR))(view)


def signed_in[V: View](view: V) -> V:
    """Any active staff user; the view itself shows only what the user may see."""
    return _declare(AccessPolicy(PolicyKind.SIGNED_IN))(view)


def requires_permission[V: View](permission: str) -> Callable[[V], V]:
    """A role-wide model permission, checked before the view runs (403 otherwise)."""
    return _declare(AccessPolicy(PolicyKind.PERMISSION, permission))


def requires_object_permission[V: View](permission: str) -> Callable[[V], V]:
    """A per-object permission: the view must fetch its object through `get_visible_object`."""
    return _declare(AccessPolicy(PolicyKind.OBJECT_PERMISSION, permission))


class AccessRefused:
    """What an object-level refusal names in the audit trail (mixed into the 404 and 403 below)."""

    public_message = ""
    reason_prefix = ""

    def __init__(self, target_type: str, target_ref: str, action: str):
        super().__init__(self.public_message)  # type: ignore[call-arg]  # the exception class takes it
        self.target_type, self.target_ref, self.action = target_type, target_ref, action

    @property
    def reason(self) -> str:
        return "%s %s" % (self.reason_prefix, self.action)


class NotVisible(AccessRefused, Http404):
    """The object does not exist or the user may not see it; the two are indistinguishable."""

    public_message = "Not found"
    reason_prefix = "not visible for"


class ActionDenied(AccessRefused, PermissionDenied):
    """The user may see the object but not take this action on it."""

    public_message = "You do not have permission to do that."
    reason_prefix = "not allowed to"


ALLOWED_METHODS = ["GET", "HEAD", "POST"]


class AccessPolicyMiddleware:
    """Enforces each view's declared policy and records every denial in the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: View, view_args: tuple[Any, ...], view_kwargs: dict[str, Any]
    ) -> HttpResponseBase | None:
        policy = getattr(view_func, "access_policy", None)
        if policy is None:
            raise ImproperlyConfigured(
                "View %s.%s declares no access policy; decorate it with one from accounts.access."
                % (view_func.__module__, view_func.__name__)
            )
        if policy.kind is PolicyKind.API:
            return None
        if request.method not in ALLOWED_METHODS:
            # Pages read with GET and change with POST; nothing here answers PUT, PATCH, DELETE or OPTIONS.
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        if policy.kind is PolicyKind.PUBLIC:
            return None
        if policy.kind in (PolicyKind.OUTSIDE_SIGN_IN, PolicyKind.OUTSIDE, PolicyKind.REFERRER):
            return outside_page_check(request, policy)
        user = request.user
        if not user.is_active:
            # LoginRequiredMiddleware has already redirected anonymous users; this is defence in depth.
            record_denial(request, "inactive account")
            raise PermissionDenied
        if policy.kind is PolicyKind.BEFORE_SECOND_FACTOR:
            return None
        if not user.is_verified():  # type: ignore[attr-defined]  # added to request.user by django-otp's middleware
            return redirect_to_second_factor(request)
        if policy.kind is PolicyKind.PERMISSION and not user.has_perm(policy.permission):
            record_denial(request, "permission %s" % policy.permission)
            raise PermissionDenied
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, AccessRefused):
            record_denial(request, exception.reason, target_type=exception.target_type, target_ref=exception.target_ref)
        elif isinstance(exception, PermissionDenied):
            record_denial(request, "permission denied")
        return None


def outside_page_check(request: HttpRequest, policy: AccessPolicy) -> HttpResponseBase | None:
    """Outside pages are not there for staff sessions (404), and the signed-in ones need an outside person."""
    if request.user.is_authenticated:
        record_denial(request, "staff session on an outside page")
        raise Http404
    if policy.kind is PolicyKind.OUTSIDE and getattr(request, "outside_person", None) is None:
        return redirect_to_login(request.get_full_path(), reverse("portal:sign_in"))
    if policy.kind is PolicyKind.REFERRER and not getattr(request, "referrer_of", ""):
        return redirect("public:follow_up")
    return None


class OutsideSessionMiddleware:
    """Finds the outside person a session holds (`request.outside_person`, named in every audit event
    of the request) and keeps that session off every staff page: 404, as for anything not theirs.

    Placed before LoginRequiredMiddleware, so an outside session is refused rather than sent to the
    staff sign-in page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        person = outside_person_of(request)
        referrer_of = referrer_reference_of(request) if person is None else ""
        request.outside_person = person  # type: ignore[attr-defined]  # this middleware's own attribute
        request.referrer_of = referrer_of  # type: ignore[attr-defined]  # likewise
        request.outside_actor = (  # type: ignore[attr-defined]  # likewise
            person.reference if person is not None else "referrer:%s" % referrer_of if referrer_of else ""
        )
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: View, view_args: tuple[Any, ...], view_kwargs: dict[str, Any]
    ) -> None:
        policy = getattr(view_func, "access_policy", None)
        outside = getattr(request, "outside_person", None) is not None or bool(getattr(request, "referrer_of", ""))
        if outside and policy is not None and policy.kind not in OUTSIDE_REACHABLE:
            record_denial(request, "outside session on a staff page")
            raise Http404


def redirect_to_second_factor(request: HttpRequest) -> HttpResponseRedirect:
    """Send a password-only session to give its code (or set up an authenticator), then come back."""
    target = "accounts:mfa_verify" if has_authenticator(request.user) else "accounts:mfa_setup"
    come_back = request.get_full_path() if request.method == "GET" else ""
    return redirect_to_login(come_back, reverse(target)) if come_back else redirect(target)


def record_denial(request: HttpRequest, reason: str, *, target_type: str = "", target_ref: str = "") -> None:
    """One denied-access event, committed on its own: the refused request changes nothing else."""
    match = request.resolver_match
    record_event(
        AuditAction.ACCESS_DENIED,
        outcome=Outcome.DENIED,
        target_type=target_type,
        target_ref=target_ref,
        detail={
            "reason": reason,
            "method": request.method,
            "path": request.path[:300],
            "url_name": match.view_name if match else "",
        },
    )


class ObjectPermissionQuerySet(models.QuerySet):
    """Base queryset for protected models: `visible_to` is the only way views read them."""

    def visible_to(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        """Objects on which `user` may take `action` (a permission codename prefix: view, change, ...).

        A role-wide model permission covers every object; otherwise one indexed `IN` subquery over the
        direct foreign-key permission tables (the user's own grants and their groups' grants).
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        opts = self.model._meta
        codename = "%s_%s" % (action, opts.model_name)
        if user.has_perm("%s.%s" % (opts.app_label, codename)):
            return self.all()
        content_type_id = ContentType.objects.get_for_model(self.model).pk  # cached by Django
        params = (user.pk, content_type_id, codename) * 2
        return self.filter(pk__in=RawSQL(granted_ids_sql(self.model), params))  # noqa: S611 (values are parameters)


PERMISSION_ID_SQL = "(SELECT p.id FROM {permissions} p WHERE p.content_type_id = %s AND p.codename = %s)"
GRANTED_IDS_SQL = (
    "SELECT u.{object} FROM {user_grants} u WHERE u.{user} = %s AND u.{permission} = {lookup} "
    "UNION SELECT g.{object} FROM {group_grants} g JOIN {memberships} m ON m.{member_group} = g.{group} "
    "WHERE m.{member} = %s AND g.{permission} = {lookup}"
)


@functools.cache
def granted_ids_sql(model: type[models.Model]) -> str:
    """The ids of `model` objects granted to a user, directly or through a group, for one permission.

    One subquery (a UNION), not two OR-ed ones: PostgreSQL turns it into a semi-join on the
    permission tables' indexes instead of scanning every row of the protected table. Written once
    per model from its direct foreign-key permission tables (found by guardian) rather than built
    with the ORM on every call: compiling the equivalent queryset took about 3 ms a page, several
    times the query itself. Parameters: (user id, content type id, codename) for each half.
    Only table and column names from the models' metadata, quoted, are written into the text.
    """
    quote = connection.ops.quote_name

    def column(meta: "Options[Any]", field: str) -> str:
        return quote(cast(str, meta.get_field(field).column))  # type: ignore[union-attr]  # foreign keys, not relations

    # guardian's annotations say a model instance; like ContentType's get_for_model it takes the class too.
    user_grants = get_user_obj_perms_model(model)._meta  # type: ignore[arg-type]
    group_grants = get_group_obj_perms_model(model)._meta  # type: ignore[arg-type]
    memberships = get_user_model().groups.through._meta
    names = {
        "permissions": quote(Permission._meta.db_table),
        "object": column(user_grants, "content_object"),
        "user_grants": quote(user_grants.db_table),
        "user": column(user_grants, "user"),
        "permission": column(user_grants, "permission"),
        "group_grants": quote(group_grants.db_table),
        "group": column(group_grants, "group"),
        "memberships": quote(memberships.db_table),
        "member_group": column(memberships, "group"),
        "member": column(memberships, "user"),
    }
    names["lookup"] = PERMISSION_ID_SQL.format(**names)
    return GRANTED_IDS_SQL.format(**names)


class VisibleObjects[M: models.Model](Protocol):
    """A protected model's manager: its objects are read through `visible_to`."""

    def visible_to(self, user: User | AnonymousUser | None, action: str = "view") -> models.QuerySet[M]: ...


class ProtectedModel[M: models.Model](Protocol):
    """A protected model class (its queryset is an ObjectPermissionQuerySet)."""

    @property
    def objects(self) -> VisibleObjects[M]: ...

    @property
    def _meta(self) -> "Options[M]": ...


def get_visible_object[M: models.Model](
    model: ProtectedModel[M], user: User | AnonymousUser, action: str = "view", **lookup: Any
) -> M:
    """The object matching `lookup`: 404 if the user may not see it, 403 if seen but `action` is not allowed."""
    target_type = model._meta.label_lower
    target_ref = "/".join(str(value) for value in lookup.values())
    obj = model.objects.visible_to(user, "view").filter(**lookup).first()
    if obj is None:
        raise NotVisible(target_type, target_ref, action)
    if action != "view" and not may(user, action, obj):
        raise ActionDenied(target_type, target_ref, action)
    return obj


def may(user: User | AnonymousUser, action: str, obj: models.Model) -> bool:
    """The same rule as `visible_to`, for one object already in hand: role-wide or granted on it."""
    return holds(user, "%s.%s_%s" % (obj._meta.app_label, action, obj._meta.model_name), obj)
