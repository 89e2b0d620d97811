"""The work-order API under /api/v1/orders/ (S9, S24, S28).

* `orders/` — list (filters of the desk: `state`, `category`, `urgency`, `channel`, `overdue`,
  `open`, `department`, `submitted_from`, `submitted_to`, `region`, `search`), retrieve (with
  the timeline), create (`multipart/form-data` for photos);
* one POST action per transition: `accept`, `reject`, `claim`, `dispatch`, `start`, `resolve`,
  `return`, `reassign`, `verify`, `send-back`, `close` (alias `rate`), `publish`, `cancel`,
  `reopen`, `merge`, `note`, `whistle`, `acknowledge`, `department-resolve`,
  `rate-department`, and `photos`;
* `categories/`, `departments/`, `rates/`.

As everywhere: the queryset is `Order.objects.visible_to(user)`, so an order out of reach is
"not found"; writes are the actions of `sixfold.orders.actions`. Errors keep the API's format
(`sixfold.api.errors`): field errors are 400 with `field_codes`; a step the order's state does
not allow is **409** with the engine's code as `code` — `already_claimed` (the loser of two
concurrent claims), `bad_state`, `not_public`, `reopen_expired`, `has_duplicates`.
"""

import contextlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
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
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from sixfold.api.errors import to_drf_validation_error

from . import actions, queries
from . import rates as rate_figures
from .filters import OrderFilter
from .forms import MAX_PHOTOS, photo_limit
from .models import Category, Department, Order, OrderPhoto, Urgency, Whistle, photo_url
from .states import available
from .views import rate_period, rate_scope

STATE_CODES = {"bad_state", "already_claimed", "not_public", "reopen_expired", "has_duplicates"}
FIELD_MAP = {"photo": "photos", "claimant": "to"}


class StateConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This cannot be done in the order's present state.")
    default_code = "bad_state"


