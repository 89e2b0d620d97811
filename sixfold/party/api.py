"""The party API under /api/v1/party/ (S1, S2, S26): organisations, members, posts, transfers,
the responsibility chain with bulk assignment, grid posts, and the coverage audit.

As for the registers: every queryset starts from `visible_to(user, "party.view")`, so what lies
outside the user's scope is "not found"; references to other objects are looked up among the
visible ones only; writes go through `sixfold.party.actions`, whose field errors and codes come
back in the API's error format. A member's own record is `me/`.
"""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from sixfold.api.errors import action_errors
from sixfold.api.permissions import require_perm_on, require_perm_somewhere
from sixfold.api.serializers import PersonalDataField, VisibleObjectField
from sixfold.core.models import Region, Resident

from . import actions
from .actions import ASSIGN, CONFIGURE, MANAGE, VIEW
from .coverage import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    coverage_report,
    node_label,
    threshold_households,
)
from .filters import LinkFilter, MemberFilter, OrganizationFilter
from .models import (
    ChainLevel,
    GridPost,
    GridPostKind,
    MemberTransfer,
    PartyMember,
    PartyOrganization,
    PartyPost,
    ResponsibilityLink,
)

NOT_FOUND = _("Not found.")


# --- fields ----------------------------------------------------------------------------------------
class PartyObjectField(VisibleObjectField):
    """A party object by id, among those the user sees with `party.view`."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user, VIEW)


@extend_schema_field(OpenApiTypes.STR)
class PartyRegionField(serializers.SlugRelatedField):
    """A region node by code, among those the user sees with `party.view`."""

    default_error_messages = {"does_not_exist": NOT_FOUND, "invalid": _("Enter a region code.")}

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Region.objects.visible_to(self.context["request"].user, VIEW)


def _user(serializer):
    return serializer.context["request"].user


# --- organisations ---------------------------------------------------------------------------------
class PartyOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    region = PartyRegionField(help_text=_("Code of the node the organisation is bound to."))
    level = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=PartyOrganization._meta.get_field("kind").choices)
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("The usual name when omitted."),
    )
    founded_on = serializers.DateField(required=False, allow_null=True)
    term_start = serializers.DateField(required=False, allow_null=True)
    term_end = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    member_count = serializers.IntegerField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["region"].read_only = True
            self.fields["kind"].required = False

    def create(self, validated_data):
        region = validated_data.pop("region")
        with action_errors():
            return actions.create_organization(region, validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_organization(instance, validated_data, by=_user(self))


@extend_schema_view(
    list=extend_schema(summary=_("List party organisations")),
    create=extend_schema(summary=_("Create the party organisation of a node")),
    destroy=extend_schema(summary=_("Dissolve a party organisation")),
)
class OrganizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PartyOrganizationSerializer
    filterset_class = OrganizationFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            PartyOrganization.objects.visible_to(self.request.user)
            .select_related("region")
            .annotate(
                member_count=Count("members", filter=Q(members__status=PartyMember.Status.ACTIVE))
            )
            .order_by("code")
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)

    def update(self, request, *args, **kwargs):
        require_perm_on(request.user, MANAGE, self.get_object().code)
        response = super().update(request, *args, **kwargs)
        response.data = self.get_serializer(self.get_object()).data
        return response

    def destroy(self, request, *args, **kwargs):
        org = self.get_object()
        require_perm_on(request.user, MANAGE, org.code)
        with action_errors():
            actions.dissolve_organization(org, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- members ---------------------------------------------------------------------------------------
class MemberPostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organization = serializers.IntegerField(source="organization_id", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    post = serializers.CharField(read_only=True)


class PartyMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True, help_text=_("Code of the organisation's node."))
    organization = PartyObjectField(PartyOrganization, help_text=_("Id of the organisation."))
    group = PartyObjectField(
        PartyOrganization, required=False, allow_null=True, help_text=_("Id of a party group.")
    )
    resident = VisibleObjectField(
        Resident,
        required=False,
        allow_null=True,
        help_text=_("Id of the resident; omit for a member who is not in the register."),
    )
    name = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text=_("Read: the member's name. Write: only for a member not in the register."),
    )
    gender = serializers.ChoiceField(
        choices=Resident.Gender.choices, required=False, allow_blank=True
    )
    phone = PersonalDataField(
        read_from="display_phone",
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("Masked when read. Plaintext when written (members not in the register)."),
    )
    standing = serializers.ChoiceField(choices=PartyMember.Standing.choices, required=False)
    status = serializers.CharField(read_only=True)
    joined_on = serializers.DateField()
    full_on = serializers.DateField(required=False, allow_null=True)
    in_service = serializers.BooleanField(required=False)
    employer = serializers.CharField(required=False, allow_blank=True, max_length=100)
    elderly = serializers.BooleanField(required=False)
    in_difficulty = serializers.BooleanField(required=False)
    mobile = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    posts = MemberPostSerializer(many=True, read_only=True)
    household_count = serializers.IntegerField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            for name in ("organization", "resident"):
                self.fields[name].read_only = True
            self.fields["joined_on"].required = False

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["name"] = instance.display_name
        data["gender"] = instance.resident.gender if instance.resident_id else instance.gender
        return data

    def create(self, validated_data):
        organization = validated_data.pop("organization")
        with action_errors():
            return actions.create_member(organization, validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_member(instance, validated_data, by=_user(self))


class MemberTransferSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True)
    from_organization = serializers.IntegerField(source="from_organization_id", read_only=True)
    from_name = serializers.CharField(read_only=True)
    to_organization = PartyObjectField(
        PartyOrganization,
        required=False,
        allow_null=True,
        help_text=_("Id of the organisation in the street; omit for a move out of the street."),
    )
    to_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("The organisation elsewhere, for a move out of the street."),
    )
    on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


def members_queryset(user):
    return (
        PartyMember.objects.visible_to(user)
        .select_related("resident", "organization")
        .prefetch_related("posts__organization")
        .annotate(household_count=Count("links", filter=Q(links__level=ChainLevel.HOUSEHOLD)))
        .order_by("code", "id")
    )


@extend_schema_view(
    list=extend_schema(summary=_("List party members")),
    create=extend_schema(summary=_("Register a party member")),
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PartyMemberSerializer
    filterset_class = MemberFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return members_queryset(self.request.user)

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)

    def update(self, request, *args, **kwargs):
        require_perm_on(request.user, MANAGE, self.get_object().code)
        super().update(request, *args, **kwargs)
        refreshed = self.get_queryset().filter(pk=kwargs["pk"]).first()
        return Response(self.get_serializer(refreshed).data)

    @extend_schema(
        request=MemberTransferSerializer,
        responses={201: MemberTransferSerializer},
        summary=_("Transfer a member's organisational relationship"),
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        member = self.get_object()
        require_perm_on(request.user, MANAGE, member.code)
        given = MemberTransferSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        with action_errors():
            transfer = actions.transfer_member(member, by=request.user, **given.validated_data)
        return Response(MemberTransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class OwnRecordView(APIView):
    """The requesting member's own party record (role `party_member`)."""

    @extend_schema(responses=PartyMemberSerializer, summary=_("My party record"))
    def get(self, request):
        member = (
            PartyMember.objects.own(request.user)
            .select_related("resident", "organization")
            .prefetch_related("posts__organization")
            .annotate(household_count=Count("links", filter=Q(links__level=ChainLevel.HOUSEHOLD)))
            .first()
        )
        if member is None:
            raise NotFound()
        return Response(PartyMemberSerializer(member, context={"request": request}).data)


