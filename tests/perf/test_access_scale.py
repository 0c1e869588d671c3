"""Permission filtering at scale: 20,000 investigations, 200,000 referrals, 2,000 users.

Target (issue 6): an investigator's list of their cases and a director's portfolio list, filtered
by `visible_to`, take at most 1.3x the time of the same page of the same rows fetched without the
permission filter, with a query count that does not depend on how many cases a user holds. For
comparison, the same filter through guardian's `get_objects_for_user` over its generic
(content type + text primary key) permission tables is timed too.
"""

import random
from datetime import timedelta
from typing import cast

import guardian.shortcuts
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from accounts.roles import Role
from casework.choices import TeamRole
from casework.models import Investigation, InvestigationUserObjectPermission, TeamMembership
from casework.querysets import InvestigationQuerySet
from casework.views import PAGE_SIZE
from tests.perf.conftest import add_referrals, measure, report

MAX_RATIO = 1.3
INVESTIGATIONS = 20_000
REFERRALS = 200_000
USERS = 2_000
DIRECTORS = 20
# The investigator the list is timed for holds few cases; a second one holds many, to show the
# query count does not depend on it.
FEW, MANY = 12, 400


def add_users(count: int, role: Role, prefix: str) -> list:
    password = make_password("bench-password-not-used")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username="%s%04d" % (prefix, n), password=password) for n in range(count)
    )
    group = Group.objects.get(name=role.value)
    group.user_set.through.objects.bulk_create(
        group.user_set.through(user_id=user.pk, group_id=group.pk) for user in users
    )
    return users


def add_investigations(count: int) -> list[Investigation]:
    now = timezone.now()
    return Investigation.objects.bulk_create(
        (
            Investigation(
                reference="INV-2026-%05d" % n,
                title="Investigation %s" % n,
                created_at=now - timedelta(minutes=n),
                state_changed_at=now - timedelta(minutes=n),
            )
            for n in range(count)
        ),
        batch_size=5000,
    )


def grant(assignments: list[tuple], permissions: list[Permission]) -> None:
    """Team memberships with their object permissions, in the direct tables and (for guardian's
    generic path) the same grants in the generic tables."""
    content_type = ContentType.objects.get_for_model(Investigation)
    TeamMembership.objects.bulk_create(
        (TeamMembership(investigation=i, user=u, role=TeamRole.INVESTIGATOR) for u, i in assignments),
        batch_size=5000,
    )
    InvestigationUserObjectPermission.objects.bulk_create(
        (
            InvestigationUserObjectPermission(user=u, permission=p, content_object=i)
            for u, i in assignments
            for p in permissions
        ),
        batch_size=5000,
    )
    UserObjectPermission.objects.bulk_create(
        (
            UserObjectPermission(user=u, permission=p, content_type=content_type, object_pk=str(i.pk))
            for u, i in assignments
            for p in permissions
        ),
        batch_size=5000,
    )


def signed_in(user):
    """The user as a request has it when the list runs: loaded, role permissions already checked."""
    user = get_user_model().objects.get(pk=user.pk)
    user.has_perm("casework.view_investigation")
    return user


def generic_guardian(user) -> list:
    """guardian's own shortcut, made to read its generic tables (it prefers direct ones when they exist)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(guardian.shortcuts, "get_user_obj_perms_model", lambda *args: UserObjectPermission)
        patch.setattr(guardian.shortcuts, "get_group_obj_perms_model", lambda *args: GroupObjectPermission)
        investigations = get_objects_for_user(
            user, "casework.view_investigation", klass=Investigation, accept_global_perms=True
        )
        return cast(InvestigationQuerySet, investigations).list_page(1, PAGE_SIZE)


@pytest.mark.django_db
def test_permission_filtered_lists_keep_up_with_unfiltered_ones():
    random.seed(6)
    investigators = add_users(USERS - DIRECTORS, Role.INVESTIGATOR, "inv")
    directors = add_users(DIRECTORS, Role.DIRECTOR, "dir")
    add_referrals(REFERRALS)
    investigations = add_investigations(INVESTIGATIONS)
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="casework", codename__in=["view_investigation", "work_on_investigation"]
        )
    )
    few, many, *everyone_else = investigators
    shuffled = random.sample(investigations, len(investigations))
    assignments = [(few, i) for i in shuffled[:FEW]] + [(many, i) for i in shuffled[FEW : FEW + MANY]]
    # Every investigation has a lead among the other investigators (about 11 cases each).
    assignments += [(everyone_else[n % len(everyone_else)], i) for n, i in enumerate(investigations)]
    grant(assignments, permissions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    few_user, director = signed_in(few), signed_in(directors[0])
    few_ids = [i.pk for i in shuffled[:FEW]]
    cases = {
        "investigator's cases": (
            lambda: Investigation.objects.visible_to(few_user).list_page(1, PAGE_SIZE),
            lambda: Investigation.objects.filter(pk__in=few_ids).list_page(1, PAGE_SIZE),
            lambda: generic_guardian(few_user),
        ),
        "director's portfolio": (
            lambda: Investigation.objects.visible_to(director).list_page(1, PAGE_SIZE),
            lambda: Investigation.objects.all().list_page(1, PAGE_SIZE),
            lambda: generic_guardian(director),
        ),
    }
    results = {}
    for name, (filtered, unfiltered, guardian_generic) in cases.items():
        assert [i.pk for i in filtered()] == [i.pk for i in unfiltered()] == [i.pk for i in guardian_generic()]
        rows = [
            ("visible_to", *measure(filtered, repeats=40)),
            ("no permission filter", *measure(unfiltered, repeats=40)),
            ("guardian generic tables", *measure(guardian_generic, repeats=40)),
        ]
        report("%s (%s investigations, page of %s)" % (name, INVESTIGATIONS, PAGE_SIZE), rows)
        results[name] = rows

    for name, ((_, filtered_time, filtered_queries), (_, plain_time, plain_queries), _) in results.items():
        ratio = filtered_time / plain_time
        print("  %s: visible_to %.2fx the unfiltered time" % (name, ratio))
        assert filtered_queries == plain_queries, name
        assert ratio <= MAX_RATIO, "%s: %.2fx the unfiltered time" % (name, ratio)
    # As many queries for an investigator on 400 cases as for one on 12.
    many_user = signed_in(many)
    _, many_queries = measure(lambda: Investigation.objects.visible_to(many_user).list_page(1, PAGE_SIZE), 3)
    assert results["investigator's cases"][0][2] == many_queries
