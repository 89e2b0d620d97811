"""Every change to the service network, venues, service types and notices goes through these
functions (S12, S13, S15, S21).

Each one is atomic, checks that the actor holds the permission over the node concerned, validates
its input (raising `ValidationError` with field messages and stable codes), and writes its audit
event in the same transaction. Pages, the API, the demo builder and the admin call these.

Permissions (granted per role in `sixfold.accounts.roles`):
* `services.view` — points, staff, venues, notices and the coverage audit in scope;
* `services.manage` — create, change and delete them; publish notices;
* `services.configure` — the street-wide list of service types.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core import events
from sixfold.core.actions import PHONE_PATTERN, ensure_perm, normalize_phone
from sixfold.core.models import AuditEvent, Level, Region
from sixfold.core.models.region import CODE_LENGTH

from .models import (
    KIND_BY_LEVEL,
    NAME_SUFFIX,
    NOTICE_LEVELS,
    VENUE_LEVELS,
    Notice,
    ServicePoint,
    ServiceStaff,
    ServiceType,
    Venue,
)

VIEW = "services.view"
MANAGE = "services.manage"
CONFIGURE = "services.configure"

MAX_BODY = 5000
MAX_NOTE = 2000


def _error(field: str | None, message: str, code: str) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code)
    return ValidationError({field: ValidationError(message, code=code)})


def _text(data: dict, field: str, max_length: int, *, required_message: str | None = None) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required_message and not value:
        raise _error(field, required_message, "required")
    if len(value) > max_length:
        raise _error(
            field,
            _("Too long (at most %(max)s characters).") % {"max": max_length},
            "max_length",
        )
    return value


def _phone(data: dict, field: str) -> str:
    phone = normalize_phone(str(data.get(field) or ""))
    if phone and not PHONE_PATTERN.fullmatch(phone):
        raise _error(
            field,
            _("Enter an 11-digit mobile number or a landline such as 0531-12345678."),
            "invalid_phone",
        )
    return phone


def _collect(data: dict, fields: dict, current: dict | None = None) -> dict:
    """Check every field in `data` that `fields` knows (`{name: checker}`); report all errors."""
    errors: dict[str, list] = {}
    cleaned = {}
    for name, check in fields.items():
        if name not in data and current is not None:
            continue
        try:
            cleaned[name] = check(data)
        except ValidationError as exc:
            for key, items in exc.error_dict.items():
                errors.setdefault(key, []).extend(items)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save(obj, before: dict | None, *, by) -> None:
    after = events.snapshot(obj)
    if before is None:
        obj.save()
        events.record(AuditEvent.Verb.CREATE, by=by, obj=obj, after=events.snapshot(obj))
    elif after != before:
        obj.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=obj, before=before, after=after)


def _delete(obj, *, by) -> None:
    events.record(AuditEvent.Verb.DELETE, by=by, obj=obj, before=events.snapshot(obj))
    obj.delete()


# --- service points (S12) -------------------------------------------------------------------------
POINT_FIELDS = {
    "name": lambda d: _text(d, "name", 100, required_message=_("Please enter the name.")),
    "address": lambda d: _text(d, "address", 200),
    "opening_hours": lambda d: _text(d, "opening_hours", 100),
    "service_phone": lambda d: _phone(d, "service_phone"),
    "note": lambda d: _text(d, "note", MAX_NOTE),
}


def default_point_name_for(name: str, kind: str) -> str:
    """ "凤城街道" → "凤城街道服务中心", "第一网格" → "第一网格服务点", "1单元" → "1单元联络员"."""
    return f"{name}{NAME_SUFFIX[kind]}"


def default_point_name(region: Region) -> str:
    kind = KIND_BY_LEVEL.get(region.level)
    if kind is None:
        return region.name
    name = region.name
    if region.level == Level.UNIT and region.parent_id:
        name = f"{region.parent.name}{name}"
    return default_point_name_for(name, kind)


@transaction.atomic
def create_point(region: Region, data: dict, *, by) -> ServicePoint:
    """The service point of `region` (one per node; its kind follows the node's level)."""
    ensure_perm(by, MANAGE, region.code)
    kind = KIND_BY_LEVEL.get(region.level)
    if kind is None:
        raise _error(
            "region",
            _("A service point belongs to a street, community, grid, building or stairwell."),
            "bad_level",
        )
    if ServicePoint.objects.filter(region=region).exists():
        raise _error("region", _("This node already has a service point."), "exists")
    data = {"name": default_point_name(region), **{k: v for k, v in data.items() if v}}
    cleaned = _collect(data, POINT_FIELDS)
    point = ServicePoint(region=region, code=region.code, level=region.level, kind=kind, **cleaned)
    try:
        with transaction.atomic():
            _save(point, None, by=by)
    except IntegrityError:
        raise _error("region", _("This node already has a service point."), "exists") from None
    return point


@transaction.atomic
def change_point(point: ServicePoint, data: dict, *, by) -> ServicePoint:
    ensure_perm(by, MANAGE, point.code)
    point = ServicePoint.objects.select_for_update().get(pk=point.pk)
    cleaned = _collect(data, POINT_FIELDS, current={})
    before = events.snapshot(point)
    for name, value in cleaned.items():
        setattr(point, name, value)
    _save(point, before, by=by)
    return point


@transaction.atomic
def delete_point(point: ServicePoint, *, by) -> None:
    ensure_perm(by, MANAGE, point.code)
    for member in point.staff.all():
        _delete(member, by=by)
    _delete(point, by=by)


BULK_LIMIT = 5000


@transaction.atomic
def create_points_in_bulk(scope: Region, level: str, *, by) -> int:
    """A point with the usual name for every node of `level` under `scope` that has none (at
    most `BULK_LIMIT` at a time); one `import` event on `scope` lists what was set up. Returns
    how many points were created."""
    from .coverage import uncovered_nodes

    ensure_perm(by, MANAGE, scope.code)
    kind = KIND_BY_LEVEL.get(level)
    if kind is None:
        raise _error("level", _("Please choose a valid option."), "invalid_choice")
    if CODE_LENGTH[Level(level)] < len(scope.code):
        raise _error("level", _("Choose a level at or below this node."), "bad_level")
    levels = (
        (Level.COMMUNITY, Level.VILLAGE) if level in (Level.COMMUNITY, Level.VILLAGE) else (level,)
    )
    nodes = list(uncovered_nodes(scope.code, levels)[:BULK_LIMIT])
    points = []
    for node in nodes:
        points.append(
            ServicePoint(
                region=node,
                code=node.code,
                level=node.level,
                kind=KIND_BY_LEVEL[node.level],
                name=default_point_name(node)[:100],
            )
        )
    ServicePoint.objects.bulk_create(points, batch_size=1000)
    if points:
        events.record(
            AuditEvent.Verb.IMPORT,
            by=by,
            obj=scope,
            object_repr=_("Service points set up for every gap"),
            after={"kind": kind.value, "count": len(points), "codes": [p.code for p in points]},
        )
    return len(points)


STAFF_FIELDS = {
    "name": lambda d: _text(d, "name", 50, required_message=_("Please enter the name.")),
    "role": lambda d: _text(d, "role", 50),
    "phone": lambda d: _phone(d, "phone"),
}


@transaction.atomic
def add_staff(point: ServicePoint, data: dict, *, by) -> ServiceStaff:
    ensure_perm(by, MANAGE, point.code)
    cleaned = _collect(data, STAFF_FIELDS)
    member = ServiceStaff(point=point, code=point.code, name=cleaned["name"], role=cleaned["role"])
    member.set_phone(cleaned["phone"])
    _save(member, None, by=by)
    return member


@transaction.atomic
def change_staff(member: ServiceStaff, data: dict, *, by) -> ServiceStaff:
    ensure_perm(by, MANAGE, member.code)
    member = ServiceStaff.objects.select_for_update().get(pk=member.pk)
    cleaned = _collect(data, STAFF_FIELDS, current={})
    before = events.snapshot(member)
    old_hash = member.phone_hash
    for name in ("name", "role"):
        if name in cleaned:
            setattr(member, name, cleaned[name])
    if "phone" in cleaned:
        member.set_phone(cleaned["phone"])
    after = events.snapshot(member)
    if member.phone_hash != old_hash and after["phone_masked"] == before["phone_masked"]:
        # A new number can share the old one's mask: say it changed without saying what it is.
        after["personal_data_changed"] = ["phone"]
    if after != before:
        member.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=member, before=before, after=after)
    return member


