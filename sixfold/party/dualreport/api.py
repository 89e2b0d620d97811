"""The dual-reporting API under /api/v1/party/dual-report/ (S22).

As everywhere in the API: querysets start from `visible_to(user, "party.view")` — plus, for a
member, her own rows — so anything else is "not found"; references are looked up among the
visible rows; writes go through `sixfold.party.dualreport.actions`, whose field errors and codes
come back in the API's error format. A claim on a full post answers 409 with code `full`
(also when two members race for the last place); claiming twice answers 409 `already_claimed`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sixfold.api.errors import action_errors
from sixfold.api.permissions import require_perm_on, require_perm_somewhere
from sixfold.api.serializers import PersonalDataField, VisibleObjectField
from sixfold.core.models import Region
from sixfold.party.models import PartyMember

from . import actions, letters
from .actions import COMMUNITY_LEVELS, MANAGE, VIEW, is_self
from .filters import ClaimFilter, PostFilter, RecordFilter, RegistrationFilter, UnitFilter
from .models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServiceCategory,
    ServicePost,
    ServiceRecord,
    Status,
    UnitRegistration,
)

NOT_FOUND = _("Not found.")
CONFLICT_CODES = ("full", "already_claimed")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _user(serializer):
    return serializer.context["request"].user


def own(user, path: str) -> Q:
    """Rows of the user's own member record (nothing for an anonymous user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return Q(**{path: user})


class ScopedObjectField(VisibleObjectField):
    """An object by id among those the user sees with `party.view`, or her own."""

    def __init__(self, model, own_path: str | None = None, **kwargs):
        self.own_path = own_path
        super().__init__(model, **kwargs)

    def get_queryset(self):
        user = _user(self)
        condition = Q(pk__in=self.model.objects.visible_to(user, VIEW).values("pk"))
        if self.own_path:
            condition |= own(user, self.own_path)
        return self.model.objects.filter(condition).distinct()


@extend_schema_field(OpenApiTypes.STR)
class CommunityField(serializers.SlugRelatedField):
    default_error_messages = {"does_not_exist": NOT_FOUND, "invalid": _("Enter a region code.")}

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Region.objects.visible_to(_user(self), VIEW).filter(level__in=COMMUNITY_LEVELS)


class CategoryField(serializers.SlugRelatedField):
    default_error_messages = {"does_not_exist": NOT_FOUND, "invalid": _("Enter a category key.")}

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=ServiceCategory.objects.all(), **kwargs)


# --- categories -------------------------------------------------------------------------------------
class DualReportCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["slug", "name", "active", "order"]


@extend_schema_view(list=extend_schema(summary=_("List post categories")))
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DualReportCategorySerializer
    pagination_class = None
    queryset = ServiceCategory.objects.order_by("order", "id")


