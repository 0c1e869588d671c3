"""How a step runs, for every domain: the state-machine transition runner and the page or API step.

Just above the audit trail, because each step records its event there; below every domain, which
supplies its own forms, services and timeline entries.
"""
