"""API callers: a token with every scope for each persona, and a partner system's service account."""

import pytest

from accounts.models import ApiTokenScope
from accounts.tokens import create_token
from referrals.services import create_service_account


@pytest.fixture
def tokens(personas):
    """Persona name -> a read and write token of theirs (None for anonymous)."""
    return {
        name: None if user is None else create_token(user, name="tests", scopes=["read", "write"], days=1)[1]
        for name, user in personas.items()
    }


@pytest.fixture
def service_account(db):
    """(the account, its intake token)."""
    return create_service_account("partner-lrms", days=30)


@pytest.fixture
def intake_token(intake):
    return create_token(intake, name="intake", scopes=[ApiTokenScope.INTAKE], days=1)[1]


def bearer(token: str | None) -> dict:
    return {"HTTP_AUTHORIZATION": "Bearer %s" % token} if token else {}