# --- member registrations --------------------------------------------------------------------
class DualReportRegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    member = ScopedObjectField(
        PartyMember, own_path="user", help_text=_("Id of the in-service party member.")
    )
    member_name = serializers.CharField(source="member.display_name", read_only=True)
    community = CommunityField(
        required=False, help_text=_("Code of the residence community; the member's by default.")
    )
    code = serializers.CharField(read_only=True)
    employer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    employer_party_org = serializers.CharField(max_length=100, required=False, allow_blank=True)
    unit = ScopedObjectField(UnitRegistration, required=False, allow_null=True)
    phone = PersonalDataField(
        read_from="phone_masked",
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("Masked when read, plaintext when written."),
    )
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True)
    categories = CategoryField(many=True, required=False)
    registered_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.CharField(read_only=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["member"].read_only = True
            self.fields["community"].read_only = True

    def create(self, validated_data):
        member = validated_data.pop("member")
        community = validated_data.pop("community", None)
        with action_errors():
            return actions.register_member(
                member, validated_data, community=community, by=_user(self)
            )

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_registration(instance, validated_data, by=_user(self))


def registrations_for(user):
    return (
        MemberRegistration.objects.filter(
            Q(pk__in=MemberRegistration.objects.visible_to(user).values("pk"))
            | own(user, "member__user")
        )
        .select_related("member__resident", "community")
        .prefetch_related("categories")
        .order_by("code", "id")
    )


QUARTER_PARAM = OpenApiParameter(
    "quarter",
    OpenApiTypes.STR,
    description=_("The quarter, e.g. 2026-Q1; the current one if omitted."),
)


def _quarter_value(value) -> tuple[int, int]:
    if not value:
        return letters.current_quarter()
    parsed = letters.parse_quarter(str(value))
    if parsed is None:
        raise exceptions.ValidationError(
            {"quarter": [_("Enter a quarter that has begun, such as 2026-Q1.")]}
        )
    return parsed


class DualReportAssessmentSerializer(serializers.Serializer):
    quarter = serializers.CharField(max_length=8, help_text=_("The quarter, e.g. 2026-Q1."))
    grade = serializers.ChoiceField(choices=QuarterlyAssessment.Grade.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def to_representation(self, instance):
        return {
            "quarter": letters.quarter_label(instance.year, instance.quarter),
            "grade": instance.grade,
            "comment": instance.comment,
        }


class DualReportLetterRecordSerializer(serializers.Serializer):
    served_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    post = serializers.CharField(source="post.title", default="")
    description = serializers.CharField()


class DualReportLetterPostSerializer(serializers.Serializer):
    post = serializers.IntegerField(source="post_id")
    title = serializers.CharField(source="post.title")
    category = serializers.CharField(source="post.category.name")
    claimed_on = serializers.DateField()
    released_on = serializers.DateField(allow_null=True)


class DualReportLetterSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    hours = serializers.DecimalField(max_digits=9, decimal_places=1)
    year_hours = serializers.DecimalField(max_digits=9, decimal_places=1)
    points = serializers.DecimalField(max_digits=9, decimal_places=2)
    posts = DualReportLetterPostSerializer(source="claims", many=True)
    records = DualReportLetterRecordSerializer(many=True)
    grade = serializers.CharField(source="assessment.grade", default=None)
    comment = serializers.CharField(source="assessment.comment", default=None)


@extend_schema_view(
    list=extend_schema(summary=_("List member registrations (dual reporting)")),
    create=extend_schema(summary=_("Register an in-service member with her community")),
)
class RegistrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DualReportRegistrationSerializer
    filterset_class = RegistrationFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return registrations_for(self.request.user)

    def _refreshed(self, pk):
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        serializer.instance = self._refreshed(serializer.save().pk)

    def update(self, request, *args, **kwargs):
        registration = self.get_object()
        if not is_self(request.user, registration.member):
            require_perm_on(request.user, MANAGE, registration.code)
        super().update(request, *args, **kwargs)
        return Response(self.get_serializer(self._refreshed(registration.pk)).data)

    @extend_schema(request=None, summary=_("Withdraw a registration"))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        registration = self.get_object()
        with action_errors():
            actions.withdraw_registration(registration, by=request.user)
        return Response(self.get_serializer(self._refreshed(registration.pk)).data)

    @extend_schema(
        request=DualReportAssessmentSerializer,
        responses=DualReportAssessmentSerializer,
        summary=_("Assess a member's quarter (printed on the feedback letter)"),
    )
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        registration = self.get_object()
        require_perm_on(request.user, MANAGE, registration.code)
        given = DualReportAssessmentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        year, quarter = _quarter_value(data["quarter"])
        with action_errors():
            assessment = actions.assess_quarter(
                registration, year, quarter, data["grade"], data.get("comment", ""), by=request.user
            )
        return Response(DualReportAssessmentSerializer(assessment).data)

    @extend_schema(
        parameters=[QUARTER_PARAM],
        responses=DualReportLetterSerializer,
        summary=_("The quarter's feedback letter of one member"),
    )
    @action(detail=True, methods=["get"])
    def letter(self, request, pk=None):
        registration = self.get_object()
        year, quarter = _quarter_value(request.query_params.get("quarter"))
        data = letters.letter(registration, year, quarter)
        data["quarter"] = letters.quarter_label(year, quarter)
        return Response(DualReportLetterSerializer(data).data)


# --- unit registrations --------------------------------------------------------------------
class DualReportUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    community = CommunityField(help_text=_("Code of the community."))
    name = serializers.CharField(max_length=100, help_text=_("The unit's party organisation."))
    unit = serializers.CharField(max_length=100)
    contact_name = serializers.CharField(max_length=50)
    phone = PersonalDataField(read_from="phone_masked", max_length=30, required=False)
    registered_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.CharField(read_only=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    member_count = serializers.IntegerField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["community"].read_only = True
            for name in ("name", "unit", "contact_name"):
                self.fields[name].required = False

    def create(self, validated_data):
        community = validated_data.pop("community")
        with action_errors():
            return actions.register_unit(community, validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_unit(instance, validated_data, by=_user(self))


@extend_schema_view(list=extend_schema(summary=_("List units' party organisations reported")))
class UnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DualReportUnitSerializer
    filterset_class = UnitFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            UnitRegistration.objects.visible_to(self.request.user)
            .select_related("community")
            .annotate(member_count=Count("members", filter=Q(members__status=Status.ACTIVE)))
            .order_by("code", "name", "id")
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)

    def update(self, request, *args, **kwargs):
        unit = self.get_object()
        require_perm_on(request.user, MANAGE, unit.code)
        super().update(request, *args, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=unit.pk)).data)

    @extend_schema(request=None, summary=_("Withdraw a unit's registration"))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        unit = self.get_object()
        require_perm_on(request.user, MANAGE, unit.code)
        with action_errors():
            actions.withdraw_unit(unit, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=unit.pk)).data)


