"""The points API (S6): ledger entries (read-only, scoped), reversals and manual adjustments
through the ledger's actions, star items, rating periods (compute, publish) and their results.

Rows come from `visible_to(user, "points.view")`; a subject named in a request is looked up
among the rows of its own model that the user sees (`visible_to(user, "points.view")`), so this
engine needs no pillar imports. Errors are the API's JSON with stable codes.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from sixfold.api.errors import action_errors
from sixfold.api.permissions import require_perm_on, require_perm_somewhere

from . import actions, ledger, stars
from .filters import LedgerEntryFilter, RatingResultFilter
from .models import LedgerEntry, RatingPeriod, RatingResult, StarItem

VIEW = ledger.VIEW
ADJUST = ledger.ADJUST


# --- serializers -----------------------------------------------------------------------------------
class LedgerEntrySerializer(serializers.ModelSerializer):
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "subject_type",
            "subject_id",
            "subject_name",
            "code",
            "source",
            "source_display",
            "kind",
            "points",
            "occurred_on",
            "reason",
            "ref",
            "ref_url",
            "reverses",
            "approved_by",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class LedgerReversalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class PointsAdjustmentSerializer(serializers.Serializer):
    subject_type = serializers.CharField(max_length=64)
    subject_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    points = serializers.DecimalField(max_digits=9, decimal_places=2)
    reason = serializers.CharField(max_length=200)
    approved_by = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    occurred_on = serializers.DateField(required=False)


class StarItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = StarItem
        fields = [
            "id",
            "subject_type",
            "code",
            "name",
            "description",
            "position",
            "counts",
            "threshold",
            "evaluation_min",
            "active",
        ]
        read_only_fields = fields


class RatingPeriodSerializer(serializers.ModelSerializer):
    computed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RatingPeriod
        fields = [
            "code",
            "subject_type",
            "kind",
            "start",
            "end",
            "status",
            "fingerprint",
            "entry_count",
            "subject_count",
            "computed_at",
            "computed_by",
            "published_at",
            "published_by",
        ]
        read_only_fields = fields


class RatingComputeSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=8)
    subject_type = serializers.CharField(max_length=64)


class RatingResultSerializer(serializers.ModelSerializer):
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = RatingResult
        fields = [
            "period",
            "subject_type",
            "subject_id",
            "subject_name",
            "code",
            "points",
            "stars",
            "disqualified",
            "rank",
            "items",
        ]
        read_only_fields = fields


# --- helpers ---------------------------------------------------------------------------------------
def visible_subject(user, subject_type: str, subject_id: int):
    """The subject among the rows of its model the user sees with `points.view` (else 404)."""
    try:
        model = apps.get_model(subject_type)
    except (LookupError, ValueError):
        raise NotFound() from None
    manager = model._default_manager
    if not hasattr(manager, "visible_to"):
        raise NotFound()
    return get_object_or_404(manager.visible_to(user, VIEW), pk=subject_id)


# --- viewsets --------------------------------------------------------------------------------------
class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Ledger entries in the user's scope (`?subject_type=&subject_id=` for one subject's)."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        queryset = LedgerEntry.objects.visible_to(self.request.user).select_related(
            "approved_by", "created_by"
        )
        params = self.request.query_params
        if params.get("subject_type"):
            queryset = queryset.filter(subject_type=params["subject_type"][:64])
        subject_id = (params.get("subject_id") or "").strip()
        if subject_id:
            queryset = (
                queryset.filter(subject_id=int(subject_id))
                if subject_id.isdigit() and len(subject_id) < 19
                else queryset.none()
            )
        return queryset.order_by("-occurred_on", "-id")

    @extend_schema(request=LedgerReversalSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Cancel an entry with a reversal (reason required)."""
        entry = self.get_object()
        require_perm_on(request.user, ADJUST, entry.code)
        given = LedgerReversalSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with action_errors():
            reversal = ledger.reverse(entry, by=request.user, reason=given.validated_data["reason"])
        return Response(LedgerEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


class AdjustmentViewSet(viewsets.GenericViewSet):
    """Manual adjustments: entered by the caller, approved by another person (`approved_by`)."""

    serializer_class = PointsAdjustmentSerializer

    def get_queryset(self):
        return LedgerEntry.objects.visible_to(self.request.user).filter(source=ledger.Source.MANUAL)

    @extend_schema(request=PointsAdjustmentSerializer, responses={201: LedgerEntrySerializer})
    def create(self, request):
        require_perm_somewhere(request.user, ADJUST)
        given = PointsAdjustmentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        subject = visible_subject(request.user, data["subject_type"], data["subject_id"])
        approver = get_user_model().objects.filter(pk=data["approved_by"], is_active=True).first()
        if approver is None:
            raise serializers.ValidationError(
                {"approved_by": [_("Choose who approves the adjustment.")]}, code="does_not_exist"
            )
        with action_errors():
            entry = ledger.adjust(
                subject,
                points=data["points"],
                reason=data["reason"],
                by=request.user,
                approved_by=approver,
                on=data.get("occurred_on"),
            )
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class StarItemViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = StarItem.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = StarItemSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        require_perm_somewhere(self.request.user, VIEW)
        queryset = StarItem.objects.all()
        if self.request.query_params.get("subject_type"):
            queryset = queryset.filter(subject_type=self.request.query_params["subject_type"])
        return queryset


class RatingPeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """Rating periods by code (`2026Q3`); `compute` and `publish` need `points.configure`."""

    queryset = RatingPeriod.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = RatingPeriodSerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]{4,6}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        require_perm_somewhere(self.request.user, VIEW)
        queryset = RatingPeriod.objects.select_related("computed_by", "published_by")
        if self.request.query_params.get("subject_type"):
            queryset = queryset.filter(subject_type=self.request.query_params["subject_type"])
        return queryset

    def get_object(self):
        queryset = self.get_queryset()
        code = stars.normalize_period_code(self.kwargs["code"])
        subject_type = self.request.query_params.get("subject_type")
        matches = list(queryset.filter(code=code)[:2])
        if not matches or (len(matches) > 1 and not subject_type):
            raise NotFound()
        return matches[0]

    @extend_schema(request=RatingComputeSerializer, responses={200: RatingPeriodSerializer})
    @action(detail=False, methods=["post"])
    def compute(self, request):
        """Compute (or recompute) a period from the ledger."""
        require_perm_somewhere(request.user, actions.CONFIGURE)
        given = RatingComputeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with action_errors({"code": "period"}):
            period = actions.compute_period(
                given.validated_data["period"],
                by=request.user,
                subject_type=given.validated_data["subject_type"],
            )
        return Response(RatingPeriodSerializer(period).data)

    @extend_schema(request=None, responses={200: RatingPeriodSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, code=None):
        """Publish (lock) a computed period."""
        period = self.get_object()
        require_perm_somewhere(request.user, actions.CONFIGURE)
        with action_errors():
            period = actions.publish_period(period, by=request.user)
        return Response(RatingPeriodSerializer(period).data)


class RatingResultViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Results in the user's scope; `?period=2026Q3` (default: the latest computed)."""

    queryset = RatingResult.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = RatingResultSerializer
    filterset_class = RatingResultFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        require_perm_somewhere(user, VIEW)
        queryset = RatingResult.objects.visible_to(user).select_related("period")
        code = stars.normalize_period_code(self.request.query_params.get("period") or "")
        periods = RatingPeriod.objects.exclude(status=RatingPeriod.Status.OPEN)
        if self.request.query_params.get("subject_type"):
            periods = periods.filter(subject_type=self.request.query_params["subject_type"])
        period = periods.filter(code=code).first() if code else periods.first()
        if period is None:
            return queryset.none()
        return queryset.filter(period=period).order_by("rank", "subject_name", "id")


class MyPointsView(GenericAPIView):
    """The requesting person's own ledger (her entries, newest first, paginated), totals and
    ratings — whoever her subject is (a party member's login maps to her member record)."""

    serializer_class = LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        subject = ledger.resolve_subject(request.user)
        if subject is None:
            raise NotFound()
        entries = ledger.entries_of(subject).select_related("approved_by", "created_by")
        page = self.paginate_queryset(entries.order_by("-occurred_on", "-id"))
        response = self.get_paginated_response(LedgerEntrySerializer(page, many=True).data)
        response.data["total"] = format(ledger.balance(subject), ".2f")
        response.data["ratings"] = RatingResultSerializer(
            stars.results_of(subject)[:8], many=True
        ).data
        return response
