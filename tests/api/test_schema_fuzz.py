"""Schemathesis against the OpenAPI schema, once per caller: no 500s, JSON errors, nothing leaked.

For every operation Hypothesis generates requests from the schema (valid and invalid query
strings, bodies and path values) and sends them through the WSGI application to the test
database, with each persona's token and the service account's. Each case is sent twice: as
generated, and with its path pointing at the real matrix objects, so that fuzzed input reaches
objects that exist. Every response must pass schemathesis's checks (no server error, a documented
status, content type, headers and body), and may name only referrals and investigations the
caller may see.
"""

import os
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks
from schemathesis.core.result import Ok

from accounts.tokens import create_token
from casework.models import Investigation
from referrals.models import Referral

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "4"))
CALLERS = ["intake", "lead_investigator", "other_investigator", "director", "chief", "auditor", "admin", "service"]
REFERENCES = re.compile(r"\b(REF-\d{4}-\d{6}|INV-\d{4}-\d{4})\b")
# Responses that name objects without showing them: the auditor's trail, and the intake receipt of
# what the caller itself sent.
NAMES_WITHOUT_SHOWING = {"/api/v1/audit/events/", "/api/v1/intake/referrals/"}


@pytest.fixture
def wsgi_app():
    """The application, kept on the test's database connection (as Django's test client keeps it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi(openapi):
    validate_schema(openapi)  # against the OpenAPI 3.0 JSON schema; raises on the first problem
    schema = schemathesis.openapi.from_dict(openapi)
    assert len(list(schema.get_all_operations())) == 25


def leaked_references(body: str, user) -> set[str]:
    """References in `body` to referrals or investigations `user` may not see."""
    named = set(REFERENCES.findall(body))
    visible = set(Referral.objects.visible_to(user).filter(reference__in=named).values_list("reference", flat=True))
    visible |= set(
        Investigation.objects.visible_to(user).filter(reference__in=named).values_list("reference", flat=True)
    )
    return named - visible


def real_path_parameters(operation, path_parameters: dict, objects: dict) -> dict:
    """The same path parameters pointed at the matrix objects (a referral, an investigation, its evidence)."""
    case_object = "case_referral" if operation.path.startswith("/api/v1/referrals/") else "case_investigation"
    file_or_report = objects["matrix_report"] if "/reports/" in operation.path else objects["evidence"]
    real = {
        "reference": objects[case_object].reference,
        "public_id": str(file_or_report.public_id),
        "slug": "not-published",
    }
    return {name: real[name] for name in path_parameters}


def fuzz(operation, *, headers: dict, user, objects: dict) -> None:
    """Send EXAMPLES generated cases of `operation`, each also at the real objects, and check every answer."""

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        variants = [dict(case.path_parameters or {})]
        if case.path_parameters:
            variants.append(real_path_parameters(operation, case.path_parameters, objects))
        for path_parameters in variants:
            case.path_parameters = path_parameters
            response = case.call(headers=headers)
            case.validate_response(
                response,
                headers=headers,
                excluded_checks=[checks.positive_data_acceptance, checks.max_response_time],
            )
            if operation.path not in NAMES_WITHOUT_SHOWING:
                leaked = leaked_references(response.text, user)
                assert not leaked, "%s %s leaked %s" % (operation.method, operation.path, leaked)

    run()


@pytest.mark.parametrize("caller", CALLERS)
def test_schemathesis_finds_no_failures(caller, openapi, wsgi_app, personas, matrix_objects, service_account, settings):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000  # the limit itself is tested in test_api.py
    if caller == "service":
        user, token = service_account
    else:
        user = personas[caller]
        token = create_token(user, name="fuzz", scopes=["read", "write", "intake"], days=1)[1]
    schema = schemathesis.openapi.from_dict(openapi)
    schema.app = wsgi_app
    failures = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        try:
            fuzz(operation, headers={"Authorization": "Bearer %s" % token}, user=user, objects=matrix_objects)
        except Exception as failure:  # every operation's failures are collected, then reported together
            failures.append("%s %s: %s" % (operation.method.upper(), operation.path, failure))
    assert not failures, "\n\n".join(failures)


def test_the_leak_check_finds_references_the_caller_may_not_see(auditor, intake, case_referral, case_investigation):
    body = '{"detail": "%s and %s"}' % (case_referral.reference, case_investigation.reference)
    assert leaked_references(body, auditor) == {case_referral.reference, case_investigation.reference}
    assert leaked_references(body, intake) == {case_investigation.reference}
