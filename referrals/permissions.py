"""Who may do what with referrals: the permission names, and one function per rule.

Role-wide permissions come with intake officers' and directors' roles; an investigator sees the
referral behind a case they are on through an object grant (`accounts.grants`).
"""

VIEW_REFERRAL = "referrals.view_referral"
ADD_REFERRAL = "referrals.add_referral"
TRIAGE_REFERRAL = "referrals.triage_referral"
DECIDE_REFERRAL = "referrals.decide_referral"
ASSIGN_REFERRAL = "referrals.assign_referral"
VIEW_REFERRAL_IDENTITY = "referrals.view_referral_identity"


def may_work_the_queue(user) -> bool:
    """The intake queue: every referral (intake officers, directors, the chief investigator)."""
    return user.has_perm(VIEW_REFERRAL)


def may_record_concerns(user) -> bool:
    """Log a concern received by phone, email or letter (and partner systems' intake)."""
    return user.has_perm(ADD_REFERRAL)


def may_triage(user) -> bool:
    """Assess, ask for information, signpost, link, propose, withdraw; attach files; be assigned."""
    return user.has_perm(TRIAGE_REFERRAL)


def may_decide(user) -> bool:
    """Accept, defer, decline and reopen (directors and the chief investigator)."""
    return user.has_perm(DECIDE_REFERRAL)


def may_assign(user) -> bool:
    return user.has_perm(ASSIGN_REFERRAL)


def may_see_identity(user) -> bool:
    """The referrer's name and contact details and the patient's details."""
    return user.has_perm(VIEW_REFERRAL_IDENTITY)


def may_be_assigned(user) -> bool:
    return user.is_active and may_triage(user)
