"""Business rules for reports: drafting and review (`drafting`), the consultation on the draft
(`consultation`). Verbs take `actor=` (staff) or `person=` (someone consulted), run in one service
transaction each and record their audit event inside it."""

from reports.services.drafting import StaleVersion, add_comment, create_report, resolve_comment, save_version

__all__ = ["StaleVersion", "add_comment", "create_report", "resolve_comment", "save_version"]