@transaction.atomic
def remove_staff(member: ServiceStaff, *, by) -> None:
    ensure_perm(by, MANAGE, member.code)
    _delete(member, by=by)


# --- service types (S21) --------------------------------------------------------------------------
def _ensure_configure(by) -> None:
    if by is None:
        return
    if not getattr(by, "is_authenticated", False) or not (
        by.is_superuser or by.holds_perm(CONFIGURE)
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _category(data: dict) -> str:
    value = _text(data, "order_category", 40)
    if value and not all(c.isalnum() or c in "-_." for c in value):
        raise _error(
            "order_category",
            _("A category code has letters, digits, '-', '_' and '.' only."),
            "invalid",
        )
    return value


TYPE_FIELDS = {
    "name": lambda d: _text(d, "name", 50, required_message=_("Please enter the name.")),
    "order_category": _category,
    "description": lambda d: _text(d, "description", 200),
    "active": lambda d: bool(d.get("active", True)),
    "order": lambda d: _order(d),
}


def _order(data: dict) -> int:
    value = data.get("order", 0)
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise _error("order", _("Enter a whole number."), "invalid") from None
    if not 0 <= number <= 32767:
        raise _error("order", _("Enter a whole number from 0 to 32767."), "invalid")
    return number


def _type_slug(name: str) -> str:
    base = "type-" + "".join(f"{ord(c):x}" for c in name)[:30]
    slug, n = base, 1
    while ServiceType.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base[:36]}-{n}"
    return slug


