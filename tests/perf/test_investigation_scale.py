"""An investigator on 20 of 200 and of 20,000 investigations opens their list and one investigation page.

Targets (issue 4): the query count does not depend on the number of investigations, notes or team
members, and at the larger size the list and the page (the workspace's overview, which lists no
notes) each take at most 1.5x their time at the smaller.
"""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from casework.choices import TeamRole
from casework.models import CaseNote, Investigation, InvestigationUserObjectPermission, TeamMembership
from tests.factories import StaffClient, make_user
from tests.perf.conftest import measure, report

MAX_RATIO = 1.5
ON_TEAM = 20


def add_investigations(count: int, start: int) -> list[Investigation]:
    return Investigation.objects.bulk_create(
        Investigation(reference="INV-2026-%05d" % (start + n), title="Investigation %s" % (start + n))
        for n in range(count)
    )


def put_on_team(user, investigations, permissions, author) -> None:
    TeamMembership.objects.bulk_create(
        TeamMembership(investigation=i, user=user, role=TeamRole.INVESTIGATOR) for i in investigations
    )
    InvestigationUserObjectPermission.objects.bulk_create(
        InvestigationUserObjectPermission(user=user, permission=p, content_object=i)
        for i in investigations
        for p in permissions
    )


@pytest.mark.django_db
def test_investigator_list_and_page_do_not_slow_with_the_portfolio():
    investigator = make_user("bench_inv", Role.INVESTIGATOR)
    colleagues = [make_user("bench_colleague%s" % n, Role.INVESTIGATOR) for n in range(10)]
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="casework", codename__in=["view_investigation", "work_on_investigation"]
        )
    )
    mine = add_investigations(ON_TEAM, 1)
    put_on_team(investigator, mine, permissions, investigator)
    page_case = mine[0]
    client = StaffClient()
    client.force_login(investigator)
    list_url = reverse("casework:list")
    case_url = page_case.get_absolute_url()

    rows: dict[str, list] = {}
    created = ON_TEAM
    for total, notes, members in ((200, 5, 2), (20_000, 200, 10)):
        others = add_investigations(total - created, created + 1)
        created = total
        for colleague in colleagues[:members]:
            put_on_team(colleague, others[: total // 10], permissions, colleague)
            if not TeamMembership.objects.filter(investigation=page_case, user=colleague).exists():
                put_on_team(colleague, [page_case], permissions, colleague)
        CaseNote.objects.bulk_create(
            CaseNote(investigation=page_case, text="Note %s" % n, author=investigator)
            for n in range(notes - page_case.notes.count())
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        rows.setdefault("list", []).append(
            ("%d investigations" % total, *measure(lambda: client.get(list_url), repeats=20))
        )
        rows.setdefault("page", []).append(
            ("%d notes, %d members" % (notes, members + 1), *measure(lambda: client.get(case_url), repeats=20))
        )
    report("investigator's list", rows["list"])
    report("one investigation page", rows["page"])
    for name, ((_, _, small_queries), (_, _, large_queries)) in rows.items():
        assert small_queries == large_queries, name
    for name, ((_, small, _), (_, large, _)) in rows.items():
        assert large <= small * MAX_RATIO, "%s: %.2fx slower at the larger size" % (name, large / small)
