"""Resident identity numbers (居民身份证号码) under GB 11643-1999.

Eighteen characters: six of the address code, eight of the birth date (YYYYMMDD), three of a
sequence number whose last digit is odd for men and even for women, and a check character
computed with ISO 7064 MOD 11-2 ('X' stands for 10).
"""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# ASCII only: `\d` would also accept Arabic-Indic and other scripts' digits.
PATTERN = re.compile(r"[0-9]{17}[0-9X]")


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    """Upper-case, without spaces; full-width ０-９ and Ｘ (typed by Chinese input methods) as ASCII."""
    return unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")


def birth_date_of(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_of(number: str) -> str:
    """'M' or 'F' from the parity of the 17th digit."""
    return "M" if int(number[16]) % 2 else "F"


def validate(value: str) -> str:
    """Return the normalized number or raise ValidationError with a message for residents."""
    number = normalize(value)
    if not PATTERN.fullmatch(number):
        raise ValidationError(
            _("An ID number has 17 digits followed by a digit or X."), code="id_format"
        )
    try:
        born = birth_date_of(number)
    except ValueError:
        raise ValidationError(
            _("The ID number contains an impossible birth date."), code="id_birth_date"
        ) from None
    if born > dt.date.today() or born.year < 1880:
        raise ValidationError(
            _("The ID number contains an impossible birth date."), code="id_birth_date"
        )
    if check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The ID number's check digit is wrong; please check each digit."), code="id_checksum"
        )
    return number


def make(area: str, born: dt.date, sequence: int) -> str:
    """Build a valid number (used by the demo street and tests). `sequence` is 0–999."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
