"""The API's access matrix: (route, method, persona) -> status, for every named API route.

Each persona calls with a token of their own holding every scope; `service` is a partner system's
service account (intake only); anonymous callers are answered 401. Every request of a known caller
leaves an audit event (a denied one for a refusal), as on the web pages.
"""

import json

import pytest
from django.urls import get_resolver, reverse

from accounts.checks import iter_url_patterns
from accounts.tokens import create_token
from audit.choices import Outcome
from audit.models import AuditEvent
from tests.api.conftest import bearer
from tests.helpers import newest_event_id
from tests.test_access_matrix import STAFF, for_each_persona, grouped, resolve_placeholders

API_PERSONAS = [*STAFF, "service", "anonymous"]
REFERRAL = {"reference": "__case_referral__"}
CASE = {"reference": "__case_investigation__"}
EVIDENCE = {"reference": "__case_investigation__", "public_id": "__evidence__"}
SEES_REFERRAL = {"intake", "lead_investigator", "director", "chief"}
SEES_CASE = {"lead_investigator", "director", "chief"}
TEAM = {"lead_investigator"}
REPORT = {"reference": "__case_investigation__", "public_id": "__report__"}
# Published material: the same for every caller, signed in or not; not audited (as the public pages).
PUBLIC_ROUTES = {
    "api:public_reports",
    "api:public_report",
    "api:public_recommendations",
    "api:public_recommendation",
}
# Sent with each POST: a real step where one is cheap to take, otherwise an empty body (explained, 400).
POST_BODIES = {"api:referral_transition": {"action": "start_triage"}}


def api_rows(url_name, method, statuses: dict, kwargs=None, *, service=403, anonymous=401):
    statuses = {**statuses, "service": service, "anonymous": anonymous}
    return [(url_name, method, persona, statuses[persona], kwargs) for persona in API_PERSONAS]


def only(allowed, status=200, otherwise=403):
    return {persona: status if persona in allowed else otherwise for persona in STAFF}


def on_object(allowed, visible, status=200):
    """Allowed personas get `status`, those who see the object but may not do this 403, the rest 404."""
    return {persona: status if persona in allowed else 403 if persona in visible else 404 for persona in STAFF}


def wrong_method(url_name, method, kwargs=None, *, service=403):
    return api_rows(url_name, method, only(set(STAFF), status=405), kwargs, service=service, anonymous=405)


def public_rows(url_name, get_status, kwargs=None):
    """Read by anyone without a token; written by nobody. A token sent along still counts: a service
    account's intake-only token is refused, as everywhere but intake."""
    everyone = dict.fromkeys(STAFF, get_status)
    return [
        *api_rows(url_name, "get", everyone, kwargs, anonymous=get_status),
        *api_rows(url_name, "post", dict.fromkeys(STAFF, 405), kwargs, anonymous=405),
    ]


