"""The disclosure register end to end: ask, decide (never the asker), release exactly what was approved."""

import csv
import io
import time
import uuid
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import SESSION_VERIFIED_AT
from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent
from casework import services as casework_services
from casework.choices import TeamRole
from casework.services import evidence as evidence_services
from disclosures import services
from disclosures.choices import DisclosureState, Schedule14Ground
from disclosures.models import DisclosureRequest
from kernel.errors import WorkflowError
from tests.factories import StaffClient, current_code
from tests.helpers import assert_audited, at_once
from vault import blobs


def signed_in(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    return client


def add_file(investigation, actor, content: bytes, title: str):
    evidence_id = uuid.uuid4()
    blob = blobs.store_stream(evidence_id, [content])
    return evidence_services.add_evidence(
        blob, evidence_id, actor=actor, title=title, filename="%s.txt" % title, investigation=investigation
    )


def ask(investigation, actor, evidence_ids, ground, recipient="R", necessity="N", extent="E"):
    return services.request_disclosure(
        investigation,
        actor=actor,
        evidence_ids=evidence_ids,
        recipient=recipient,
        ground=ground,
        necessity=necessity,
        extent=extent,
    )


def action_url(disclosure, action):
    return reverse("disclosures:action", args=[disclosure.investigation.reference, disclosure.public_id, action])


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def package_files(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content_of(response)))
    return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def two_item_request(case_investigation, lead_investigator, evidence):
    second = add_file(case_investigation, lead_investigator, b"ward rota, not needed by the coroner", "rota")
    disclosure = ask(
        case_investigation,
        lead_investigator,
        [evidence.pk, second.pk],
        Schedule14Ground.INVESTIGATION,
        recipient="Dr A Named, Coroner's Office",
        necessity="The inquest needs the timeline.",
        extent="The timeline only, for the inquest.",
    )
    return disclosure, evidence, second


def test_the_team_asks_through_the_form_and_the_request_is_audited(
    client, lead_investigator, case_investigation, evidence
):
    client.force_login(lead_investigator)
    url = reverse("disclosures:new", args=[case_investigation.reference])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "disclosure-items": [evidence.pk],
            "disclosure-recipient": "Safeguarding lead, Northshire Council",
            "disclosure-ground": Schedule14Ground.SERIOUS_RISK,
            "disclosure-necessity": "Children on the ward remain at risk tonight.",
            "disclosure-extent": "The incident log only.",
        },
    )
    disclosure = DisclosureRequest.objects.get()
    assert response.status_code == 302
    assert response.url == disclosure.get_absolute_url()
    assert disclosure.state == DisclosureState.REQUESTED
    assert list(disclosure.items.values_list("evidence", flat=True)) == [evidence.pk]
    event = assert_audited(AuditAction.DISCLOSURE_REQUESTED, target_ref=disclosure.reference, actor=lead_investigator)
    assert event.detail["items"] == [str(evidence.public_id)]


