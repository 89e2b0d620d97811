"""Viewsets of the REST API (/api/v1/): the region tree, the registers (台账, S27) and accounts.

Every queryset starts from `visible_to(user, "registry.view")` in one place (`ScopedViewSet`), so
an object outside the user's scope is absent from lists and its detail is the same 404 as a
missing one. Writes go through the action functions; the views only look objects up, refuse early
without the permission, and translate the actions' errors.
"""

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sixfold.core import actions
from sixfold.core.counts import household_counts, resident_counts
from sixfold.core.filters import (
    BuildingFilter,
    HouseholdFilter,
    RegionFilter,
    ResidentFilter,
    UnitFilter,
)
from sixfold.core.models import Building, Household, Region, Resident, Unit

from . import serializers
from .errors import InvalidCredentials, LockedOut, action_errors
from .permissions import ADD, CHANGE, DELETE, REVEAL, VIEW, require_perm_on, require_perm_somewhere


# --- accounts -------------------------------------------------------------------------------------
class TokenView(APIView):
    """Exchange a username and password for an API token, or give the token back (log out)."""

    permission_classes = [AllowAny]

    def initialize_request(self, request, *args, **kwargs):
        # Asking for a token needs no credentials beyond the body (and must not trip over a stale
        # token or a session's CSRF check); giving one back needs the token itself.
        self._method = request.method
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        if getattr(self, "_method", None) == "POST":
            return []
        return [TokenAuthentication(), SessionAuthentication()]

    def get_permissions(self):
        if getattr(self, "_method", None) == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        request=serializers.CredentialsSerializer,
        responses={200: serializers.TokenSerializer},
        auth=[],
        summary=_("Obtain an API token"),
        description=_(
            "Send `Authorization: Token <token>` with later requests. Repeated failed attempts "
            "lock the account out for a while (`locked_out`), as on the web login."
        ),
    )
    def post(self, request):
        given = serializers.CredentialsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # The request goes to authenticate() so the lock-out counts this attempt and can refuse it.
        user = authenticate(
            request=request,
            username=given.validated_data["username"],
            password=given.validated_data["password"],
        )
        if user is None:
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                raise LockedOut(wait=cool_off.total_seconds() if cool_off else None)
            raise InvalidCredentials()
        with transaction.atomic():
            token, _created = Token.objects.get_or_create(user=user)
            # A token is a login: the audit trail, last-login time and lock-out reset follow it.
            user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token.key})

    @extend_schema(responses={204: None}, summary=_("Give the API token back"))
    def delete(self, request):
        with transaction.atomic():
            Token.objects.filter(user=request.user).delete()
            user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The requesting user and the roles they hold, each with its scope."""

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


# --- the region tree ------------------------------------------------------------------------------
def attach_counts(regions) -> None:
    """Household and resident counts for a page of nodes, one grouped query per level."""
    codes = [region.code for region in regions]
    households, residents = household_counts(codes), resident_counts(codes)
    for region in regions:
        region.household_count = households.get(region.code, 0)
        region.resident_count = residents.get(region.code, 0)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Nodes of the region tree the user can see, with household and resident counts."""

    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user, VIEW).select_related("parent")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_counts(page)
        return page

    def get_object(self):
        region = super().get_object()
        attach_counts([region])
        return region


# --- registers ------------------------------------------------------------------------------------
# Buildings, units and households share their region node's id; say so for the schema.
ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema_view(
    retrieve=extend_schema(parameters=[ID_PARAMETER]),
    update=extend_schema(parameters=[ID_PARAMETER]),
    partial_update=extend_schema(parameters=[ID_PARAMETER]),
    destroy=extend_schema(parameters=[ID_PARAMETER]),
)
class ScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """A register: list and detail of what the user sees, writes through action functions.

    `delete_action` names the action in `sixfold.core.actions` that removes an object (looked up
    when called). Change and delete check the permission (403) only after the object was found
    among the visible ones (404).
    """

    model = None
    delete_action = None
    related = ()
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user, VIEW)
        return queryset.select_related(*self.related) if self.related else queryset

    def create(self, request, *args, **kwargs):
        require_perm_somewhere(request.user, ADD)
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        require_perm_on(request.user, CHANGE, instance.code)
        given = self.get_serializer(instance, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        changed = given.save()
        return Response(self.get_serializer(self.refetch(changed)).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        require_perm_on(request.user, DELETE, instance.code)
        with action_errors():
            getattr(actions, self.delete_action)(instance, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_create(self, serializer):
        serializer.instance = self.refetch(serializer.save())

    def refetch(self, obj):
        """The saved object as a list shows it (related rows loaded afresh)."""
        return self.get_queryset().filter(pk=obj.pk).first() or obj


@extend_schema_view(
    list=extend_schema(summary=_("List buildings")),
    create=extend_schema(summary=_("Create a building in a grid")),
)
class BuildingViewSet(ScopedViewSet):
    model = Building
    serializer_class = serializers.BuildingSerializer
    filterset_class = BuildingFilter
    related = ("region__parent",)
    delete_action = "delete_building"


@extend_schema_view(
    list=extend_schema(summary=_("List units (stairwells)")),
    create=extend_schema(summary=_("Create a unit in a building")),
)
class UnitViewSet(ScopedViewSet):
    model = Unit
    serializer_class = serializers.UnitSerializer
    filterset_class = UnitFilter
    related = ("region",)
    delete_action = "delete_unit"


@extend_schema_view(
    list=extend_schema(summary=_("List households")),
    create=extend_schema(summary=_("Create a household in a unit")),
)
class HouseholdViewSet(ScopedViewSet):
    model = Household
    serializer_class = serializers.HouseholdSerializer
    filterset_class = HouseholdFilter
    delete_action = "delete_household"

    def get_queryset(self):
        members = Resident.objects.only("id", "name", "relation", "household_id")
        return super().get_queryset().prefetch_related(Prefetch("residents", queryset=members))


TAG_PARAMETER = OpenApiParameter(
    "tag",
    str,
    many=True,
    explode=True,
    enum=Resident.Tag.values,
    description=_("Repeat to require several tags."),
)


@extend_schema_view(
    list=extend_schema(summary=_("List residents"), parameters=[TAG_PARAMETER]),
    create=extend_schema(summary=_("Register a resident in a household")),
)
class ResidentViewSet(ScopedViewSet):
    model = Resident
    serializer_class = serializers.ResidentSerializer
    filterset_class = ResidentFilter
    delete_action = "delete_resident"

    @extend_schema(
        request=serializers.PurposeSerializer,
        responses=serializers.RevealedSerializer,
        summary=_("Reveal a resident's ID number and phone"),
        description=_("Needs a stated purpose; every reveal is written to the audit log."),
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        resident = self.get_object()
        require_perm_on(request.user, REVEAL, resident.code)
        given = serializers.PurposeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with action_errors():
            plaintext = actions.reveal_resident(
                resident, given.validated_data["purpose"], by=request.user
            )
        response = Response(serializers.RevealedSerializer(plaintext).data)
        # Plaintext personal data must not linger in any cache between here and the client.
        response["Cache-Control"] = "no-store"
        return response
