from datetime import timedelta
from typing import cast

from django.db.models import Model, Prefetch, Q

from accounts.access import ObjectPermissionQuerySet


class InvestigationQuerySet(ObjectPermissionQuerySet):
    """Investigations are protected material: read them only through `visible_to`."""

    def with_team(self):
        """Each investigation with its team and their accounts, fetched in one more query for all."""
        # The membership model, found from the field: this layer does not import casework.models.
        membership_model = cast(type[Model], self.model._meta.get_field("team").related_model)
        return self.prefetch_related(
            Prefetch("team", queryset=membership_model._default_manager.select_related("user"))
        )

    def list_page(self, page: int, size: int, order: tuple[str, ...] = ("-created_at", "-pk")) -> list:
        """One page of the investigations list in `order`, with teams; one row extra tells a next page exists."""
        return list(self.with_team().order_by(*order)[(page - 1) * size : page * size + 1])

    def over_stage_target(self, targets: dict[str, int], now):
        """Investigations that have spent longer in their current stage than its target."""
        condition = Q(pk__in=[])
        for state, days in targets.items():
            condition |= Q(state=state, state_changed_at__lt=now - timedelta(days=days))
        return self.filter(condition)
