"""Every change to the region tree and the registers goes through these functions.

Each one is atomic, checks that the actor holds the permission over the node concerned, validates
its input (raising `ValidationError` with field messages), and writes its audit event in the same
transaction. Views, serializers, imports and the admin call these; none of them saves a register
row directly.
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import events, idcard, pii
from .models import AuditEvent, Building, Household, Level, Region, Resident, Unit
from .models.base import wrap_tags
from .models.region import CHILD_LEVELS, NUMBER_RANGES, child_code, segment_number
from .models.resident import ETHNICITIES

# ASCII digits only: `\d` would also take other scripts' digits into the stored number.
PHONE_PATTERN = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")


def ensure_perm(user, perm: str, code: str) -> None:
    """Refuse unless `user` holds `perm` over the node with `code` (system jobs pass None)."""
    if user is None:
        return
    if not getattr(user, "is_authenticated", False) or not user.has_scoped_perm(perm, code):
        raise PermissionDenied(_("You do not have permission to do this here."))


# --- validation shared by forms, API and imports ---------------------------------------------------
def normalize_phone(value: str) -> str:
    # NFKC reads the full-width digits Chinese input methods type as ASCII.
    phone = re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", value or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    return phone


def clean_resident(data: dict, instance: Resident | None = None) -> dict:
    """Check a resident's fields together; return them normalized or raise field errors."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    name = (data.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(pgettext("person", "Please enter the name."))
    elif len(name) > 50:
        errors.setdefault("name", []).append(_("The name is too long (at most 50 characters)."))
    cleaned["name"] = name

    gender = data.get("gender")
    if gender not in Resident.Gender.values:
        errors.setdefault("gender", []).append(_("Please choose the gender."))
    birth_date = data.get("birth_date")
    if not isinstance(birth_date, dt.date):
        errors.setdefault("birth_date", []).append(_("Please enter a valid birth date."))
    elif birth_date > timezone.localdate():
        errors.setdefault("birth_date", []).append(_("The birth date cannot be in the future."))

    if "id_number" in data:
        raw = data.get("id_number") or ""
        if raw:
            try:
                number = idcard.validate(raw)
            except ValidationError as exc:
                errors.setdefault("id_number", []).extend(exc.messages)
            else:
                cleaned["id_number"] = number
                if isinstance(birth_date, dt.date) and idcard.birth_date_of(number) != birth_date:
                    errors.setdefault("id_number", []).append(
                        _("The ID number's birth date (%(date)s) does not match the birth date.")
                        % {"date": idcard.birth_date_of(number).isoformat()}
                    )
                if gender in Resident.Gender.values and idcard.gender_of(number) != gender:
                    errors.setdefault("id_number", []).append(
                        _("The ID number's gender digit does not match the gender.")
                    )
                duplicates = Resident.objects.with_id_number(number)
                if instance is not None and instance.pk:
                    duplicates = duplicates.exclude(pk=instance.pk)
                if duplicates.exists():
                    errors.setdefault("id_number", []).append(
                        _("A resident with this ID number is already registered.")
                    )

    if "phone" in data:
        phone = normalize_phone(data.get("phone") or "")
        if phone and not PHONE_PATTERN.fullmatch(phone):
            errors.setdefault("phone", []).append(
                _("Enter an 11-digit mobile number or a landline such as 0531-12345678.")
            )
        cleaned["phone"] = phone

    for field, choices in (
        ("relation", Resident.Relation.values),
        ("status", Resident.Status.values),
        ("ethnicity", ETHNICITIES),
    ):
        if field in data and data[field] not in choices:
            errors.setdefault(field, []).append(_("Please choose a valid option."))
    if "tags" in data:
        unknown = set(data["tags"] or []) - set(Resident.Tag.values)
        if unknown:
            errors.setdefault("tags", []).append(_("Unknown tag: %s") % ", ".join(sorted(unknown)))
    if errors:
        raise ValidationError(errors)
    return cleaned


