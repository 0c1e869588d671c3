"""The report's rules on the investigation's stages: the internal review is approved (the draft goes
to consultation) only when the final report has a version and no review comment is open; the
report goes to final approval only once the consultation was held and every comment in it handled;
it is published only when the anonymisation check finds nothing that is not marked as intended."""

from casework.actions import CaseAction, offer_case_step, transition_allowed
from casework.models import Investigation
from casework.services.lifecycle import guard_step
from reports.choices import ReportKind
from reports.services.consultation import unhandled_comments
from reports.services.drafting import findings_to_settle, review_refusal
from reports.services.publication import publish_final


def review_settled(investigation: Investigation) -> str | None:
    final = investigation.reports.filter(kind=ReportKind.FINAL).first()
    if final is None:
        return "%s has no final report draft yet: the team writes it before the review can be approved." % (
            investigation
        )
    return review_refusal(final)


def consultation_settled(investigation: Investigation) -> str | None:
    final = investigation.reports.filter(kind=ReportKind.FINAL).first()
    if final is None or not final.consultations.exists():
        return "The draft of %s has not been sent for consultation yet (s.115)." % investigation
    if waiting := unhandled_comments(investigation):
        return "%d comment%s from the consultation still need%s handling: accepted or not, and the response." % (
            waiting,
            "" if waiting == 1 else "s",
            "s" if waiting == 1 else "",
        )
    return None


def anonymisation_settled(investigation: Investigation) -> str | None:
    final = investigation.reports.filter(kind=ReportKind.FINAL).first()
    if final is None:
        return "%s has no final report to publish." % investigation
    if waiting := len(findings_to_settle(final)):
        return (
            "The anonymisation check finds %d possible identifier%s in the final report: the lead edits the "
            "text or marks each as intended, with a reason, before publication."
            % (waiting, "" if waiting == 1 else "s")
        )
    return None


def offer_publication_step() -> None:
    """The case page's "publish" step publishes the frozen final report (reports.services.publication)."""
    offer_case_step(
        "publish",
        CaseAction(
            "Publish the final report",
            None,
            lambda investigation, user, data: publish_final(investigation, actor=user),
            transition_allowed("publish"),
            step_up="publish the report",
            consequence="The final report goes on the public website at once, with its PDF; it cannot be unpublished.",
        ),
        before="pause",
    )


def guard_case_steps() -> None:
    guard_step("approve_for_consultation", review_settled)
    guard_step("submit_final", consultation_settled)
    guard_step("publish", anonymisation_settled)
