"""Business rules for investigations, one module per sub-domain: every change is a verb that takes
`actor=`, runs in one service transaction and records its audit event inside it.

Team membership is what gives need-to-know access: adding a member grants their object permissions
(on the investigation and on the referral it came from) and removing one revokes them, in the same
transaction, so the change applies from the member's next request. Callers use the verbs below
(`from casework import services`); evidence has its own module (`casework.services.evidence`).
"""

from casework.services.break_glass import break_glass
from casework.services.directions import approve_direction, register_direction, revoke_direction, vary_direction
from casework.services.lifecycle import (
    discontinue,
    launch,
    pause,
    publish,
    record_terms_of_reference,
    resume,
    set_case_legal_hold,
    set_organisations,
    start_scoping,
    transition,
)
from casework.services.opening import accept_referral, link_referral, open_investigation
from casework.services.recommendations import draft_recommendation, recommendation_step, record_observation
from casework.services.team import (
    active_staff_for_team,
    add_team_member,
    conflicts_for,
    process_leaver,
    remove_team_member,
)
from casework.services.work import (
    add_note,
    create_task,
    edit_note,
    hold_membership,
    record_interview,
    require_open_record,
    set_task_status,
)

__all__ = [
    "accept_referral",
    "active_staff_for_team",
    "add_note",
    "add_team_member",
    "approve_direction",
    "break_glass",
    "conflicts_for",
    "create_task",
    "discontinue",
    "draft_recommendation",
    "edit_note",
    "hold_membership",
    "launch",
    "link_referral",
    "open_investigation",
    "pause",
    "process_leaver",
    "publish",
    "recommendation_step",
    "record_interview",
    "record_observation",
    "record_terms_of_reference",
    "register_direction",
    "remove_team_member",
    "require_open_record",
    "resume",
    "revoke_direction",
    "set_case_legal_hold",
    "set_organisations",
    "set_task_status",
    "start_scoping",
    "transition",
    "vary_direction",
]