RESIDENT_PLAIN_FIELDS = ("name", "gender", "birth_date", "relation", "ethnicity", "status", "note")


def _apply_resident_fields(resident: Resident, data: dict) -> None:
    for field in RESIDENT_PLAIN_FIELDS:
        if field in data:
            setattr(resident, field, data[field])
    if "tags" in data:
        manual = [t for t in data["tags"] or [] if t != Resident.Tag.ELDERLY]
        resident.tags = wrap_tags(manual)
    new_number = data.get("id_number")
    if new_number and pii.lookup_hash(new_number) != resident.id_number_hash:
        resident.set_id_number(new_number)
    if "phone" in data:
        if (data["phone"] or "") == "":
            resident.set_phone("")
        elif pii.lookup_hash(data["phone"]) != resident.phone_hash:
            resident.set_phone(data["phone"])


def _save_resident(resident: Resident) -> None:
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise ValidationError(
            {"id_number": [_("A resident with this ID number is already registered.")]}
        ) from None


# --- residents ------------------------------------------------------------------------------
@transaction.atomic
def create_resident(household: Household, data: dict, *, by) -> Resident:
    ensure_perm(by, "registry.add", household.code)
    errors: dict[str, list[str]] = {}
    try:
        # A new resident needs a relation (the model has no default) and an ID number.
        data = clean_resident({"relation": None, **data})
    except ValidationError as exc:
        errors = exc.message_dict
    if not (data.get("id_number") or "").strip():
        errors.setdefault("id_number", []).append(_("Please enter the ID number."))
    if errors:
        raise ValidationError(errors)
    resident = Resident(household=household, code=household.code)
    _apply_resident_fields(resident, data)
    _save_resident(resident)
    events.record(AuditEvent.Verb.CREATE, by=by, obj=resident, after=events.snapshot(resident))
    return resident


@transaction.atomic
def change_resident(resident: Resident, data: dict, *, by) -> Resident:
    ensure_perm(by, "registry.change", resident.code)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    merged = {
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": resident.birth_date,
        **data,
    }
    if not merged.get("id_number") and ("gender" in data or "birth_date" in data):
        # The stored number (kept when the field is absent or left blank) must still agree with
        # a changed birth date or gender.
        merged["id_number"] = resident.plaintext_id_number()
    data = clean_resident(merged, instance=resident)
    before = events.snapshot(resident)
    hashes = {"id_number": resident.id_number_hash, "phone": resident.phone_hash}
    _apply_resident_fields(resident, data)
    if "household" in data and data["household"].pk != resident.household_id:
        new_household = data["household"]
        ensure_perm(by, "registry.change", new_household.code)
        resident.household = new_household
        resident.code = new_household.code
    after = events.snapshot(resident)
    # A new number can have the old one's mask (138****5678 hides four digits): say that it
    # changed without saying what it is.
    hidden = [
        name
        for name, old in hashes.items()
        if getattr(resident, f"{name}_hash") != old
        and getattr(resident, f"{name}_masked") == before[f"{name}_masked"]
    ]
    if hidden:
        after["personal_data_changed"] = hidden
    if after != before:
        _save_resident(resident)
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=resident, before=before, after=after)
    return resident


@transaction.atomic
def delete_resident(resident: Resident, *, by) -> None:
    ensure_perm(by, "registry.delete", resident.code)
    events.record(AuditEvent.Verb.DELETE, by=by, obj=resident, before=events.snapshot(resident))
    resident.delete()


@transaction.atomic
def reveal_resident(resident: Resident, purpose: str, *, by) -> dict:
    """Plaintext ID number and phone for a stated purpose; the reveal is logged."""
    ensure_perm(by, "pii.reveal", resident.code)
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": [_("Please state why you need the plaintext.")]})
    events.record(AuditEvent.Verb.REVEAL, by=by, obj=resident, purpose=purpose)
    return {"id_number": resident.plaintext_id_number(), "phone": resident.plaintext_phone()}


