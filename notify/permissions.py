"""Who may see scheduled work."""

VIEW_JOBS = "notify.view_scheduledjob"


def may_view_jobs(user) -> bool:
    """System administrators: the scheduled jobs, when they ran and how it went (no case content)."""
    return user.has_perm(VIEW_JOBS)