def test_a_request_without_items_is_explained_and_keeps_what_was_typed(client, lead_investigator, case_investigation):
    client.force_login(lead_investigator)
    response = client.post(
        reverse("disclosures:new", args=[case_investigation.reference]),
        {"disclosure-recipient": "Kept Recipient", "disclosure-necessity": "Kept necessity text"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose at least one evidence item to disclose." in body
    assert "Kept Recipient" in body
    assert "Kept necessity text" in body
    assert not DisclosureRequest.objects.exists()
    assert_audited(AuditAction.ACTION_REFUSED, actor=lead_investigator, outcome=Outcome.DENIED)


def test_evidence_of_another_case_cannot_be_asked_for(lead_investigator, case_investigation, director):
    other = casework_services.start_scoping(
        type(case_investigation).objects.create(reference="INV-2026-0778", title="Other"),
        actor=director,
        lead=lead_investigator,
    )
    foreign = add_file(other, lead_investigator, b"another case", "foreign")
    with pytest.raises(WorkflowError, match="not evidence of"):
        ask(case_investigation, lead_investigator, [foreign.pk], Schedule14Ground.OFFENCES)


@pytest.mark.parametrize(("persona", "status"), [("director", 403), ("other_investigator", 404), ("auditor", 404)])
def test_only_the_team_may_ask(client, personas, case_investigation, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("disclosures:new", args=[case_investigation.reference])).status_code == status


def test_a_disclosure_approved_by_its_requester_is_refused(client, director, chief, case_investigation, evidence):
    casework_services.add_team_member(case_investigation, chief, TeamRole.INVESTIGATOR, actor=director)
    own = ask(
        case_investigation,
        chief,
        [evidence.pk],
        Schedule14Ground.OFFENCES,
        recipient="Police liaison officer",
        necessity="A possible offence was found.",
        extent="The one file.",
    )
    with pytest.raises(WorkflowError, match="someone else must decide"):
        services.decide_disclosure(own, actor=chief, approve=True, approved_ids=[own.items.get().pk])

    client.force_login(chief)
    response = client.post(action_url(own, "approve"), {"decision-approved_items": [own.items.get().pk]})
    own.refresh_from_db()
    assert response.status_code == 302
    assert own.state == DisclosureState.REQUESTED
    assert own.decided_by is None
    assert_audited(AuditAction.ACTION_REFUSED, actor=chief, outcome=Outcome.DENIED, target_ref=own.reference)
    # The database refuses it too, whatever code writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        DisclosureRequest.objects.filter(pk=own.pk).update(decided_by=chief)


def test_the_chief_approves_any_ground_a_director_only_internal_sharing(director, chief, disclosure, lead_investigator):
    with pytest.raises(PermissionDenied):
        services.decide_disclosure(disclosure, actor=director, approve=True, approved_ids=[disclosure.items.get().pk])
    approved = services.decide_disclosure(
        disclosure, actor=chief, approve=True, approved_ids=[disclosure.items.get().pk], note="Necessary and limited."
    )
    assert approved.state == DisclosureState.APPROVED
    assert approved.decided_by == chief
    assert_audited(AuditAction.DISCLOSURE_APPROVED, actor=chief, target_ref=disclosure.reference)

    internal = ask(
        disclosure.investigation,
        lead_investigator,
        [disclosure.items.get().evidence_id],
        Schedule14Ground.INTERNAL,
        recipient="Head of learning, within the body",
        necessity="A learning review.",
        extent="Internal only.",
    )
    decided = services.decide_disclosure(internal, actor=director, approve=True, approved_ids=[internal.items.get().pk])
    assert decided.state == DisclosureState.APPROVED


def test_refusing_needs_a_reason_and_approving_needs_an_item(chief, disclosure):
    with pytest.raises(WorkflowError, match="reason for refusing"):
        services.decide_disclosure(disclosure, actor=chief, approve=False, note="  ")
    with pytest.raises(WorkflowError, match="at least one item"):
        services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[])
    refused = services.decide_disclosure(disclosure, actor=chief, approve=False, note="Not necessary: ask the trust.")
    assert refused.state == DisclosureState.REFUSED
    with pytest.raises(WorkflowError, match="is now refused"):
        services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[disclosure.items.get().pk])


def test_an_item_not_in_the_request_cannot_be_approved(
    client, chief, two_item_request, case_investigation, lead_investigator
):
    disclosure, _, _ = two_item_request
    third = add_file(case_investigation, lead_investigator, b"never asked for", "third")
    other_request = ask(case_investigation, lead_investigator, [third.pk], Schedule14Ground.INVESTIGATION)
    foreign_item = other_request.items.get().pk
    with pytest.raises(WorkflowError, match="Only items in the request"):
        services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[foreign_item])
    client.force_login(chief)
    client.post(action_url(disclosure, "approve"), {"decision-approved_items": [foreign_item]})
    disclosure.refresh_from_db()
    assert disclosure.state == DisclosureState.REQUESTED
    assert not disclosure.items.filter(approved=True).exists()


def test_the_package_holds_exactly_the_approved_items_and_the_warning(
    client, chief, lead_investigator, two_item_request
):
    disclosure, approved, left_out = two_item_request
    approved_item = disclosure.items.get(evidence=approved)
    services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[approved_item.pk])

    client.force_login(lead_investigator)
    # Naming another item in the release changes nothing: the package comes from the decision alone.
    response = client.post(action_url(disclosure, "release"), {"items": [left_out.pk]})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = package_files(response)
    assert set(files) == {"WARNING.txt", "MANIFEST.csv", "items/01-m.txt"}
    assert files["items/01-m.txt"] == b"matrix evidence"
    assert b"not needed by the coroner" not in b"".join(files.values())
    warning = files["WARNING.txt"].decode()
    assert "ONWARD DISCLOSURE IS AN OFFENCE" in warning
    assert "Dr A Named, Coroner's Office" in warning
    manifest = list(csv.reader(io.StringIO(files["MANIFEST.csv"].decode())))
    assert [row[1] for row in manifest[1:]] == [str(approved.public_id)]
    assert manifest[1][4] == approved.sha256
    disclosure.refresh_from_db()
    assert disclosure.state == DisclosureState.DISCLOSED
    assert disclosure.released_by == lead_investigator
    event = assert_audited(AuditAction.DISCLOSURE_RELEASED, actor=lead_investigator, target_ref=disclosure.reference)
    assert event.detail["items"] == [str(approved.public_id)]

    again = client.get(reverse("disclosures:package", args=[disclosure.investigation.reference, disclosure.public_id]))
    assert set(package_files(again)) == set(files)
    assert_audited(AuditAction.DISCLOSURE_PACKAGE_DOWNLOADED, actor=lead_investigator)


