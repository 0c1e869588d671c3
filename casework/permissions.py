"""Investigation permission names and the single way to fetch one investigation for a user."""

from accounts.access import get_visible_object
from casework.models import Investigation

VIEW_INVESTIGATION = "casework.view_investigation"
WORK_ON_INVESTIGATION = "casework.work_on_investigation"
VIEW_DIRECTION = "casework.view_direction"


def get_investigation_for(user, reference: str, action: str = "view") -> Investigation:
    """404 if `user` may not see the investigation; 403 if they may see it but not take `action`."""
    return get_visible_object(Investigation, user, action, reference=reference)
