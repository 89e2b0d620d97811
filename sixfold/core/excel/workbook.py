"""Writing register workbooks: the parts the template, exports and error reports share.

Every workbook Sixfold writes has the same shape — an instructions sheet, the four data sheets in
the format of `spec`, a hidden sheet of drop-down lists and the hidden marker — so whatever it
hands out can be filled in and imported back. openpyxl writes them in write-only mode, which
streams rows to disk instead of holding every cell as an object.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .spec import (
    ETHNICITY_CHOICES,
    FORMAT_VERSION,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    MARKER_ID,
    MARKER_SHEET,
    SHEETS,
    YES,
    Column,
    Kind,
    SheetSpec,
    column_letter,
)

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
AREA_FORMAT = "0.00"
LAST_ROW = 1_048_576  # Excel's last row: drop-downs reach every row a user may fill


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def safe_text(value: str) -> str:
    """Text openpyxl can store: without the control characters the file format forbids."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def text_cell(sheet, value: str, **style) -> WriteOnlyCell:
    """A cell that stays text even when it starts with '=' (never a formula from the register:
    a name such as '=HYPERLINK(…)' must not run in whoever opens the file)."""
    cell = WriteOnlyCell(sheet, value=safe_text(value))
    cell.data_type = "s"
    for key, item in style.items():
        setattr(cell, key, item)
    return cell