def _type_unique(name: str, instance: ServiceType | None = None) -> None:
    clash = ServiceType.objects.filter(name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise _error("name", _("A service type of this name exists already."), "exists")


def _type_scope(by) -> str:
    return by.home_scope() if by is not None and getattr(by, "is_authenticated", False) else ""


@transaction.atomic
def create_service_type(data: dict, *, by) -> ServiceType:
    _ensure_configure(by)
    cleaned = _collect(data, TYPE_FIELDS)
    _type_unique(cleaned["name"])
    service_type = ServiceType(slug=_type_slug(cleaned["name"]), **cleaned)
    service_type.save()
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=service_type,
        scope_code=_type_scope(by),
        after=events.snapshot(service_type),
    )
    return service_type


@transaction.atomic
def change_service_type(service_type: ServiceType, data: dict, *, by) -> ServiceType:
    _ensure_configure(by)
    service_type = ServiceType.objects.select_for_update().get(pk=service_type.pk)
    cleaned = _collect(data, TYPE_FIELDS, current={})
    if "name" in cleaned:
        _type_unique(cleaned["name"], service_type)
    before = events.snapshot(service_type)
    for name, value in cleaned.items():
        setattr(service_type, name, value)
    after = events.snapshot(service_type)
    if after != before:
        service_type.save()
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=service_type,
            scope_code=_type_scope(by),
            before=before,
            after=after,
        )
    return service_type


@transaction.atomic
def delete_service_type(service_type: ServiceType, *, by) -> None:
    """Only a type no venue offers; one in use is taken out of use instead."""
    _ensure_configure(by)
    if service_type.venues.exists():
        raise _error(
            None,
            _("Venues still offer this service; take it out of use instead."),
            "in_use",
        )
    events.record(
        AuditEvent.Verb.DELETE,
        by=by,
        obj=service_type,
        scope_code=_type_scope(by),
        before=events.snapshot(service_type),
    )
    service_type.delete()


# --- venues (S15) -----------------------------------------------------------------------------------
VENUE_FIELDS = {
    "name": lambda d: _text(d, "name", 100, required_message=_("Please enter the name.")),
    "kind": lambda d: _choice(d, "kind", Venue.Kind.values, Venue.Kind.OTHER),
    "address": lambda d: _text(d, "address", 200),
    "opening_hours": lambda d: _text(d, "opening_hours", 100),
    "service_phone": lambda d: _phone(d, "service_phone"),
    "description": lambda d: _text(d, "description", MAX_NOTE),
    "active": lambda d: bool(d.get("active", True)),
}


def _choice(data: dict, field: str, values, default: str) -> str:
    value = data.get(field) or default
    if value not in values:
        raise _error(field, _("Please choose a valid option."), "invalid_choice")
    return value


def _types(data: dict) -> list[ServiceType] | None:
    if "service_types" not in data:
        return None
    chosen = list(data.get("service_types") or [])
    if any(not isinstance(t, ServiceType) for t in chosen):
        raise _error("service_types", _("Please choose a valid option."), "invalid_choice")
    return chosen


def _check_venue_region(region: Region) -> None:
    if region.level not in VENUE_LEVELS:
        raise _error(
            "region",
            _("A venue belongs to a street, community, grid or building."),
            "bad_level",
        )


