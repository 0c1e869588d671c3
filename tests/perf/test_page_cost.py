"""Pages cost what they show: the intake queue, the investigation page and the dashboard, each
against a trivial signed-in page (the site's frame and one sentence) in the same process; and the
investigation workspace's pages with 200 journal notes against the same pages with 5.

Targets (issue 20): each of the three pages at most 3x the trivial page, same run; each workspace
page with 200 notes at most 1.3x its time with 5 (no page renders more than one page of a list).
"""

import statistics
import time

import pytest
from django.db import connection
from django.template.base import Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from casework import services
from casework.models import CaseNote, Investigation, Task
from tests.factories import StaffClient, make_user
from tests.perf.conftest import add_referrals, report

MAX_PAGE_COST = 3.0
MAX_NOTES_RATIO = 1.3
TRIVIAL = "/bench/trivial/"


@pytest.fixture(autouse=True)
def templates_rendered_as_in_production(monkeypatch):
    """The test environment wraps every template render to record its context for assertions, which
    costs most on the pages with the most templates; a server has no such wrapper."""
    monkeypatch.setattr(Template, "_render", lambda template, context: template.nodelist.render(context))


def client_for(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    return client


def alternating(client, first: str, second: str, repeats: int = 40) -> tuple[float, int, float, int]:
    """(first's median, its queries, second's median, its queries), the two requests alternating so
    that the machine's changing speed falls on both alike."""
    timings: dict[str, list[float]] = {first: [], second: []}
    queries = {}
    for address in (first, second):
        client.get(address)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        queries[address] = len(captured)
    for _ in range(repeats):
        for address in (first, second):
            start = time.perf_counter()
            client.get(address)
            timings[address].append(time.perf_counter() - start)
    return (
        statistics.median(timings[first]),
        queries[first],
        statistics.median(timings[second]),
        queries[second],
    )


@pytest.mark.urls("tests.perf.http_baseline")
@pytest.mark.django_db
def test_pages_cost_at_most_three_times_a_trivial_signed_in_page():
    director = make_user("bench_director", Role.DIRECTOR)
    lead = make_user("bench_lead", Role.INVESTIGATOR)
    intake = make_user("bench_intake_officer", Role.INTAKE_OFFICER)
    add_referrals(1_000)
    case = services.start_scoping(
        Investigation.objects.create(reference="INV-2026-0001", title="Bench case"), actor=director, lead=lead
    )
    CaseNote.objects.bulk_create(CaseNote(investigation=case, text="Note %s" % n, author=lead) for n in range(50))
    Task.objects.bulk_create(
        Task(investigation=case, title="Task %s" % n, assignee=lead, created_by=lead) for n in range(10)
    )

    rows, ratios = [], {}
    for label, user, url in (
        ("intake queue (intake officer)", intake, reverse("referrals:list")),
        ("investigation page (its lead)", lead, case.get_absolute_url()),
        ("dashboard (director)", director, reverse("dashboard")),
    ):
        trivial, trivial_queries, page, queries = alternating(client_for(user), TRIVIAL, url)
        rows += [("trivial page", trivial, trivial_queries), (label, page, queries)]
        ratios[label] = page / trivial
    report("pages against a trivial signed-in page, same user", rows)
    for label, ratio in ratios.items():
        print("  %s: %.2fx the trivial page" % (label, ratio))
    for label, ratio in ratios.items():
        assert ratio <= MAX_PAGE_COST, "%s: %.2fx the trivial page" % (label, ratio)


@pytest.mark.django_db
def test_workspace_pages_with_200_notes_cost_at_most_1_3x_those_with_5():
    director = make_user("bench_director2", Role.DIRECTOR)
    lead = make_user("bench_lead2", Role.INVESTIGATOR)
    cases = {}
    for number, notes in ((2, 5), (3, 200)):
        case = services.start_scoping(
            Investigation.objects.create(reference="INV-2026-%04d" % number, title="Bench case"),
            actor=director,
            lead=lead,
        )
        CaseNote.objects.bulk_create(
            CaseNote(investigation=case, text="Note %s " % n * 20, author=lead) for n in range(notes)
        )
        cases[notes] = case
    client = client_for(lead)
    rows: dict[str, list] = {}
    for part in ("detail", "journal", "timeline"):
        few, few_queries, many, many_queries = alternating(
            client,
            reverse("casework:%s" % part, args=[cases[5].reference]),
            reverse("casework:%s" % part, args=[cases[200].reference]),
        )
        rows[part] = [("5 notes", few, few_queries), ("200 notes", many, many_queries)]
    for name, measured in rows.items():
        report("investigation workspace: %s" % name, measured)
    for name, ((_, few, few_queries), (_, many, many_queries)) in rows.items():
        assert few_queries == many_queries, name
        assert many <= few * MAX_NOTES_RATIO, "%s: %.2fx with 200 notes" % (name, many / few)
