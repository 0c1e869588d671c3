"""An organisation's recommendation list in the portal at 10 and at 10,000 recommendations across
all organisations.

Target (issue 19): the contact's list and one recommendation's page take the same number of queries
at both sizes, and the larger median is within 1.5x of the smaller. The contact's own organisation
has the same five recommendations throughout; the others grow around it.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.outside import outside_person_for
from accounts.roles import Role
from casework.models import Investigation, Organisation, OrganisationContact, SafetyRecommendation
from tests.factories import StaffClient, make_user
from tests.perf.conftest import measure, report
from tests.test_access_matrix import sign_in_outside

MAX_RATIO = 1.5
OWN = 5
ORGANISATIONS = 200


def issue_many(count: int, start: int, investigation, organisations) -> None:
    today = timezone.localdate()
    SafetyRecommendation.objects.bulk_create(
        SafetyRecommendation(
            investigation=investigation,
            reference="R-2027-%05d" % (start + n),
            text="Staff the night shift safely.",
            addressee=organisations[n % len(organisations)].name,
            organisation=organisations[n % len(organisations)],
            state="issued",
            issued_on=today,
            response_due=today + timedelta(days=90 - n % 120),
        )
        for n in range(count)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.django_db
def test_an_organisations_recommendations_do_not_slow_with_everyone_elses():
    director = make_user("bench_director", Role.DIRECTOR)
    investigation = Investigation.objects.create(reference="INV-2027-00001", title="Bench case")
    own = Organisation.objects.create(name="Own Trust", ods_code="OWN")
    contact = outside_person_for("contact@own.example", "Own Contact")
    OrganisationContact.objects.create(organisation=own, person=contact, added_by=director)
    others = Organisation.objects.bulk_create(Organisation(name="Trust %d" % n) for n in range(ORGANISATIONS))
    issue_many(OWN, 1, investigation, [own])
    client = StaffClient()
    sign_in_outside(client, contact)
    one = SafetyRecommendation.objects.filter(organisation=own).first()
    assert one is not None
    rows: dict[str, list] = {}
    created = OWN
    for total in (10, 10_000):
        issue_many(total - created, created + 1, investigation, others)
        created = total
        assert SafetyRecommendation.objects.count() == total
        for name, url in (
            ("list", reverse("portal:recommendations")),
            ("page", reverse("portal:recommendation", args=[one.reference])),
        ):
            response = client.get(url)
            assert response.status_code == 200
            rows.setdefault(name, []).append(
                ("%d recommendations" % total, *measure(lambda url=url: client.get(url), repeats=20))
            )
        assert client.get(reverse("portal:recommendations")).content.decode().count("/portal/recommendations/R-") == OWN
    for name, measured in rows.items():
        report("an organisation's recommendations: %s" % name, measured)
        (_, small, small_queries), (_, large, large_queries) = measured
        assert small_queries == large_queries, name
        assert large <= small * MAX_RATIO, "%s: %.2fx slower at 10,000" % (name, large / small)
