"""Business rules for referrals: every change is a verb that takes `actor=`, runs in one service
transaction and records its audit event inside it. Receiving concerns is `intake`, triage `triage`,
the conversation with the person who shared a concern `conversation`.
"""

from referrals.services.conversation import record_information, reply, send_message, set_nudge
from referrals.services.intake import (
    IdempotencyKeyReused,
    attach_file,
    create_service_account,
    find_referral_by_receipt,
    hash_receipt_code,
    new_receipt_code,
    receive_referral,
    send_acknowledgement,
)
from referrals.services.triage import (
    accept_referral,
    assess_referral,
    assign_referral,
    decline_referral,
    defer_referral,
    link_referral,
    log_for_intelligence,
    propose_case,
    reopen_referral,
    request_info,
    set_legal_hold,
    signpost_referral,
    start_triage,
    triage_staff,
    withdraw_referral,
)

__all__ = [
    "IdempotencyKeyReused",
    "accept_referral",
    "assess_referral",
    "assign_referral",
    "attach_file",
    "create_service_account",
    "decline_referral",
    "defer_referral",
    "find_referral_by_receipt",
    "hash_receipt_code",
    "link_referral",
    "log_for_intelligence",
    "new_receipt_code",
    "propose_case",
    "receive_referral",
    "record_information",
    "reopen_referral",
    "reply",
    "request_info",
    "send_acknowledgement",
    "send_message",
    "set_legal_hold",
    "set_nudge",
    "signpost_referral",
    "start_triage",
    "triage_staff",
    "withdraw_referral",
]
