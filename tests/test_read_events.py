"""Every page that shows protected content records a specific read event naming what it showed.

The protected fields of the access-matrix objects are filled with markers ("canaries"). Every
access-matrix request (each URL, method and persona) is made again; wherever a marker appears in
a response, that same request must have recorded an event of an accepted read action that
names the marker's object (as its target or among the references a list showed). The generic
"request recorded" safety net does not count, so a new page that shows content without saying
what it showed fails here, and a marker reaching anyone without access fails too.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.tokens import create_token
from audit.choices import AuditAction
from audit.models import AuditEvent
from casework import services as casework_services
from casework.models import RecommendationResponse
from referrals.choices import MessageKind
from referrals.models import ReferralMessage
from reports import services as report_services
from tests.api.test_api_matrix import API_MATRIX, POST_BODIES, call
from tests.test_access_matrix import MATRIX, open_as_referrer, resolve_placeholders, sign_in_outside

OBJECT_LISTS = {
    AuditAction.REFERRAL_QUEUE_VIEWED,
    AuditAction.INVESTIGATION_LIST_VIEWED,
    AuditAction.INVESTIGATION_LIST_EXPORTED,
    AuditAction.DASHBOARD_VIEWED,
    AuditAction.DIRECTIONS_VIEWED,
    AuditAction.DISCLOSURE_REGISTER_VIEWED,
    AuditAction.DISCLOSURE_REGISTER_EXPORTED,
}
PACKAGE_READS = {AuditAction.DISCLOSURE_RELEASED, AuditAction.DISCLOSURE_PACKAGE_DOWNLOADED}


@dataclass(frozen=True)
class Canary:
    marker: str
    actions: frozenset
    refs: frozenset


@pytest.fixture
def canaries(
    case_referral,
    case_investigation,
    lead_investigator,
    evidence,
    attachment,
    released_disclosure,
    matrix_report,
    matrix_consultation,
    matrix_recommendation,
):
    """Markers in every kind of protected field, each with the read events that may show it."""
    referral_marker = "canary-referral-description-5c1f"
    identity_marker = "canary-reporter-name-8a2e"
    case_referral.description = "Falls at night. %s" % referral_marker
    case_referral.reporter_name = identity_marker
    case_referral.save(update_fields=["description", "reporter_name"])
    title_marker = "canary-investigation-title-33d0"
    case_investigation.title = "Matrix case %s" % title_marker
    case_investigation.save(update_fields=["title"])
    note_marker = "canary-journal-note-9b47"
    casework_services.add_note(case_investigation, "Spoke to the ward. %s" % note_marker, actor=lead_investigator)
    evidence_marker = "canary-evidence-title-71fe"
    evidence.title = evidence_marker
    evidence.save(update_fields=["title"])
    necessity_marker = "canary-disclosure-necessity-0c6d"
    released_disclosure.necessity = necessity_marker
    released_disclosure.save(update_fields=["necessity"])
    report_marker = "canary-report-draft-4d2b"
    report_services.save_version(
        matrix_report, actor=lead_investigator, sections={"findings": "Rota gaps. %s" % report_marker}, based_on=2
    )
    comment_marker = "canary-review-comment-e61a"
    report_services.add_comment(
        matrix_report.latest_version(), actor=lead_investigator, anchor="findings", text=comment_marker
    )
    message_marker = "canary-referrer-message-2b9c"
    ReferralMessage.objects.create(referral=case_referral, kind=MessageKind.QUESTION, text=message_marker)
    response_marker = "canary-organisation-response-41d8"
    RecommendationResponse.objects.filter(recommendation=matrix_recommendation).update(text=response_marker)
    consultation_marker = "canary-consultation-comment-7f30"
    matrix_consultation.consultees.get().comments.update(text=consultation_marker)
    consultation_ref = matrix_consultation.reference
    consultation_reads = {AuditAction.CONSULTATION_VIEWED, AuditAction.CONSULTATION_LOG_EXPORTED}
    investigation_ref = case_investigation.reference
    disclosure_ref = released_disclosure.reference
    report_ref = matrix_report.reference
    # What a report page shows, and what its edit form (opened or refused) shows again.
    report_reads = {
        AuditAction.REPORT_VIEWED,
        AuditAction.REPORT_PDF_DOWNLOADED,
        AuditAction.REPORT_IDENTIFIERS_CHECKED,
        AuditAction.REPORT_VERSIONS_COMPARED,
        AuditAction.FORM_OPENED,
        AuditAction.ACTION_REFUSED,
    }
    return [
        Canary(
            referral_marker,
            frozenset({AuditAction.REFERRAL_VIEWED, AuditAction.REFERRAL_QUEUE_VIEWED}),
            frozenset({case_referral.reference}),
        ),
        Canary(
            identity_marker, frozenset({AuditAction.REFERRAL_IDENTITY_VIEWED}), frozenset({case_referral.reference})
        ),
        # The conversation: on the referral's page for staff, on their own page for the referrer.
        Canary(
            message_marker,
            frozenset({AuditAction.REFERRAL_VIEWED, AuditAction.REFERRER_PAGE_VIEWED, AuditAction.ACTION_REFUSED}),
            frozenset({case_referral.reference}),
        ),
        Canary(
            title_marker,
            frozenset(
                {
                    AuditAction.INVESTIGATION_VIEWED,
                    AuditAction.INVESTIGATION_LIST_VIEWED,
                    AuditAction.INVESTIGATION_LIST_EXPORTED,
                    AuditAction.DASHBOARD_VIEWED,
                    AuditAction.DIRECTIONS_VIEWED,
                    AuditAction.REPORT_LIST_VIEWED,
                    *report_reads,
                    *consultation_reads,
                }
            ),
            frozenset({investigation_ref, report_ref, consultation_ref}),
        ),
        Canary(consultation_marker, frozenset(consultation_reads), frozenset({consultation_ref})),
        # An organisation's draft response: its contact reads it in the portal (a refused save shows
        # it again); the case page shows it to the team once it is sent.
        Canary(
            response_marker,
            frozenset(
                {
                    AuditAction.RECOMMENDATION_RESPONSE_VIEWED,
                    AuditAction.ACTION_REFUSED,
                    AuditAction.INVESTIGATION_VIEWED,
                    AuditAction.INVESTIGATION_CONTENT_VIEWED,
                }
            ),
            frozenset({matrix_recommendation.reference, investigation_ref}),
        ),
        Canary(
            "matrix response file",
            frozenset({AuditAction.EVIDENCE_DOWNLOADED}),
            frozenset({str(matrix_recommendation.response.attachments.get().public_id)}),
        ),
        Canary(
            "matrix consultation file",
            frozenset({AuditAction.EVIDENCE_DOWNLOADED}),
            frozenset({str(matrix_consultation.consultees.get().comments.get().attachments.get().public_id)}),
        ),
        Canary(report_marker, frozenset(report_reads), frozenset({report_ref})),
        Canary(comment_marker, frozenset({AuditAction.REPORT_VIEWED}), frozenset({report_ref})),
        Canary(note_marker, frozenset({AuditAction.INVESTIGATION_CONTENT_VIEWED}), frozenset({investigation_ref})),
        # Evidence titles are metadata directors see to place legal holds: the case view names them.
        # A disclosure shows the titles of its items, and its package's manifest lists them.
        Canary(
            evidence_marker,
            frozenset(
                {
                    AuditAction.INVESTIGATION_VIEWED,
                    AuditAction.INVESTIGATION_CONTENT_VIEWED,
                    AuditAction.DISCLOSURE_VIEWED,
                    *PACKAGE_READS,
                    # The forms that offer the items to choose (evidence upload, disclosure request).
                    AuditAction.FORM_OPENED,
                    AuditAction.ACTION_REFUSED,
                }
            ),
            frozenset({investigation_ref, disclosure_ref}),
        ),
        Canary(
            necessity_marker,
            frozenset(
                {
                    AuditAction.DISCLOSURE_VIEWED,
                    AuditAction.DISCLOSURE_REGISTER_VIEWED,
                    AuditAction.DISCLOSURE_REGISTER_EXPORTED,
                }
            ),
            frozenset({disclosure_ref}),
        ),
        # The files' own bytes (tests/conftest.py writes them).
        Canary(
            "matrix evidence",
            frozenset({AuditAction.EVIDENCE_DOWNLOADED, *PACKAGE_READS}),
            frozenset({str(evidence.public_id), disclosure_ref}),
        ),
        Canary(
            "referrer's letter", frozenset({AuditAction.EVIDENCE_DOWNLOADED}), frozenset({str(attachment.public_id)})
        ),
    ]


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def names_object(event: AuditEvent, refs) -> bool:
    if event.target_ref in refs:
        return True
    return event.action in OBJECT_LISTS and bool(refs & set(event.detail.get("shown", [])))


def unrecorded_reads(response, user, canaries, *, outside_actor: str = "") -> list[str]:
    """The markers in the response that no specific read event of the same request accounts for
    (made by `user`, or by the person outside the body named `outside_actor`)."""
    body = body_of(response)
    shown = [canary for canary in canaries if canary.marker in body]
    if not shown:
        return []
    if user is None and not outside_actor:
        return [canary.marker for canary in shown]
    # A refused form shown again with its choices is recorded by the refusal (a denied event).
    of_request = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    events = list(
        of_request.filter(actor=user) if user is not None else of_request.filter(actor_username=outside_actor)
    )
    return [
        canary.marker
        for canary in shown
        if not any(event.action in canary.actions and names_object(event, canary.refs) for event in events)
    ]


WALK = sorted({(row[0], row[1], row[4] and tuple(row[4].items())) for row in MATRIX}, key=str)


@pytest.mark.parametrize(("url_name", "method", "kwargs"), WALK, ids=["%s-%s" % row[:2] for row in WALK])
def test_every_page_showing_protected_content_records_what_it_showed(
    client,
    personas,
    canaries,
    matrix_objects,
    url_name,
    method,
    kwargs,
):
    url = reverse(url_name, kwargs=resolve_placeholders(dict(kwargs or ()), matrix_objects))
    problems = []
    for persona, user in personas.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = getattr(client, method)(url, follow=False)
        if missing := unrecorded_reads(response, user, canaries):
            problems.append("%s %s as %s showed %s" % (method.upper(), url, persona, ", ".join(missing)))
    # And as the people outside the body: the referrer of the matrix referral, signed in with its
    # receipt code, and the matrix organisation's contact, signed in to the portal.
    referral = matrix_objects["case_referral"]
    contact = matrix_objects["matrix_contact"]
    outside = [
        ("the referrer", lambda: open_as_referrer(client, referral), "referrer:%s" % referral.reference),
        ("the contact", lambda: sign_in_outside(client, contact), contact.reference),
    ]
    for who, sign_in, actor in outside:
        client.logout()
        sign_in()
        response = getattr(client, method)(url, follow=False)
        if missing := unrecorded_reads(response, None, canaries, outside_actor=actor):
            problems.append("%s %s as %s showed %s" % (method.upper(), url, who, ", ".join(missing)))
    assert not problems, "\n".join(problems)


API_WALK = sorted({(row[0], row[1], row[4] and tuple(row[4].items())) for row in API_MATRIX}, key=str)


@pytest.mark.parametrize(("url_name", "method", "kwargs"), API_WALK, ids=["%s-%s" % row[:2] for row in API_WALK])
def test_every_api_response_showing_protected_content_records_what_it_showed(
    api_client, personas, canaries, matrix_objects, url_name, method, kwargs
):
    """The same walk through the API, each persona with a token holding every scope."""
    url = reverse(url_name, kwargs=resolve_placeholders(dict(kwargs or ()), matrix_objects))
    problems = []
    for persona, user in personas.items():
        token = user and create_token(user, name="walk", scopes=["read", "write", "intake"], days=1)[1]
        response = call(api_client, method, url, token, POST_BODIES.get(url_name))
        if missing := unrecorded_reads(response, user, canaries):
            problems.append("%s %s as %s showed %s" % (method.upper(), url, persona, ", ".join(missing)))
    assert not problems, "\n".join(problems)


def test_a_director_reading_through_break_glass_records_each_read(client, director, canaries, case_investigation):
    casework_services.break_glass(
        case_investigation, actor=director, reason="A serious incident report needs checking against this case."
    )
    client.force_login(director)
    for url_name, kwargs in (("casework:detail", {"reference": case_investigation.reference}), ("casework:list", None)):
        response = client.get(reverse(url_name, kwargs=kwargs))
        assert response.status_code == 200
        assert not unrecorded_reads(response, director, canaries)
    # The walk saw the journal through break-glass: a marker only the team's content view shows.
    journal = client.get(reverse("casework:journal", args=[case_investigation.reference]))
    assert not unrecorded_reads(journal, director, canaries)
    assert "canary-journal-note-9b47" in body_of(journal)


def test_the_walk_fails_a_page_that_shows_content_without_a_read_event(
    client, intake, canaries, case_referral, monkeypatch
):
    """The check itself: the referral page with its read events switched off is caught."""
    from referrals import selectors

    monkeypatch.setattr(selectors, "record_event", lambda *args, **kwargs: None)
    client.force_login(intake)
    response = client.get(case_referral.get_absolute_url())
    assert "canary-referral-description-5c1f" in unrecorded_reads(response, intake, canaries)


def test_the_api_walk_fails_a_response_that_shows_content_without_a_read_event(
    api_client, intake, canaries, case_referral, monkeypatch
):
    from api.views import referral_views as views

    monkeypatch.setattr(views, "record_referral_read", lambda *args, **kwargs: None)
    token = create_token(intake, name="walk", scopes=["read"], days=1)[1]
    response = call(api_client, "get", "/api/v1/referrals/%s/" % case_referral.reference, token)
    assert "canary-referral-description-5c1f" in unrecorded_reads(response, intake, canaries)


def test_the_walk_fails_a_referrers_page_that_shows_messages_without_a_read_event(
    client, canaries, case_referral, monkeypatch
):
    from referrals import public_views

    monkeypatch.setattr(public_views, "record_event", lambda *args, **kwargs: None)
    open_as_referrer(client, case_referral)
    response = client.get(reverse("public:concern", args=[case_referral.reference]))
    actor = "referrer:%s" % case_referral.reference
    assert "canary-referrer-message-2b9c" in unrecorded_reads(response, None, canaries, outside_actor=actor)
