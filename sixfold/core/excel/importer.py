"""Importing a register workbook (台账导入): read it, check every row, apply all of it or none.

`import_workbook(path, by=…)` is the one entry point; the upload page's background job and
`sixfold import_registry` both call it.

1. **Read** with python-calamine (about ten times faster than openpyxl for the same workbook).
   A file without the hidden marker sheet is not a register workbook and goes no further; nor
   does a masked export (its personal columns hold `370116********123X`, which cannot be put
   back into the register).
2. **Check** every cell and row without touching the database — types, required cells, the
   GB 11643 check digit, birth date and gender against the ID number, phone format, merged
   cells, the same place or ID number twice in the file — collecting every error.
3. **Resolve** the rows against the register in one transaction: grids, buildings, units and
   households by code, residents by the keyed hash of their ID number; whether each row is in the
   uploader's scope; whether it creates, changes or leaves a record unchanged.
4. **Write**, only when no row anywhere has an error: new rows in bulk, changed rows with bulk
   updates, an audit event per created or changed object and one `import` event for the file.

Step 4 is the bulk equivalent of calling `create_building`, `change_resident` … per row: it
checks the same permissions over the same nodes, stores the same values and writes the same
events (`events.snapshot` before and after, personal data masked, `personal_data_changed` when a
new phone has the old one's mask). Calling the actions per row would cost several queries a row;
a city's worth of residents would take hours.
"""

import hashlib
import io
import json
import os
import time
import unicodedata
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .. import events, idcard, pii
from ..actions import MAX_AREA, MAX_FLOORS
from ..middleware import current_client_ip, current_request_id
from ..models import AuditEvent, Building, Household, Level, Region, Resident, Unit
from ..models.base import unwrap_tags, wrap_tags
from ..models.region import CODE_LENGTH, child_code
from . import cells
from .cells import CellError, is_blank
from .spec import (
    AUXILIARY_SHEETS,
    FORMAT_VERSION,
    HOUSEHOLD_TAGS,
    KEEP_WHEN_BLANK,
    MARKER_ID,
    MARKER_SHEET,
    RESIDENT_TAGS,
    SHEETS,
    SHEETS_BY_NAME,
    Column,
    SheetSpec,
    column_letter,
)

Source = str | os.PathLike | IO[bytes]
ProgressCallback = Callable[[int, int], None]

# Rows per IN (...) look-up: under every backend's limit on query parameters.
LOOKUP_CHUNK = 900
# Report progress about this often while checking rows.
PROGRESS_EVERY = 2000
# A file larger than this many data rows is refused before it is checked.
MAX_ROWS = 1_000_000
BATCH = 2000
CODE_LENGTHS = sorted(set(CODE_LENGTH.values()))


# --- results -------------------------------------------------------------------------------------
@dataclass
class RowError:
    """One problem: where (sheet, Excel row, column), the value as shown, and what is wrong."""

    sheet: str
    row: int | None
    column: str
    letter: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class RawSheet:
    """A data sheet as read: every row from row 1, cells as the reader gives them."""

    name: str
    rows: list[list]
    merged: list[tuple[tuple[int, int], tuple[int, int]]]


@dataclass
class ImportResult:
    file_name: str
    sha256: str = ""
    dry_run: bool = False
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    summary: dict[str, Counts] = field(default_factory=lambda: {s.key: Counts() for s in SHEETS})
    seconds: dict[str, float] = field(default_factory=dict)
    event_id: int | None = None
    # The sheets as read, kept when there are errors so the report can mark the bad cells.
    sheets: list[RawSheet] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def summary_dict(self) -> dict:
        return {
            key: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for key, c in self.summary.items()
        }

    @property
    def rows_per_second(self) -> float:
        total = self.seconds.get("total") or 0
        return self.rows / total if total else 0.0


class FileRefused(Exception):
    """The file as a whole cannot be imported (not a workbook, not the template, masked …)."""


# --- step 1: read --------------------------------------------------------------------------------
def _open(source: Source) -> tuple[CalamineWorkbook, str]:
    """The workbook and the SHA-256 of its bytes."""
    digest = hashlib.sha256()
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        opener = lambda: CalamineWorkbook.from_path(os.fspath(source))  # noqa: E731
    else:
        source.seek(0)
        data = source.read()
        digest.update(data)
        opener = lambda: CalamineWorkbook.from_filelike(io.BytesIO(data))  # noqa: E731
    try:
        return opener(), digest.hexdigest()
    except Exception:  # noqa: BLE001 — the reader raises many kinds for a file that is no .xlsx
        raise FileRefused(_("The file cannot be read as an Excel workbook (.xlsx).")) from None


def _marker(book: CalamineWorkbook) -> dict[str, object]:
    if MARKER_SHEET not in book.sheet_names:
        raise FileRefused(_("This is not a Sixfold register template."))
    rows = book.get_sheet_by_name(MARKER_SHEET).to_python(skip_empty_area=False)
    values = {str(row[0]).strip(): row[1] for row in rows if len(row) >= 2 and row[0]}
    if values.get("template") != MARKER_ID:
        raise FileRefused(_("This is not a Sixfold register template."))
    version = values.get("version")
    if cells.shown(version) != str(FORMAT_VERSION):
        raise FileRefused(
            _(
                "This workbook has format version %(found)s; this system reads version "
                "%(expected)s. Please download the current template."
            )
            % {"found": cells.shown(version) or "?", "expected": FORMAT_VERSION}
        )
    if str(values.get("masked", "")).strip() not in ("", "0", "0.0", "False", "false"):
        raise FileRefused(_("A masked export cannot be imported; please use a plaintext export."))
    return values


