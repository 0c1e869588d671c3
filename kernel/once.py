"""Done once: a form or API request that creates something does so once, however often it arrives.

Every staff form that creates something carries a random token (`{% form_once %}`), and an API
create may carry an `Idempotency-Key`. The first request with a key claims it in the same
transaction as what it creates, so a resend (a double click, a browser's resend, a client's retry)
finds it claimed and creates nothing; of two sent at once, the second waits on the unique key
until the first commits and then finds it claimed. A request that fails rolls its claim back
with everything else, so the same form can be corrected and sent again.
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel.models import SentOnce
from kernel.transactions import service_transaction

FORM_FIELD = "once"
# What the template tag issues; anything else in the field is ignored (the form then has no guard).
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AlreadySent(Exception):
    """The key was claimed before: what was sent is already done. `claim` records what it created."""

    def __init__(self, claim: SentOnce) -> None:
        super().__init__("already sent")
        self.claim = claim


def new_token() -> str:
    return secrets.token_urlsafe(24)


def form_token(data) -> str:
    """The form's one-time token from posted `data`, or "" when there is none or it is not one of ours."""
    token = data.get(FORM_FIELD, "")
    return token if isinstance(token, str) and TOKEN.fullmatch(token) else ""


def key_hash(key: str, scope: str) -> str:
    return hashlib.sha256(("%s\n%s" % (scope, key)).encode()).hexdigest()


def do_once[T](key: str, scope: str, perform: Callable[[], T], *, result: Callable[[T], dict] | None = None) -> T:
    """`perform()` and the claim of `key` in one transaction; AlreadySent if the key was claimed.

    Without a key it simply performs. `result(value)` is what to remember of it (for a replay).
    """
    if not key:
        return perform()
    with service_transaction():
        claim = _claim(key_hash(key, scope))
        value = perform()
        if result is not None:
            claim.result = result(value)
            claim.save(update_fields=["result"])
    return value


def _claim(digest: str) -> SentOnce:
    try:
        with transaction.atomic():
            return SentOnce.objects.create(key_hash=digest)
    except IntegrityError as error:
        raise AlreadySent(SentOnce.objects.get(key_hash=digest)) from error


def forget_claims_older_than(age: timedelta) -> int:
    """Delete claimed keys older than `age` (a resend comes within minutes, not days); return how many."""
    deleted, _ = SentOnce.objects.filter(claimed_at__lt=timezone.now() - age).delete()
    return deleted