# --- region nodes, buildings, units, households -------------------------------------------------
def _next_number(parent: Region, level: str) -> int:
    numbers = [
        segment_number(code, level)
        for code in Region.objects.filter(parent=parent, level=level).values_list("code", flat=True)
    ]
    # Villages are numbered from 201 (the demo street's are 370116001201…204).
    first = 201 if level == Level.VILLAGE else NUMBER_RANGES[level].start
    return max(numbers, default=first - 1) + 1


MAX_NAME = 100
MAX_ADDRESS = 200


def _clean_node_name(name) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Please enter the name.")]})
    if len(name) > MAX_NAME:
        raise ValidationError(
            {"name": [_("The name is too long (at most %(max)s characters).") % {"max": MAX_NAME}]}
        )
    return name


def _clean_node_address(address) -> str:
    address = (address or "").strip()
    if len(address) > MAX_ADDRESS:
        raise ValidationError(
            {
                "address": [
                    _("The address is too long (at most %(max)s characters).")
                    % {"max": MAX_ADDRESS}
                ]
            }
        )
    return address


def _new_node(
    parent: Region,
    level: str,
    name: str,
    number: int | None,
    address: str = "",
    number_field: str = "number",
) -> Region:
    if level not in Level.values:
        raise ValidationError({"level": [_("Please choose a valid option.")]})
    if level not in CHILD_LEVELS[Level(parent.level)]:
        raise ValidationError(
            {
                "parent": [
                    _("A %(child)s cannot be placed under a %(parent)s.")
                    % {"child": Level(level).label, "parent": parent.get_level_display()}
                ]
            }
        )
    name = _clean_node_name(name)
    address = _clean_node_address(address)
    allowed = NUMBER_RANGES[level]
    if number is None or number == "":
        number = _next_number(parent, level)
    elif not isinstance(number, int) or isinstance(number, bool):
        try:
            number = int(str(number).strip())
        except ValueError:
            raise ValidationError({number_field: [_("Enter a whole number.")]}) from None
    if number not in allowed:
        # A number outside its level's fixed width would make the code of one node a prefix of
        # another's subtree; communities and villages also keep to their national ranges.
        raise ValidationError(
            {
                number_field: [
                    _("The number must be between %(min)s and %(max)s.")
                    % {"min": allowed.start, "max": allowed.stop - 1}
                ]
            }
        )
    code = child_code(parent.code, level, number)
    taken = _("This number is already used here.")
    if Region.objects.filter(code=code).exists():
        raise ValidationError({number_field: [taken]})
    region = Region(code=code, name=name, level=level, parent=parent, address=address)
    try:
        with transaction.atomic():
            region.save()
    except IntegrityError:  # taken by a concurrent request since the check above
        raise ValidationError({number_field: [taken]}) from None
    return region


def _update_node(region: Region, data: dict) -> None:
    """Rename or re-address a node as part of another change (which writes the event)."""
    name = _clean_node_name(data.get("name", region.name))
    address = _clean_node_address(data.get("address", region.address))
    if (name, address) != (region.name, region.address):
        region.name, region.address = name, address
        region.save(update_fields=["name", "address", "updated_at"])


# Nodes of these levels carry a register row and are made by their own actions.
REGISTER_LEVELS = (Level.BUILDING, Level.UNIT, Level.HOUSEHOLD)
MAX_FLOORS = 200


