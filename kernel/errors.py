"""The refusal every business rule raises."""


class WorkflowError(Exception):
    """A request the rules refuse (wrong state, missing information); the message is for the user."""
