"""Importing party members from Excel (党员导入), with the registers' all-or-nothing behaviour.

The member workbook has one data sheet, 党员, one row per member. A member who lives in the street
is named by ID number and found in the register by its keyed hash; a member who does not (an
in-service member living elsewhere) is named by name, gender and phone. The organisation is given
by its name or its node's code, and must lie where the uploader holds `party.manage`.

`import_members(source, by=…)` is the one entry point; the upload page's background job and
`sixfold import_members` both call it.

1. **Read** with python-calamine; a workbook without this template's hidden marker goes no further.
2. **Check** every cell (the registers' cell readers and messages) and the file as a whole (the
   same ID number, or the same external person, twice).
3. **Resolve** organisations, groups and residents in a fixed number of queries, and check every
   row against them and against the members already registered.
4. **Apply** in one transaction through `actions.create_member` — the same checks, permissions
   and audit events as the member form — each row in a savepoint so that one bad row does not hide
   the next. If any row was refused, or the run is a dry run, the transaction is rolled back, so
   a dry run reports exactly what a real import would. A street registers a few thousand members
   at most, so the action per row (a handful of queries) costs seconds, not the hours it would
   cost for a city's residents: no separate bulk path is needed.

A refused file gets a report workbook: the error list, then the uploaded rows with every bad cell
filled red and commented — itself a member workbook that imports once corrected.
"""

import hashlib
import io
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from sixfold.core import pii
from sixfold.core.excel import files
from sixfold.core.excel.cells import is_blank, shown
from sixfold.core.excel.importer import (
    LOOKUP_CHUNK,
    FileRefused,
    RawSheet,
    Row,
    RowError,
    SheetChecker,
    common_scope,
)
from sixfold.core.excel.report import report_cell
from sixfold.core.excel.spec import (
    ERRORS_SHEET,
    GENDERS,
    INSTRUCTIONS_SHEET,
    YES,
    Column,
    Kind,
    SheetSpec,
    column_letter,
)
from sixfold.core.excel.workbook import (
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    add_lists_sheet,
    new_workbook,
    start_data_sheet,
    text_cell,
)
from sixfold.core.models import AuditEvent, ImportJob, Resident

from . import actions
from .actions import MANAGE
from .models import OrgKind, PartyMember, PartyOrganization

logger = logging.getLogger(__name__)

Source = str | os.PathLike | IO[bytes]
ProgressCallback = Callable[[int, int], None]

# The hidden sheet that tells a member workbook from a register workbook or any other file.
MARKER_SHEET = "_sixfold"
MARKER_ID = "sixfold-party-members-workbook"
FORMAT_VERSION = 1
LISTS_SHEET = "选项"
# What an ImportJob of this importer carries in its summary, to tell it from a register import.
JOB_KIND = "party_members"
MAX_ROWS = 50_000
PROGRESS_EVERY = 200
ERRORS_SHOWN = 200
PROGRESS_INTERVAL = 0.5
TEMPLATE_TITLE = "党员信息导入模板"

STANDINGS = (("full", "正式党员"), ("probationary", "预备党员"))
FLAGS = (
    ("in_service", "在职党员"),
    ("elderly", "老党员"),
    ("in_difficulty", "困难党员"),
    ("mobile", "流动党员"),
)

