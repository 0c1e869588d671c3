"""The intake queue's chosen concerns are assigned to one person at once, and what the queue shows
downloads as CSV; both are audited."""

import csv
import io

from django.urls import reverse

from audit.choices import AuditAction
from referrals import services
from referrals.choices import ReferralState
from tests.factories import StaffClient, make_referral
from tests.helpers import assert_audited


def signed_in(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    return client


def test_the_chosen_concerns_are_assigned_and_one_no_longer_handled_is_named(intake, director):
    open_ones = [make_referral() for _ in range(2)]
    withdrawn = make_referral()
    services.withdraw_referral(withdrawn, actor=intake, reason="The referrer asked us to stop.")
    client = signed_in(intake)
    chosen = [r.reference for r in [*open_ones, withdrawn]]
    picking = client.post(reverse("referrals:bulk_assign"), {"chosen": chosen, "query": "state=received"})
    assert 'data-testid="confirm-bulk-assign"' in picking.content.decode()
    assert all(reference in picking.content.decode() for reference in chosen)
    assert all(referral.assignee is None for referral in open_ones), "choosing the person assigns nothing yet"

    response = client.post(
        reverse("referrals:bulk_assign"),
        {"chosen": [r.reference for r in [*open_ones, withdrawn]], "assignee": director.pk, "query": "state=received"},
        follow=True,
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("referrals:list") + "?state=received"
    for referral in open_ones:
        referral.refresh_from_db()
        assert referral.assignee == director
        assert_audited(AuditAction.REFERRAL_ASSIGNED, actor=intake, target_ref=referral.reference)
    withdrawn.refresh_from_db()
    assert withdrawn.assignee is None
    assert withdrawn.state == ReferralState.WITHDRAWN
    assert "%s is withdrawn" % withdrawn.reference in page
    assert "Assigned to" in page


def test_nothing_chosen_is_explained_and_assigns_nothing(intake, director):
    referral = make_referral()
    response = signed_in(intake).post(reverse("referrals:bulk_assign"), {"assignee": director.pk}, follow=True)
    assert "Choose at least one concern in the queue" in response.content.decode()
    referral.refresh_from_db()
    assert referral.assignee is None


def test_the_queue_offers_bulk_assignment_only_to_those_who_assign(intake, chief):
    make_referral()
    assert 'data-testid="bulk-assign"' in signed_in(intake).get(reverse("referrals:list")).content.decode()
    assert 'data-testid="bulk-assign"' not in signed_in(chief).get(reverse("referrals:list")).content.decode()
    assert signed_in(chief).post(reverse("referrals:bulk_assign"), {"chosen": ["x"]}).status_code == 403


def test_the_queue_downloads_as_it_is_filtered_without_the_referrers_identity(intake):
    hospital = make_referral(care_setting="hospital", reporter_name="Jo Carer", reporter_email="jo@example.org")
    make_referral(care_setting="gp")
    response = signed_in(intake).post(reverse("referrals:export"), {"care_setting": "hospital"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]  # a streamed CSV
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["reference"] for row in rows] == [hospital.reference]
    assert "Jo Carer" not in text
    assert "jo@example.org" not in text
    event = assert_audited(AuditAction.REFERRAL_QUEUE_EXPORTED, actor=intake)
    assert event.detail["rows"] == 1
    assert event.detail["filters"]["care_setting"] == "hospital"
