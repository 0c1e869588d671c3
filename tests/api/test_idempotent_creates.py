"""An API create retried with its Idempotency-Key answers with what the first created (kernel.once)."""

import json

from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent
from tests.api.conftest import bearer


def post_note(api_client, case, body, token, key):
    url = "/api/v1/investigations/%s/notes/" % case.reference
    return api_client.post(
        url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **bearer(token)
    )


def test_an_api_create_retried_with_its_idempotency_key_answers_with_the_first(api_client, case_investigation, tokens):
    token = tokens["lead_investigator"]
    first = post_note(api_client, case_investigation, {"text": "Visited the ward."}, token, "note-0001")
    retry = post_note(api_client, case_investigation, {"text": "Visited the ward."}, token, "note-0001")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry["Idempotent-Replayed"] == "true"
    assert json.loads(retry.content) == json.loads(first.content)
    other = post_note(api_client, case_investigation, {"text": "Something else."}, token, "note-0001")
    assert other.status_code == 422
    assert [note.text for note in case_investigation.notes.all()] == ["Visited the ward."]


def test_a_malformed_idempotency_key_is_refused_and_adds_nothing(
    api_client, case_investigation, tokens, lead_investigator
):
    token = tokens["lead_investigator"]
    for key in ("k" * 201, "clé-non-ascii", "tab\there"):
        response = post_note(api_client, case_investigation, {"text": "Visited the ward."}, token, key)
        assert response.status_code == 400, key
        assert "Idempotency-Key" in json.loads(response.content)["errors"]
    assert not case_investigation.notes.exists()
    refusals = AuditEvent.objects.filter(action=AuditAction.REQUEST_RECORDED, actor=lead_investigator)
    assert [event.detail["status"] for event in refusals.filter(outcome=Outcome.DENIED)] == [400, 400, 400]