@contextlib.contextmanager
def step_errors():
    """An action's refusal in the API's terms: state conflicts 409, field errors 400."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict") and "state" in exc.error_dict:
            error = exc.error_dict["state"][0]
            code = error.code if error.code in STATE_CODES else "bad_state"
            raise StateConflict(detail=" ".join(error.messages), code=code) from exc
        raise to_drf_validation_error(exc, FIELD_MAP) from exc


# --- output ------------------------------------------------------------------------------------------
class OrderPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return photo_url(photo)


class OrderWhistleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = serializers.CharField(source="department.slug")
    department_name = serializers.CharField(source="department.name")
    kind = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.CharField()
    at = serializers.DateTimeField()
    ack_due = serializers.DateTimeField()
    ack_overdue = serializers.BooleanField()
    acknowledged_at = serializers.DateTimeField()
    result = serializers.CharField()
    finished_at = serializers.DateTimeField()
    rating = serializers.IntegerField()


class OrderEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    step = serializers.CharField(source="transition")
    label = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    category = serializers.CharField(source="category.slug")
    category_name = serializers.CharField(source="category.name")
    channel = serializers.CharField()
    region = serializers.CharField(source="code")
    address = serializers.SerializerMethodField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    title = serializers.CharField()
    text = serializers.CharField()
    urgency = serializers.CharField()
    public = serializers.BooleanField()
    anonymous = serializers.BooleanField()
    requester = serializers.SerializerMethodField(
        help_text=_("The requester's name for staff in scope, masked for anyone else.")
    )
    requester_phone = serializers.SerializerMethodField(help_text=_("Always masked."))
    claimant_name = serializers.CharField()
    claimant_kind = serializers.CharField()
    mine = serializers.SerializerMethodField(help_text=_("Filed by the requesting user."))
    submitted_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField()
    claimed_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField()
    verified_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    accept_due = serializers.DateTimeField()
    claim_due = serializers.DateTimeField()
    resolve_due = serializers.DateTimeField()
    overdue = serializers.BooleanField(source="is_overdue")
    resolution = serializers.CharField()
    reason = serializers.CharField()
    rework_count = serializers.IntegerField()
    rating = serializers.IntegerField()
    rating_comment = serializers.CharField()
    merged_into = serializers.CharField(source="merged_into.number", default=None)
    photos = OrderPhotoSerializer(many=True, source="photos.all")
    whistles = OrderWhistleSerializer(many=True, source="whistles.all")
    available = serializers.SerializerMethodField(
        help_text=_("The steps the requesting user may take now.")
    )

    def _full(self, order) -> bool:
        user = self.context["request"].user
        return queries.may_see_requester(user, order)

    def get_address(self, order) -> str:
        return order.address if self._full(order) else order.region.name

    def get_requester(self, order) -> str:
        return order.requester_display if self._full(order) else order.requester_masked

    def get_requester_phone(self, order) -> str:
        return order.requester_phone_masked if self._full(order) else ""

    def get_mine(self, order) -> bool:
        return order.requester_id == self.context["request"].user.pk

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available(self, order):
        return [t.name for t in available(order, self.context["request"].user)]


class OrderDetailSerializer(OrderSerializer):
    events = serializers.SerializerMethodField()

    @extend_schema_field(OrderEventSerializer(many=True))
    def get_events(self, order):
        return OrderEventSerializer(order.events.all(), many=True).data


# --- input -------------------------------------------------------------------------------------------
class PhotosField(serializers.ListField):
    """Images as multipart files: JPEG, PNG or WebP, each within the size limit."""

    child = serializers.FileField()

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_PHOTOS)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        files = super().to_internal_value(data)
        limit = photo_limit()
        for upload in files:
            if upload.size > limit:
                raise serializers.ValidationError(
                    _("The photo is too large (at most %(mb)s MB).")
                    % {"mb": round(limit / 1048576, 1)},
                    code="too_large",
                )
            head = upload.read(16)
            upload.seek(0)
            if actions.sniff_image(head) is None:
                raise serializers.ValidationError(
                    _("Upload a JPEG, PNG or WebP image."), code="bad_type"
                )
        return files


def _text(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, **kwargs)


class OrderCreateSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=40, help_text=_("Code of the place."))
    category = serializers.CharField(max_length=40, help_text=_("Slug of the category."))
    text = _text(max_length=actions.MAX_TEXT)
    title = _text(max_length=actions.MAX_TITLE)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    channel = serializers.CharField(required=False, max_length=16)
    address = _text(max_length=actions.MAX_ADDRESS)
    latitude = serializers.CharField(required=False, allow_blank=True, max_length=20)
    longitude = serializers.CharField(required=False, allow_blank=True, max_length=20)
    public = serializers.BooleanField(required=False, default=True)
    anonymous = serializers.BooleanField(required=False, default=False)
    requester_name = _text(max_length=50)
    requester_phone = _text(max_length=30, help_text=_("Plaintext; read back masked."))
    photos = PhotosField()


class OrderReasonSerializer(serializers.Serializer):
    reason = _text(max_length=actions.MAX_REASON)


class OrderNoteSerializer(serializers.Serializer):
    note = _text(max_length=actions.MAX_REASON)


class OrderAcceptSerializer(OrderNoteSerializer):
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.filter(active=True), required=False
    )


class OrderPersonSerializer(serializers.Serializer):
    to = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("Id of the person (a user).")
    )
    kind = serializers.CharField(required=False, max_length=16)
    note = _text(max_length=actions.MAX_REASON)


class OrderResolveSerializer(serializers.Serializer):
    resolution = _text(max_length=actions.MAX_TEXT)
    photos = PhotosField()


class OrderRateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(help_text=_("1 to 5."))
    comment = _text(max_length=actions.MAX_REASON)


class OrderMergeSerializer(OrderNoteSerializer):
    into = serializers.CharField(max_length=20, help_text=_("Number of the order that stays."))


class OrderSupervisorNoteSerializer(serializers.Serializer):
    text = _text(max_length=actions.MAX_REASON)


class OrderWhistleInSerializer(serializers.Serializer):
    department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.filter(active=True)
    )
    kind = serializers.ChoiceField(choices=Whistle.Kind.choices)
    reason = _text(max_length=actions.MAX_REASON)


class OrderWhistleRefSerializer(serializers.Serializer):
    whistle = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Id of the whistle; by default the order's one to your department."),
    )


class OrderDepartmentResultSerializer(OrderWhistleRefSerializer):
    result = _text(max_length=actions.MAX_TEXT)


class OrderDepartmentRateSerializer(OrderWhistleRefSerializer, OrderRateSerializer):
    pass


class OrderPhotosInSerializer(serializers.Serializer):
    photos = PhotosField(required=True, allow_empty=False)
    kind = serializers.ChoiceField(choices=OrderPhoto.Kind.choices, required=False)


# --- the viewset -------------------------------------------------------------------------------------
def _step(request_serializer, summary):
    return extend_schema(
        request=request_serializer, responses={200: OrderDetailSerializer}, summary=summary
    )


@extend_schema_view(
    list=extend_schema(summary=_("List work orders")),
    retrieve=extend_schema(summary=_("A work order with its timeline")),
    create=extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderDetailSerializer},
        summary=_("File a work order"),
    ),
)
class OrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = OrderFilter
    lookup_value_regex = "[0-9]+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        user = self.request.user
        queryset = Order.objects.visible_to(user)
        if self.action == "claim":
            # The loser of a race is told the order was taken (409), not that it is gone.
            queryset = queryset | queries.in_scope(user, actions.CLAIM)
        queryset = queryset.select_related(
            "category__parent", "region", "merged_into"
        ).prefetch_related("photos", "whistles__department", "duplicates")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events")
        return queryset.order_by("-submitted_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return OrderCreateSerializer
        if self.action == "list":
            return OrderSerializer
        return OrderDetailSerializer

    @property
    def actor(self):
        user = self.request.user
        return getattr(user, "_wrapped", user)

    def _answer(self, order, code=status.HTTP_200_OK):
        fresh = self.get_queryset().filter(pk=order.pk).first() or order
        return Response(
            OrderDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request, *args, **kwargs):
        given = OrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        photos = data.pop("photos", [])
        user = self.actor
        with step_errors(), transaction.atomic():
            order = actions.submit(data, by=user)
            for upload in photos:
                actions.add_photo(order, upload=upload, by=user)
        return self._answer(order, status.HTTP_201_CREATED)

    def _run(self, serializer_class, run):
        order = self.get_object()
        data = {}
        if serializer_class is not None:
            given = serializer_class(data=self.request.data, context=self.get_serializer_context())
            given.is_valid(raise_exception=True)
            data = given.validated_data
        with step_errors(), transaction.atomic():
            run(order, self.actor, data)
        return self._answer(order)

    @_step(OrderAcceptSerializer, _("Accept the order"))
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._run(
            OrderAcceptSerializer,
            lambda o, u, d: actions.accept(
                o,
                by=u,
                urgency=d.get("urgency"),
                category=d.get("category"),
                note=d.get("note", ""),
            ),
        )

    @_step(OrderReasonSerializer, _("Reject with a reason"))
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._run(
            OrderReasonSerializer,
            lambda o, u, d: actions.reject(o, by=u, reason=d.get("reason", "")),
        )

    @_step(None, _("Claim from the pool; 409 already_claimed for the loser of a race"))
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return self._run(None, lambda o, u, d: actions.claim(o, by=u))

    def _person(self, order, data):
        person = next((p for p in queries.candidates(order) if p.pk == data["to"]), None)
        if person is None:
            raise exceptions.ValidationError({"to": [_("Not found.")]}, code="does_not_exist")
        return person

    @_step(OrderPersonSerializer, _("Dispatch to a person"))
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_order(self, request, pk=None):
        return self._run(
            OrderPersonSerializer,
            lambda o, u, d: actions.dispatch(
                o, to=self._person(o, d), by=u, kind=d.get("kind"), note=d.get("note", "")
            ),
        )

    @_step(OrderPersonSerializer, _("Reassign to another person"))
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._run(
            OrderPersonSerializer,
            lambda o, u, d: actions.reassign(
                o, to=self._person(o, d), by=u, kind=d.get("kind"), reason=d.get("note", "")
            ),
        )

    @_step(None, _("Start work"))
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._run(None, lambda o, u, d: actions.start(o, by=u))

    @_step(OrderResolveSerializer, _("Report as resolved, with evidence photos"))
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        def run(order, user, data):
            order = actions.resolve(order, by=user, resolution=data.get("resolution", ""))
            for upload in data.get("photos", []):
                actions.add_photo(order, upload=upload, by=user, kind=OrderPhoto.Kind.EVIDENCE)

        return self._run(OrderResolveSerializer, run)

    @_step(OrderReasonSerializer, _("Return to the pool"))
    @action(detail=True, methods=["post"], url_path="return")
    def return_order(self, request, pk=None):
        return self._run(
            OrderReasonSerializer,
            lambda o, u, d: actions.return_order(o, by=u, reason=d.get("reason", "")),
        )

    @_step(OrderNoteSerializer, _("Verify the work"))
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._run(
            OrderNoteSerializer, lambda o, u, d: actions.verify(o, by=u, note=d.get("note", ""))
        )

    @_step(OrderReasonSerializer, _("Send back for rework"))
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._run(
            OrderReasonSerializer,
            lambda o, u, d: actions.send_back(o, by=u, reason=d.get("reason", "")),
        )

    @_step(OrderRateSerializer, _("Rate and close"))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(
            OrderRateSerializer,
            lambda o, u, d: actions.close(
                o, by=u, rating=d["rating"], comment=d.get("comment", "")
            ),
        )

    @_step(OrderRateSerializer, _("Rate and close (the same as close)"))
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        return self.close(request, pk)

    @_step(None, _("Publish on the public board"))
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._run(None, lambda o, u, d: actions.publish(o, by=u))

    @_step(OrderReasonSerializer, _("Cancel one's own order"))
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._run(
            OrderReasonSerializer,
            lambda o, u, d: actions.cancel(o, by=u, reason=d.get("reason", "")),
        )

    @_step(OrderReasonSerializer, _("Reopen within the window"))
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._run(
            OrderReasonSerializer,
            lambda o, u, d: actions.reopen(o, by=u, reason=d.get("reason", "")),
        )

    @_step(OrderMergeSerializer, _("Merge into another order"))
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        def run(order, user, data):
            key = data["into"].strip()
            visible = Order.objects.visible_to(user, actions.VIEW)
            into = visible.filter(number=key.upper()).first()
            if into is None and key.isdigit() and len(key) < 19:
                into = visible.filter(pk=int(key)).first()
            if into is None:
                raise exceptions.ValidationError({"into": [_("Not found.")]}, code="does_not_exist")
            actions.merge(order, into=into, by=user, note=data.get("note", ""))

        return self._run(OrderMergeSerializer, run)

    @_step(OrderSupervisorNoteSerializer, _("Add a supervisor note"))
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        return self._run(
            OrderSupervisorNoteSerializer,
            lambda o, u, d: actions.add_note(o, by=u, text=d.get("text", "")),
        )

    @_step(OrderWhistleInSerializer, _("Whistle the order to a department"))
    @action(detail=True, methods=["post"])
    def whistle(self, request, pk=None):
        return self._run(
            OrderWhistleInSerializer,
            lambda o, u, d: actions.whistle(
                o, department=d["department"], kind=d["kind"], reason=d.get("reason", ""), by=u
            ),
        )

    def _whistle(self, order, data):
        mine = queries.department_whistles(self.request.user).filter(order=order)
        if data.get("whistle"):
            found = order.whistles.filter(pk=data["whistle"]).first()
        else:
            found = mine.order_by("status", "-at").first() or (
                order.whistles.filter(status=Whistle.Status.FINISHED, rating__isnull=True)
                .order_by("-at")
                .first()
            )
        if found is None:
            raise exceptions.ValidationError({"whistle": [_("Not found.")]}, code="does_not_exist")
        return found

    @_step(OrderWhistleRefSerializer, _("Report for the department"))
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._run(
            OrderWhistleRefSerializer,
            lambda o, u, d: _status_errors(actions.acknowledge, self._whistle(o, d), by=u),
        )

    @_step(OrderDepartmentResultSerializer, _("The department reports what it did"))
    @action(detail=True, methods=["post"], url_path="department-resolve")
    def department_resolve(self, request, pk=None):
        return self._run(
            OrderDepartmentResultSerializer,
            lambda o, u, d: _status_errors(
                actions.department_resolve, self._whistle(o, d), by=u, result=d.get("result", "")
            ),
        )

    @_step(OrderDepartmentRateSerializer, _("Rate a department's work"))
    @action(detail=True, methods=["post"], url_path="rate-department")
    def rate_department(self, request, pk=None):
        return self._run(
            OrderDepartmentRateSerializer,
            lambda o, u, d: _status_errors(
                actions.rate_department,
                self._whistle(o, d),
                by=u,
                rating=d["rating"],
                comment=d.get("comment", ""),
            ),
        )

    @_step(OrderPhotosInSerializer, _("Add photos (multipart)"))
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        def run(order, user, data):
            kind = data.get("kind") or OrderPhoto.Kind.REQUEST
            for upload in data["photos"]:
                actions.add_photo(order, upload=upload, by=user, kind=kind)

        return self._run(OrderPhotosInSerializer, run)


def _status_errors(function, item, **kwargs):
    """A whistle in the wrong status is a state conflict like an order's."""
    try:
        return function(item, **kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict") and "status" in exc.error_dict:
            error = exc.error_dict["status"][0]
            raise StateConflict(detail=" ".join(error.messages), code="bad_state") from exc
        raise


# --- configuration and figures -----------------------------------------------------------------------
class OrderCategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(source="parent.slug", default=None)
    default_urgency = serializers.CharField()


@extend_schema_view(list=extend_schema(summary=_("Order categories in use")))
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderCategorySerializer
    pagination_class = None

    def get_queryset(self):
        return Category.objects.filter(active=True).select_related("parent").order_by("sort", "id")


class OrderDepartmentSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text=_("The department's duty phone."))


