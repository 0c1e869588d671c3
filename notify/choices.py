"""What a notification can be about, and where its e-mail is."""

from django.db import models


class NotificationKind(models.TextChoices):
    """Each kind's label is the whole of what a notification says, with the reference: never content."""

    TEAM_APPOINTED = "team.appointed", "You were added to the team of"
    TEAM_REMOVED = "team.removed", "You were removed from the team of"
    TASK_ASSIGNED = "task.assigned", "A task was assigned to you on"
    TASK_DUE_TOMORROW = "task.due_tomorrow", "A task of yours is due tomorrow on"
    TASK_OVERDUE = "task.overdue", "A task of yours is overdue on"
    PROPOSAL_WAITING = "decision.proposal", "A proposal to investigate is waiting for a director's decision on"
    DIRECTION_WAITING = "decision.direction", "A direction is waiting for a second approver:"
    DISCLOSURE_WAITING = "decision.disclosure", "A disclosure request is waiting for a decision on"
    STAGE_GATE_WAITING = "decision.stage_gate", "A stage decision is waiting for you on"
    DIRECTION_DEADLINE = "deadline.direction", "A direction's mandated date is approaching for"
    RECOMMENDATION_DUE = "deadline.recommendation_due", "A recommendation response is due soon:"
    RECOMMENDATION_OVERDUE = "deadline.recommendation_overdue", "A recommendation response is overdue:"
    REFERRAL_OVERDUE = "deadline.referral", "A concern is overdue against its target:"
    BREAK_GLASS_OPENED = "security.break_glass", "Break-glass access was opened on"
    VERIFICATION_FAILED = "security.verification_failed", "A scheduled verification failed:"
    JOB_FAILED = "system.job_failed", "A scheduled job failed:"
    # To people outside the body (their portal), and to the team about them.
    CONSULTATION_SENT = "consultation.sent", "A draft report has been sent to you for your comments:"
    CONSULTATION_DEADLINE_NEAR = "consultation.deadline_near", "Comments on the draft report are due within 7 days:"
    CONSULTATION_ANSWERED = "consultation.answered", "Comments on the draft report have been sent in:"
    REFERRAL_MESSAGE = "referral.message", "There is a new message about your concern"
    RECOMMENDATION_ISSUED = "recommendation.issued", "A safety recommendation has been issued to your organisation:"
    RESPONSE_DUE = "recommendation.response_due", "Your organisation's response to a safety recommendation is due soon:"
    RESPONSE_OVERDUE = (
        "recommendation.response_overdue",
        "Your organisation's response to a safety recommendation is overdue:",
    )
    RESPONSE_ASSESSED = "recommendation.response_assessed", "We have assessed your organisation's response to"
    RECOMMENDATION_ANSWERED = "recommendation.answered", "An organisation has responded to a recommendation on"
    REFERRER_REPLIED = "referral.replied", "The person who shared a concern has replied:"


class EmailState(models.TextChoices):
    NOT_WANTED = "not_wanted", "Not e-mailed (the recipient's preference)"
    WAITING = "waiting", "Waiting to be sent"
    DIGEST = "digest", "Waiting for the daily digest"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    UNCERTAIN = "uncertain", "Sending was interrupted; not sent again"
    WITHHELD = "withheld", "Not sent: the recipient could no longer see it"
    FAILED = "failed", "Not sent: the mail server refused it after every retry"


class EmailFrequency(models.TextChoices):
    AT_ONCE = "at_once", "Each one at once"
    DAILY_DIGEST = "daily_digest", "One e-mail a day listing them"
    NEVER = "never", "None (only in the service)"