MEMBERS = SheetSpec(
    key="members",
    name="党员",
    level="",
    place=(),
    help=(
        "每行一名党员。住在本街道的党员填身份证号（按身份证号对应登记簿中的居民，姓名可不填，"
        "填了须与登记簿一致）；不住在本街道的党员（如在职党员）不填身份证号，填姓名、性别和手机号。"
    ),
    columns=(
        Column(
            "id_number",
            "身份证号",
            Kind.ID_NUMBER,
            personal=True,
            width=21,
            text_format=True,
            help="住在本街道的党员必填，18 位；本列为文本格式，请勿改成数字。不住在本街道的党员留空",
        ),
        Column(
            "name",
            "姓名",
            Kind.TEXT,
            max_length=50,
            width=10,
            help="不住在本街道的党员必填；住在本街道的党员可不填，填了须与登记簿一致",
        ),
        Column(
            "gender",
            "性别",
            Kind.CHOICE,
            choices=GENDERS,
            width=6,
            help="男 / 女；只填不住在本街道的党员的（居民的性别以登记簿为准）",
        ),
        Column(
            "phone",
            "手机号",
            Kind.PHONE,
            personal=True,
            width=14,
            text_format=True,
            help="只填不住在本街道的党员的（居民的手机号以登记簿为准）；选填",
        ),
        Column(
            "organization",
            "所属党组织",
            Kind.TEXT,
            required=True,
            max_length=100,
            width=26,
            help="党组织的全称（如“凤城社区党委”），或它所在区域的编码（如 370116001001、"
            "370116001001-G01）；须在您管理的范围内，不能是党小组",
        ),
        Column(
            "group",
            "党小组",
            Kind.TEXT,
            max_length=100,
            width=22,
            help="选填：所属党组织下的楼宇党小组的全称或楼栋编码",
        ),
        Column(
            "standing",
            "党员类别",
            Kind.CHOICE,
            choices=STANDINGS,
            width=10,
            help="正式党员 / 预备党员；留空为正式党员",
        ),
        Column("joined_on", "入党日期", Kind.DATE, required=True, width=12, help="如 2001-07-01"),
        Column(
            "full_on",
            "转正日期",
            Kind.DATE,
            width=12,
            help="正式党员选填；预备党员留空；不能早于入党日期",
        ),
        *(
            Column(key, word, Kind.FLAG, width=9, help=f"填“{YES}”表示{word}，否则留空")
            for key, word in FLAGS
        ),
        Column("employer", "工作单位", Kind.TEXT, max_length=100, width=20, help="选填"),
        Column(
            "transferred_from",
            "组织关系转自",
            Kind.TEXT,
            max_length=100,
            width=20,
            help="组织关系从街道以外转入的，填原党组织名称；选填",
        ),
        Column(
            "transferred_on",
            "转入日期",
            Kind.DATE,
            width=12,
            help="组织关系转入的日期；留空为导入当天",
        ),
        Column("note", "备注", Kind.TEXT, max_length=2000, width=24, help="选填"),
    ),
)

# Which column an action's field error belongs on.
FIELD_COLUMNS = {
    "resident": "id_number",
    "organization": "organization",
    "group": "group",
    "name": "name",
    "gender": "gender",
    "phone": "phone",
    "standing": "standing",
    "joined_on": "joined_on",
    "full_on": "full_on",
    "employer": "employer",
    "note": "note",
    "transferred_from": "transferred_from",
    "transferred_on": "transferred_on",
}

INSTRUCTION_LINES = [
    "一、在“党员”表中填写，每行一名党员。第一行是表头，请不要改动；用不到的选填列可以整列删除。",
    "二、住在本街道的党员填写身份证号，系统按身份证号找到登记簿中的居民（须是在世、未迁出、"
    "年满 18 周岁的居民，且在您的管理范围内）；不住在本街道的党员（如在职党员）不填身份证号，"
    "填写姓名、性别和手机号。",
    "三、所属党组织写全称（如“凤城社区党委”“凤城社区第一网格党支部”）或其所在区域的编码，"
    "须在您管理的范围内。党小组选填。",
    "四、导入只新增党员，不修改已有的党员：已登记为党员的居民、同一文件中重复的人都会报错。"
    "修改已有党员请在党员页面操作。",
    "五、标 * 的列必填。日期写成 2001-07-01，也可识别 2001/7/1、2001年7月1日和 Excel 的日期格式。",
    "六、整个文件要么全部导入，要么一行也不导入：只要有一处错误，系统会列出全部错误，并提供一份"
    "标红错误单元格的文件供下载，数据一条也不改。改正后重新上传即可。",
    "七、身份证号、手机号列是文本格式，请勿改为数字格式（Excel 会丢失身份证号的末几位）。",
]