@transaction.atomic
def create_venue(region: Region, data: dict, *, by) -> Venue:
    ensure_perm(by, MANAGE, region.code)
    _check_venue_region(region)
    cleaned = _collect(data, VENUE_FIELDS)
    types = _types(data)
    venue = Venue(region=region, code=region.code, **cleaned)
    venue.save()
    if types:
        venue.service_types.set(types)
    after = events.snapshot(venue)
    after["service_types"] = sorted(t.name for t in types or [])
    events.record(AuditEvent.Verb.CREATE, by=by, obj=venue, after=after)
    return venue


def _venue_snapshot(venue: Venue) -> dict:
    data = events.snapshot(venue)
    data["service_types"] = sorted(venue.service_types.values_list("name", flat=True))
    return data


@transaction.atomic
def change_venue(venue: Venue, data: dict, *, by) -> Venue:
    ensure_perm(by, MANAGE, venue.code)
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    cleaned = _collect(data, VENUE_FIELDS, current={})
    types = _types(data)
    before = _venue_snapshot(venue)
    for name, value in cleaned.items():
        setattr(venue, name, value)
    venue.save()
    if types is not None:
        venue.service_types.set(types)
    after = _venue_snapshot(venue)
    if after != before:
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=venue, before=before, after=after)
    return venue


@transaction.atomic
def delete_venue(venue: Venue, *, by) -> None:
    ensure_perm(by, MANAGE, venue.code)
    events.record(AuditEvent.Verb.DELETE, by=by, obj=venue, before=_venue_snapshot(venue))
    venue.delete()


# --- notices (S13) ----------------------------------------------------------------------------------
def _expiry(data: dict) -> dt.date | None:
    value = data.get("expires_on")
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise _error("expires_on", _("Enter a valid date."), "invalid") from None
    if not isinstance(value, dt.date):
        raise _error("expires_on", _("Enter a valid date."), "invalid")
    return value


NOTICE_FIELDS = {
    "title": lambda d: _text(d, "title", 100, required_message=_("Please enter the title.")),
    "body": lambda d: _text(d, "body", MAX_BODY, required_message=_("Please enter the text.")),
    "pinned": lambda d: bool(d.get("pinned", False)),
    "expires_on": _expiry,
}


def _check_expiry_ahead(expires_on) -> None:
    if expires_on is not None and expires_on < timezone.localdate():
        raise _error("expires_on", _("The expiry date has passed already."), "past")


@transaction.atomic
def create_notice(region: Region, data: dict, *, by, publish: bool = False) -> Notice:
    ensure_perm(by, MANAGE, region.code)
    if region.level not in NOTICE_LEVELS:
        raise _error(
            "region",
            _("A notice belongs to a community, grid or building."),
            "bad_level",
        )
    cleaned = _collect(data, NOTICE_FIELDS)
    _check_expiry_ahead(cleaned["expires_on"])
    author = by if by is not None and getattr(by, "is_authenticated", False) else None
    notice = Notice(region=region, code=region.code, author=author, **cleaned)
    if publish:
        notice.published = True
        notice.published_at = timezone.now()
    _save(notice, None, by=by)
    return notice


@transaction.atomic
def change_notice(notice: Notice, data: dict, *, by) -> Notice:
    ensure_perm(by, MANAGE, notice.code)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    cleaned = _collect(data, NOTICE_FIELDS, current={})
    if "expires_on" in cleaned and cleaned["expires_on"] != notice.expires_on:
        _check_expiry_ahead(cleaned["expires_on"])
    before = events.snapshot(notice)
    for name, value in cleaned.items():
        setattr(notice, name, value)
    _save(notice, before, by=by)
    return notice


@transaction.atomic
def publish_notice(notice: Notice, *, by) -> Notice:
    ensure_perm(by, MANAGE, notice.code)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.published:
        raise _error(None, _("This notice is published already."), "already_published")
    if notice.expired:
        raise _error("expires_on", _("The expiry date has passed already."), "past")
    before = events.snapshot(notice)
    notice.published = True
    notice.published_at = timezone.now()
    _save(notice, before, by=by)
    return notice


@transaction.atomic
def unpublish_notice(notice: Notice, *, by) -> Notice:
    ensure_perm(by, MANAGE, notice.code)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if not notice.published:
        raise _error(None, _("This notice is not published."), "not_published")
    before = events.snapshot(notice)
    notice.published = False
    _save(notice, before, by=by)
    return notice


@transaction.atomic
def delete_notice(notice: Notice, *, by) -> None:
    ensure_perm(by, MANAGE, notice.code)
    _delete(notice, by=by)