def read_sheets(book: CalamineWorkbook, errors: list[RowError]) -> list[RawSheet]:
    """The data sheets in file order; a missing or unknown sheet is an error."""
    sheets = []
    for name in book.sheet_names:
        if name in AUXILIARY_SHEETS:
            continue
        if name not in SHEETS_BY_NAME:
            errors.append(
                RowError(
                    name,
                    None,
                    "",
                    "",
                    "",
                    _(
                        "Unknown sheet “%(sheet)s”: the template has no such sheet; delete it or "
                        "move its rows to the right sheet."
                    )
                    % {"sheet": name},
                )
            )
            continue
        sheet = book.get_sheet_by_name(name)
        sheets.append(
            RawSheet(name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [])
        )
    present = {s.name for s in sheets}
    for spec in SHEETS:
        if spec.name not in present:
            errors.append(
                RowError(
                    spec.name,
                    None,
                    "",
                    "",
                    "",
                    _("The sheet “%(sheet)s” is missing.") % {"sheet": spec.name},
                )
            )
    return sheets


# --- step 2: check -------------------------------------------------------------------------------
class Row:
    """One data row: its values by column key, and which of its cells could not be read."""

    __slots__ = ("bad", "code", "key", "number", "spec", "values")

    def __init__(self, spec: SheetSpec, number: int, values: dict, bad: set):
        self.spec = spec
        self.number = number
        self.values = values
        self.bad = bad
        self.code = ""  # the node the row is about (for residents: their household)
        self.key = ""  # what identifies the row in the file (code, or ID number)


def _header_name(value) -> str:
    # A required column's header may carry the template's asterisk; full-width forms as ASCII.
    return unicodedata.normalize("NFKC", cells.shown(value)).strip().rstrip("*").strip()


class SheetChecker:
    """Reads one sheet's header and rows into `Row`s, collecting every cell error."""

    def __init__(self, spec: SheetSpec, raw: RawSheet, errors: list[RowError]):
        self.spec = spec
        self.raw = raw
        self.errors = errors
        self.positions: dict[str, int] = {}
        self.letters: dict[str, str] = {}
        self._read_header()

    def error(self, row: int | None, column: Column | None, value, message: str) -> None:
        letter = self.letters.get(column.key, "") if column else ""
        self.errors.append(
            RowError(
                self.spec.name,
                row,
                column.header if column else "",
                letter,
                shown_value(column, value),
                message,
            )
        )

    def _read_header(self) -> None:
        header = self.raw.rows[0] if self.raw.rows else []
        known = {_header_name(c.header): c for c in self.spec.columns}
        for index, cell in enumerate(header):
            if is_blank(cell):
                continue
            name = _header_name(cell)
            column = known.get(name)
            letter = column_letter(index)
            if column is None:
                self.errors.append(
                    RowError(
                        self.spec.name,
                        1,
                        name,
                        letter,
                        name,
                        _("Unknown column “%(header)s”: the template has no such column.")
                        % {"header": name},
                    )
                )
            elif column.key in self.positions:
                self.errors.append(
                    RowError(
                        self.spec.name,
                        1,
                        name,
                        letter,
                        name,
                        _("The column “%(header)s” appears twice.") % {"header": name},
                    )
                )
            else:
                self.positions[column.key] = index
                self.letters[column.key] = letter
        self.missing = [
            c.key for c in self.spec.columns if c.required and c.key not in self.positions
        ]
        for column in self.spec.columns:
            if column.required and column.key not in self.positions:
                self.errors.append(
                    RowError(
                        self.spec.name,
                        1,
                        column.header,
                        "",
                        "",
                        _("The required column “%(header)s” is missing.")
                        % {"header": column.header},
                    )
                )

    def merged_cells(self) -> None:
        for (top, left), (bottom, right) in self.raw.merged:
            where = f"{column_letter(left)}{top + 1}:{column_letter(right)}{bottom + 1}"
            self.errors.append(
                RowError(
                    self.spec.name,
                    top + 1,
                    "",
                    column_letter(left),
                    "",
                    _("Merged cells (%(range)s): unmerge them and fill in every row.")
                    % {"range": where},
                )
            )

    def rows(self, progress: Callable[[int], None]):
        readers = [
            (column, self.positions[column.key], cells.READERS[column.kind])
            for column in self.spec.columns
            if column.key in self.positions
        ]
        for offset, raw in enumerate(self.raw.rows[1:]):
            progress(1)
            # The reader gives '' for an empty cell; only text needs a closer look.
            if all(v == "" or v is None or is_blank(v) for v in raw):
                continue
            number = offset + 2
            values: dict = {}
            # A row of a sheet without one of its required columns is incomplete as a whole.
            bad: set = set(self.missing)
            width = len(raw)
            for column, index, read in readers:
                value = raw[index] if index < width else ""
                if value == "" or value is None or (type(value) is str and is_blank(value)):
                    if column.required:
                        bad.add(column.key)
                        self.error(number, column, "", _("Please fill in this cell."))
                    else:
                        values[column.key] = None
                    continue
                try:
                    values[column.key] = read(value, column)
                except CellError as exc:
                    bad.add(column.key)
                    self.error(number, column, value, str(exc))
            yield Row(self.spec, number, values, bad)


