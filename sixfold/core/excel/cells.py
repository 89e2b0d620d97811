"""Reading one cell of a register workbook into a Python value, or a message saying why not.

Cells arrive as the reader gives them: text, floats (Excel keeps every number as one), booleans,
dates and datetimes (when the cell has a date format), or '' for an empty cell. Community staff
type the same thing many ways, so each reader accepts the usual ones — a date as a date cell, an
Excel serial number or text such as 1980/5/17 or 1980年5月17日; a building as 3 or "3号楼" — and
refuses everything else with a message that says what to write instead.
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import idcard
from ..actions import PHONE_PATTERN, normalize_phone
from ..models.region import NUMBER_RANGES
from .spec import NO_WORDS, YES, YES_WORDS, Column, Kind

# Excel's day 0 for serial dates (the 1900 date system, past its phantom 29 February 1900).
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_LAST_SERIAL = 2_958_465  # 9999-12-31
# 1980-05-17, 1980/5/17, 1980.5.17, 1980年5月17日, each perhaps followed by a time of day.
TEXT_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2})?)?"
)
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
GRID_CODE = re.compile(r"\d{12}-G\d{2}")
NUMBER_WORDS = {
    "building": re.compile(r"(\d+)\s*(?:号楼|号|栋|幢|座)?"),
    "unit": re.compile(r"(\d+)\s*(?:单元)?"),
    "household": re.compile(r"(\d+)\s*(?:室|号)?"),
}
# Larger than any area or count in the registers; bounds the arithmetic done on a cell.
DECIMAL_LIMIT = Decimal(10) ** 12
# More significant digits than a double holds exactly: such a "number" was once an ID number.
EXACT_DIGITS = 15


class CellError(Exception):
    """A cell that cannot be read; the message says what to write instead."""


def is_blank(value) -> bool:
    return value is None or value == "" or (type(value) is str and not value.strip())


def shown(value) -> str:
    """A cell's value as the report shows it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _nfkc(value: str) -> str:
    # Full-width digits and letters, as Chinese input methods type them, read as ASCII.
    return unicodedata.normalize("NFKC", value).strip()


def _whole(value) -> int | None:
    """A whole number from a number cell or text of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = _nfkc(value)
        return int(text) if text.isascii() and text.isdigit() else None
    return None


# --- one reader per kind -----------------------------------------------------------------------
def read_text(value, column: Column) -> str:
    if isinstance(value, bool | dt.time | dt.timedelta):
        raise CellError(_("This column takes text."))
    text = shown(value).strip() if not isinstance(value, str) else value.strip()
    if column.max_length and len(text) > column.max_length:
        raise CellError(_("Too long: at most %(max)s characters.") % {"max": column.max_length})
    return text


def read_int(value, column: Column) -> int:
    number = _whole(value)
    if number is None:
        raise CellError(_("Enter a whole number."))
    return number


def read_decimal(value, column: Column) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("Enter a number such as 85.5."))
    try:
        if isinstance(value, int | float):
            # repr gives the shortest text that reads back as the same float: 85.37, not 85.3699…
            number = Decimal(repr(float(value)))
        elif isinstance(value, str):
            number = Decimal(_nfkc(value))
        else:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise CellError(_("Enter a number such as 85.5.")) from None
    if not number.is_finite() or abs(number) >= DECIMAL_LIMIT:
        raise CellError(_("Enter a number such as 85.5."))
    return number


def read_date(value, column: Column) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell without a date format reaches us as Excel's serial number.
        if not 1 <= value <= EXCEL_LAST_SERIAL:
            raise CellError(_("Not a date; write it as 1980-05-17."))
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    if isinstance(value, str):
        text = _nfkc(value)
        match = TEXT_DATE.fullmatch(text) or COMPACT_DATE.fullmatch(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                raise CellError(_("This date does not exist.")) from None
    raise CellError(_("Not a date; write it as 1980-05-17."))


def read_choice(value, column: Column) -> str:
    if not isinstance(value, str):
        value = shown(value)
    text = _nfkc(value)
    found = _choice_lookup(column).get(text) or _choice_lookup(column).get(text.lower())
    if found is None:
        raise CellError(
            _("“%(value)s” is not one of the choices; pick one from the drop-down list.")
            % {"value": text[:40]}
        )
    return found


_LOOKUPS: dict[str, dict[str, str]] = {}


def _choice_lookup(column: Column) -> dict[str, str]:
    """The workbook's word, and the stored value itself, both lead to the stored value."""
    key = f"{column.key}:{len(column.choices)}"
    if key not in _LOOKUPS:
        table = {}
        for stored, word in column.choices:
            table[_nfkc(word)] = stored
            table[stored] = stored
            table[stored.lower()] = stored
        _LOOKUPS[key] = table
    return _LOOKUPS[key]


def read_flag(value, column: Column) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
    elif isinstance(value, str):
        word = _nfkc(value).upper()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
    raise CellError(_("Write %(yes)s for yes, or leave the cell empty.") % {"yes": YES})


def read_id_number(value, column: Column) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = len(str(abs(int(value)))) if float(value).is_integer() else 0
        if digits > EXACT_DIGITS:
            raise CellError(
                _(
                    "Excel stored this ID number as a number and lost its last digits; format "
                    "the column as text and type the number again."
                )
            )
        value = shown(value)
    if not isinstance(value, str):
        raise CellError(_("An ID number has 17 digits followed by a digit or X."))
    if "*" in value:
        raise CellError(_("This value is masked; a masked export cannot be imported."))
    try:
        return idcard.validate(value)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


def read_phone(value, column: Column) -> str:
    if isinstance(value, bool):
        raise CellError(_("Enter an 11-digit mobile number or a landline such as 0531-12345678."))
    if isinstance(value, int | float):
        value = shown(value)
    if not isinstance(value, str):
        raise CellError(_("Enter an 11-digit mobile number or a landline such as 0531-12345678."))
    if "*" in value:
        raise CellError(_("This value is masked; a masked export cannot be imported."))
    phone = normalize_phone(value)
    if not PHONE_PATTERN.fullmatch(phone):
        raise CellError(_("Enter an 11-digit mobile number or a landline such as 0531-12345678."))
    return phone


def read_grid(value, column: Column) -> str:
    text = _nfkc(value).upper() if isinstance(value, str) else ""
    if not GRID_CODE.fullmatch(text):
        raise CellError(_("A grid code looks like %(example)s.") % {"example": "370116001001-G01"})
    return text


def read_number(value, column: Column) -> int:
    allowed = NUMBER_RANGES[column.level]
    number = _whole(value)
    if number is None and isinstance(value, str):
        match = NUMBER_WORDS[column.level].fullmatch(_nfkc(value))
        number = int(match.group(1)) if match and match.group(1).isascii() else None
    if number is None or number not in allowed:
        raise CellError(
            _("The number must be between %(min)s and %(max)s.")
            % {"min": allowed.start, "max": allowed.stop - 1}
        )
    return number


READERS = {
    Kind.TEXT: read_text,
    Kind.INT: read_int,
    Kind.DECIMAL: read_decimal,
    Kind.DATE: read_date,
    Kind.CHOICE: read_choice,
    Kind.FLAG: read_flag,
    Kind.ID_NUMBER: read_id_number,
    Kind.PHONE: read_phone,
    Kind.GRID: read_grid,
    Kind.NUMBER: read_number,
}
