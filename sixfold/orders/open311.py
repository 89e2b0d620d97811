"""Open311 GeoReport v2 at /open311/v2/ (S9): existing civic clients file and follow orders.

    GET  services.{json|xml}                  the categories in use (service_code = slug)
    GET  services/{service_code}.{json|xml}   a service definition (no extra attributes)
    GET  requests.{json|xml}                  public requests: service_request_id (comma list),
                                              service_code, start_date, end_date (W3C
                                              datetime), status (open / closed)
    POST requests.{json|xml}                  file a request: api_key, service_code, lat+long or
                                              address_string, description, first_name,
                                              last_name, email, phone, media_url
    GET  requests/{service_request_id}.{json|xml}

Mapping. `service_request_id` is the order number (GD…). The engine's states map to `open`
(submitted … resolved) and `closed` (verified, closed, published, rejected, cancelled, merged);
`status_notes` says the state in words and, when closed, what was done or why not.
`agency_responsible` is the department an order was whistled to, else its community.
`address` is the community and, below it, only the building — never a room.

Privacy. GET answers only orders their requesters agreed to show publicly (`public`), and never
a name, phone or e-mail; media_url is a photo of the work done once the order is on the board.

API keys. A POST needs `api_key`: either an API token (`/api/v1/auth/token/`) of a login holding
`orders.submit`, or a key of the setting `SIXFOLD_OPEN311_API_KEYS` (`{"key": "username"}`)
naming such a login; the order is filed on the requester's behalf by that login, at its scope's
node, with channel Open311. Anything else is 403.

Errors follow the spec: an array of `{"code": <HTTP status>, "description": "…"}` (`<errors>`
in XML) with that HTTP status. Dates come out in ISO 8601 with the +08:00 offset.
"""

import datetime as dt
import re
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from sixfold.accounts.models import User
from sixfold.core.models import Region

from . import actions, queries
from .models import OPEN_STATES, Category, Channel, Order, OrderPhoto
from .states import State

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
CLOSED_STATES = (
    State.VERIFIED,
    State.CLOSED,
    State.PUBLISHED,
    State.REJECTED,
    State.CANCELLED,
    State.MERGED,
)


# --- rendering ---------------------------------------------------------------------------------------
# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline and carriage return;
# U+FFFE, U+FFFF). One of them typed into a description once made the whole requests.xml feed
# unreadable for every client.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for key, value in row.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, list):
                for entry in value:
                    _nested(child, entry)
            else:
                child.text = _text(value)
    return ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)


def _nested(parent, entry: dict) -> None:
    # Only service definitions nest (attribute → values); kept general for one level more.
    element = ElementTree.SubElement(parent, entry.pop("_tag", "attribute"))
    for key, value in entry.items():
        child = ElementTree.SubElement(element, key)
        if isinstance(value, list):
            for inner in value:
                _nested(child, inner)
        else:
            child.text = _text(value)