def test_an_approved_item_disposed_of_before_release_stops_the_release(chief, lead_investigator, director, disclosure):
    services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[disclosure.items.get().pk])
    evidence = disclosure.items.get().evidence
    evidence.disposed_at = timezone.now()
    evidence.save(update_fields=["disposed_at"])
    with pytest.raises(WorkflowError, match="disposed of"):
        services.release_disclosure(disclosure, actor=lead_investigator)
    disclosure.refresh_from_db()
    assert disclosure.state == DisclosureState.APPROVED


def test_release_needs_the_team_a_fresh_code_and_happens_once(client, chief, director, lead_investigator, disclosure):
    services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[disclosure.items.get().pk])
    client.force_login(director)
    assert client.post(action_url(disclosure, "release")).status_code == 403

    team = signed_in(lead_investigator)
    session = team.session
    session[SESSION_VERIFIED_AT] = time.time() - 3600
    session.save()
    asked = team.post(action_url(disclosure, "release"))
    assert asked.status_code == 200
    assert "step_up_code" in asked.content.decode()
    disclosure.refresh_from_db()
    assert disclosure.state == DisclosureState.APPROVED
    released = team.post(action_url(disclosure, "release"), {"step_up_code": current_code(lead_investigator)})
    assert released["Content-Type"] == "application/zip"
    content_of(released)

    twice = team.post(action_url(disclosure, "release"))
    assert twice.status_code == 302
    assert_audited(AuditAction.ACTION_REFUSED, actor=lead_investigator, outcome=Outcome.DENIED)


def test_approval_asks_for_a_fresh_code(chief, disclosure):
    client = signed_in(chief)
    session = client.session
    session[SESSION_VERIFIED_AT] = time.time() - 3600
    session.save()
    item = disclosure.items.get().pk
    asked = client.post(action_url(disclosure, "approve"), {"decision-approved_items": [item]})
    assert asked.status_code == 200
    disclosure.refresh_from_db()
    assert disclosure.state == DisclosureState.REQUESTED
    client.post(
        action_url(disclosure, "approve"), {"decision-approved_items": [item], "step_up_code": current_code(chief)}
    )
    disclosure.refresh_from_db()
    assert disclosure.state == DisclosureState.APPROVED


def test_auditors_see_and_export_the_register(auditor, chief, disclosure):
    services.decide_disclosure(disclosure, actor=chief, approve=True, approved_ids=[disclosure.items.get().pk])
    client = signed_in(auditor)
    page = client.get(reverse("disclosures:register"))
    assert page.status_code == 200
    assert disclosure.reference in page.content.decode()
    assert_audited(AuditAction.DISCLOSURE_REGISTER_VIEWED, actor=auditor)

    export = client.post(reverse("disclosures:export"))
    rows = list(csv.reader(io.StringIO(content_of(export).decode())))
    assert rows[0][:3] == ["reference", "investigation", "state"]
    (row,) = rows[1:]
    assert row[0] == disclosure.reference
    assert row[2] == DisclosureState.APPROVED
    assert row[9] == chief.username
    evidence = disclosure.items.get().evidence
    assert row[15] == "%s:%s" % (evidence.public_id, evidence.sha256)
    assert_audited(AuditAction.DISCLOSURE_REGISTER_EXPORTED, actor=auditor)


def test_the_register_shows_approvers_what_waits_for_them_but_not_their_own(chief, disclosure):
    page = signed_in(chief).get(reverse("disclosures:register"))
    assert [waiting.pk for waiting in page.context["waiting"]] == [disclosure.pk]


@pytest.mark.parametrize("persona", ["intake", "lead_investigator", "admin"])
def test_the_register_is_not_for_other_roles(personas, persona):
    assert signed_in(personas[persona]).get(reverse("disclosures:register")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_approvers_deciding_at_once_have_exactly_one_winner(
    migrated_data, chief, lead_investigator, case_investigation, evidence_storage
):
    from accounts.roles import Role
    from tests.factories import make_user

    second_chief = make_user("second_chief", Role.CHIEF_INVESTIGATOR)
    item = add_file(case_investigation, lead_investigator, b"contested", "contested")
    disclosure = ask(
        case_investigation,
        lead_investigator,
        [item.pk],
        Schedule14Ground.HIGH_COURT,
        necessity="Court order 123.",
        extent="All.",
    )
    item_ids = [disclosure.items.get().pk]
    outcomes = at_once(
        *(
            lambda actor=actor, approve=approve: services.decide_disclosure(
                disclosure, actor=actor, approve=approve, approved_ids=item_ids, note="Decided."
            )
            for actor, approve in ((chief, True), (second_chief, False))
        )
    )
    [refusal] = [str(outcome) for outcome in outcomes if isinstance(outcome, WorkflowError)]
    assert "nothing was changed" in refusal
    decisions = AuditEvent.objects.filter(
        action__in=[AuditAction.DISCLOSURE_APPROVED, AuditAction.DISCLOSURE_REFUSED], target_ref=disclosure.reference
    )
    assert decisions.count() == 1