@extend_schema_view(list=extend_schema(summary=_("List organisation transfers")))
class TransferViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MemberTransferSerializer

    def get_queryset(self):
        return MemberTransfer.objects.visible_to(self.request.user).order_by("-on", "-id")


# --- posts in the party ----------------------------------------------------------------------------
class PartyPostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organization = PartyObjectField(PartyOrganization)
    member = PartyObjectField(PartyMember)
    post = serializers.ChoiceField(choices=PartyPost.Post.choices)
    since = serializers.DateField(required=False, allow_null=True)

    def create(self, validated_data):
        with action_errors():
            return actions.add_party_post(
                validated_data["organization"],
                validated_data["member"],
                validated_data["post"],
                since=validated_data.get("since"),
                by=_user(self),
            )


@extend_schema_view(
    list=extend_schema(summary=_("List posts in party organisations")),
    create=extend_schema(summary=_("Give a member a post")),
    destroy=extend_schema(summary=_("End a post")),
)
class PartyPostViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PartyPostSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return PartyPost.objects.visible_to(self.request.user, VIEW).order_by("code", "id")

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        post = self.get_object()
        require_perm_on(request.user, MANAGE, post.code)
        with action_errors():
            actions.end_party_post(post, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the responsibility chain ----------------------------------------------------------------------
class ResponsibilityLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    region = PartyRegionField(help_text=_("Code of the node (community … household)."))
    level = serializers.CharField(read_only=True)
    member = PartyObjectField(PartyMember, help_text=_("Id of the responsible member."))
    member_name = serializers.CharField(source="member.display_name", read_only=True)
    replace = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("Hand over a node someone answers for already."),
    )
    expected_member = serializers.IntegerField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text=_(
            "With `replace`: the member you saw holding the node; if someone else changed it "
            "meanwhile the request is refused (`changed`)."
        ),
    )

    def create(self, validated_data):
        with action_errors():
            return actions.assign_responsibility(
                validated_data["region"],
                validated_data["member"],
                replace=validated_data.get("replace", False),
                expected_member_id=validated_data.get("expected_member"),
                by=_user(self),
            )