def _clean_floors_and_structure(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    if "floors" in data:
        floors = data["floors"]
        if floors in (None, ""):
            cleaned["floors"] = None
        elif (
            isinstance(floors, bool) or not isinstance(floors, int) or not 0 < floors <= MAX_FLOORS
        ):
            errors["floors"] = [
                _("Enter the number of floors, 1 to %(max)s.") % {"max": MAX_FLOORS}
            ]
    if data.get("structure") and data["structure"] not in Building.Structure.values:
        errors["structure"] = [_("Please choose a valid option.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_region(
    parent: Region, level: str, name: str, *, by, number: int | None = None
) -> Region:
    ensure_perm(by, "registry.add", parent.code)
    if level in REGISTER_LEVELS:
        raise ValidationError(
            {"level": [_("Buildings, units and households are added from their own pages.")]}
        )
    region = _new_node(parent, level, name, number)
    events.record(AuditEvent.Verb.CREATE, by=by, obj=region, after=events.snapshot(region))
    return region


@transaction.atomic
def change_region(region: Region, data: dict, *, by) -> Region:
    ensure_perm(by, "registry.change", region.code)
    before = events.snapshot(region)
    _update_node(region, data)
    after = events.snapshot(region)
    if after != before:
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=region, before=before, after=after)
    return region


@transaction.atomic
def create_building(grid: Region, data: dict, *, by) -> Building:
    ensure_perm(by, "registry.add", grid.code)
    if grid.level != Level.GRID:
        raise ValidationError({"grid": [_("Buildings belong to a grid.")]})
    data = _clean_floors_and_structure(data)
    region = _new_node(
        grid, Level.BUILDING, data.get("name"), data.get("number"), data.get("address", "")
    )
    building = Building.objects.create(
        region=region,
        code=region.code,
        compound=data.get("compound", ""),
        floors=data.get("floors"),
        structure=data.get("structure") or Building.Structure.MID_RISE,
        note=data.get("note", ""),
    )
    events.record(AuditEvent.Verb.CREATE, by=by, obj=building, after=events.snapshot(building))
    return building


@transaction.atomic
def change_building(building: Building, data: dict, *, by) -> Building:
    ensure_perm(by, "registry.change", building.code)
    data = _clean_floors_and_structure(data)

    def state():
        region = building.region
        return {**events.snapshot(building), "name": region.name, "address": region.address}

    before = state()
    # The node is renamed here, not through change_region: one change, one event, one actor.
    _update_node(building.region, data)
    for field in ("compound", "floors", "structure", "note"):
        if field in data:
            setattr(building, field, data[field])
    after = state()
    if after != before:
        building.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=building, before=before, after=after)
    return building


@transaction.atomic
def delete_building(building: Building, *, by) -> None:
    ensure_perm(by, "registry.delete", building.code)
    if building.units.exists():
        raise ValidationError(_("Delete the building's units before deleting the building."))
    events.record(AuditEvent.Verb.DELETE, by=by, obj=building, before=events.snapshot(building))
    region = building.region
    building.delete()
    region.delete()


@transaction.atomic
def create_unit(building: Building, data: dict, *, by) -> Unit:
    ensure_perm(by, "registry.add", building.code)
    data = _clean_floors_and_structure({k: v for k, v in data.items() if k != "structure"})
    region = _new_node(building.region, Level.UNIT, data.get("name"), data.get("number"))
    unit = Unit.objects.create(
        region=region,
        code=region.code,
        building=building,
        floors=data.get("floors"),
        note=data.get("note", ""),
    )
    events.record(AuditEvent.Verb.CREATE, by=by, obj=unit, after=events.snapshot(unit))
    return unit


@transaction.atomic
def change_unit(unit: Unit, data: dict, *, by) -> Unit:
    ensure_perm(by, "registry.change", unit.code)
    data = _clean_floors_and_structure({k: v for k, v in data.items() if k != "structure"})
    before = {**events.snapshot(unit), "name": unit.region.name}
    if "name" in data:
        _update_node(unit.region, {"name": data["name"]})
    for field in ("floors", "note"):
        if field in data:
            setattr(unit, field, data[field])
    after = {**events.snapshot(unit), "name": unit.region.name}
    if after != before:
        unit.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=unit, before=before, after=after)
    return unit


@transaction.atomic
def delete_unit(unit: Unit, *, by) -> None:
    ensure_perm(by, "registry.delete", unit.code)
    if unit.households.exists():
        raise ValidationError(_("Delete the unit's households before deleting the unit."))
    events.record(AuditEvent.Verb.DELETE, by=by, obj=unit, before=events.snapshot(unit))
    region = unit.region
    unit.delete()
    region.delete()