def shown_value(column: Column | None, value) -> str:
    """A value for the report: personal data masked even when it could not be read."""
    text = cells.shown(value)
    if column is not None and column.personal and text:
        if column.key == "id_number":
            return pii.mask_id_number(text) if "*" not in text else text
        return pii.mask_phone(text) if "*" not in text else text
    return text[:100]


def place_code(row: Row) -> str:
    """The code of the node a row is about, or '' when a cell of its place is unreadable."""
    values = row.values
    if any(key in row.bad or values.get(key) is None for key in row.spec.place):
        return ""
    code = values["grid"]
    code = child_code(code, Level.BUILDING, values["building"])
    if "unit" in row.spec.place:
        code = child_code(code, Level.UNIT, values["unit"])
    if "room" in row.spec.place:
        code = child_code(code, Level.HOUSEHOLD, values["room"])
    return code


class Checker:
    """Step 2: every row of every sheet, read and checked on its own and against the file."""

    def __init__(self, sheets: list[RawSheet], errors: list[RowError], progress=None):
        self.errors = errors
        self.sheets = {SHEETS_BY_NAME[s.name].key: s for s in sheets}
        self.rows: dict[str, list[Row]] = {spec.key: [] for spec in SHEETS}
        # Where each column is in the file: (sheet key, column key) → its letter.
        self.letters: dict[tuple[str, str], str] = {}
        self.total = sum(max(len(s.rows) - 1, 0) for s in sheets)
        self.done = 0
        self.progress = progress
        self._reported = 0
        self.today = timezone.localdate()

    def tick(self, count: int) -> None:
        self.done += count
        if self.progress and self.done - self._reported >= PROGRESS_EVERY:
            self._reported = self.done
            self.progress(self.done, self.total)

    def run(self) -> None:
        if self.total > MAX_ROWS:
            raise FileRefused(
                _("The file has too many rows: at most %(max)s can be imported at once.")
                % {"max": MAX_ROWS}
            )
        for spec in SHEETS:
            raw = self.sheets.get(spec.key)
            if raw is None:
                continue
            checker = SheetChecker(spec, raw, self.errors)
            checker.merged_cells()
            self.letters.update({(spec.key, k): v for k, v in checker.letters.items()})
            seen: dict[str, int] = {}
            check_row = getattr(self, f"check_{spec.key}")
            for row in checker.rows(self.tick):
                row.code = place_code(row)
                check_row(row, checker)
                if row.key:
                    first = seen.setdefault(row.key, row.number)
                    if first != row.number:
                        self.duplicate(row, checker, first)
                self.rows[spec.key].append(row)
        if self.progress:
            self.progress(self.total, self.total)

    def duplicate(self, row: Row, checker: SheetChecker, first: int) -> None:
        if row.spec.key == "residents":
            column = row.spec.column("id_number")
            message = _("This ID number appears twice in the file (also row %(row)s).")
            value = row.values["id_number"]
        else:
            column = row.spec.column(row.spec.place[-1])
            message = _("The same place appears twice on this sheet (also row %(row)s).")
            value = row.values[column.key]
        row.bad.add(column.key)
        checker.error(row.number, column, value, message % {"row": first})

    def _floors(self, row: Row, checker: SheetChecker) -> None:
        floors = row.values.get("floors")
        if floors is not None and not 0 < floors <= MAX_FLOORS:
            row.bad.add("floors")
            checker.error(
                row.number,
                row.spec.column("floors"),
                floors,
                _("Enter the number of floors, 1 to %(max)s.") % {"max": MAX_FLOORS},
            )

    def check_buildings(self, row: Row, checker: SheetChecker) -> None:
        row.key = row.code
        self._floors(row, checker)

    def check_units(self, row: Row, checker: SheetChecker) -> None:
        row.key = row.code
        self._floors(row, checker)

    def check_households(self, row: Row, checker: SheetChecker) -> None:
        row.key = row.code
        area = row.values.get("area")
        if area is not None:
            area = area.quantize(Decimal("0.01"))
            row.values["area"] = area
            if not 0 <= area <= MAX_AREA:
                row.bad.add("area")
                checker.error(
                    row.number,
                    row.spec.column("area"),
                    area,
                    _("Enter the floor area in square metres, 0 to %(max)s.") % {"max": MAX_AREA},
                )

    def check_residents(self, row: Row, checker: SheetChecker) -> None:
        """The checks of `actions.clean_resident`, with its messages, minus its per-row query
        for duplicates (step 3 looks up the whole file's ID numbers at once)."""
        values = row.values
        number = values.get("id_number")
        if not number or "id_number" in row.bad:
            return
        row.key = number
        column = row.spec.column("id_number")
        born = idcard.birth_date_of(number)
        if values.get("birth_date") is None and "birth_date" not in row.bad:
            values["birth_date"] = born
        elif values.get("birth_date") is not None and values["birth_date"] != born:
            row.bad.add("id_number")
            checker.error(
                row.number,
                column,
                number,
                _("The ID number's birth date (%(date)s) does not match the birth date.")
                % {"date": born.isoformat()},
            )
        if values.get("birth_date") and values["birth_date"] > self.today:
            row.bad.add("birth_date")
            checker.error(
                row.number,
                row.spec.column("birth_date"),
                values["birth_date"],
                _("The birth date cannot be in the future."),
            )
        gender = idcard.gender_of(number)
        if values.get("gender") is None and "gender" not in row.bad:
            values["gender"] = gender
        elif values.get("gender") is not None and values["gender"] != gender:
            row.bad.add("id_number")
            checker.error(
                row.number,
                column,
                number,
                _("The ID number's gender digit does not match the gender."),
            )


