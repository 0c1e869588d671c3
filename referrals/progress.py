"""What the person who shared a concern is told of its progress, in plain words.

The state machine's states are intake's words; the referrer reads what each means for them, where
to go when the concern was signposted, the reasons the body chose to give when it did not
investigate, and the published start statement when the concern became an investigation (that part
is casework's: it registers `describe_investigation_with` at start-up, as it offers its steps).
"""

from collections.abc import Callable
from dataclasses import dataclass

from referrals.choices import MessageKind, ReferralState
from referrals.models import Referral, ReferralMessage, SignpostBody

S = ReferralState

LOOKING = (
    "Being looked at",
    "Our intake team is looking at your concern against our criteria for deciding what to investigate.",
)
PLAIN_WORDS: dict[str, tuple[str, str]] = {
    S.RECEIVED: ("Received", "We have your concern. Our intake team will look at it soon."),
    S.TRIAGE: LOOKING,
    S.PROPOSED: LOOKING,
    S.AWAITING_INFO: (
        "More information needed",
        "We have asked you a question below. Your answer helps us decide what to do.",
    ),
    S.LOGGED: (
        "Logged so we can spot patterns",
        "We are not investigating this concern on its own now. We keep it with others so that patterns "
        "across England can be seen, and we may look at it again.",
    ),
    S.SIGNPOSTED: (
        "Signposted",
        "Another organisation is better placed to help with this concern. Where to go is below.",
    ),
    S.LINKED: ("Looked at with related concerns", "We are looking at your concern together with related work."),
    S.ACCEPTED: ("Became an investigation", "We are investigating the safety issue your concern raised."),
    S.DECLINED: ("Not investigated", "We have decided not to investigate this concern."),
    S.WITHDRAWN: ("Withdrawn", "This concern was withdrawn. Nothing more will be done with it."),
}


@dataclass(frozen=True)
class PublishedInvestigation:
    """An investigation as the public already knows it: its reference, title and start statement."""

    reference: str
    title: str
    statement: str


@dataclass(frozen=True)
class Progress:
    title: str
    explanation: str
    signposted_to: SignpostBody | None = None
    signpost_reason: str = ""
    notice: ReferralMessage | None = None
    investigation: PublishedInvestigation | None = None


def _no_investigation(referral: Referral) -> PublishedInvestigation | None:
    return None


_describe_investigation: list[Callable[[Referral], PublishedInvestigation | None]] = [_no_investigation]


def describe_investigation_with(describer: Callable[[Referral], PublishedInvestigation | None]) -> None:
    """Casework says which published investigation a concern became or joined (from its ready())."""
    _describe_investigation[0] = describer


def progress_of(referral: Referral) -> Progress:
    title, explanation = PLAIN_WORDS[referral.state]
    notice = referral.messages.filter(kind=MessageKind.NOTICE).order_by("-sent_at", "-pk").first()
    signposted = referral.state == S.SIGNPOSTED
    return Progress(
        title=title,
        explanation=explanation,
        signposted_to=referral.signposted_to if signposted else None,
        signpost_reason=referral.get_signpost_reason_display() if signposted else "",
        notice=notice if referral.state in (S.SIGNPOSTED, S.DECLINED) else None,
        investigation=(_describe_investigation[0](referral) if referral.state in (S.ACCEPTED, S.LINKED) else None),
    )