# --- results -------------------------------------------------------------------------------------
@dataclass
class MemberImportResult:
    file_name: str
    sha256: str = ""
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    event_id: int | None = None
    sheet: RawSheet | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def summary_dict(self) -> dict:
        return {
            "kind": JOB_KIND,
            "members": {"created": self.created, "updated": 0, "unchanged": 0},
        }


def _file_error(message: str) -> RowError:
    return RowError("", None, "", "", "", message)


# --- the template --------------------------------------------------------------------------------
def list_columns() -> list[tuple[str, list[str]]]:
    """The drop-down lists, one column of the hidden lists sheet each."""
    lists = [("yes", [YES])]
    for column in MEMBERS.columns:
        if column.kind == Kind.CHOICE:
            lists.append((column.key, [word for _value, word in column.choices]))
    return lists


def add_marker(book: Workbook, kind: str) -> None:
    sheet = book.create_sheet(MARKER_SHEET)
    sheet.sheet_state = "veryHidden"
    sheet.append(["template", MARKER_ID])
    sheet.append(["version", FORMAT_VERSION])
    sheet.append(["kind", kind])
    sheet.append(["written", timezone.localtime().isoformat(timespec="seconds")])


def add_instructions(book: Workbook, organizations: list[tuple[str, str]]) -> None:
    sheet = book.create_sheet(INSTRUCTIONS_SHEET)
    for letter, width in zip("ABCD", (14, 14, 8, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([text_cell(sheet, TEMPLATE_TITLE, font=TITLE_FONT)])
    sheet.append([f"格式版本 {FORMAT_VERSION} · 生成于 {timezone.localtime():%Y-%m-%d %H:%M}"])
    sheet.append([])
    for line in INSTRUCTION_LINES:
        sheet.append([text_cell(sheet, line)])
    sheet.append([])
    sheet.append(
        [text_cell(sheet, word, font=HEADER_FONT) for word in ("工作表", "列", "必填", "填写说明")]
    )
    sheet.append([text_cell(sheet, MEMBERS.name, font=HEADER_FONT), None, None, MEMBERS.help])
    for column in MEMBERS.columns:
        text = column.help
        if column.kind == Kind.CHOICE:
            text += "。可选：" + "、".join(word for _value, word in column.choices)
        sheet.append(
            [MEMBERS.name, column.header, "是" if column.required else "", text_cell(sheet, text)]
        )
    if organizations:
        sheet.append([])
        sheet.append([text_cell(sheet, "您可以导入的党组织", font=HEADER_FONT)])
        sheet.append(
            [text_cell(sheet, word, font=HEADER_FONT) for word in ("区域编码", "党组织名称")]
        )
        for code, name in organizations:
            sheet.append([text_cell(sheet, code), text_cell(sheet, name)])


def managed_organizations(user):
    queryset = PartyOrganization.objects.exclude(kind=OrgKind.BUILDING_GROUP)
    if user is not None:
        queryset = queryset.visible_to(user, MANAGE)
    return queryset.order_by("code")


def template_workbook(user=None) -> Workbook:
    """The blank member workbook; its instructions list the organisations `user` manages."""
    organizations = list(managed_organizations(user).values_list("code", "name")[:2000])
    book = new_workbook()
    add_instructions(book, organizations)
    lists = list_columns()
    start_data_sheet(book, MEMBERS, lists)
    add_lists_sheet(book, lists, [])
    add_marker(book, "template")
    return book


# --- step 1: read --------------------------------------------------------------------------------
def _open(source: Source) -> tuple[CalamineWorkbook, str]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            data = handle.read()
    else:
        source.seek(0)
        data = source.read()
    digest = hashlib.sha256(data).hexdigest()
    if not data:
        raise FileRefused(_("The file is empty."))
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data)), digest
    except Exception:  # noqa: BLE001 — the reader raises many kinds for a file that is no .xlsx
        raise FileRefused(_("The file cannot be read as an Excel workbook (.xlsx).")) from None