class BulkAssignmentSerializer(serializers.Serializer):
    region = PartyRegionField(help_text=_("Code of the node under which to fill the gaps."))
    level = serializers.ChoiceField(choices=ChainLevel.choices)
    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=200,
        help_text=_("Ids of the members who share the nodes, in order."),
    )


class BulkAssignmentResultSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(summary=_("List who answers for which node")),
    create=extend_schema(summary=_("Put a member in charge of a node")),
    destroy=extend_schema(summary=_("Remove a responsibility")),
)
class LinkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ResponsibilityLinkSerializer
    filterset_class = LinkFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            ResponsibilityLink.objects.visible_to(self.request.user, VIEW)
            .select_related("region", "member__resident")
            .order_by("code")
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, ASSIGN)
        return super().create(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        link = self.get_object()
        require_perm_on(request.user, ASSIGN, link.code)
        with action_errors():
            actions.unassign_responsibility(link, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=BulkAssignmentSerializer,
        responses=BulkAssignmentResultSerializer,
        summary=_("Fill every gap of a level under a node, shared among members"),
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        require_perm_somewhere(request.user, ASSIGN)
        given = BulkAssignmentSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        visible = PartyMember.objects.visible_to(request.user, VIEW).in_bulk(data["members"])
        missing = [pk for pk in data["members"] if pk not in visible]
        if missing:
            raise ValidationError({"members": [NOT_FOUND]}, code="does_not_exist")
        with action_errors():
            count = actions.assign_in_bulk(
                data["region"],
                data["level"],
                [visible[pk] for pk in data["members"]],
                by=request.user,
            )
        return Response({"assigned": count})


# --- grid posts ------------------------------------------------------------------------------------
class GridPostKindSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=50)
    required = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False, default=True)
    order = serializers.IntegerField(required=False, min_value=0, max_value=999)

    def create(self, validated_data):
        with action_errors():
            return actions.create_post_kind(validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_post_kind(instance, validated_data, by=_user(self))


@extend_schema_view(list=extend_schema(summary=_("List the posts every grid has")))
class GridPostKindViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = GridPostKindSerializer
    queryset = GridPostKind.objects.all()
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        require_perm_somewhere(self.request.user, VIEW)
        return GridPostKind.objects.order_by("order", "id")

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, CONFIGURE)
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, CONFIGURE)
        return super().update(request, *args, **kwargs)


class GridPostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    grid = PartyRegionField(help_text=_("Code of the grid."))
    kind = serializers.PrimaryKeyRelatedField(queryset=GridPostKind.objects.filter(active=True))
    member = PartyObjectField(PartyMember, required=False, allow_null=True)
    resident = VisibleObjectField(Resident, required=False, allow_null=True)
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text=_("Read: the holder's name. Write: someone who is neither member nor resident."),
    )
    since = serializers.DateField(required=False, allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["name"] = instance.holder_name
        return data

    def create(self, validated_data):
        with action_errors():
            return actions.fill_grid_post(
                validated_data["grid"],
                validated_data["kind"],
                member=validated_data.get("member"),
                resident=validated_data.get("resident"),
                name=validated_data.get("name", ""),
                since=validated_data.get("since"),
                by=_user(self),
            )


@extend_schema_view(
    list=extend_schema(summary=_("List who holds which grid post")),
    create=extend_schema(summary=_("Fill a grid post")),
    destroy=extend_schema(summary=_("Vacate a grid post")),
)
class GridPostViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = GridPostSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        queryset = GridPost.objects.visible_to(self.request.user, VIEW)
        region = (self.request.query_params.get("region") or "").strip()
        if region:
            queryset = queryset.within(region)
        return queryset.select_related("grid", "kind", "member__resident", "resident").order_by(
            "code", "kind__order"
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, ASSIGN)
        return super().create(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        post = self.get_object()
        require_perm_on(request.user, ASSIGN, post.code)
        with action_errors():
            actions.vacate_grid_post(post, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the coverage audit ----------------------------------------------------------------------------
class CoverageGapSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    address = serializers.CharField()
    url = serializers.CharField(help_text=_("The node's page, where someone can be assigned."))


class CoverageLevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    nodes = serializers.IntegerField()
    covered = serializers.IntegerField()
    uncovered = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    gaps = CoverageGapSerializer(many=True)


class PostCoverageGapSerializer(CoverageGapSerializer):
    missing = serializers.ListField(child=serializers.CharField())


class GridPostCoverageSerializer(CoverageLevelSerializer):
    required = serializers.ListField(child=serializers.CharField())
    gaps = PostCoverageGapSerializer(many=True)


class OverloadedMemberSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    name = serializers.CharField()
    organization = serializers.CharField()
    households = serializers.IntegerField()


class CoverageRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    region = CoverageRegionSerializer()
    threshold = serializers.IntegerField()
    organisations = CoverageLevelSerializer(many=True)
    chain = CoverageLevelSerializer(many=True)
    grid_posts = GridPostCoverageSerializer(allow_null=True)
    overloaded = OverloadedMemberSerializer(many=True)
    overloaded_count = serializers.IntegerField()


def _gap(node, **extra) -> dict:
    return {
        "code": node.code,
        "name": node_label(node),
        "level": node.level,
        "address": node.address,
        "url": reverse("party:chain_node", args=[node.code]),
        **extra,
    }


def _level(row, gaps: bool = True) -> dict:
    return {
        "level": row.level,
        "label": row.label,
        "nodes": row.nodes,
        "covered": row.covered,
        "uncovered": row.uncovered,
        "percent": row.percent,
        "gaps": [_gap(node) for node in row.gaps] if gaps else [],
    }


def coverage_data(report) -> dict:
    """The report as the API and `coverage_report --format json` give it."""
    posts = None
    if report.posts is not None:
        posts = {
            **_level(report.posts, gaps=False),
            "required": [kind.name for kind in report.required_posts],
            "gaps": [
                {
                    **_gap(gap.grid),
                    "url": reverse("party:grid_post_edit", args=[gap.grid.code]),
                    "missing": [kind.name for kind in gap.missing],
                }
                for gap in report.posts.gaps
            ],
        }
    return {
        "region": {
            "code": report.region.code,
            "name": report.region.name,
            "level": report.region.level,
        },
        "threshold": report.threshold,
        "organisations": [_level(row) for row in report.organisations],
        "chain": [_level(row) for row in report.chain],
        "grid_posts": posts,
        "overloaded": [
            {
                "member": row.member.pk,
                "name": row.member.display_name,
                "organization": row.member.organization.name,
                "households": row.households,
            }
            for row in report.overloaded
        ],
        "overloaded_count": report.overloaded_count,
    }


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


class CoverageView(APIView):
    """The coverage audit of a node's subtree (S1, S2, S26)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "region", OpenApiTypes.STR, required=True, description=_("Node code.")
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=_("Gaps listed per level (default 50).")
            ),
            OpenApiParameter(
                "threshold",
                OpenApiTypes.INT,
                description=_("Households per member above which a member is listed."),
            ),
        ],
        responses=CoverageSerializer,
        summary=_("Coverage audit: organisations, responsibility chain, grid posts"),
    )
    def get(self, request):
        require_perm_somewhere(request.user, VIEW)
        code = (request.query_params.get("region") or "").strip()
        if not code:
            raise ValidationError({"region": [_("Enter a region code.")]}, code="required")
        region = get_object_or_404(Region.objects.visible_to(request.user, VIEW), code=code)
        limit = _whole_number(request, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
        threshold = _whole_number(request, "threshold", threshold_households(), 1, 10_000)
        report = coverage_report(region, limit=limit, threshold=threshold, children=False)
        return Response(coverage_data(report))
