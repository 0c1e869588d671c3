"""Personal API tokens: created and revoked by their owner, stored only as a SHA-256, with scopes and an expiry.

A token is `psi_` and 40 random URL-safe characters (240 bits); a hash is enough to store it
(unlike a password, it cannot be guessed), and lets a request's token be found by one index
lookup. Every creation, revocation and refusal is audited.
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiToken, ApiTokenScope
from audit.choices import AuditAction, Outcome
from audit.services import record_event
from kernel.errors import WorkflowError
from kernel.transactions import service_transaction

TOKEN_PREFIX = "psi_"  # noqa: S105 - a public marker that names our tokens, not a secret
MAX_DAYS = 365


class TokenRefused(Exception):
    """A presented token that does not authenticate; the message says why, without saying whose."""


class ScopeRefused(TokenRefused):
    """A valid token presented for something its scopes do not allow (a 403, not a 401)."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, *, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    """(the stored token, the token itself); the caller shows the token once and never again."""
    name = name.strip()
    if not name:
        raise WorkflowError("Name the token after what will use it.")
    if not scopes or not set(scopes) <= set(ApiTokenScope.values):
        raise WorkflowError("Choose at least one scope.")
    if user.is_service_account and scopes != [ApiTokenScope.INTAKE]:
        raise WorkflowError("A service account's token can only have the intake scope.")
    if not 1 <= days <= MAX_DAYS:
        raise WorkflowError("A token lasts between 1 and %s days." % MAX_DAYS)
    token = TOKEN_PREFIX + secrets.token_urlsafe(30)
    with service_transaction():
        stored = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=token[:10],
            key_hash=token_digest(token),
            scopes=sorted(set(scopes)),
            expires_at=timezone.now() + timedelta(days=days),
        )
        record_event(
            AuditAction.API_TOKEN_CREATED,
            actor=user,
            target=user,
            detail={"token": stored.pk, "scopes": stored.scopes, "days": days},
        )
    return stored, token


def revoke_token(user, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens; False if it is not theirs or already revoked."""
    with service_transaction():
        revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            record_event(AuditAction.API_TOKEN_REVOKED, actor=user, target=user, detail={"token": token_id})
    return bool(revoked)


def authenticate_token(presented: str, scope: str) -> ApiToken:
    """The active token `presented` is, if it holds `scope`; otherwise TokenRefused, audited."""
    stored = (
        ApiToken.objects.select_related("user").filter(key_hash=token_digest(presented)).first()
        if presented.startswith(TOKEN_PREFIX)
        else None
    )
    now = timezone.now()
    refusal = TokenRefused
    if stored is None:
        problem = "The API token is not recognised."
    elif stored.revoked_at is not None:
        problem = "The API token has been revoked."
    elif stored.expires_at <= now:
        problem = "The API token has expired."
    elif not stored.user.is_active:
        problem = "The API token's account is disabled."
    elif scope not in stored.scopes:
        problem = "The API token does not have the '%s' scope." % scope
        refusal = ScopeRefused
    else:
        ApiToken.objects.filter(pk=stored.pk).update(last_used_at=now)
        return stored
    record_event(
        AuditAction.API_TOKEN_REFUSED,
        actor=stored.user if stored else None,
        outcome=Outcome.DENIED,
        detail={"reason": problem, "token": stored.pk if stored else None},
    )
    raise refusal(problem)