# --- step 3 and 4: resolve against the register, then write ---------------------------------------
class Scope:
    """What the uploader may do where: one prefix test per row instead of a permission call."""

    def __init__(self, by):
        self.everywhere = by is None or by.is_superuser
        # Importing is its own permission (community workers and above); every role holding it
        # also adds and changes registers over the same scope.
        prefixes = tuple(by.scope_prefixes("registry.import")) if not self.everywhere else ()
        self.add = self.change = prefixes

    def may_add(self, code: str) -> bool:
        return self.everywhere or code.startswith(self.add)

    def may_change(self, code: str) -> bool:
        return self.everywhere or code.startswith(self.change)

    def reaches(self, parent: str, code: str) -> bool:
        """Whether the row could be in scope at all, decided from codes alone, so a code outside
        the uploader's scope is refused without saying whether it exists."""
        return self.may_add(parent) or self.may_change(code)


SNAPSHOT_FIELDS: dict = {}


def snapshot_fields(model) -> list[tuple[str, str]]:
    """(name, attname) of the fields `events.snapshot` records for `model`, worked out once."""
    fields = SNAPSHOT_FIELDS.get(model)
    if fields is None:
        fields = SNAPSHOT_FIELDS[model] = [
            (f.name, f.attname)
            for f in model._meta.concrete_fields
            if not f.name.endswith(events.HIDDEN_SUFFIXES)
            and f.name not in ("created_at", "updated_at")
        ]
    return fields


def snapshot(obj) -> dict:
    """`events.snapshot(obj)`, without working out the audited fields for every object (a test
    holds the two equal)."""
    plain = events._plain
    return {name: plain(getattr(obj, attname)) for name, attname in snapshot_fields(type(obj))}