# --- posts and claims -----------------------------------------------------------------------
class DualReportPostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    community = CommunityField(help_text=_("Code of the community."))
    category = CategoryField(help_text=_("Key of the category."))
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    schedule = serializers.CharField(max_length=100, required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    capacity = serializers.IntegerField(min_value=1, max_value=actions.MAX_CAPACITY)
    taken = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["community"].read_only = True
            for name in ("category", "title", "capacity"):
                self.fields[name].required = False

    def create(self, validated_data):
        community = validated_data.pop("community")
        with action_errors():
            return actions.publish_post(community, validated_data, by=_user(self))

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_post(instance, validated_data, by=_user(self))


class DualReportPostStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ServicePost.PostStatus.choices)


class DualReportClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    post = serializers.IntegerField(source="post_id", read_only=True)
    post_title = serializers.CharField(source="post.title", read_only=True)
    registration = serializers.IntegerField(source="registration_id", read_only=True)
    member_name = serializers.CharField(source="registration.member.display_name", read_only=True)
    status = serializers.CharField(read_only=True)
    claimed_on = serializers.DateField(read_only=True)
    released_on = serializers.DateField(read_only=True)


class DualReportClaimRequestSerializer(serializers.Serializer):
    registration = ScopedObjectField(
        MemberRegistration,
        own_path="member__user",
        required=False,
        help_text=_("Id of the member's registration; a member claiming for herself omits it."),
    )


def _claim_errors(exc: DjangoValidationError):
    codes = {error.code for errors in getattr(exc, "error_dict", {}).values() for error in errors}
    for code in CONFLICT_CODES:
        if code in codes:
            raise Conflict(" ".join(exc.messages), code=code) from exc


def posts_for(user):
    condition = Q(pk__in=ServicePost.objects.visible_to(user).values("pk"))
    mine = MemberRegistration.objects.filter(own(user, "member__user"), status=Status.ACTIVE)
    condition |= Q(community_id__in=mine.values("community_id"))
    return (
        ServicePost.objects.filter(condition)
        .select_related("category", "community")
        .annotate(taken=Count("claims", filter=Q(claims__status=Status.ACTIVE)))
        .order_by("code", "category__order", "id")
    )


@extend_schema_view(
    list=extend_schema(summary=_("List posts offered to in-service members")),
    create=extend_schema(summary=_("Publish a post")),
)
class PostViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DualReportPostSerializer
    filterset_class = PostFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return posts_for(self.request.user)

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)

    def update(self, request, *args, **kwargs):
        post = self.get_object()
        require_perm_on(request.user, MANAGE, post.code)
        super().update(request, *args, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=post.pk)).data)

    @extend_schema(
        request=DualReportClaimRequestSerializer,
        responses={201: DualReportClaimSerializer},
        summary=_("Claim a place on a post (409 `full` when no place is left)"),
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        post = self.get_object()
        given = DualReportClaimRequestSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        registration = given.validated_data.get("registration")
        if registration is None:
            registration = MemberRegistration.objects.filter(
                member__user=request.user, status=Status.ACTIVE
            ).first()
            if registration is None:
                raise exceptions.ValidationError(
                    {"registration": [_("Report to your community before claiming posts.")]}
                )
        try:
            claim = actions.claim_post(post, registration, by=request.user)
        except DjangoValidationError as exc:
            _claim_errors(exc)
            with action_errors():
                raise
        claim = PostClaim.objects.select_related("post", "registration__member__resident").get(
            pk=claim.pk
        )
        return Response(DualReportClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DualReportPostStatusSerializer,
        responses=DualReportPostSerializer,
        summary=_("Close a post to new claims, or open it again"),
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        post = self.get_object()
        require_perm_on(request.user, MANAGE, post.code)
        given = DualReportPostStatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with action_errors():
            actions.set_post_status(post, given.validated_data["status"], by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=post.pk)).data)


