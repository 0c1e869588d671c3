"""Hostile identifiers and text on every route: never a server error, and every refusal recorded.

Each URL pattern is requested with each of its path values replaced by something no identifier can
be (over-long, a NUL, a bidirectional override, bytes that are not UTF-8, a path climb), as the
public, as a signed-in director and, on the API, with a director's token; list pages also get them
in their query strings, and every API route that takes a body gets them in every field.
"""

import re
from urllib.parse import quote

import pytest
from django.urls import get_resolver

from accounts.checks import iter_url_patterns
from accounts.tokens import create_token
from audit.models import AuditEvent
from tests.factories import StaffClient

HOSTILE = {
    "over-long": "A" * 300,
    "nul": quote("\x00"),
    "bidi override": quote("REF\u202e000123"),
    "not utf-8": "%ED%A0%80%FF",
    "path climb": quote("../../etc/passwd", safe=""),
}
JSON_HOSTILE = ["A" * 10_000, "\x00", "\ud800", "\u202egpj.exe", "'; DROP TABLE audit_auditevent; --", 10**40, [], {}]
QUERY_NAMES = ["q", "page", "before", "state", "user", "target", "date_from", "cursor", "stage", "purpose", "next"]
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
ROUTES = sorted(
    {route for route, _, _ in iter_url_patterns(get_resolver().url_patterns) if PARAMETER.search(route)},
)
LIST_ROUTES = sorted(
    {route for route, _, _ in iter_url_patterns(get_resolver().url_patterns) if not PARAMETER.search(route)} - {"^"}
)


def filled(route: str, value: str) -> list[str]:
    """`route` once for each of its parameters, that one holding `value` and the others a plausible id."""
    names = PARAMETER.findall(route)
    plausible = {"reference": "REF-2026-000001", "public_id": "7f1c2b9e-0c1d-4e5f-8a9b-0c1d2e3f4a5b"}
    paths = []
    for hostile in names:
        path = route
        for name in names:
            replacement = value if name == hostile else plausible.get(name, "start_triage")
            path = re.sub(r"<(?:\w+:)?%s>" % name, replacement, path, count=1)
        paths.append("/" + path.replace("^", "").replace("$", ""))
    return paths


def assert_handled(response, path: str, *, signed_in: bool) -> None:
    assert response.status_code < 500, "%s answered %s" % (path, response.status_code)
    if signed_in and response.status_code >= 400:
        # A refusal of someone signed in is in the trail, under this request's id.
        request_id = response.get("X-Request-ID", "")
        assert AuditEvent.objects.filter(request_id=request_id).exists(), "%s refused unrecorded" % path


@pytest.fixture
def director_client(director):
    client = StaffClient()
    client.force_login(director)
    return client


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_path_values_are_refused_cleanly_and_recorded(route, director, director_client, client, api_client):
    token = create_token(director, name="fuzz", scopes=["read", "write"], days=1)[1]
    for label, value in HOSTILE.items():
        for path in filled(route, value):
            for method in ("get", "post"):
                assert_handled(
                    getattr(client, method)(path), "%s %s (%s, public)" % (method, path, label), signed_in=False
                )
                assert_handled(
                    getattr(director_client, method)(path),
                    "%s %s (%s, director)" % (method, path, label),
                    signed_in=True,
                )
                if path.startswith("/api/"):
                    response = getattr(api_client, method)(path, HTTP_AUTHORIZATION="Bearer %s" % token)
                    assert_handled(response, "%s %s (%s, token)" % (method, path, label), signed_in=True)


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_hostile_query_strings_are_refused_cleanly_and_recorded(route, director, director_client, client):
    for label, value in HOSTILE.items():
        path = "/%s?%s" % (route, "&".join("%s=%s" % (name, value) for name in QUERY_NAMES))
        assert_handled(client.get(path), "%s (%s, public)" % (path[:60], label), signed_in=False)
        assert_handled(director_client.get(path), "%s (%s, director)" % (path[:60], label), signed_in=True)


def test_a_log_in_with_an_over_long_or_nul_username_is_refused_and_recorded(client, db):
    usernames = ("A" * 300, "intake\x00", "\u202eadmin")
    for username in usernames:
        response = client.post("/accounts/login/", {"username": username, "password": "not the password"})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not response.wsgi_request.user.is_authenticated
    recorded = list(AuditEvent.objects.filter(action="auth.login_failed").values_list("target_ref", flat=True))
    assert len(recorded) == len(usernames)  # every refusal, whichever check refused it
    cut = [ref for ref in recorded if ref.startswith("AAAA")]
    assert len(cut) == 1
    assert len(cut[0]) == 100
    assert re.fullmatch(r"A{90}…#[0-9a-f]{8}", cut[0])


API_BODY_ROUTES = [
    "/api/v1/intake/referrals/",
    "/api/v1/referrals/{referral}/transitions/",
    "/api/v1/investigations/{case}/transitions/",
    "/api/v1/investigations/{case}/team/",
    "/api/v1/investigations/{case}/tasks/",
    "/api/v1/investigations/{case}/notes/",
]
API_FIELDS = [
    "action", "text", "title", "description", "organisation_name", "reason", "user", "role", "assignee",
    "due_date", "reporter_name", "channel", "care_setting", "occurred_on", "to_reference", "override_reason",
]  # fmt: skip


@pytest.mark.parametrize("route", API_BODY_ROUTES)
def test_hostile_json_in_every_field_is_refused_cleanly(
    route, api_client, intake, lead_investigator, case_referral, case_investigation
):
    """As someone who may post there: intake staff for concerns and referral steps, the lead on the case."""
    caller = lead_investigator if "investigations" in route else intake
    token = create_token(caller, name="fuzz", scopes=["read", "write", "intake"], days=1)[1]
    path = route.format(referral=case_referral.reference, case=case_investigation.reference)
    for value in JSON_HOSTILE:
        body = dict.fromkeys(API_FIELDS, value)
        response = api_client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer %s" % token)
        assert response.status_code < 500, "%s with %r answered %s" % (path, value, response.status_code)
    raw = '{"text": "\\ud800", "title": "\\u0000"}'
    response = api_client.post(path, raw, content_type="application/json", HTTP_AUTHORIZATION="Bearer %s" % token)
    assert response.status_code == 400, response.content


def test_bidirectional_controls_are_shown_escaped_not_obeyed(intake):
    from tests.factories import make_referral

    referral = make_referral(reporter_name="Ann \u202eexe.gnp", organisation_name="Riverside \u2067Trust")
    client = StaffClient()
    client.force_login(intake)
    html = client.get(referral.get_absolute_url()).content.decode()
    assert "Ann [U+202E]exe.gnp" in html
    assert "Riverside [U+2067]Trust" in html
    assert not [character for character in "\u202e\u2067" if character in html]
