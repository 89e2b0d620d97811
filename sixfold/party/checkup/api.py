"""The check-up API under /api/v1/party/checkup/ (S7): cycles, sheets, assessments and the
rectification list.

Querysets start from `visible_to(user, "party.view")`; writes go through
`sixfold.party.checkup.actions`, whose field errors and codes come back in the API's error format.
Assessments are posted by whoever may give them (the member, a peer, a resident of her community,
her organisation): a member the requester may not assess is "not found".
"""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from sixfold.api.errors import action_errors
from sixfold.api.permissions import require_perm_on, require_perm_somewhere
from sixfold.core.models import Region
from sixfold.party.actions import MANAGE, VIEW
from sixfold.party.models import PartyMember

from . import actions, grading
from .filters import CycleFilter, RectificationFilter
from .models import (
    Assessment,
    CheckupCycle,
    CheckupResult,
    Grade,
    Indicator,
    Party,
    RectificationItem,
)
from .progress import branch_progress


class CheckupIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "category", "name", "description", "weight", "max_score", "order"]


class CheckupCycleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.none(),
        help_text=_("Code of the street or community the check-up covers."),
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    status = serializers.CharField(read_only=True)
    weight_self = serializers.IntegerField(required=False, min_value=0, max_value=100)
    weight_peer = serializers.IntegerField(required=False, min_value=0, max_value=100)
    weight_resident = serializers.IntegerField(required=False, min_value=0, max_value=100)
    weight_organization = serializers.IntegerField(required=False, min_value=0, max_value=100)
    healthy_from = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100
    )
    subhealthy_from = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100
    )
    min_residents = serializers.IntegerField(required=False, min_value=0, max_value=200)
    indicators = CheckupIndicatorSerializer(many=True, read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["region"].queryset = Region.objects.visible_to(request.user, VIEW)
        if self.instance is not None:
            self.fields["region"].read_only = True
            self.fields["year"].read_only = True

    def create(self, validated_data):
        region = validated_data.pop("region")
        with action_errors():
            return actions.create_cycle(region, validated_data, by=self.context["request"].user)

    def update(self, instance, validated_data):
        with action_errors():
            return actions.change_cycle(instance, validated_data, by=self.context["request"].user)


class CheckupSheetSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    name = serializers.CharField(source="member.display_name")
    organization = serializers.CharField(source="member.organization.name")
    self_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    peer_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    resident_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    organization_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    grade = serializers.CharField(allow_blank=True)
    initial_grade = serializers.CharField(allow_blank=True)
    missing = serializers.ListField(child=serializers.CharField())
    final = serializers.BooleanField(help_text=_("Frozen by the close of the cycle."))


class CheckupProgressSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.IntegerField()
    assessed = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Members assessed, per party.")
    )
    residents = serializers.IntegerField(help_text=_("Residents heard."))
    below_minimum = serializers.BooleanField(
        help_text=_("Fewer residents heard than the cycle asks for.")
    )


def sheet_data(cycle, member, result=None, sheet=None) -> dict:
    if result is not None:
        return {
            "member": member,
            "self_score": result.self_score,
            "peer_score": result.peer_score,
            "resident_score": result.resident_score,
            "organization_score": result.organization_score,
            "total": result.total,
            "grade": result.grade,
            "initial_grade": result.initial_grade,
            "missing": [p for p in result.missing.split(",") if p],
            "final": True,
        }
    scores = sheet.party_scores
    return {
        "member": member,
        "self_score": scores[Party.SELF],
        "peer_score": scores[Party.PEER],
        "resident_score": scores[Party.RESIDENT],
        "organization_score": scores[Party.ORGANIZATION],
        "total": sheet.total,
        "grade": sheet.grade,
        "initial_grade": sheet.grade,
        "missing": list(sheet.missing),
        "final": False,
    }