def _check_marker(book: CalamineWorkbook) -> None:
    refused = FileRefused(
        _("This is not the party member template; please download it from the import page.")
    )
    if MARKER_SHEET not in book.sheet_names:
        raise refused
    rows = book.get_sheet_by_name(MARKER_SHEET).to_python(skip_empty_area=False)
    values = {str(row[0]).strip(): row[1] for row in rows if len(row) >= 2 and row[0]}
    if values.get("template") != MARKER_ID:
        raise refused
    if shown(values.get("version")) != str(FORMAT_VERSION):
        raise FileRefused(
            _(
                "This workbook has format version %(found)s; this system reads version "
                "%(expected)s. Please download the current template."
            )
            % {"found": shown(values.get("version")) or "?", "expected": FORMAT_VERSION}
        )


def _read_sheet(book: CalamineWorkbook) -> RawSheet:
    if MEMBERS.name not in book.sheet_names:
        raise FileRefused(_("The sheet “%(sheet)s” is missing.") % {"sheet": MEMBERS.name})
    sheet = book.get_sheet_by_name(MEMBERS.name)
    return RawSheet(
        MEMBERS.name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []
    )


# --- steps 2 and 3: check and resolve -------------------------------------------------------------
class MemberChecker:
    """Reads the rows, checks each and the file as a whole, and resolves what the rows name."""

    def __init__(self, raw: RawSheet, by, errors: list[RowError], progress=None):
        self.raw = raw
        self.by = by
        self.errors = errors
        self.progress = progress
        self.sheet = SheetChecker(MEMBERS, raw, errors)
        self.rows: list[Row] = []
        self.total = max(len(raw.rows) - 1, 0)
        self.done = 0
        self._reported = 0
        # What the rows name, resolved in step 3.
        self.residents: dict[str, Resident] = {}
        self.organizations: dict[str, PartyOrganization] = {}
        self.groups: dict[str, PartyOrganization] = {}
        self.data: dict[int, tuple[PartyOrganization, dict]] = {}
        self.known_externals: set[tuple[str, str]] = set()

    def error(self, row: Row, key: str, message: str, value=None) -> None:
        row.bad.add(key)
        column = MEMBERS.column(key)
        self.sheet.error(
            row.number, column, row.values.get(key) if value is None else value, message
        )

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
        self.sheet.merged_cells()
        seen: dict[str, int] = {}
        for row in self.sheet.rows(self.tick):
            self.check_row(row)
            if row.key:
                first = seen.setdefault(row.key, row.number)
                if first != row.number:
                    key = "id_number" if row.values.get("id_number") else "name"
                    self.error(
                        row,
                        key,
                        _("This person appears twice in the file (also row %(row)s).")
                        % {"row": first},
                    )
            self.rows.append(row)
        if self.progress:
            self.progress(self.total, self.total)

    def check_row(self, row: Row) -> None:
        values = row.values
        number = values.get("id_number")
        if "id_number" in row.bad:
            return
        if number:
            row.key = "id:" + number
            return
        if not values.get("name") and "name" not in row.bad:
            self.error(
                row,
                "name",
                _(
                    "Enter the ID number of a resident, or the name of a member who does not live "
                    "in the street."
                ),
            )
            return
        row.key = "person:" + (values.get("name") or "") + ":" + (values.get("phone") or "")

    # --- look-ups ------------------------------------------------------------------------------
    def load(self) -> None:
        """Everything the rows name, in a fixed number of queries."""
        hashes = {}
        for row in self.rows:
            number = row.values.get("id_number")
            if number and "id_number" not in row.bad:
                hashes[pii.lookup_hash(number)] = number
        found = []
        keys = list(hashes)
        for start in range(0, len(keys), LOOKUP_CHUNK):
            found += list(
                Resident.objects.filter(id_number_hash__in=keys[start : start + LOOKUP_CHUNK])
                .exclude(id_number_hash="")
                .select_related("party_member")
            )
        self.residents = {hashes[r.id_number_hash]: r for r in found}
        for org in managed_organizations(self.by):
            self.organizations.setdefault(org.code, org)
            self.organizations.setdefault(org.name, org)
        groups = PartyOrganization.objects.filter(kind=OrgKind.BUILDING_GROUP)
        if self.by is not None:
            groups = groups.visible_to(self.by, actions.VIEW)
        for group in groups:
            self.groups.setdefault(group.code, group)
            self.groups.setdefault(group.name, group)
        externals = {
            (row.values.get("name"), pii.lookup_hash(row.values["phone"]))
            for row in self.rows
            if not row.values.get("id_number") and row.values.get("phone")
        }
        if externals:
            names = {name for name, _hash in externals}
            self.known_externals = set(
                PartyMember.objects.filter(resident__isnull=True, name__in=names)
                .exclude(status=PartyMember.Status.TRANSFERRED_OUT)
                .values_list("name", "phone_hash")
            )

    def may_see_resident(self, resident: Resident) -> bool:
        return self.by is None or self.by.has_scoped_perm("registry.view", resident.code)

    def resolve(self) -> None:
        self.load()
        for row in self.rows:
            self.resolve_row(row)

    def resolve_row(self, row: Row) -> None:
        values = row.values
        data: dict = {}
        organization = None
        text = values.get("organization")
        if text and "organization" not in row.bad:
            organization = self.organizations.get(text)
            if organization is None:
                # Said the same way whether it exists outside the uploader's area or not at all.
                self.error(
                    row,
                    "organization",
                    _("No party organisation with this name or code where you manage members."),
                )
        group_text = values.get("group")
        if group_text and "group" not in row.bad:
            group = self.groups.get(group_text)
            if group is None:
                self.error(
                    row, "group", _("No building party group with this name or code in your area.")
                )
            else:
                data["group"] = group
        number = values.get("id_number")
        if number and "id_number" not in row.bad:
            resident = self.residents.get(number)
            if resident is None or not self.may_see_resident(resident):
                self.error(
                    row,
                    "id_number",
                    _(
                        "No resident with this ID number in your area. Leave it empty for a "
                        "member who does not live in the street."
                    ),
                )
            else:
                self.check_resident(row, resident)
                data["resident"] = resident
        elif not number:
            for key in ("name", "gender", "phone"):
                if values.get(key) is not None:
                    data[key] = values[key]
            phone = values.get("phone")
            if phone and (values.get("name"), pii.lookup_hash(phone)) in self.known_externals:
                self.error(
                    row, "name", _("A member with this name and phone is already registered.")
                )
        for key in (
            "standing",
            "joined_on",
            "full_on",
            "employer",
            "note",
            "transferred_from",
            "transferred_on",
            *(key for key, _word in FLAGS),
        ):
            if values.get(key) is not None:
                data[key] = values[key]
        if organization is not None and not row.bad:
            self.data[row.number] = (organization, data)

    def check_resident(self, row: Row, resident: Resident) -> None:
        values = row.values
        if hasattr(resident, "party_member"):
            self.error(row, "id_number", _("This resident is already registered as a member."))
        name = values.get("name")
        if name and name != resident.name:
            self.error(
                row,
                "name",
                _("The register has another name for this ID number: %(name)s.")
                % {"name": pii.mask_name(resident.name)},
            )
        gender = values.get("gender")
        if gender and gender != resident.gender:
            self.error(row, "gender", _("The register has another gender for this ID number."))
        if values.get("phone"):
            self.error(
                row,
                "phone",
                _("A resident's phone comes from the register; leave this cell empty."),
            )