ROOM_PATTERN = re.compile(r"[0-9]{1,4}")
MAX_AREA = Decimal("99999.99")


def _clean_household(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    room = str(data.get("room", "")).strip()
    if not ROOM_PATTERN.fullmatch(room) or int(room) == 0:
        errors["room"] = [_("Enter the room number as up to four digits, such as 301.")]
    address = (data.get("address") or "").strip()
    if "address" in data and not address:
        errors["address"] = [_("Please enter the address.")]
    elif len(address) > MAX_ADDRESS:
        errors["address"] = [
            _("The address is too long (at most %(max)s characters).") % {"max": MAX_ADDRESS}
        ]
    area = data.get("area")
    if area not in (None, ""):
        try:
            area = Decimal(str(area)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            area = None
        if area is None or not area.is_finite() or not 0 <= area <= MAX_AREA:
            errors["area"] = [
                _("Enter the floor area in square metres, 0 to %(max)s.") % {"max": MAX_AREA}
            ]
    else:
        area = None
    if "housing" in data and data["housing"] not in Household.Housing.values:
        errors["housing"] = [_("Please choose a valid option.")]
    if "tags" in data:
        unknown = set(data["tags"] or []) - set(Household.Tag.values)
        if unknown:
            errors["tags"] = [_("Unknown tag: %s") % ", ".join(sorted(unknown))]
    if errors:
        raise ValidationError(errors)
    cleaned = {**data, "room": room}
    if "address" in data:
        cleaned["address"] = address
    if "area" in data:
        cleaned["area"] = area
    return cleaned


@transaction.atomic
def create_household(unit: Unit, data: dict, *, by) -> Household:
    ensure_perm(by, "registry.add", unit.code)
    # An omitted address is built from the unit and room below; a blank one given is refused.
    data = _clean_household(data)
    room = data["room"]
    address = data.get("address") or f"{unit}{room}"
    region = _new_node(
        unit.region, Level.HOUSEHOLD, f"{room}", int(room), address, number_field="room"
    )
    household = Household.objects.create(
        region=region,
        code=region.code,
        unit=unit,
        room=room,
        address=address,
        housing=data.get("housing") or Household.Housing.OWNED,
        area=data.get("area"),
        tags=wrap_tags(data.get("tags") or []),
        note=data.get("note", ""),
    )
    events.record(AuditEvent.Verb.CREATE, by=by, obj=household, after=events.snapshot(household))
    return household


@transaction.atomic
def change_household(household: Household, data: dict, *, by) -> Household:
    ensure_perm(by, "registry.change", household.code)
    household = Household.objects.select_for_update().get(pk=household.pk)
    data = _clean_household({"room": household.room, **data})
    before = events.snapshot(household)
    for field in ("address", "housing", "area", "note"):
        if field in data:
            setattr(household, field, data[field])
    if "tags" in data:
        household.tags = wrap_tags(data["tags"] or [])
    after = events.snapshot(household)
    if after != before:
        household.save()
        if household.region.address != household.address:
            household.region.address = household.address
            household.region.save(update_fields=["address", "updated_at"])
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=household, before=before, after=after)
    return household


@transaction.atomic
def delete_household(household: Household, *, by) -> None:
    ensure_perm(by, "registry.delete", household.code)
    if household.residents.exists():
        raise ValidationError(
            _("Move or delete the household's residents before deleting the household.")
        )
    events.record(AuditEvent.Verb.DELETE, by=by, obj=household, before=events.snapshot(household))
    region = household.region
    household.delete()
    try:
        region.delete()
    except ProtectedError:
        # A resident's login is scoped to this household; the whole delete rolls back.
        raise ValidationError(
            _("A user's role is scoped to this household; revoke it before deleting.")
        ) from None