@extend_schema_view(
    list=extend_schema(summary=_("List check-up cycles")),
    create=extend_schema(summary=_("Create a check-up cycle (draft)")),
)
class CycleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CheckupCycleSerializer
    filterset_class = CycleFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            CheckupCycle.objects.visible_to(self.request.user, VIEW)
            .select_related("region")
            .prefetch_related("indicators")
            .order_by("-year", "code")
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        require_perm_on(request.user, MANAGE, self.get_object().code)
        super().update(request, *args, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=kwargs["pk"])).data)

    def _transition(self, request, do):
        cycle = self.get_object()
        require_perm_on(request.user, MANAGE, cycle.code)
        with action_errors():
            do(cycle, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=cycle.pk)).data)

    @extend_schema(request=None, summary=_("Open a draft check-up for assessments"))
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._transition(request, actions.open_cycle)

    @extend_schema(request=None, summary=_("Close a check-up and freeze the grades"))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, actions.close_cycle)

    @extend_schema(
        responses=CheckupProgressSerializer(many=True),
        summary=_("Progress per party organisation, with the residents heard"),
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        cycle = self.get_object()
        members = PartyMember.objects.visible_to(request.user, VIEW).active().within(cycle.code)
        rows = [
            {
                "organization": row.org.pk,
                "name": row.org.name,
                "members": row.members,
                "assessed": dict(row.done),
                "residents": row.residents,
                "below_minimum": row.short,
            }
            for row in branch_progress(cycle, members)
        ]
        return Response(CheckupProgressSerializer(rows, many=True).data)

    @extend_schema(
        responses=CheckupSheetSerializer(many=True), summary=_("Members' check-up sheets")
    )
    @action(detail=True, methods=["get"])
    def sheets(self, request, pk=None):
        cycle = self.get_object()
        members = (
            PartyMember.objects.visible_to(request.user, VIEW)
            .active()
            .within(cycle.code)
            .select_related("resident", "organization")
            .order_by("code", "id")
        )
        page = self.paginate_queryset(members)
        if cycle.is_closed:
            results = {
                r.member_id: r
                for r in CheckupResult.objects.filter(cycle=cycle, member__in=[m.pk for m in page])
            }
            data = [sheet_data(cycle, m, result=results.get(m.pk)) for m in page if m.pk in results]
        else:
            data = [sheet_data(cycle, s.member, sheet=s) for s in grading.sheets_for(cycle, page)]
        return self.get_paginated_response(CheckupSheetSerializer(data, many=True).data)

    @extend_schema(responses=CheckupSheetSerializer, summary=_("One member's check-up sheet"))
    @action(detail=True, methods=["get"], url_path=r"sheets/(?P<member_pk>[0-9]+)")
    def sheet(self, request, pk=None, member_pk=None):
        cycle = self.get_object()
        member = get_object_or_404(
            PartyMember.objects.visible_to(request.user, VIEW)
            .within(cycle.code)
            .select_related("resident", "organization"),
            pk=member_pk,
        )
        result = CheckupResult.objects.filter(cycle=cycle, member=member).first()
        if result is not None:
            return Response(CheckupSheetSerializer(sheet_data(cycle, member, result=result)).data)
        sheet = grading.sheets_for(cycle, [member])[0]
        return Response(CheckupSheetSerializer(sheet_data(cycle, member, sheet=sheet)).data)


class CheckupAssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    cycle = serializers.IntegerField(source="cycle_id", min_value=1, max_value=2**63 - 1)
    member = serializers.IntegerField(source="member_id", min_value=1, max_value=2**63 - 1)
    party = serializers.ChoiceField(choices=Party.choices)
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        help_text=_("Points per indicator id, every indicator of the member's sets."),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    assessor_name = serializers.CharField(read_only=True)


@extend_schema_view(
    list=extend_schema(summary=_("Assessments of the members in scope, and one's own")),
    create=extend_schema(summary=_("Submit an assessment (replaces one's own while open)")),
)
class AssessmentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = CheckupAssessmentSerializer

    def get_queryset(self):
        user = self.request.user
        visible = Assessment.objects.visible_to(user, VIEW)
        own = Assessment.objects.filter(assessor=user) if user.is_authenticated else visible.none()
        return (visible | own).distinct().order_by("cycle_id", "member_id", "party", "id")

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        cycle = CheckupCycle.objects.filter(pk=data["cycle_id"]).first()
        member = PartyMember.objects.filter(pk=data["member_id"]).first()
        if (
            cycle is None
            or member is None
            or not actions.may_assess(request.user, cycle, member, data["party"])
        ):
            raise NotFound()
        with action_errors():
            assessment = actions.submit_assessment(
                cycle,
                member,
                data["party"],
                data["scores"],
                comment=data.get("comment", ""),
                by=request.user,
            )
        return Response(
            CheckupAssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED
        )


class CheckupRectificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    result = serializers.IntegerField(source="result_id", min_value=1, max_value=2**63 - 1)
    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.display_name", read_only=True)
    year = serializers.IntegerField(source="result.cycle.year", read_only=True)
    grade = serializers.ChoiceField(
        source="result.initial_grade", choices=Grade.choices, read_only=True
    )
    problem = serializers.CharField(max_length=300)
    measure = serializers.CharField(max_length=300, required=False, allow_blank=True)
    owner = serializers.CharField(max_length=50, required=False, allow_blank=True)
    due_on = serializers.DateField()
    status = serializers.CharField(read_only=True)
    done_on = serializers.DateField(read_only=True)
    outcome = serializers.CharField(read_only=True)


class CheckupCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=300, required=False, allow_blank=True)
    on = serializers.DateField(required=False, allow_null=True)


class CheckupRecheckSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    on = serializers.DateField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary=_("The rectification list")),
    create=extend_schema(summary=_("Add a rectification item to a result")),
)
class RectificationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CheckupRectificationSerializer
    filterset_class = RectificationFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            RectificationItem.objects.visible_to(self.request.user, VIEW)
            .select_related("member__resident", "result__cycle")
            .order_by("-status", "due_on", "id")
        )

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, MANAGE)
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        result = get_object_or_404(
            CheckupResult.objects.visible_to(request.user, VIEW).select_related("member"),
            pk=data.pop("result_id"),
        )
        require_perm_on(request.user, MANAGE, result.code)
        with action_errors():
            item = actions.add_rectification(result, data, by=request.user)
        item = self.get_queryset().get(pk=item.pk)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CheckupCompleteSerializer, summary=_("Mark a rectification item done"))
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        item = self.get_object()
        require_perm_on(request.user, MANAGE, item.code)
        given = CheckupCompleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with action_errors():
            actions.complete_rectification(item, by=request.user, **given.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)


class CheckupResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    cycle = serializers.IntegerField(source="cycle_id")
    year = serializers.IntegerField(source="cycle.year")
    member = serializers.IntegerField(source="member_id")
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    initial_grade = serializers.CharField()
    grade = serializers.CharField()
    rechecks = serializers.IntegerField(source="recheck_count")


@extend_schema_view(list=extend_schema(summary=_("Results of closed check-ups (history)")))
class ResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CheckupResultSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        queryset = (
            CheckupResult.objects.visible_to(self.request.user, VIEW)
            .select_related("cycle")
            .annotate(recheck_count=Count("rechecks"))
            .order_by("-cycle__year", "code", "member_id")
        )
        member = self.request.query_params.get("member", "")
        if member.isdigit() and len(member) < 19:
            queryset = queryset.filter(member_id=int(member))
        return queryset

    @extend_schema(
        request=CheckupRecheckSerializer, summary=_("Record a re-check with a new grade")
    )
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        result = self.get_object()
        require_perm_on(request.user, MANAGE, result.code)
        given = CheckupRecheckSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with action_errors():
            actions.record_recheck(
                result, data["grade"], note=data.get("note", ""), on=data.get("on"), by=request.user
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=result.pk)).data)
