"""Exporting the registers to a workbook (台账导出), in the format the importer reads.

Each list page exports exactly the rows it shows under its filters; `sixfold export_registry`
exports a region's subtree. Personal data is masked unless the export is explicitly plaintext,
which needs `pii.reveal` over every exported row and a stated purpose; every export, masked or
not, is one `export` audit event. A masked export says so in its marker sheet, and the importer
refuses it as a whole; a plaintext export imports back without changing anything.

Rows are read with `values_list(...).iterator()`: one query per sheet however many rows, and no
model instance per row.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from .. import events, pii
from ..models import AuditEvent, Level
from ..models.base import unwrap_tags
from ..models.region import CODE_LENGTH
from .spec import (
    BUILDINGS,
    GENDERS,
    HOUSEHOLD_TAGS,
    HOUSEHOLDS,
    HOUSINGS,
    RELATIONS,
    RESIDENT_TAGS,
    RESIDENTS,
    SHEETS_BY_KEY,
    STATUSES,
    STRUCTURES,
    UNITS,
    YES,
)
from .workbook import register_workbook

CHUNK = 2000
GRID = CODE_LENGTH[Level.GRID]
BUILDING = CODE_LENGTH[Level.BUILDING]
UNIT = CODE_LENGTH[Level.UNIT]
HOUSEHOLD = CODE_LENGTH[Level.HOUSEHOLD]
EXPORT_TITLE = "六位一体台账导出"


def place(code: str, depth: int) -> list:
    """The place columns of a node code: grid code, then building, unit and room numbers."""
    columns = [code[:GRID], int(code[GRID + 2 : BUILDING])]
    if depth >= 3:
        columns.append(int(code[BUILDING + 2 : UNIT]))
    if depth >= 4:
        columns.append(int(code[UNIT + 1 : HOUSEHOLD]))
    return columns


def flags(tags: str, vocabulary) -> list:
    held = set(unwrap_tags(tags))
    return [YES if value in held else None for value, _word in vocabulary]


def building_rows(queryset):
    words = dict(STRUCTURES)
    fields = ("code", "region__name", "compound", "region__address", "floors", "structure", "note")
    for code, name, compound, address, floors, structure, note in (
        queryset.order_by("code").values_list(*fields).iterator(chunk_size=CHUNK)
    ):
        yield [*place(code, 2), name, compound, address, floors, words.get(structure), note]


def unit_rows(queryset):
    fields = ("code", "region__name", "floors", "note")
    for code, name, floors, note in (
        queryset.order_by("code").values_list(*fields).iterator(chunk_size=CHUNK)
    ):
        yield [*place(code, 3), name, floors, note]


def household_rows(queryset):
    words = dict(HOUSINGS)
    fields = ("code", "address", "housing", "area", "tags", "note")
    for code, address, housing, area, tags, note in (
        queryset.order_by("code").values_list(*fields).iterator(chunk_size=CHUNK)
    ):
        yield [
            *place(code, 4),
            address,
            words.get(housing),
            float(area) if area is not None else None,
            *flags(tags, HOUSEHOLD_TAGS),
            note,
        ]


def resident_rows(queryset, *, unmasked: bool):
    genders, relations, statuses = dict(GENDERS), dict(RELATIONS), dict(STATUSES)
    personal = ("id_number_enc", "phone_enc") if unmasked else ("id_number_masked", "phone_masked")
    fields = ("code", "name", "gender", "birth_date", *personal)
    fields += ("relation", "ethnicity", "status", "tags", "note")
    reveal = pii.decrypt if unmasked else str
    for code, name, gender, born, number, phone, relation, ethnicity, status, tags, note in (
        queryset.order_by("code", "id").values_list(*fields).iterator(chunk_size=CHUNK)
    ):
        yield [
            *place(code, 4),
            name,
            genders.get(gender),
            born,
            reveal(number),
            reveal(phone) or None,
            relations.get(relation),
            ethnicity,
            statuses.get(status),
            *flags(tags, RESIDENT_TAGS),
            note,
        ]


ROWS = {
    "buildings": lambda qs, unmasked: building_rows(qs),
    "units": lambda qs, unmasked: unit_rows(qs),
    "households": lambda qs, unmasked: household_rows(qs),
    "residents": lambda qs, unmasked: resident_rows(qs, unmasked=unmasked),
}


def export_workbook(destination, querysets: dict, *, unmasked: bool = False) -> dict[str, int]:
    """Write the rows of `querysets` (keyed by sheet key) to `destination`; returns the rows
    written per sheet. Sheets without a queryset are written empty, so the file keeps its shape.
    The caller has checked permissions and records the export (`record_export`)."""
    specs = {"buildings": BUILDINGS, "units": UNITS, "households": HOUSEHOLDS}
    specs["residents"] = RESIDENTS
    rows = {
        key: (list(specs[key].columns), ROWS[key](queryset, unmasked))
        for key, queryset in querysets.items()
    }
    book, counts = register_workbook(
        title=EXPORT_TITLE + ("（明文）" if unmasked else "（脱敏）"),
        kind="export",
        masked=not unmasked,
        rows=rows,
    )
    book.save(destination)
    return {key: counts[key] for key in querysets}


def may_unmask(user, querysets: dict) -> bool:
    """Whether `user` holds pii.reveal over every row of every queryset (one query each)."""
    if user is None or user.is_superuser:
        return True
    prefixes = user.scope_prefixes("pii.reveal")
    if not prefixes:
        return False
    covered = Q()
    for prefix in prefixes:
        covered |= Q(code__startswith=prefix)
    return not any(qs.exclude(covered).exists() for qs in querysets.values())


def clean_purpose(purpose: str) -> str:
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": [_("Please state why you need the plaintext.")]})
    return purpose


def check_unmasked(user, querysets: dict, purpose: str) -> str:
    """Refuse a plaintext export the user may not make; return the cleaned purpose."""
    if not may_unmask(user, querysets):
        raise PermissionDenied(_("You may not export plaintext personal data of all these rows."))
    return clean_purpose(purpose)


def record_export(
    *, by, counts: dict, scope_code: str, unmasked: bool, purpose: str = "", filters=None
) -> AuditEvent:
    """One `export` event: what was exported, where, how (masked or not) and why."""
    sheets = "、".join(SHEETS_BY_KEY[key].name for key in counts)
    return events.record(
        AuditEvent.Verb.EXPORT,
        by=by,
        scope_code=scope_code,
        object_type="core.resident" if "residents" in counts else "",
        object_repr=f"{sheets}（{'明文' if unmasked else '脱敏'}）",
        purpose=purpose,
        after={"sheets": counts, "unmasked": unmasked, "filters": filters or {}},
    )
