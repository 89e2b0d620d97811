"""The error report of a refused import: as lines (the command prints them) and as a workbook.

The workbook gives back the uploaded sheets row for row and column for column, with every bad
cell filled red and a comment saying what is wrong, and an error list as its first sheet. It is
itself a register workbook: fix the red cells, save, and upload the same file again.
"""

from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment

from .cells import shown
from .importer import ImportResult, _header_name
from .spec import ERRORS_SHEET, SHEETS_BY_NAME, column_letter
from .workbook import (
    ERROR_FILL,
    HEADER_FILL,
    HEADER_FONT,
    add_lists_sheet,
    add_marker,
    list_columns,
    new_workbook,
    start_data_sheet,
    text_cell,
)


def location(error) -> str:
    """Where an error is, as a person reads it: 居民!F12, 楼栋 row 1, or the file."""
    if error.row and error.letter:
        return f"{error.sheet}!{error.letter}{error.row}"
    if error.row:
        return _("%(sheet)s row %(row)s") % {"sheet": error.sheet, "row": error.row}
    return error.sheet or _("the file")


def report_lines(result: ImportResult) -> list[str]:
    """One line per error: where, which column, the value (masked if personal), the message."""
    lines = []
    for error in result.errors:
        where = location(error)
        if error.column:
            where += f" {error.column}"
        value = f" “{error.value}”" if error.value else ""
        lines.append(f"{where}{value}: {error.message}")
    return lines


def write_report(result: ImportResult, destination) -> None:
    book = new_workbook()
    errors = book.create_sheet(ERRORS_SHEET)
    for letter, width in zip("ABCDE", (10, 8, 16, 24, 70), strict=True):
        errors.column_dimensions[letter].width = width
    headers = (_("Sheet"), _("Row"), _("Column"), _("Value"), _("Problem"))
    errors.append([text_cell(errors, h, font=HEADER_FONT, fill=HEADER_FILL) for h in headers])
    for error in result.errors:
        column = f"{error.letter} {error.column}".strip()
        errors.append(
            [
                text_cell(errors, error.sheet),
                error.row,
                text_cell(errors, column),
                text_cell(errors, error.value),
                text_cell(errors, error.message),
            ]
        )
    errors.freeze_panes = "A2"
    if result.sheets:
        marks: dict[tuple[str, int, str], list[str]] = {}
        for error in result.errors:
            if error.row:
                # An error about a whole row is shown on its first cell.
                marks.setdefault((error.sheet, error.row, error.letter or "A"), []).append(
                    error.message
                )
        lists = list_columns([])
        for raw in result.sheets:
            spec = SHEETS_BY_NAME[raw.name]
            header = raw.rows[0] if raw.rows else []
            names = [_header_name(cell) for cell in header]
            known = {_header_name(c.header): c for c in spec.columns}
            sheet = start_data_sheet(
                book, spec, lists, headers=[known[n].header if n in known else n for n in names]
            )
            columns = [known.get(name) for name in names]
            for index, row in enumerate(raw.rows[1:], start=2):
                cells = []
                for position, value in enumerate(row):
                    column = columns[position] if position < len(columns) else None
                    messages = marks.get((raw.name, index, column_letter(position)))
                    cells.append(report_cell(sheet, column, value, messages))
                for position in range(len(row), len(columns)):
                    messages = marks.get((raw.name, index, column_letter(position)))
                    if messages:
                        cells.append(report_cell(sheet, None, "", messages))
                    else:
                        cells.append(None)
                sheet.append(cells)
        add_lists_sheet(book, lists, [])
        add_marker(book, "report", masked=False)
    book.save(destination)


def report_cell(sheet, column, value, messages):
    if value == "" and not messages:
        return None
    if isinstance(value, str) or (column is not None and column.text_format):
        cell = text_cell(sheet, shown(value))
        if column is not None and column.text_format:
            cell.number_format = "@"
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if hasattr(value, "year"):
            cell.number_format = "yyyy-mm-dd"
    if messages:
        cell.fill = ERROR_FILL
        cell.comment = Comment("\n".join(messages), "Sixfold", width=300, height=120)
    return cell