API_MATRIX = [
    # Intake: anyone who may record concerns, and service accounts; an empty concern is explained.
    *api_rows("api:intake", "post", only({"intake", "director"}, status=400), service=400),
    *wrong_method("api:intake", "get", service=405),
    *api_rows("api:referral_list", "get", only({"intake", "director", "chief"})),
    *wrong_method("api:referral_list", "post"),
    *api_rows("api:referral_detail", "get", on_object(SEES_REFERRAL, SEES_REFERRAL), REFERRAL),
    *wrong_method("api:referral_detail", "post", REFERRAL),
    *api_rows("api:referral_transition", "post", on_object({"intake", "director"}, SEES_REFERRAL), REFERRAL),
    *wrong_method("api:referral_transition", "get", REFERRAL),
    *api_rows("api:investigation_list", "get", only({"lead_investigator", "other_investigator", "director", "chief"})),
    *wrong_method("api:investigation_list", "post"),
    *api_rows("api:investigation_detail", "get", on_object(SEES_CASE, SEES_CASE), CASE),
    *wrong_method("api:investigation_detail", "post", CASE),
    # Sent empty: the step to take is asked for.
    *api_rows("api:investigation_transition", "post", on_object(SEES_CASE, SEES_CASE, status=400), CASE),
    *wrong_method("api:investigation_transition", "get", CASE),
    *api_rows("api:investigation_team", "get", on_object(SEES_CASE, SEES_CASE), CASE),
    # The lead and directors manage the team; sent empty, what is missing is explained.
    *api_rows("api:investigation_team", "post", on_object({"lead_investigator", "director"}, SEES_CASE, 400), CASE),
    *api_rows("api:investigation_tasks", "get", on_object(TEAM, SEES_CASE), CASE),
    *api_rows("api:investigation_tasks", "post", on_object(TEAM, SEES_CASE, status=400), CASE),
    *api_rows("api:investigation_notes", "get", on_object(TEAM, SEES_CASE), CASE),
    *api_rows("api:investigation_notes", "post", on_object(TEAM, SEES_CASE, status=400), CASE),
    *api_rows("api:investigation_recommendations", "get", on_object(SEES_CASE, SEES_CASE), CASE),
    *api_rows("api:investigation_recommendations", "post", on_object(TEAM, SEES_CASE, status=400), CASE),
    *api_rows("api:investigation_evidence", "get", on_object(TEAM, SEES_CASE), CASE),
    *wrong_method("api:investigation_evidence", "post", CASE),
    *api_rows("api:evidence_content", "get", on_object(TEAM, SEES_CASE), EVIDENCE),
    *wrong_method("api:evidence_content", "post", EVIDENCE),
    # An investigation's reports (drafts included) and consultations: its team and approvers.
    *api_rows("api:investigation_reports", "get", on_object(SEES_CASE, SEES_CASE), CASE),
    *wrong_method("api:investigation_reports", "post", CASE),
    *api_rows("api:report_detail", "get", on_object(SEES_CASE, SEES_CASE), REPORT),
    *wrong_method("api:report_detail", "post", REPORT),
    *api_rows("api:report_consultations", "get", on_object(SEES_CASE, SEES_CASE), REPORT),
    *wrong_method("api:report_consultations", "post", REPORT),
    *public_rows("api:public_reports", 200),
    *public_rows("api:public_report", 404, {"slug": "not-published"}),
    *public_rows("api:public_recommendations", 200),
    *public_rows("api:public_recommendation", 404, {"reference": "R-2026-999"}),
    *api_rows("api:audit_events", "get", only({"auditor"})),
    *wrong_method("api:audit_events", "post"),
    *api_rows("api:schema", "get", only(set(STAFF))),
    *wrong_method("api:schema", "post"),
    *api_rows("api:docs", "get", only(set(STAFF))),
    *wrong_method("api:docs", "post"),
]


@pytest.fixture
def api_callers(personas, service_account):
    """Persona -> (user, token): each staff persona with every scope, the service account with intake."""
    callers = {
        name: (user, create_token(user, name="matrix", scopes=["read", "write", "intake"], days=1)[1])
        for name, user in personas.items()
        if user is not None
    }
    return {**callers, "service": service_account, "anonymous": (None, None)}


def call(client, method, url, token, data=None):
    """One API request with `token`; POSTs carry a JSON body."""
    if method == "post":
        return client.post(url, json.dumps(data or {}), content_type="application/json", **bearer(token))
    return getattr(client, method)(url, **bearer(token))


API_GROUPS = grouped(API_MATRIX)


@pytest.mark.parametrize(("route", "expectations"), API_GROUPS, ids=["%s-%s" % route[:2] for route, _ in API_GROUPS])
def test_api_access_matrix(api_client, api_callers, matrix_objects, route, expectations):
    url_name, method, kwargs = route
    url = reverse(url_name, kwargs=resolve_placeholders(dict(kwargs or ()), matrix_objects))

    def check(persona, expected):
        user, token = api_callers[persona]
        events_before = newest_event_id()

        response = call(api_client, method, url, token, POST_BODIES.get(url_name))

        assert response.status_code == expected, "%s %s as %s: %s, not %s: %s" % (
            method,
            url,
            persona,
            response.status_code,
            expected,
            response.content[:200],
        )
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/json", "%s %s as %s" % (method, url, persona)
            assert json.loads(response.content)["detail"]
        if user is None or url_name in PUBLIC_ROUTES:
            return
        recorded = AuditEvent.objects.filter(id__gt=events_before, actor=user)
        if response.status_code >= 400:
            recorded = recorded.filter(outcome=Outcome.DENIED)
        assert recorded.exists(), "no audit event for %s %s as %s" % (method, url, persona)

    problems = for_each_persona(expectations, check)
    assert not problems, "\n".join(problems)


def test_every_api_route_is_in_the_matrix_for_get_and_post_and_every_caller():
    api_names = {
        name for _, name, _ in iter_url_patterns(get_resolver().url_patterns) if name and name.startswith("api:")
    }
    assert api_names == {row[0] for row in API_MATRIX}
    for url_name in api_names:
        for method in ("get", "post"):
            personas = {row[2] for row in API_MATRIX if row[0] == url_name and row[1] == method}
            assert personas == set(API_PERSONAS), (url_name, method)
