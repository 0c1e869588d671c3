"""The investigations list finds things: a reference goes straight to its case, words search the
titles, stage and direction filter, four orders, pages that keep the search; the searched words are
audited only as a keyed hash; the list downloads as CSV as it is filtered; an accepted concern
links to the investigation it became."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.choices import AuditAction
from audit.services import search_term_digest
from casework import services
from casework.models import Investigation
from referrals import services as referral_services
from tests.casework.test_case_access import signed_in
from tests.factories import make_referral
from tests.helpers import assert_audited
from tests.referrals.test_workflow_services import FULL_SCORES

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(director, lead_investigator):
    cases = [
        Investigation.objects.create(reference="INV-2026-0101", title="Maternity escalation at night"),
        Investigation.objects.create(reference="INV-2026-0102", title="Falls on older people's wards", directed=True),
        Investigation.objects.create(reference="INV-2026-0103", title="Ambulance handover delays"),
    ]
    services.start_scoping(cases[1], actor=director, lead=lead_investigator)
    return cases


def rows(client, **query) -> list[str]:
    html = client.get(reverse("casework:list"), query).content.decode()
    body = html.split('data-testid="investigation-rows"')[1].split("</tbody>")[0]
    return [line.split(">")[1].split("<")[0] for line in body.split('<a href="/investigations/')[1:]]


def test_search_filters_and_orders_find_the_case(director, portfolio):
    client = signed_in(director)
    assert rows(client) == ["INV-2026-0103", "INV-2026-0102", "INV-2026-0101"]
    assert rows(client, q="inv-2026-0102") == ["INV-2026-0102"]
    assert rows(client, q="older people") == ["INV-2026-0102"]
    assert rows(client, directed="true") == ["INV-2026-0102"]
    assert rows(client, directed="false", sort="oldest") == ["INV-2026-0101", "INV-2026-0103"]
    assert rows(client, state="scoping") == ["INV-2026-0102"]
    assert rows(client, q="nothing like this") == []
    assert (
        "No investigation you can see matches the search"
        in client.get(reverse("casework:list"), {"q": "nothing like this"}).content.decode()
    )
    event = assert_audited(AuditAction.INVESTIGATION_LIST_VIEWED, actor=director)
    assert event.detail["filters"] == {"q_hmac": search_term_digest("nothing like this")}


def test_a_bad_filter_is_explained_and_the_list_still_shows(director, portfolio):
    page = signed_in(director).get(reverse("casework:list"), {"state": "nonsense", "sort": "sideways"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Error: Investigations" in html
    assert "Select a valid choice" in html
    assert html.count('<a href="/investigations/INV-') == 3


def test_an_investigator_searches_only_their_own_cases(lead_investigator, portfolio):
    client = signed_in(lead_investigator)
    assert rows(client) == ["INV-2026-0102"]
    assert rows(client, q="INV-2026-0101") == []


def test_pages_keep_the_search(director, settings, portfolio, monkeypatch):
    from casework import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = signed_in(director)
    first = client.get(reverse("casework:list"), {"directed": "false"}).content.decode()
    assert "directed=false&amp;page=2" in first
    assert rows(client, directed="false", page="2") == ["INV-2026-0101"]


def test_the_api_list_filters_the_same_way(api_client, director, portfolio):
    from accounts.tokens import create_token
    from tests.api.conftest import bearer

    token = create_token(director, name="list", scopes=["read"], days=1)[1]
    found = api_client.get("/api/v1/investigations/", {"q": "handover"}, **bearer(token)).json()["results"]
    assert [row["reference"] for row in found] == ["INV-2026-0103"]


def test_an_accepted_concern_links_to_the_investigation_it_became(director, intake):
    referral = make_referral()
    referral_services.start_triage(referral, actor=intake)
    referral_services.assess_referral(referral, actor=intake, scores=FULL_SCORES, rationale="National risk.")
    referral_services.propose_case(referral, actor=intake)
    investigation = services.accept_referral(referral, actor=director, title="Discharge at night")
    director_page = signed_in(director).get(referral.get_absolute_url()).content.decode()
    assert '<a href="%s">%s</a>' % (investigation.get_absolute_url(), investigation.reference) in director_page
    intake_page = signed_in(intake).get(referral.get_absolute_url()).content.decode()
    assert "Became investigation %s" % investigation.reference in intake_page  # named, not linked: not theirs
    assert investigation.get_absolute_url() not in intake_page


def exported(client, **filters) -> list[dict]:
    response = client.post(reverse("casework:export"), filters)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_list_downloads_as_it_is_filtered(director, portfolio, lead_investigator):
    client = signed_in(director)
    assert 'data-testid="export"' in client.get(reverse("casework:list")).content.decode()
    assert [row["reference"] for row in exported(client)] == ["INV-2026-0103", "INV-2026-0102", "INV-2026-0101"]
    (directed,) = exported(client, directed="true")
    assert directed == {
        "reference": "INV-2026-0102",
        "title": "Falls on older people's wards",
        "stage": "Scoping",
        "directed": "yes",
        "lead": lead_investigator.username,
        "due": "",
        "in stage since": timezone.localdate().isoformat(),
    }
    event = assert_audited(AuditAction.INVESTIGATION_LIST_EXPORTED, actor=director)
    assert event.detail["rows"] == 1
    assert event.detail["filters"] == {"directed": "True"}


def test_an_investigator_downloads_only_the_cases_they_see_and_a_bad_filter_is_ignored(lead_investigator, portfolio):
    rows = exported(signed_in(lead_investigator), state="nonsense", sort="sideways")
    assert [row["reference"] for row in rows] == ["INV-2026-0102"]
