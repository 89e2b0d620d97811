"""GB 11643-1999 resident identity numbers: check character, birth date, gender, normalisation.

The check character is ISO 7064 MOD 11-2: S = Σ aᵢ·Wᵢ over the first 17 digits with
Wᵢ = 2^(17-i) mod 11 = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, and the check character is
"10X98765432"[S mod 11].
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sixfold.core import idcard

# Worked by hand (products aᵢ·Wᵢ, their sum S, S mod 11, the character at that index):
#
# 11010519491231002X — 7 9 0 5 0 20 2 9 24 27 7 18 30 5 0 0 4 → S=167, 167 mod 11 = 2 → 'X'
# 440524188001010014 — 28 36 0 25 16 16 2 8 48 0 0 9 0 5 0 0 2 → S=195, 195 mod 11 = 8 → '4'
# 370116198005170014 — 21 63 0 5 8 24 2 9 48 0 0 45 10 35 0 0 2 → S=272, 272 mod 11 = 8 → '4'
# 370116200002290029 — 21 63 0 5 8 24 4 0 0 0 0 18 20 45 0 0 4 → S=212, 212 mod 11 = 3 → '9'
# 370116200002290010 — as above with sequence 001: S=208+2=210, 210 mod 11 = 1 → '0'
# 00000000000000000  — S=0 → '1'
HAND_VECTORS = [
    ("11010519491231002", "X"),
    ("44052418800101001", "4"),
    ("37011619800517001", "4"),
    ("37011620000229002", "9"),
    ("37011620000229001", "0"),
    ("00000000000000000", "1"),
]

# (number, birth date, gender) — the first two are the examples published with the standard.
VALID = [
    ("11010519491231002X", dt.date(1949, 12, 31), "F"),
    ("440524188001010014", dt.date(1880, 1, 1), "M"),
    ("370116198005170014", dt.date(1980, 5, 17), "M"),
    ("370116200002290029", dt.date(2000, 2, 29), "F"),
    ("370116200002290010", dt.date(2000, 2, 29), "M"),
]


def codes_of(exc: ValidationError) -> list[str]:
    return [error.code for error in exc.error_list]


def with_check(first17: str) -> str:
    return first17 + idcard.check_char(first17)


@pytest.mark.parametrize(("first17", "expected"), HAND_VECTORS)
def test_check_character_matches_the_hand_computed_vectors(first17, expected):
    assert idcard.check_char(first17) == expected


@pytest.mark.parametrize(("number", "born", "gender"), VALID)
def test_valid_numbers_validate_and_give_birth_date_and_gender(number, born, gender):
    assert idcard.validate(number) == number
    assert idcard.birth_date_of(number) == born
    assert idcard.gender_of(number) == gender


def test_every_check_character_value_is_reachable():
    # Given seventeen-digit prefixes differing only in their sequence digits
    seen = {idcard.check_char(f"37011619800517{seq:03d}"): seq for seq in range(1000)}
    # Then all eleven check characters occur, 'X' included
    assert set(seen) == set("0123456789X")
    for char, seq in seen.items():
        assert idcard.validate(f"37011619800517{seq:03d}{char}")


def test_lowercase_x_and_spaces_are_normalised():
    assert idcard.validate("11010519491231002x") == "11010519491231002X"
    assert idcard.validate("  110105 19491231 002X ") == "11010519491231002X"


def test_full_width_input_is_normalised_to_ascii():
    # Chinese input methods in full-width mode type ０-９ and Ｘ.
    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    assert idcard.validate(full_width) == "11010519491231002X"
    assert idcard.validate("11010519491231002ｘ") == "11010519491231002X"


def test_digits_of_other_scripts_are_refused():
    # Arabic-Indic digits are digits to Python but not to the standard.
    arabic = "11010519491231002X".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(ValidationError) as exc:
        idcard.validate(arabic)
    assert codes_of(exc.value) == ["id_format"]


@pytest.mark.parametrize(
    "number",
    ["110105194912310021", "440524188001010015", "44052418800101001X", "370116198005170010"],
)
def test_a_wrong_check_character_is_refused(number):
    with pytest.raises(ValidationError) as exc:
        idcard.validate(number)
    assert codes_of(exc.value) == ["id_checksum"]


def test_a_single_changed_digit_is_caught():
    valid = "440524188001010014"
    for i in range(17):
        digit = str((int(valid[i]) + 1) % 10)
        typo = valid[:i] + digit + valid[i + 1 :]
        with pytest.raises(ValidationError):
            idcard.validate(typo)


@pytest.mark.parametrize(
    "first17",
    [
        "37011619800230001",  # 30 February
        "37011619000229001",  # 1900 was not a leap year
        "37011619801301001",  # month 13
        "37011619800000001",  # month 0
        "37011619800532001",  # day 32
        "37011600000101001",  # year 0
        "37011618791231001",  # before 1880
    ],
)
def test_impossible_birth_dates_are_refused_even_with_a_correct_check_character(first17):
    with pytest.raises(ValidationError) as exc:
        idcard.validate(with_check(first17))
    assert codes_of(exc.value) == ["id_birth_date"]


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        idcard.validate(idcard.make("370116", tomorrow, 1))
    assert codes_of(exc.value) == ["id_birth_date"]
    # while someone born today is fine
    assert idcard.validate(idcard.make("370116", dt.date.today(), 1))


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "11010519491231002",  # 17 characters
        "11010519491231002X0",  # 19 characters
        "370116800517001",  # the retired 15-digit form
        "1101051949123100XX",  # X only as the check character
        "X10105194912310021",
        "11010519491231002-",
        "ABCDEFGHIJKLMNOPQR",
        "1101051949\n1231002X",
    ],
)
def test_malformed_numbers_are_refused_as_format_errors(value):
    with pytest.raises(ValidationError) as exc:
        idcard.validate(value)
    assert codes_of(exc.value) == ["id_format"]


def test_make_builds_the_published_example():
    assert idcard.make("110105", dt.date(1949, 12, 31), 2) == "11010519491231002X"


# --- properties ---------------------------------------------------------------------------------
areas = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
birth_dates = st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date.today())
sequences = st.integers(min_value=0, max_value=999)


@given(area=areas, born=birth_dates, sequence=sequences)
def test_made_numbers_validate_and_round_trip(area, born, sequence):
    number = idcard.make(area, born, sequence)
    assert idcard.validate(number) == number
    assert idcard.validate(number.lower()) == number
    assert idcard.birth_date_of(number) == born
    assert idcard.gender_of(number) == ("M" if sequence % 2 else "F")
    assert number[:6] == area


@given(area=areas, born=birth_dates, sequence=sequences, data=st.data())
def test_any_other_check_character_is_refused(area, born, sequence, data):
    number = idcard.make(area, born, sequence)
    wrong = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[-1]]))
    with pytest.raises(ValidationError):
        idcard.validate(number[:-1] + wrong)


def _validates_or_refuses(value: str) -> None:
    try:
        number = idcard.validate(value)
    except ValidationError as exc:
        assert codes_of(exc) in (["id_format"], ["id_birth_date"], ["id_checksum"])
    else:
        assert len(number) == 18
        assert number.isascii()
        assert number[:17].isdigit()
        assert idcard.check_char(number[:17]) == number[17]


@given(st.text(min_size=18, max_size=18))
def test_any_eighteen_characters_either_validate_or_raise_validation_error(value):
    _validates_or_refuses(value)


@given(st.text(alphabet="0123456789Xx０１２３４５６７８９Ｘ٣ ", min_size=16, max_size=20))
def test_digit_like_strings_either_validate_or_raise_validation_error(value):
    _validates_or_refuses(value)


@given(st.text())
def test_any_text_either_validates_or_raises_validation_error(value):
    _validates_or_refuses(value)
