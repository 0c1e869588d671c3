"""The refusal every business rule raises."""

from typing import Any


class WorkflowError(Exception):
    """A request the rules refuse (wrong state, missing information); the message is for the user.

    `denial` describes a denied access the refusal also stands for (the arguments of an
    ACCESS_DENIED audit event). The step runner records it after the step's transaction has rolled
    back, so the record is kept however the step was wrapped.
    """

    def __init__(self, message: str, *, denial: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.denial = denial