def respond(fmt: str, rows, *, root: str, item: str, status: int = 200):
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), content_type=XML_TYPE, status=status)
    return JsonResponse(
        rows,
        safe=False,
        status=status,
        content_type=JSON_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def error(fmt: str, status: int, description: str):
    """The spec's error array (`<errors><error>` in XML), with the same HTTP status."""
    rows = [{"code": status, "description": str(description)}]
    response = respond(fmt if fmt in FORMATS else "json", rows, root="errors", item="error")
    response.status_code = status
    if fmt not in FORMATS:
        response["Content-Type"] = JSON_TYPE
    return response


def _when(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


# --- services ----------------------------------------------------------------------------------------
def _service(category: Category) -> dict:
    return {
        "service_code": category.slug,
        "service_name": category.name,
        "description": str(category),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else category.name,
    }


@require_http_methods(["GET"])
def services(request, fmt):
    rows = [
        _service(category)
        for category in Category.objects.filter(active=True)
        .select_related("parent")
        .order_by("sort", "id")
    ]
    return respond(fmt, rows, root="services", item="service")


@require_http_methods(["GET"])
def service_definition(request, code, fmt):
    category = Category.objects.filter(slug=code[:40], active=True).first()
    if category is None:
        return error(fmt, 404, _("Unknown service_code."))
    data = {"service_code": category.slug, "attributes": []}
    if fmt == "xml":
        top = ElementTree.Element("service_definition")
        ElementTree.SubElement(top, "service_code").text = category.slug
        ElementTree.SubElement(top, "attributes")
        body = ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, content_type=XML_TYPE)
    return JsonResponse(data, content_type=JSON_TYPE, json_dumps_params={"ensure_ascii": False})


# --- requests ----------------------------------------------------------------------------------------
def status_of(order: Order) -> str:
    return "open" if order.state in OPEN_STATES else "closed"


def status_notes(order: Order) -> str:
    label = order.get_state_display()
    if order.state in (State.VERIFIED, State.CLOSED, State.PUBLISHED) and order.resolution:
        return f"{label}: {order.resolution}"[:500]
    if order.state in (State.REJECTED, State.CANCELLED) and order.reason:
        return f"{label}: {order.reason}"[:500]
    if order.state == State.MERGED and order.merged_into_id:
        return f"{label}: {order.merged_into.number}"
    return str(label)


def _rows(request, orders) -> list[dict]:
    orders = list(orders)
    places = queries.public_place(orders)
    names = dict(
        Region.objects.filter(code__in={o.code[: queries.COMMUNITY] for o in orders}).values_list(
            "code", "name"
        )
    )
    rows = []
    for order in orders:
        whistles = list(order.whistles.all())
        agency = whistles[-1].department.name if whistles else names.get(order.code[:12], "")
        photos = getattr(order, "board_photos", [])
        media = ""
        if order.state == State.PUBLISHED and photos:
            media = request.build_absolute_uri(f"/orders/{order.pk}/photos/{photos[0].token}/")
        expected = order.resolve_due or order.accept_due
        rows.append(
            {
                "service_request_id": order.number,
                "status": status_of(order),
                "status_notes": status_notes(order),
                "service_name": order.category.name,
                "service_code": order.category.slug,
                "description": order.text,
                "agency_responsible": agency,
                "service_notice": "",
                "requested_datetime": _when(order.submitted_at),
                "updated_datetime": _when(order.updated_at),
                "expected_datetime": _when(expected) if order.is_open else "",
                "address": places.get(order.pk, ""),
                "address_id": "",
                "zipcode": "",
                "lat": float(order.latitude) if order.latitude is not None else None,
                "long": float(order.longitude) if order.longitude is not None else None,
                "media_url": media,
            }
        )
    return rows


def public_requests():
    from django.db.models import Prefetch

    from .models import Whistle

    return (
        Order.objects.filter(public=True)
        .select_related("category", "merged_into")
        .prefetch_related(
            Prefetch(
                "whistles", queryset=Whistle.objects.select_related("department").order_by("at")
            ),
            Prefetch(
                "photos",
                queryset=OrderPhoto.objects.filter(kind=OrderPhoto.Kind.EVIDENCE),
                to_attr="board_photos",
            ),
        )
    )


def parse_w3c(value: str) -> dt.datetime:
    """A W3C datetime (2026-11-01T08:00:00+08:00, …Z, or a plain date); naive means local."""
    raw = value.strip()
    if not raw:
        raise ValueError("empty")
    if len(raw) == 10:
        moment = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time.min)
    else:
        moment = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    moment = queries.clamp_moment(moment)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request, fmt):
    if request.method == "POST":
        return post_request(request, fmt)
    params = request.GET
    queryset = public_requests()
    ids = [part.strip() for part in (params.get("service_request_id") or "").split(",")]
    ids = [part for part in ids if part]
    if ids:
        # The spec: a list of ids overrides every other parameter.
        rows = queryset.filter(number__in=[i.upper()[:20] for i in ids[:MAX_REQUESTS]])
        return respond(
            fmt,
            _rows(request, rows.order_by("-submitted_at")),
            root="service_requests",
            item="request",
        )
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        known = set(Category.objects.filter(slug__in=codes).values_list("slug", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            return error(
                fmt, 400, _("Unknown service_code: %(codes)s") % {"codes": ", ".join(unknown)[:100]}
            )
        queryset = queryset.filter(
            Q(category__slug__in=codes) | Q(category__parent__slug__in=codes)
        )
    bounds = {}
    for key in ("start_date", "end_date"):
        raw = params.get(key)
        if raw is None or not raw.strip():
            continue
        try:
            bounds[key] = parse_w3c(raw)
        except ValueError:
            return error(
                fmt,
                400,
                _("%(name)s is not a W3C datetime (such as 2026-11-01T08:00:00+08:00).")
                % {"name": key},
            )
    end = bounds.get("end_date")
    start = bounds.get("start_date")
    if start is None:
        start = (end or timezone.now()) - dt.timedelta(days=DEFAULT_DAYS)
    if end is not None and end < start:
        return error(fmt, 400, _("end_date is before start_date."))
    queryset = queryset.filter(submitted_at__gte=start)
    if end is not None:
        queryset = queryset.filter(submitted_at__lte=end)
    status = [s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()]
    if status:
        if not set(status) <= {"open", "closed"}:
            return error(fmt, 400, _("status must be open or closed."))
        if status == ["open"]:
            queryset = queryset.filter(state__in=OPEN_STATES)
        elif status == ["closed"]:
            queryset = queryset.filter(state__in=CLOSED_STATES)
    rows = queryset.order_by("-submitted_at", "-id")[:MAX_REQUESTS]
    return respond(fmt, _rows(request, rows), root="service_requests", item="request")


@require_http_methods(["GET"])
def request_detail(request, number, fmt):
    rows = public_requests().filter(number=number.upper()[:20])
    if not rows:
        return error(fmt, 404, _("No such public service request."))
    return respond(fmt, _rows(request, rows), root="service_requests", item="request")


def key_user(api_key: str):
    """The login an API key stands for, or None."""
    key = (api_key or "").strip()
    if not key or len(key) > 128:
        return None
    configured = getattr(settings, "SIXFOLD_OPEN311_API_KEYS", {}) or {}
    if key in configured:
        return User.objects.filter(username=configured[key], is_active=True).first()
    token = Token.objects.select_related("user").filter(key=key[:40]).first()
    if token is not None and token.user.is_active:
        return token.user
    return None


def intake_region(user) -> Region | None:
    """Where an order filed through a key lands: the broadest node the login may file for."""
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True).order_by("code").first()
    prefixes = user.scope_prefixes(actions.SUBMIT)
    return Region.objects.filter(code__in=prefixes).order_by("code").first()


def post_request(request, fmt):
    data = request.POST
    user = key_user(data.get("api_key", ""))
    if user is None or not user.holds_perm(actions.SUBMIT):
        return error(fmt, 403, _("api_key is missing or not valid."))
    # A NUL character cannot be stored in a PostgreSQL text column: refuse it as bad input.
    bad = sorted({key for key, values in data.lists() for value in values if "\x00" in value})
    if bad:
        return error(fmt, 400, _("Null characters are not allowed.") + " " + ", ".join(bad)[:100])
    code = (data.get("service_code") or "").strip()
    if not code:
        return error(fmt, 400, _("service_code is required."))
    category = Category.objects.filter(slug=code[:40], active=True).first()
    if category is None:
        return error(fmt, 400, _("Unknown service_code: %(codes)s") % {"codes": code[:40]})
    lat, lon = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    if not ((lat and lon) or address):
        return error(fmt, 400, _("A location is required: lat and long, or address_string."))
    region = intake_region(user)
    if region is None:
        return error(fmt, 403, _("api_key is missing or not valid."))
    description = (data.get("description") or "").strip()
    media = (data.get("media_url") or "").strip()
    if media:
        description = f"{description}\n{_('Photo')}: {media[:300]}".strip()
    name = " ".join(
        part
        for part in ((data.get("last_name") or "").strip(), (data.get("first_name") or "").strip())
        if part
    )
    payload = {
        "region": region,
        "category": category,
        "text": description,
        "address": address
        or _("Coordinates %(lat)s, %(long)s") % {"lat": lat[:20], "long": lon[:20]},
        "latitude": lat or None,
        "longitude": lon or None,
        "channel": Channel.OPEN311,
        "requester_name": name[:50],
        "requester_phone": (data.get("phone") or "").strip()[:30],
        "public": True,
        "source_ref": (data.get("device_id") or data.get("account_id") or "")[:64],
    }
    try:
        order = actions.submit(payload, by=user)
    except PermissionDenied:
        return error(fmt, 403, _("api_key is missing or not valid."))
    except ValidationError as exc:
        messages = []
        for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
            name = {
                "text": "description",
                "latitude": "lat",
                "longitude": "long",
                "requester_phone": "phone",
                "address": "address_string",
                "requester_name": "first_name",
            }.get(field, field)
            messages.append(f"{name}: {' '.join(errors)}" if name else " ".join(errors))
        return error(fmt, 400, "; ".join(messages))
    rows = [{"service_request_id": order.number, "service_notice": "", "account_id": ""}]
    return respond(fmt, rows, root="service_requests", item="request", status=201)