# --- drop-down lists -----------------------------------------------------------------------------
def list_columns(grids: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The lists the drop-downs offer, one column of the lists sheet each."""
    lists = [
        ("yes", [YES]),
        ("ethnicity", [word for _value, word in ETHNICITY_CHOICES]),
    ]
    seen = set()
    for spec in SHEETS:
        for column in spec.columns:
            if column.kind == Kind.CHOICE and column.key not in seen and column.key != "ethnicity":
                seen.add(column.key)
                lists.append((column.key, [word for _value, word in column.choices]))
    if grids:
        lists.append(("grid", [code for code, _name in grids]))
    return lists


def list_reference(lists, key: str) -> str | None:
    for index, (name, words) in enumerate(lists):
        if name == key:
            letter = column_letter(index)
            return f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(words) + 1}"
    return None


def add_lists_sheet(book: Workbook, lists, grids: list[tuple[str, str]]) -> None:
    sheet = book.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    headers = [name for name, _words in lists]
    if grids:
        headers.append("grid_name")
    sheet.append(headers)
    depth = max((len(words) for _name, words in lists), default=0)
    names = [name for _code, name in grids]
    for index in range(depth):
        row = [words[index] if index < len(words) else None for _name, words in lists]
        if grids:
            row.append(names[index] if index < len(names) else None)
        sheet.append(row)


# --- data sheets ---------------------------------------------------------------------------------
def validation_for(column: Column, lists) -> DataValidation | None:
    key = "yes" if column.kind == Kind.FLAG else column.key
    if column.kind not in (Kind.FLAG, Kind.CHOICE, Kind.GRID):
        return None
    reference = list_reference(lists, key)
    if reference is None:
        return None
    validation = DataValidation(type="list", formula1=reference, allow_blank=True)
    validation.error = "请从下拉列表中选择"
    validation.errorTitle = column.header
    validation.showErrorMessage = column.kind != Kind.GRID
    return validation


def start_data_sheet(book: Workbook, spec: SheetSpec, lists, headers: list[str] | None = None):
    """A data sheet with its header row, column widths, text columns and drop-downs.

    `headers` keeps the order of an uploaded file (for an error report); by default the spec's.
    """
    sheet = book.create_sheet(spec.name)
    columns = {c.header: c for c in spec.columns}
    headers = headers if headers is not None else [c.header for c in spec.columns]
    for index, header in enumerate(headers):
        letter = column_letter(index)
        column = columns.get(header)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width + 2 if column else 12
        if column is None:
            continue
        if column.text_format:
            # New cells typed into the column stay text, so Excel keeps all 18 digits.
            dimension.number_format = TEXT_FORMAT
        validation = validation_for(column, lists)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.data_validations.append(validation)
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        column = columns.get(header)
        label = f"{header}*" if column and column.required else header
        cell = text_cell(sheet, label, font=HEADER_FONT)
        cell.fill = REQUIRED_FILL if column and column.required else HEADER_FILL
        if column and column.help:
            cell.comment = Comment(column.help, "Sixfold", width=260, height=90)
        header_cells.append(cell)
    sheet.append(header_cells)
    return sheet


def data_cell(sheet, column: Column | None, value):
    """A data cell of the given column: text stays text, dates and areas keep their format."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if column is not None and column.text_format:
            return text_cell(sheet, value, number_format=TEXT_FORMAT)
        if value[:1] in "=+-@" or ILLEGAL_CHARACTERS_RE.search(value):
            return text_cell(sheet, value)
        return value
    if isinstance(value, dt.datetime | dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def write_rows(sheet, columns: list[Column | None], rows: Iterable[list]) -> int:
    count = 0
    for values in rows:
        sheet.append([data_cell(sheet, c, v) for c, v in zip(columns, values, strict=False)])
        count += 1
    return count


# --- instructions and marker ---------------------------------------------------------------------
def add_instructions(book: Workbook, title: str, lines: list[str]) -> None:
    sheet = book.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 8
    sheet.column_dimensions["D"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([text_cell(sheet, title, font=TITLE_FONT)])
    sheet.append([f"格式版本 {FORMAT_VERSION} · 生成于 {timezone.localtime():%Y-%m-%d %H:%M}"])
    sheet.append([])
    for line in lines:
        sheet.append([text_cell(sheet, line)])
    sheet.append([])
    sheet.append(
        [text_cell(sheet, word, font=HEADER_FONT) for word in ("工作表", "列", "必填", "填写说明")]
    )
    for spec in SHEETS:
        sheet.append([text_cell(sheet, spec.name, font=HEADER_FONT), None, None, spec.help])
        for column in spec.columns:
            sheet.append(
                [
                    spec.name,
                    column.header,
                    "是" if column.required else "",
                    text_cell(sheet, describe(column), alignment=wrap),
                ]
            )


def describe(column: Column) -> str:
    text = column.help
    if column.kind == Kind.CHOICE and column.key != "ethnicity":
        text += "。可选：" + "、".join(word for _value, word in column.choices)
    elif column.key == "ethnicity":
        text += "。可选：56 个民族的名称"
    return text


def add_marker(book: Workbook, kind: str, masked: bool) -> None:
    """The hidden sheet that identifies the workbook, its format and whether it is masked."""
    sheet = book.create_sheet(MARKER_SHEET)
    sheet.sheet_state = "veryHidden"
    sheet.append(["template", MARKER_ID])
    sheet.append(["version", FORMAT_VERSION])
    sheet.append(["kind", kind])
    sheet.append(["masked", 1 if masked else 0])
    sheet.append(["written", timezone.localtime().isoformat(timespec="seconds")])


INSTRUCTION_LINES = [
    "一、在“楼栋”“单元”“住户”“居民”四张表中填写，每行一条记录。第一行是表头，请不要改动；"
    "用不到的表留空即可，用不到的选填列可以整列删除（删除的列在导入时保持原值不变）。",
    "二、每行用四个编号说明位置：网格编码（如 370116001001-G01，可在“区域树”页面查到）、"
    "楼栋号、单元号、房号。例如 370116001001-G01、3、2、301 表示该网格 3 号楼 2 单元 301 室。",
    "三、同一个文件里可以同时新建楼栋、它的单元、住户和居民：导入时依次处理楼栋、单元、住户、居民。",
    "四、已有的记录按本行修改：楼栋、单元、住户按位置对应，居民按身份证号对应（居民可以由此迁到"
    "另一户）。导入只新增和修改，不删除任何记录。",
    "五、标 * 的列必填。选填列留空表示“无”（例如清空手机号）；说明中写明“修改时留空则不变”的列除外。",
    "六、整个文件要么全部导入，要么一行也不导入：只要有一处错误，系统会列出全部错误，并提供一份"
    "标红错误单元格的文件供下载，数据一条也不改。改正后重新上传即可。重复导入同一个文件不会产生变化。",
    "七、身份证号、手机号列是文本格式，请勿改为数字格式（Excel 会丢失身份证号的末几位）。"
    "日期写成 1980-05-17，也可识别 1980/5/17、1980年5月17日和 Excel 的日期格式。",
    "八、不要合并单元格；不要增加工作表。只能导入到您管理范围内的网格，范围以外的行会使整个文件被拒绝。",
    "九、从系统导出的“脱敏”文件（身份证号显示为 370116********123X）不能导入；需要修改后再导入时，"
    "请由有权限的人员使用“明文导出”。",
]


def register_workbook(
    *,
    title: str,
    kind: str,
    masked: bool,
    grids: list[tuple[str, str]] = (),
    rows: dict[str, tuple[list[Column], Iterable[list]]] | None = None,
) -> tuple[Workbook, dict[str, int]]:
    """A complete workbook: instructions, the four data sheets (with `rows` where given, keyed by
    sheet key), the lists and the marker. Returns the workbook and the rows written per sheet."""
    rows = rows or {}
    grids = list(grids)
    lists = list_columns(grids)
    book = new_workbook()
    add_instructions(book, title, INSTRUCTION_LINES)
    counts = {}
    for spec in SHEETS:
        sheet = start_data_sheet(book, spec, lists)
        columns, values = rows.get(spec.key, (list(spec.columns), []))
        counts[spec.key] = write_rows(sheet, columns, values)
    add_lists_sheet(book, lists, grids)
    add_marker(book, kind, masked)
    return book, counts
