"""The audit trail through the API, for auditors: the same search as their page."""

from drf_spectacular.utils import extend_schema

from api import serializers as s
from api.forms import query_parameters, valid_form
from api.pagination import AuditCursorPage
from api.views.base import AuditedList
from audit.choices import AuditAction
from audit.forms import AuditSearchForm
from audit.models import AuditEvent
from audit.permissions import VIEW_AUDIT_TRAIL
from audit.services import record_event


@extend_schema(parameters=query_parameters(AuditSearchForm))
class AuditEventList(AuditedList):
    """Auditors: the trail, newest first, with the audit page's filters."""

    required_permission = VIEW_AUDIT_TRAIL
    serializer_class = s.AuditEventSerializer
    pagination_class = AuditCursorPage

    def get_queryset(self):
        self.form = AuditSearchForm(self.request.query_params)
        valid_form(self.form)
        return self.form.filter(AuditEvent.objects.select_related("link"))

    def record_page(self, page) -> None:
        record_event(AuditAction.AUDIT_LOG_VIEWED, detail={"filters": self.form.terms(), "via": "api"})
