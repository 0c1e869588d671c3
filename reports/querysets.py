from django.db import models

from casework.models import Investigation


class ReportQuerySet(models.QuerySet):
    """Reports and their consultations are case material: read them only through `visible_to`."""

    def visible_to(self, user, action: str = "view"):
        """Those of the investigations `user` may see (the team's grants, or an approver's role)."""
        path = "investigation" if self.model._meta.model_name == "report" else "report__investigation"
        return self.filter(**{"%s__in" % path: Investigation.objects.visible_to(user, "view")})