def in_chunks(values, size: int = LOOKUP_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookup(queryset, field_name: str, values) -> dict:
    """Rows whose `field_name` is among `values`, keyed by it, a chunk of values per query."""
    found = {}
    for chunk in in_chunks(set(values)):
        for obj in queryset.filter(**{f"{field_name}__in": chunk}).order_by():
            found[getattr(obj, field_name)] = obj
    return found


class Writer:
    """Steps 3 and 4 for one file: resolve every checked row, then write the plan."""

    def __init__(self, checker: Checker, by, result: ImportResult, origin: dict):
        self.rows = checker.rows
        self.letters = checker.letters
        self.by = by
        self.scope = Scope(by)
        self.result = result
        self.errors = result.errors
        self.origin = origin
        self.now = timezone.now()
        self.events: list[tuple] = []
        # The plan: what to create and what to change, per level.
        self.new: dict[str, list] = {s.key: [] for s in SHEETS}
        self.changed: dict[str, list] = {s.key: [] for s in SHEETS}
        self.moves: dict[int, str] = {}  # resident key → the household code it moves to

    # --- errors ------------------------------------------------------------------------------
    def error(self, row: Row, key: str, message: str, value=None) -> None:
        column = row.spec.column(key)
        row.bad.add(key)
        self.errors.append(
            RowError(
                row.spec.name,
                row.number,
                column.header,
                self.letters.get((row.spec.key, key), ""),
                shown_value(column, row.values.get(key) if value is None else value),
                message,
            )
        )

    def out_of_scope(self, row: Row) -> None:
        self.error(row, "grid", _("Outside your scope: you may not import rows here."))

    # --- look-ups ----------------------------------------------------------------------------
    def load(self, lock: bool) -> None:
        codes = {key: {r.code for r in rows if r.code} for key, rows in self.rows.items()}
        everything = set().union(*codes.values())
        grid_length = CODE_LENGTH[Level.GRID]
        building_length = CODE_LENGTH[Level.BUILDING]
        unit_length = CODE_LENGTH[Level.UNIT]

        def locked(queryset):
            # Rows this import will change stay as read until it commits (PostgreSQL; SQLite
            # already holds the database's write lock for the whole transaction).
            return queryset.select_for_update(of=("self",)) if lock else queryset

        self.grids = lookup(
            Region.objects.filter(level=Level.GRID).only("pk", "code", "name"),
            "code",
            {c[:grid_length] for c in everything},
        )
        self.buildings = lookup(
            locked(Building.objects.select_related("region")),
            "code",
            {c[:building_length] for c in everything},
        )
        self.units = lookup(
            locked(Unit.objects.select_related("region", "building__region")),
            "code",
            {c[:unit_length] for c in everything if len(c) >= unit_length},
        )
        self.households = lookup(
            locked(Household.objects.select_related("region")),
            "code",
            codes["households"] | codes["residents"],
        )
        self.hashes = {
            r.key: pii.lookup_hash(r.key)
            for r in self.rows["residents"]
            if r.key and "id_number" not in r.bad
        }
        # The explicit non-empty condition lets the database use the partial unique index.
        self.residents = lookup(
            locked(Resident.objects.exclude(id_number_hash="")),
            "id_number_hash",
            self.hashes.values(),
        )

    # --- resolving ---------------------------------------------------------------------------
    def resolve(self, lock: bool) -> None:
        self.load(lock)
        self.known = {
            "buildings": set(self.buildings) | {r.code for r in self.rows["buildings"] if r.code},
            "units": set(self.units) | {r.code for r in self.rows["units"] if r.code},
            "households": set(self.households)
            | {r.code for r in self.rows["households"] if r.code},
        }
        for row in self.rows["buildings"]:
            self.resolve_node(row, self.buildings, self.plan_building)
        for row in self.rows["units"]:
            self.resolve_node(row, self.units, self.plan_unit)
        for row in self.rows["households"]:
            self.resolve_node(row, self.households, self.plan_household)
        for row in self.rows["residents"]:
            self.resolve_resident(row)

    def parent_exists(self, row: Row, level_key: str) -> bool:
        """Whether every node above the row exists, in the register or earlier in the file."""
        code = row.code
        grid = code[: CODE_LENGTH[Level.GRID]]
        if grid not in self.grids:
            self.error(row, "grid", _("The grid %(code)s does not exist.") % {"code": grid})
            return False
        steps = (
            ("buildings", Level.BUILDING, "building", "楼栋"),
            ("units", Level.UNIT, "unit", "单元"),
            ("households", Level.HOUSEHOLD, "room", "住户"),
        )
        for key, level, column, sheet in steps:
            if key == level_key:
                return True
            node = code[: CODE_LENGTH[level]]
            if node not in self.known[key]:
                self.error(
                    row,
                    column,
                    _(
                        "%(code)s is not in the register; list it on the “%(sheet)s” sheet or "
                        "check the numbers."
                    )
                    % {"code": node, "sheet": sheet},
                )
                return False
        return True

    def resolve_node(self, row: Row, existing: dict, plan) -> None:
        if not row.code:
            return
        code = row.code
        parent = code[: CODE_LENGTHS[CODE_LENGTHS.index(len(code)) - 1]]
        if not self.scope.reaches(parent, code):
            return self.out_of_scope(row)
        current = existing.get(code)
        if current is not None:
            if not self.scope.may_change(code):
                return self.out_of_scope(row)
        else:
            if not self.parent_exists(row, row.spec.key):
                return
            if not self.scope.may_add(parent):
                return self.out_of_scope(row)
        if not row.bad:
            plan(row, current)

    def resolve_resident(self, row: Row) -> None:
        if not row.code:
            return
        household = row.code
        if not self.scope.reaches(household, household):
            return self.out_of_scope(row)
        if not self.parent_exists(row, "residents"):
            return
        current = None
        if "id_number" not in row.bad and row.key:
            current = self.residents.get(self.hashes[row.key])
        if current is not None:
            if not self.scope.may_change(current.code):
                return self.error(
                    row,
                    "id_number",
                    _("A resident with this ID number is already registered outside your scope."),
                )
            if current.code != household and not self.scope.may_change(household):
                return self.out_of_scope(row)
        elif not self.scope.may_add(household):
            return self.out_of_scope(row)
        if not row.bad:
            self.plan_resident(row, current)

    # --- planning: what each row creates or changes ----------------------------------------------
    def given(self, row: Row, key: str, current, default=None):
        """The row's value for `key`; a column left out of the file, or a blank cell where the
        register never holds a blank, keeps what the record has (or the default for a new one)."""
        values = row.values
        if key not in values or (values[key] is None and key in KEEP_WHEN_BLANK[row.spec.key]):
            return current if current is not None else default
        value = values[key]
        if value is None:
            return "" if isinstance(default, str) else None
        return value

    def tags(self, row: Row, vocabulary, current: str) -> str:
        stored = set(unwrap_tags(current))
        # Tags the workbook has no column for (set elsewhere) are kept as they are.
        kept = stored - {value for value, _word in vocabulary}
        for value, _word in vocabulary:
            key = f"tag:{value}"
            if key not in row.values:
                if value in stored:
                    kept.add(value)
            elif row.values[key]:
                kept.add(value)
        return wrap_tags(kept)

    def plan_building(self, row: Row, building: Building | None) -> None:
        counts = self.result.summary["buildings"]
        if building is None:
            number = row.values["building"]
            self.new["buildings"].append(
                {
                    "code": row.code,
                    "grid": self.grids[row.code[: CODE_LENGTH[Level.GRID]]],
                    "name": self.given(row, "name", None, f"{number}号楼"),
                    "address": self.given(row, "address", None, ""),
                    "compound": self.given(row, "compound", None, ""),
                    "floors": self.given(row, "floors", None, None),
                    "structure": self.given(row, "structure", None, Building.Structure.MID_RISE),
                    "note": self.given(row, "note", None, ""),
                }
            )
            counts.created += 1
            return
        region = building.region

        def state():
            return {**snapshot(building), "name": region.name, "address": region.address}

        before = state()
        region.name = self.given(row, "name", region.name)
        region.address = self.given(row, "address", region.address, "")
        building.compound = self.given(row, "compound", building.compound, "")
        building.floors = self.given(row, "floors", building.floors)
        building.structure = self.given(row, "structure", building.structure)
        building.note = self.given(row, "note", building.note, "")
        after = state()
        self.count_change("buildings", building, before, after)

    def plan_unit(self, row: Row, unit: Unit | None) -> None:
        counts = self.result.summary["units"]
        if unit is None:
            number = row.values["unit"]
            self.new["units"].append(
                {
                    "code": row.code,
                    "name": self.given(row, "name", None, f"{number}单元"),
                    "floors": self.given(row, "floors", None, None),
                    "note": self.given(row, "note", None, ""),
                }
            )
            counts.created += 1
            return
        region = unit.region
        before = {**snapshot(unit), "name": region.name}
        region.name = self.given(row, "name", region.name)
        unit.floors = self.given(row, "floors", unit.floors)
        unit.note = self.given(row, "note", unit.note, "")
        after = {**snapshot(unit), "name": region.name}
        self.count_change("units", unit, before, after)

    def plan_household(self, row: Row, household: Household | None) -> None:
        counts = self.result.summary["households"]
        if household is None:
            self.new["households"].append(
                {
                    "code": row.code,
                    "room": str(row.values["room"]),
                    "address": self.given(row, "address", None, ""),
                    "housing": self.given(row, "housing", None, Household.Housing.OWNED),
                    "area": self.given(row, "area", None, None),
                    "tags": self.tags(row, HOUSEHOLD_TAGS, ""),
                    "note": self.given(row, "note", None, ""),
                }
            )
            counts.created += 1
            return
        before = snapshot(household)
        household.address = self.given(row, "address", household.address)
        household.housing = self.given(row, "housing", household.housing)
        household.area = self.given(row, "area", household.area)
        household.tags = self.tags(row, HOUSEHOLD_TAGS, household.tags)
        household.note = self.given(row, "note", household.note, "")
        after = snapshot(household)
        self.count_change("households", household, before, after)

    def plan_resident(self, row: Row, resident: Resident | None) -> None:
        counts = self.result.summary["residents"]
        values = row.values
        if resident is None:
            self.new["residents"].append(
                {
                    "household": row.code,
                    "name": values["name"],
                    "gender": values["gender"],
                    "birth_date": values["birth_date"],
                    "id_number": values["id_number"],
                    "phone": self.given(row, "phone", None, ""),
                    "relation": values["relation"],
                    "ethnicity": self.given(row, "ethnicity", None, "汉族"),
                    "status": self.given(row, "status", None, Resident.Status.REGISTERED),
                    "tags": self.tags(row, RESIDENT_TAGS, ""),
                    "note": self.given(row, "note", None, ""),
                }
            )
            counts.created += 1
            return
        before = snapshot(resident)
        old_phone_hash = resident.phone_hash
        resident.name = values["name"]
        resident.gender = values["gender"]
        resident.birth_date = values["birth_date"]
        resident.relation = values["relation"]
        resident.ethnicity = self.given(row, "ethnicity", resident.ethnicity)
        resident.status = self.given(row, "status", resident.status)
        resident.tags = self.tags(row, RESIDENT_TAGS, resident.tags)
        resident.note = self.given(row, "note", resident.note, "")
        if "phone" in values:
            phone = values["phone"] or ""
            if pii.lookup_hash(phone) != resident.phone_hash:
                resident.set_phone(phone)
        if resident.code != row.code:
            # Moved to another household, which may be new in this file: its key is set on write.
            resident.code = row.code
            self.moves[resident.pk] = row.code
        after = snapshot(resident)
        if (
            resident.phone_hash != old_phone_hash
            and resident.phone_masked == before["phone_masked"]
        ):
            # As change_resident: a new number with the old one's mask is said to have changed.
            after["personal_data_changed"] = ["phone"]
        self.count_change("residents", resident, before, after)

    def count_change(self, key: str, obj, before: dict, after: dict) -> None:
        counts = self.result.summary[key]
        if after == before:
            counts.unchanged += 1
        else:
            counts.updated += 1
            self.changed[key].append((obj, before, after))

    # --- writing -----------------------------------------------------------------------------
    def event(self, verb: str, model, pk, text: str, code: str, *, before=None, after=None):
        """The event `events.record` would write for an object, kept for one bulk insert."""
        origin = self.origin
        self.events.append(
            {
                "actor_id": origin["actor_id"],
                "actor_name": origin["actor_name"],
                "verb": verb,
                "object_type": model._meta.label_lower,
                "object_id": str(pk),
                "object_repr": text[:200],
                "scope_code": code,
                "before": before,
                "after": after,
                "purpose": "",
                "request_id": origin["request_id"],
                "ip_address": origin["ip_address"],
            }
        )

    def changed_event(self, obj, before: dict, after: dict) -> None:
        self.event(
            AuditEvent.Verb.CHANGE,
            type(obj),
            obj.pk,
            str(obj),
            obj.code,
            before=before,
            after=after,
        )

    def write(self) -> None:
        # Names and keys of every node the new rows hang under, existing or new.
        self.node_pk = {}
        self.node_name = {}
        for nodes in (self.buildings, self.units, self.households):
            for code, node in nodes.items():
                self.node_pk[code] = node.region_id
                self.node_name[code] = node.region.name
        self.write_level("buildings", Building, Level.BUILDING)
        self.write_level("units", Unit, Level.UNIT)
        self.write_level("households", Household, Level.HOUSEHOLD)
        self.write_residents()
        self.write_changes()
        insert_drafts(AuditEvent, self.events)

    def write_level(self, key: str, model, level: str) -> None:
        """New buildings, units or households: their region nodes, then their register rows,
        then a create event each with the row's snapshot."""
        plans = self.new[key]
        if not plans:
            return
        parent_length = CODE_LENGTHS[CODE_LENGTHS.index(CODE_LENGTH[level]) - 1]
        building_length = CODE_LENGTH[Level.BUILDING]
        grid_length = CODE_LENGTH[Level.GRID]
        regions = []
        for plan in plans:
            code = plan["code"]
            if level == Level.BUILDING:
                parent = self.grids[code[:grid_length]].pk
            else:
                parent = self.node_pk[code[:parent_length]]
            if level == Level.HOUSEHOLD:
                # As create_household: an address left blank is the unit's name and the room.
                unit = code[:parent_length]
                unit_name = self.node_name[code[:building_length]] + self.node_name[unit]
                plan["address"] = plan["address"] or f"{unit_name}{plan['room']}"
                name = plan["room"]
            else:
                name = plan.pop("name")
            regions.append(
                {
                    "code": code,
                    "name": name,
                    "level": level,
                    "parent_id": parent,
                    "address": plan.pop("region_address", plan.get("address", "")),
                }
            )
        keys = insert_new(Region, regions, "code")
        rows = []
        for plan, region in zip(plans, regions, strict=True):
            code = plan["code"]
            pk = keys[code]
            self.node_pk[code] = pk
            self.node_name[code] = region["name"]
            row = {"region_id": pk, **plan}
            if level == Level.UNIT:
                row["building_id"] = self.node_pk[code[:building_length]]
            elif level == Level.HOUSEHOLD:
                row["unit_id"] = self.node_pk[code[:parent_length]]
            rows.append(row)
        insert_drafts(model, rows)
        fields = snapshot_fields(model)
        plain = events._plain
        for row in rows:
            code = row["code"]
            if level == Level.BUILDING:
                text = self.node_name[code]
            elif level == Level.UNIT:
                text = self.node_name[code[:building_length]] + self.node_name[code]
            else:
                text = row["address"]
            after = {name: plain(row.get(attname)) for name, attname in fields}
            self.event(AuditEvent.Verb.CREATE, model, row["region_id"], text, code, after=after)

    def write_residents(self) -> None:
        plans = self.new["residents"]
        if not plans:
            return
        mask_id, mask_phone, seal, digest = (
            pii.mask_id_number,
            pii.mask_phone,
            pii.encrypt,
            pii.lookup_hash,
        )
        rows = []
        for plan in plans:
            code = plan.pop("household")
            number = plan.pop("id_number")
            phone = plan.pop("phone")
            # What Resident.set_id_number and set_phone store.
            rows.append(
                {
                    "household_id": self.node_pk[code],
                    "code": code,
                    **plan,
                    "id_number_enc": seal(number),
                    "id_number_hash": self.hashes.get(number) or digest(number),
                    "id_number_masked": mask_id(number),
                    "phone_enc": seal(phone),
                    "phone_hash": digest(phone),
                    "phone_masked": mask_phone(phone),
                }
            )
        last = Resident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        insert_drafts(Resident, rows)
        # The plain insert returns no keys: the new rows are those past the last key before it,
        # each known by its ID number's hash (rows another transaction added meanwhile are
        # among them too, and are simply not looked up).
        keys = dict(
            Resident.objects.filter(pk__gt=last)
            .order_by()
            .values_list("id_number_hash", "pk")
            .iterator(chunk_size=BATCH)
        )
        fields = snapshot_fields(Resident)
        plain = events._plain
        for row in rows:
            row["id"] = keys[row["id_number_hash"]]
            after = {name: plain(row.get(attname)) for name, attname in fields}
            self.event(
                AuditEvent.Verb.CREATE, Resident, row["id"], row["name"], row["code"], after=after
            )

    def write_changes(self) -> None:
        changed = self.changed["buildings"]
        self.update([b.region for b, *_ in changed], Region, ["name", "address"])
        self.update([b for b, *_ in changed], Building, ["compound", "floors", "structure", "note"])
        changed = self.changed["units"]
        self.update([u.region for u, *_ in changed], Region, ["name"])
        self.update([u for u, *_ in changed], Unit, ["floors", "note"])
        changed = self.changed["households"]
        moved_regions = []
        for household, _before, _after in changed:
            # As change_household: the node carries the household's address too.
            if household.region.address != household.address:
                household.region.address = household.address
                moved_regions.append(household.region)
        self.update(moved_regions, Region, ["address"])
        self.update(
            [h for h, *_ in changed], Household, ["address", "housing", "area", "tags", "note"]
        )
        changed = self.changed["residents"]
        for resident, _before, after in changed:
            if resident.pk in self.moves:
                resident.household_id = self.node_pk[self.moves[resident.pk]]
                after["household"] = resident.household_id
        self.update(
            [r for r, *_ in changed],
            Resident,
            [
                "household",
                "code",
                "name",
                "gender",
                "birth_date",
                "phone_enc",
                "phone_hash",
                "phone_masked",
                "relation",
                "ethnicity",
                "status",
                "tags",
                "note",
            ],
        )
        for key in ("buildings", "units", "households", "residents"):
            for obj, before, after in self.changed[key]:
                self.changed_event(obj, before, after)

    def update(self, objs: list, model, fields: list[str]) -> None:
        if not objs:
            return
        for obj in objs:
            obj.updated_at = self.now
        model.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=500)


PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def insert_drafts(model, drafts: list[dict]) -> None:
    """Insert rows given as {attname: value}, without model instances (COPY on PostgreSQL,
    executemany on SQLite) — the way `demo.insert_rows` writes the demo street, whose per-row
    cost here would be the building of a model instance for each row. Timestamps are stamped once
    for the batch; values of other types go through their field's database conversion."""
    if not drafts:
        return
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.db_returning]
    getters = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamp = f.get_db_prep_save(now, connection)
            getters.append(lambda d, stamp=stamp: stamp)
        elif isinstance(f, PLAIN_FIELDS) or f.is_relation:
            default = f.get_default()
            getters.append(lambda d, name=f.attname, default=default: d.get(name, default))
        elif isinstance(f, models.JSONField):
            # JSON as text, which both COPY and SQLite take as is: quicker than an adapter object
            # per value.
            getters.append(
                lambda d, name=f.attname, encoder=f.encoder: (
                    None if d.get(name) is None else json.dumps(d[name], cls=encoder)
                )
            )
        else:
            getters.append(
                lambda d, f=f: f.get_db_prep_save(d.get(f.attname, f.get_default()), connection)
            )
    rows = [tuple(get(d) for get in getters) for d in drafts]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's own cursor, so its errors are turned into Django's here (a clash on
            # a unique code must reach the importer as IntegrityError).
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def insert_new(model, drafts: list[dict], unique: str) -> dict:
    """Insert drafts and return their new keys by a unique column: the rows past the last key
    before the insert (another transaction's rows meanwhile are among them, and not asked for)."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    insert_drafts(model, drafts)
    return dict(
        model.objects.filter(pk__gt=last)
        .order_by()
        .values_list(unique, "pk")
        .iterator(chunk_size=BATCH)
    )


def common_scope(codes) -> str:
    """The deepest node code every code lies under: where the import's own event is filed."""
    codes = list(codes)
    if not codes:
        return ""
    prefix = os.path.commonprefix([min(codes), max(codes)])
    for length in reversed(CODE_LENGTHS):
        if length <= len(prefix):
            return prefix[:length]
    return ""


# --- the entry point ---------------------------------------------------------------------------
def import_workbook(
    path: Source,
    *,
    by,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    file_name: str | None = None,
    job=None,
) -> ImportResult:
    """Import a register workbook as `by` (None: a system job, unrestricted).

    Returns the result: on any error, every error found and nothing written; otherwise the
    counts per sheet, and — unless `dry_run` — the rows written in one transaction with their
    audit events. `progress(done, total)` is called as rows are checked.
    """
    started = time.perf_counter()
    if file_name is None:
        file_name = os.path.basename(os.fspath(path)) if isinstance(path, str | os.PathLike) else ""
    result = ImportResult(file_name=file_name, dry_run=dry_run)
    errors = result.errors

    def refuse(exc: FileRefused) -> ImportResult:
        errors.append(RowError("", None, "", "", "", str(exc)))
        result.seconds["total"] = time.perf_counter() - started
        return result

    try:
        book, result.sha256 = _open(path)
        with book:
            _marker(book)
            sheets = read_sheets(book, errors)
    except FileRefused as exc:
        return refuse(exc)
    result.seconds["read"] = time.perf_counter() - started

    checker = Checker(sheets, errors, progress)
    try:
        checker.run()
    except FileRefused as exc:
        return refuse(exc)
    result.rows = sum(len(rows) for rows in checker.rows.values())
    if not result.rows and not errors:
        errors.append(RowError("", None, "", "", "", _("The workbook has no rows to import.")))
    result.seconds["check"] = time.perf_counter() - started - result.seconds["read"]

    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    origin = {
        "actor": actor,
        "actor_id": actor.pk if actor else None,
        "actor_name": actor.get_username() if actor else "",
        "request_id": (job.request_id if job else "") or current_request_id(),
        "ip_address": (job.ip_address if job else None) or current_client_ip(),
    }
    writer = Writer(checker, by, result, origin)
    write_started = time.perf_counter()
    try:
        with nullcontext() if dry_run else transaction.atomic():
            if result.rows:
                writer.resolve(lock=not dry_run)
            if not errors and not dry_run:
                writer.write()
                result.event_id = record_import(result, writer, job)
    except IntegrityError:
        errors.append(
            RowError(
                "",
                None,
                "",
                "",
                "",
                _(
                    "The register changed while this file was being imported, so nothing was "
                    "changed. Please import the file again."
                ),
            )
        )
    result.seconds["write"] = time.perf_counter() - write_started
    result.seconds["total"] = time.perf_counter() - started
    if errors:
        errors.sort(key=lambda e: (sheet_order(e.sheet), e.row or 0))
        result.summary = {s.key: Counts() for s in SHEETS}
        result.sheets = sheets
    return result


def sheet_order(name: str) -> int:
    for index, spec in enumerate(SHEETS):
        if spec.name == name:
            return index + 1
    return 0


def record_import(result: ImportResult, writer: Writer, job) -> int:
    """The one `import` event for the file: its name, fingerprint and counts."""
    codes = [row.code for rows in writer.rows.values() for row in rows if row.code]
    origin = writer.origin
    event = AuditEvent.objects.create(
        verb=AuditEvent.Verb.IMPORT,
        actor=origin["actor"],
        actor_name=origin["actor_name"],
        object_type=job._meta.label_lower if job else "",
        object_id=str(job.pk) if job else "",
        object_repr=result.file_name[:200],
        scope_code=common_scope(codes),
        after={
            "file": result.file_name,
            "sha256": result.sha256,
            "rows": result.rows,
            **result.summary_dict(),
        },
        request_id=origin["request_id"],
        ip_address=origin["ip_address"],
    )
    return event.pk


__all__ = ["FileRefused", "ImportResult", "RowError", "import_workbook"]