@extend_schema_view(list=extend_schema(summary=_("Departments orders may be whistled to")))
class DepartmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderDepartmentSerializer
    pagination_class = None

    def get_queryset(self):
        return Department.objects.filter(active=True).order_by("sort", "id")


def _rates(value) -> dict:
    data = value.as_dict()
    return {
        key: (float(item) if item is not None and key.endswith("_rate") else item)
        for key, item in data.items()
    }


class RatesView(APIView):
    """三率 and the other rates of a scope and period, per community below it, per department."""

    @extend_schema(
        parameters=[
            OpenApiParameter("region", OpenApiTypes.STR, description=_("Node code.")),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary=_("Evaluation rates"),
    )
    def get(self, request):
        user = request.user
        if not user.holds_perm(actions.VIEW):
            raise exceptions.PermissionDenied()
        for key in ("from", "to"):
            raw = (request.query_params.get(key) or "").strip()
            if raw:
                try:
                    import datetime as dt

                    dt.date.fromisoformat(raw)
                except ValueError:
                    raise exceptions.ValidationError(
                        {key: [_("Enter a date as YYYY-MM-DD.")]}, code="invalid"
                    ) from None
        region = rate_scope(user, (request.query_params.get("region") or "").strip())
        if region is None:
            raise exceptions.NotFound()
        start, end = rate_period(request._request)
        length = queries.COMMUNITY if len(region.code) < queries.COMMUNITY else 16
        children = rate_figures.rates_by_child(region.code, start, end, length)
        departments = [
            {
                **row,
                "report_rate": float(row["report_rate"])
                if row["report_rate"] is not None
                else None,
                "finish_rate": float(row["finish_rate"])
                if row["finish_rate"] is not None
                else None,
                "mean_rating": float(row["mean_rating"])
                if row["mean_rating"] is not None
                else None,
            }
            for row in rate_figures.department_rates(start, end, region.code)
        ]
        return Response(
            {
                "region": region.code,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "rates": _rates(rate_figures.rates_for(region.code, start, end)),
                "children": {code: _rates(value) for code, value in children.items()},
                "departments": departments,
            }
        )
