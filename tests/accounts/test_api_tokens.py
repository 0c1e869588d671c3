"""Personal API tokens: shown once, stored hashed, scoped, expiring, revocable, every use or refusal audited."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.mfa import SESSION_VERIFIED_AT
from accounts.models import ApiToken
from audit.choices import AuditAction, Outcome
from tests.factories import StaffClient, current_code
from tests.helpers import assert_audited

URL = reverse("accounts:api_tokens")
GOOD = {"token-name": "weekly report", "token-scopes": ["read"], "token-days": "30"}


def signed_in(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    return client


def test_a_token_is_shown_once_and_stored_only_as_its_hash(investigator_client):
    client, user = investigator_client
    response = client.post(URL, GOOD)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = response.context["created"]
    assert token.startswith("psi_")
    assert len(token) >= 40
    assert token in response.content.decode()
    stored = ApiToken.objects.get(user=user)
    assert stored.key_hash == tokens.token_digest(token)
    assert token not in str(list(ApiToken.objects.values_list()))
    assert token not in client.get(URL).content.decode()
    assert_audited(AuditAction.API_TOKEN_CREATED, actor=user)


@pytest.fixture
def investigator_client(lead_investigator):
    return signed_in(lead_investigator), lead_investigator


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"token-name": ""}, "Answer the question: What is the token for?"),
        ({"token-scopes": []}, "Select scopes"),
        ({"token-scopes": ["admin"]}, "Select a valid choice."),
        ({"token-days": "0"}, "greater than or equal to 1"),
        ({"token-days": "366"}, "less than or equal to 365"),
    ],
)
def test_bad_token_requests_are_explained_and_make_nothing(investigator_client, change, message):
    client, user = investigator_client
    response = client.post(URL, {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()
    assert_audited(AuditAction.ACTION_REFUSED, actor=user, outcome=Outcome.DENIED)


def test_creating_a_token_with_a_stale_second_factor_asks_for_a_code(investigator_client):
    client, user = investigator_client
    session = client.session
    session[SESSION_VERIFIED_AT] = time.time() - 3600
    session.save()
    asked = client.post(URL, GOOD)
    assert asked.status_code == 200
    assert not ApiToken.objects.exists()
    done = client.post(URL, {**GOOD, "step_up_code": current_code(user)})
    assert done.context["created"]
    assert ApiToken.objects.count() == 1


@pytest.fixture
def issued(lead_investigator):
    return tokens.create_token(lead_investigator, name="script", scopes=["read"], days=30)


def test_a_valid_token_with_its_scope_authenticates_and_records_its_use(issued):
    stored, token = issued
    assert tokens.authenticate_token(token, "read") == stored
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def expire(stored):
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def revoke(stored):
    assert tokens.revoke_token(stored.user, stored.pk)


def disable(stored):
    stored.user.is_active = False
    stored.user.save(update_fields=["is_active"])


@pytest.mark.parametrize(
    ("spoil", "scope", "message"),
    [
        (None, "write", "does not have the 'write' scope"),
        (expire, "read", "has expired"),
        (revoke, "read", "has been revoked"),
        (disable, "read", "account is disabled"),
    ],
)
def test_expired_revoked_disabled_and_wrong_scope_tokens_are_refused_and_audited(issued, spoil, scope, message):
    stored, token = issued
    if spoil:
        spoil(stored)
    with pytest.raises(tokens.TokenRefused, match=message):
        tokens.authenticate_token(token, scope)
    event = assert_audited(AuditAction.API_TOKEN_REFUSED, outcome=Outcome.DENIED)
    assert event.detail["token"] == stored.pk


@pytest.mark.parametrize("presented", ["", "psi_not-a-real-token", "Bearer something", "x" * 5000])
def test_unknown_tokens_are_refused_without_naming_anyone(db, presented):
    with pytest.raises(tokens.TokenRefused, match="not recognised"):
        tokens.authenticate_token(presented, "read")
    event = assert_audited(AuditAction.API_TOKEN_REFUSED, outcome=Outcome.DENIED)
    assert event.actor is None


def test_nobody_revokes_someone_elses_token(issued, other_investigator):
    stored, token = issued
    client = signed_in(other_investigator)
    response = client.post(URL, {"action": "revoke", "token": stored.pk}, follow=True)
    assert "already revoked or is not yours" in response.content.decode()
    event = assert_audited(AuditAction.ACTION_REFUSED, actor=other_investigator, outcome=Outcome.DENIED)
    assert event.detail == {"action": "revoke API token", "token": str(stored.pk)}
    stored.refresh_from_db()
    assert stored.revoked_at is None
    assert tokens.authenticate_token(token, "read") == stored


def test_the_owner_revokes_their_token_and_it_stops_working(issued, lead_investigator):
    stored, token = issued
    signed_in(lead_investigator).post(URL, {"action": "revoke", "token": stored.pk})
    with pytest.raises(tokens.TokenRefused, match="revoked"):
        tokens.authenticate_token(token, "read")
    assert_audited(AuditAction.API_TOKEN_REVOKED, actor=lead_investigator)
