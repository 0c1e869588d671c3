"""Referrals through the API: partner systems' intake, the queue, one referral, its workflow steps."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.models import ApiTokenScope
from api import serializers as s
from api.exceptions import Unprocessable
from api.forms import by_natural_keys, form_data, query_parameters, valid_form
from api.views.base import ApiView, AuditedList, current_state, idempotency_key, step_name, take
from audit.choices import AuditAction
from audit.services import record_event, shown_references
from referrals import services as referral_services
from referrals.actions import ACTIONS as REFERRAL_ACTIONS
from referrals.choices import Channel
from referrals.forms import ConcernForm, QueueFilterForm
from referrals.models import Referral
from referrals.permissions import ADD_REFERRAL, VIEW_REFERRAL, may_see_identity
from referrals.selectors import apply_queue_filters, get_referral_for, record_referral_read, recorded_filters
from workflow.steps import record_refusal


class IntakeCreate(ApiView):
    """Machine intake: a partner system forwards a concern (tokens with the intake scope)."""

    required_permission = ADD_REFERRAL
    token_scope = ApiTokenScope.INTAKE
    serializer_class = s.IntakeSerializer

    @extend_schema(
        request=s.IntakeSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Names this concern (1-200 visible ASCII characters): a retry with the same key "
                "returns the concern already created, never a second one.",
            )
        ],
        responses={201: s.IntakeReceiptSerializer, 200: s.IntakeReceiptSerializer},
    )
    def post(self, request):
        key = idempotency_key(request)
        form = ConcernForm(form_data(request.data, ignore=()))
        if not form.is_valid():
            record_refusal(None, "api intake", {"errors": sorted(form.errors)})
            raise ValidationError(form.errors)
        try:
            referral, receipt_code = referral_services.receive_referral(
                form.cleaned_data, channel=Channel.API, actor=request.user, intake_key=key
            )
        except referral_services.IdempotencyKeyReused as refusal:
            record_refusal(None, "api intake", {"refusal": "Idempotency-Key reused for another concern"})
            raise Unprocessable(str(refusal)) from refusal
        receipt = {
            "reference": referral.reference,
            "receipt_code": receipt_code or None,
            "state": referral.state,
            "replayed": not receipt_code,
        }
        return Response(receipt, status=status.HTTP_200_OK if not receipt_code else status.HTTP_201_CREATED)


@extend_schema(parameters=query_parameters(QueueFilterForm, exclude=("sort",)))
class ReferralList(AuditedList):
    """The intake queue (open referrals unless a state is given), newest first."""

    required_permission = VIEW_REFERRAL
    serializer_class = s.ReferralSummarySerializer

    def get_queryset(self):
        self.filters = valid_form(QueueFilterForm(self.request.query_params))
        referrals = Referral.objects.visible_to(self.request.user).select_related("assignee")
        return apply_queue_filters(referrals, self.filters, self.request.user)

    def record_page(self, page) -> None:
        record_event(
            AuditAction.REFERRAL_QUEUE_VIEWED,
            detail={"filters": recorded_filters(self.filters), "shown": shown_references(page)},
        )


class ReferralDetail(ApiView):
    serializer_class = s.ReferralSerializer

    def get(self, request, reference):
        referral = get_referral_for(request.user, reference)
        show_identity = may_see_identity(request.user)
        record_referral_read(referral, show_identity=show_identity)
        return Response(s.ReferralSerializer(referral, context={"show_identity": show_identity}).data)


class ReferralTransition(ApiView):
    """Take a triage step: `action` names it; its fields are those of the referral page's form for it."""

    serializer_class = s.StepSerializer

    @extend_schema(request=s.StepSerializer, responses={200: s.StepDoneSerializer})
    def post(self, request, reference):
        referral = get_referral_for(request.user, reference)
        name = step_name(referral, request.data, REFERRAL_ACTIONS)
        spec = REFERRAL_ACTIONS[name]
        if not spec.may(request.user):
            raise PermissionDenied
        if spec.step_up:
            raise PermissionDenied("This step needs a fresh second-factor code: take it on the referral page.")
        extra = {"assignees": referral_services.triage_staff()} if name == "assign" else {}
        form = by_natural_keys(spec.form(name, form_data(request.data), prefixed=False, **extra))
        take(referral, name, form, lambda data: spec.perform(referral, request.user, data))
        return Response({"reference": referral.reference, "action": name, "state": current_state(referral)})