@extend_schema_view(list=extend_schema(summary=_("List claims of posts")))
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DualReportClaimSerializer
    filterset_class = ClaimFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        user = self.request.user
        return (
            PostClaim.objects.filter(
                Q(pk__in=PostClaim.objects.visible_to(user).values("pk"))
                | own(user, "registration__member__user")
            )
            .select_related("post", "registration__member__resident")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=None, summary=_("Release a claimed post"))
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        claim = self.get_object()
        with action_errors():
            actions.release_claim(claim, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=claim.pk)).data)


# --- service records -----------------------------------------------------------------------
class DualReportRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    registration = ScopedObjectField(MemberRegistration, own_path="member__user")
    member_name = serializers.CharField(source="registration.member.display_name", read_only=True)
    post = ScopedObjectField(
        ServicePost, own_path="claims__registration__member__user", required=False, allow_null=True
    )
    served_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    description = serializers.CharField(max_length=200)
    status = serializers.CharField(read_only=True)
    points = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)
    reason = serializers.CharField(read_only=True)

    def create(self, validated_data):
        registration = validated_data.pop("registration")
        with action_errors():
            return actions.log_service(registration, validated_data, by=_user(self))


class DualReportReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary=_("List service records")),
    create=extend_schema(
        summary=_("Record service hours (a member's own entry awaits confirmation)")
    ),
)
class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DualReportRecordSerializer
    filterset_class = RecordFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        user = self.request.user
        return (
            ServiceRecord.objects.filter(
                Q(pk__in=ServiceRecord.objects.visible_to(user).values("pk"))
                | own(user, "registration__member__user")
            )
            .select_related("registration__member__resident")
            .order_by("-served_on", "-id")
        )

    def perform_create(self, serializer):
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)

    def _after(self, record):
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(request=None, summary=_("Confirm hours (credits the points ledger)"))
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        record = self.get_object()
        require_perm_on(request.user, MANAGE, record.code)
        with action_errors():
            actions.confirm_record(record, by=request.user)
        return self._after(record)

    @extend_schema(
        request=DualReportReasonSerializer, summary=_("Reject hours awaiting confirmation")
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        record = self.get_object()
        require_perm_on(request.user, MANAGE, record.code)
        given = DualReportReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with action_errors():
            actions.reject_record(record, given.validated_data.get("reason", ""), by=request.user)
        return self._after(record)

    @extend_schema(
        request=DualReportReasonSerializer,
        summary=_("Withdraw a record (a confirmed one's points are reversed)"),
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        record = self.get_object()
        given = DualReportReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with action_errors():
            actions.withdraw_record(record, given.validated_data.get("reason", ""), by=request.user)
        return self._after(record)


# --- quarterly letters summary ------------------------------------------------------------
class DualReportQuarterSummarySerializer(serializers.Serializer):
    registration = serializers.IntegerField(source="pk")
    member = serializers.IntegerField(source="member_id")
    member_name = serializers.CharField(source="member.display_name")
    community = serializers.CharField(source="community.code")
    employer = serializers.CharField()
    employer_party_org = serializers.CharField()
    posts = serializers.IntegerField(source="quarter_posts")
    records = serializers.IntegerField(source="quarter_records")
    hours = serializers.DecimalField(source="quarter_hours", max_digits=9, decimal_places=1)
    year_hours = serializers.DecimalField(max_digits=9, decimal_places=1)
    grade = serializers.ChoiceField(
        choices=QuarterlyAssessment.Grade.choices, allow_null=True, read_only=True
    )
    comment = serializers.CharField(source="assessment_comment", allow_null=True)
    letter_url = serializers.SerializerMethodField()

    def get_letter_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("dualreport:letter", args=[obj.pk]) + f"?quarter={self.context['quarter']}"


@extend_schema_view(
    list=extend_schema(
        summary=_("Quarter summary of every reported member (the feedback letters)"),
        parameters=[QUARTER_PARAM],
    )
)
class LetterViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DualReportQuarterSummarySerializer

    def quarter(self):
        return _quarter_value(self.request.query_params.get("quarter"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["quarter"] = letters.quarter_label(*self.quarter())
        return context

    def get_queryset(self):
        year, quarter = self.quarter()
        registrations = letters.reported_by(
            MemberRegistration.objects.filter(
                Q(pk__in=MemberRegistration.objects.visible_to(self.request.user).values("pk"))
                | own(self.request.user, "member__user")
            ).select_related("member__resident", "community"),
            year,
            quarter,
        )
        return letters.with_quarter(registrations, year, quarter).order_by("code", "id")
