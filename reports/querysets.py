from django.db import models

from casework.models import Investigation


class ReportQuerySet(models.QuerySet):
    """Reports are case material: read them only through `visible_to`."""

    def visible_to(self, user, action: str = "view"):
        """Reports of the investigations `user` may see (the team's grants, or an approver's role)."""
        return self.filter(investigation__in=Investigation.objects.visible_to(user, "view"))
