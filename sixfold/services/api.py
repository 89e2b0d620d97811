"""The services API under /api/v1/services/ (S12, S13, S15, S21): service points and their
staff, venues, service types, notices, the coverage audit and the e-page of a node.

Every queryset starts from `visible_to(user, "services.view")`, so what lies outside the user's
scope is "not found"; nodes are referred to by code among the nodes the user may manage; writes
go through `sixfold.services.actions`, whose field errors and codes come back in the API's error
format. The e-page (`e/<code>/`) is public, as the page is, and masks people the same way.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sixfold.api.errors import action_errors
from sixfold.api.permissions import require_perm_on, require_perm_somewhere
from sixfold.api.serializers import PersonalDataField
from sixfold.core.models import Region

from . import actions, views
from .actions import CONFIGURE, MANAGE, VIEW
from .coverage import DEFAULT_LIMIT, MAX_LIMIT, coverage_report, node_label
from .filters import NoticeFilter, PointFilter, VenueFilter
from .models import KIND_BY_LEVEL, Notice, ServicePoint, ServiceStaff, ServiceType, Venue

NOT_FOUND = _("Not found.")


@extend_schema_field(OpenApiTypes.STR)
class ManagedRegionField(serializers.SlugRelatedField):
    """A region node by code, among those the user may manage services on."""

    default_error_messages = {"does_not_exist": NOT_FOUND, "invalid": _("Enter a region code.")}

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Region.objects.visible_to(self.context["request"].user, MANAGE)

    def to_internal_value(self, data):
        # A code is at most 40 characters, and a NUL character (which PostgreSQL refuses in a
        # string) names no node.
        if isinstance(data, str) and (len(data) > 40 or "\x00" in data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _user(serializer):
    return serializer.context["request"].user


# --- service points --------------------------------------------------------------------------------
class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    point = serializers.IntegerField(source="point_id", read_only=True)
    name = serializers.CharField(max_length=50)
    role = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = PersonalDataField(
        read_from="phone_masked",
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("Masked when read, plaintext when written."),
    )

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_staff(instance, validated_data, by=_user(self))


class ServicePointSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    region = ManagedRegionField(help_text=_("Code of the node the point serves."))
    code = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    opening_hours = serializers.CharField(max_length=100, required=False, allow_blank=True)
    service_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    staff = StaffSerializer(many=True, read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["region"].read_only = True

    def create(self, validated_data):
        region = validated_data.pop("region")
        with action_errors():
            return actions.create_point(region, validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_point(instance, validated_data, by=_user(self))


class ServicePointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ServicePointSerializer
    filterset_class = PointFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            ServicePoint.objects.visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("staff")
            .order_by("code")
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        require_perm_on(request.user, MANAGE, self.get_object().code)
        super().update(request, *args, **kwargs)
        return Response(self.get_serializer(self.get_object()).data)

    def destroy(self, request, *args, **kwargs):
        point = self.get_object()
        require_perm_on(request.user, MANAGE, point.code)
        with action_errors():
            actions.delete_point(point, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=StaffSerializer, responses=StaffSerializer)
    @action(detail=True, methods=["post"])
    def staff(self, request, pk=None):
        """Add a person to the point's staff."""
        point = self.get_object()
        require_perm_on(request.user, MANAGE, point.code)
        serializer = StaffSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with action_errors():
            member = actions.add_staff(point, serializer.validated_data, by=request.user)
        return Response(StaffSerializer(member).data, status=status.HTTP_201_CREATED)


class StaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StaffSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return ServiceStaff.objects.visible_to(self.request.user).order_by("code", "id")

    def update(self, request, *args, **kwargs):
        require_perm_on(request.user, MANAGE, self.get_object().code)
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        member = self.get_object()
        require_perm_on(request.user, MANAGE, member.code)
        with action_errors():
            actions.remove_staff(member, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- service types -----------------------------------------------------------------------------------
class ServiceTypeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=50)
    order_category = serializers.CharField(max_length=40, required=False, allow_blank=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False, default=True)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767, default=0)

    def create(self, validated_data):
        with action_errors():
            return actions.create_service_type(validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_service_type(instance, validated_data, by=_user(self))


class ServiceTypeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The street-wide list of service types; anyone logged in reads it."""

    serializer_class = ServiceTypeSerializer
    queryset = ServiceType.objects.order_by("order", "id")
    lookup_value_regex = "[0-9]+"
    filterset_class = None

    def _configure(self):
        require_perm_somewhere(self.request.user, CONFIGURE)

    def create(self, request, *args, **kwargs):
        self._configure()
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        self._configure()
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self._configure()
        with action_errors():
            actions.delete_service_type(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- venues -----------------------------------------------------------------------------------------
class VenueSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    region = ManagedRegionField(help_text=_("Code of the node the venue belongs to."))
    code = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Venue.Kind.choices, required=False)
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    opening_hours = serializers.CharField(max_length=100, required=False, allow_blank=True)
    service_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False, default=True)
    service_types = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=ServiceType.objects.all(),
        help_text=_("Keys of the service types offered."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["region"].read_only = True
            self.fields["name"].required = False

    def create(self, validated_data):
        region = validated_data.pop("region")
        with action_errors():
            return actions.create_venue(region, validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_venue(instance, validated_data, by=_user(self))


class VenueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VenueSerializer
    filterset_class = VenueFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            Venue.objects.visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("service_types")
            .order_by("code", "id")
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        require_perm_on(request.user, MANAGE, self.get_object().code)
        super().update(request, *args, **kwargs)
        return Response(self.get_serializer(self.get_object()).data)

    def destroy(self, request, *args, **kwargs):
        venue = self.get_object()
        require_perm_on(request.user, MANAGE, venue.code)
        with action_errors():
            actions.delete_venue(venue, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- notices -----------------------------------------------------------------------------------------
class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    region = ManagedRegionField(help_text=_("Code of the community, grid or building."))
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=5000)
    pinned = serializers.BooleanField(required=False, default=False)
    expires_on = serializers.DateField(required=False, allow_null=True)
    published = serializers.BooleanField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["region"].read_only = True
            for name in ("title", "body"):
                self.fields[name].required = False

    def create(self, validated_data):
        region = validated_data.pop("region")
        with action_errors():
            return actions.create_notice(region, validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_notice(instance, validated_data, by=_user(self))


class NoticeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return Notice.objects.visible_to(self.request.user).select_related("region")

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        require_perm_on(request.user, MANAGE, self.get_object().code)
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        notice = self.get_object()
        require_perm_on(request.user, MANAGE, notice.code)
        with action_errors():
            actions.delete_notice(notice, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Put the notice on the e-page."""
        notice = self.get_object()
        require_perm_on(request.user, MANAGE, notice.code)
        with action_errors():
            notice = actions.publish_notice(notice, by=request.user)
        return Response(NoticeSerializer(notice).data)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        """Take the notice off the e-page."""
        notice = self.get_object()
        require_perm_on(request.user, MANAGE, notice.code)
        with action_errors():
            notice = actions.unpublish_notice(notice, by=request.user)
        return Response(NoticeSerializer(notice).data)


# --- coverage audit --------------------------------------------------------------------------------
def _whole_number(request, name: str, default: int, low: int, high: int) -> int:
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationError(
            {
                name: [
                    _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
                ]
            },
            code="invalid",
        )
    return int(raw)


def coverage_data(report) -> dict:
    return {
        "region": report.region.code,
        "name": report.region.name,
        "levels": [
            {
                "kind": row.kind,
                "label": row.label,
                "nodes": row.nodes,
                "covered": row.covered,
                "uncovered": row.uncovered,
                "gaps": [{"code": n.code, "name": node_label(n)} for n in row.gaps],
                "more_gaps": row.more_gaps,
            }
            for row in report.levels
        ],
    }


class CoverageView(APIView):
    """The coverage audit of the service network under a node (S12)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "region", OpenApiTypes.STR, required=True, description=_("Node code.")
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=_("Gaps listed per level (default 50).")
            ),
        ],
        responses=OpenApiTypes.OBJECT,
        summary=_("Coverage audit of the service network"),
    )
    def get(self, request):
        require_perm_somewhere(request.user, VIEW)
        code = views.region_code(request.query_params.get("region"))
        if not code:
            raise ValidationError({"region": [_("Enter a region code.")]}, code="required")
        region = get_object_or_404(Region.objects.visible_to(request.user, VIEW), code=code)
        limit = _whole_number(request, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
        return Response(coverage_data(coverage_report(region, limit=limit, children=False)))


class BulkSerializer(serializers.Serializer):
    region = ManagedRegionField(help_text=_("Code of the node under which gaps are closed."))
    level = serializers.ChoiceField(
        choices=[(level.value, level.label) for level in KIND_BY_LEVEL],
        help_text=_("The level whose gaps get a point."),
    )


class CoverageBulkView(APIView):
    """Set up a point with the usual name at every gap of one level under a node."""

    @extend_schema(request=BulkSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        require_perm_somewhere(request.user, MANAGE)
        serializer = BulkSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with action_errors():
            count = actions.create_points_in_bulk(data["region"], data["level"], by=request.user)
        return Response({"created": count})


# --- e-pages ---------------------------------------------------------------------------------------
class EPageView(APIView):
    """The e-page of a community, grid or building as JSON (public; people masked as on the page)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary=_("The e-page of a node"))
    def get(self, request, code):
        code = views.region_code(code)
        region = get_object_or_404(
            Region.objects.filter(level__in=views.EPAGE_LEVELS).select_related("parent"),
            code=code,
        )
        context = views.epage_context(request.user, region)
        if context["revealed"]:
            views.log_reveal(request.user, region)
        return Response(
            {
                "region": region.code,
                "name": region.name,
                "title": str(context["title"]),
                "compounds": context["compounds"],
                "order_url": context["order_url"],
                "notices": [
                    {
                        "id": n.pk,
                        "title": n.title,
                        "body": n.body,
                        "pinned": n.pinned,
                        "published_at": n.published_at,
                        "expires_on": n.expires_on,
                    }
                    for n in context["notices"]
                ],
                "contacts": [{**c, "role": str(c["role"])} for c in context["contacts"]],
                "points": [
                    {
                        "code": item["point"].code,
                        "kind": item["point"].kind,
                        "name": item["point"].name,
                        "address": item["point"].address,
                        "opening_hours": item["point"].opening_hours,
                        "service_phone": item["point"].service_phone,
                        "staff": item["staff"],
                    }
                    for item in context["points"]
                ],
                "venues": [
                    {
                        "id": item["venue"].pk,
                        "name": item["venue"].name,
                        "kind": item["venue"].kind,
                        "address": item["venue"].address,
                        "opening_hours": item["venue"].opening_hours,
                        "service_phone": item["venue"].service_phone,
                        "services": [
                            {"slug": t.slug, "name": t.name, "request_url": url}
                            for t, url in item["requests"]
                        ],
                    }
                    for item in context["venues"]
                ],
                "children": [{"code": c.code, "name": c.name} for c in context["children"]],
            }
        )