# --- step 4: apply -------------------------------------------------------------------------------
class _RollBack(Exception):
    """Leaves the transaction without committing it (a dry run, or a refused row)."""


def _action_errors(checker: MemberChecker, row: Row, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, problems in exc.error_dict.items():
            key = FIELD_COLUMNS.get(name, "organization")
            for problem in problems:
                checker.error(row, key, " ".join(problem.messages))
    else:
        checker.error(row, "organization", " ".join(exc.messages))


def _apply(checker: MemberChecker, by, result: MemberImportResult) -> None:
    for row in checker.rows:
        planned = checker.data.get(row.number)
        if planned is None:
            continue
        organization, data = planned
        try:
            with transaction.atomic():
                actions.create_member(organization, data, by=by)
        except ValidationError as exc:
            _action_errors(checker, row, exc)
        except PermissionDenied:
            checker.error(
                row, "organization", _("Outside your scope: you may not import rows here.")
            )
        else:
            result.created += 1


def _record_import(result: MemberImportResult, by, checker: MemberChecker, job) -> int:
    codes = {organization.code for organization, _data in checker.data.values()}
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    event = AuditEvent.objects.create(
        verb=AuditEvent.Verb.IMPORT,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        object_type=job._meta.label_lower if job else "",
        object_id=str(job.pk) if job else "",
        object_repr=result.file_name[:200],
        scope_code=common_scope(codes),
        after={
            "kind": JOB_KIND,
            "file": result.file_name,
            "sha256": result.sha256,
            "rows": result.rows,
            "created": result.created,
        },
        request_id=job.request_id if job else "",
        ip_address=job.ip_address if job else None,
    )
    return event.pk


def import_members(
    source: Source,
    *,
    by,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    file_name: str | None = None,
    job=None,
) -> MemberImportResult:
    """Import a member workbook as `by` (None: a system job, unrestricted).

    On any error: every error found and nothing written. Otherwise every row created through
    `actions.create_member` in one transaction (rolled back again for a dry run).
    """
    started = time.perf_counter()
    if file_name is None:
        file_name = (
            os.path.basename(os.fspath(source)) if isinstance(source, str | os.PathLike) else ""
        )
    result = MemberImportResult(file_name=file_name, dry_run=dry_run)
    errors = result.errors
    try:
        book, result.sha256 = _open(source)
        with book:
            _check_marker(book)
            raw = _read_sheet(book)
        checker = MemberChecker(raw, by, errors, progress)
        checker.run()
    except FileRefused as exc:
        errors.append(_file_error(str(exc)))
        result.seconds["total"] = time.perf_counter() - started
        return result
    result.rows = len(checker.rows)
    if not result.rows and not errors:
        errors.append(_file_error(_("The workbook has no rows to import.")))
    result.seconds["check"] = time.perf_counter() - started
    if result.rows:
        try:
            with transaction.atomic():
                checker.resolve()
                if not errors:
                    _apply(checker, by, result)
                if errors or dry_run:
                    raise _RollBack
                result.event_id = _record_import(result, by, checker, job)
        except _RollBack:
            pass
    if errors:
        result.created = 0
        errors.sort(key=lambda e: (e.row or 0, e.letter))
        result.sheet = raw
    result.seconds["total"] = time.perf_counter() - started
    return result


# --- the report ----------------------------------------------------------------------------------
def report_lines(result: MemberImportResult) -> list[str]:
    lines = []
    for error in result.errors:
        where = (
            f"{error.sheet}!{error.letter}{error.row}"
            if error.row
            else (error.sheet or _("the file"))
        )
        if error.column:
            where += f" {error.column}"
        value = f" “{error.value}”" if error.value else ""
        lines.append(f"{where}{value}: {error.message}")
    return lines


def write_report(result: MemberImportResult, destination) -> None:
    """The error list, then the uploaded rows with the bad cells red and commented."""
    book = new_workbook()
    errors = book.create_sheet(ERRORS_SHEET)
    for letter, width in zip("ABCDE", (10, 8, 16, 24, 70), strict=True):
        errors.column_dimensions[letter].width = width
    headers = (_("Sheet"), _("Row"), _("Column"), _("Value"), _("Problem"))
    errors.append([text_cell(errors, h, font=HEADER_FONT, fill=HEADER_FILL) for h in headers])
    for error in result.errors:
        errors.append(
            [
                text_cell(errors, error.sheet),
                error.row,
                text_cell(errors, f"{error.letter} {error.column}".strip()),
                text_cell(errors, error.value),
                text_cell(errors, error.message),
            ]
        )
    errors.freeze_panes = "A2"
    raw = result.sheet
    if raw is not None:
        marks: dict[tuple[int, str], list[str]] = {}
        for error in result.errors:
            if error.row:
                marks.setdefault((error.row, error.letter or "A"), []).append(error.message)
        known = {c.header: c for c in MEMBERS.columns}
        header = raw.rows[0] if raw.rows else []
        names = [shown(cell).strip().rstrip("*").strip() for cell in header]
        lists = list_columns()
        sheet = start_data_sheet(book, MEMBERS, lists, headers=names)
        columns = [known.get(name) for name in names]
        for index, values in enumerate(raw.rows[1:], start=2):
            if all(is_blank(v) for v in values):
                sheet.append([])
                continue
            cells = []
            width = max(len(values), len(columns))
            for position in range(width):
                value = values[position] if position < len(values) else ""
                column = columns[position] if position < len(columns) else None
                messages = marks.get((index, column_letter(position)))
                cells.append(report_cell(sheet, column, value, messages))
            sheet.append(cells)
        add_lists_sheet(book, lists, [])
        add_marker(book, "report")
    book.save(destination)


# --- background jobs -------------------------------------------------------------------------------
def jobs_of(user):
    """Member-import jobs the user uploaded (a job's page shows the uploader's rows back)."""
    return ImportJob.objects.of_uploader(user).filter(summary__kind=JOB_KIND)


def enqueue(job: ImportJob) -> None:
    """Run the job once the transaction that saved it commits: inline in tests, in a thread of
    the web process in the embedded default, on a Celery worker with a broker (as the registers'
    imports do, `sixfold.core.tasks`)."""
    if getattr(settings, "SIXFOLD_IMPORT_INLINE", False):
        transaction.on_commit(lambda: run_job(job.pk))
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: start_thread(job.pk))
    else:
        transaction.on_commit(lambda: run_member_import_job.delay(str(job.pk)))


