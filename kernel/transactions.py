"""The one transaction of a service call: durable when outermost, a savepoint when composed.

Every business-rule verb runs its writes and its audit event in `service_transaction()`. Called from
a view, the API or a command it is the outermost block and opens `transaction.atomic(durable=True)`,
so its commit is the real commit (its after-commit work runs then) and a caller that wrapped it in a
transaction of its own fails loudly instead of holding the change open. Called from inside another
service (a leaver's hand-over adds and removes team members) it joins that service's transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_inside_service: ContextVar[bool] = ContextVar("inside_service", default=False)


@contextmanager
def service_transaction() -> Iterator[None]:
    if _inside_service.get():
        with transaction.atomic():
            yield
        return
    token = _inside_service.set(True)
    try:
        with transaction.atomic(durable=True):
            yield
    finally:
        _inside_service.reset(token)