def start_thread(job_id) -> None:
    def main():
        try:
            run_job(job_id)
        finally:
            connection.close()

    threading.Thread(target=main, name=f"member-import-{job_id}", daemon=True).start()


@shared_task(name="sixfold.party.run_member_import_job", ignore_result=True)
def run_member_import_job(job_id: str) -> None:
    run_job(job_id)


def run_job(job_id) -> None:
    """Claim the job, import its file as its uploader, and keep the outcome on the job."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        moment = time.monotonic()
        if done < total and moment - last[0] < PROGRESS_INTERVAL:
            return
        last[0] = moment
        stage = ImportJob.Stage.WRITING if done >= total else ImportJob.Stage.CHECKING
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=done, rows_total=total, stage=stage, updated_at=timezone.now()
        )

    started = time.perf_counter()
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            data = files.load(job.upload_path)
            result = import_members(
                io.BytesIO(data),
                by=job.created_by,
                dry_run=job.dry_run,
                progress=progress,
                file_name=job.file_name,
                job=job,
            )
            finish(job, result)
        except Exception:
            logger.exception("member import job %s failed", job.pk)
            job.status = ImportJob.Status.FAILED
            job.message = _(
                "The import stopped because of an internal error; nothing was changed. Please "
                "try again, or tell the administrator."
            )
        finally:
            files.remove(job.upload_path)
            job.upload_path = ""
    job.finished_at = timezone.now()
    job.seconds = time.perf_counter() - started
    job.save()


def finish(job: ImportJob, result: MemberImportResult) -> None:
    job.sha256 = result.sha256
    job.rows_total = max(job.rows_total, result.rows)
    job.rows_done = job.rows_total
    job.summary = result.summary_dict()
    if result.ok:
        job.status = ImportJob.Status.CHECKED if result.dry_run else ImportJob.Status.APPLIED
        return
    job.status = ImportJob.Status.REFUSED
    job.error_count = len(result.errors)
    job.errors = [error.as_dict() for error in result.errors[:ERRORS_SHOWN]]
    buffer = io.BytesIO()
    write_report(result, buffer)
    job.report_path = files.store(buffer.getvalue(), ".xlsx")


__all__ = [
    "MEMBERS",
    "MemberImportResult",
    "enqueue",
    "import_members",
    "jobs_of",
    "template_workbook",
    "write_report",
]
