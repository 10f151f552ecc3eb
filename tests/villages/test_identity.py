"""The NIK and No. KK rules (villages/identity.py), with real-shaped numbers.

A NIK: district 35.24.07 (352407), date of birth DDMMYY with 40 added to the
day for women, a serial that is not 0000. The two people used throughout:
a man born 12/05/1990 and a woman born 03/10/1978."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from villages.identity import (
    birth_date_from_nik,
    check_nik_agrees,
    clean_kk,
    clean_nik,
    kk_serial_warning,
    mask_id_number,
    nik_district_code,
    nik_district_warning,
)

MAN = "3524071205900001"  # born 12/05/1990
WOMAN = "3524074310780002"  # born 03/10/1978: day 03 + 40 = 43
MAN_BORN = datetime.date(1990, 5, 12)
WOMAN_BORN = datetime.date(1978, 10, 3)
KK = "3524070101230005"


def refusal(clean, value):
    """The code and English message of the error ``clean(value)`` raises."""
    with translation.override("en"), pytest.raises(ValidationError) as error:
        clean(value)
    return error.value.code, error.value.messages[0]


# 16 digits


@pytest.mark.parametrize("nik", [MAN, WOMAN])
def test_a_real_nik_is_accepted_as_it_is(nik):
    assert clean_nik(nik) == nik


@pytest.mark.parametrize(
    "typed",
    [
        "3524 0712 0590 0001",  # grouped with spaces, as on the card
        "35.24.07.120590.0001",  # grouped with dots
        " 3524071205900001 ",
        "'3524071205900001",  # a spreadsheet's "keep as text" apostrophe
    ],
)
def test_nik_separators_typed_between_digit_groups_are_removed(typed):
    assert clean_nik(typed) == MAN


@pytest.mark.parametrize(
    "nik", ["35240712059O0001", "3524071205900O01", "NIK3524071205900", "352407120590000A"]
)
def test_nik_with_letters_is_refused(nik):
    code, message = refusal(clean_nik, nik)

    assert code == "not_digits"
    assert "digits only" in message


@pytest.mark.parametrize(("nik", "count"), [("352407120590001", 15), ("35240712059000011", 17), ("3524", 4)])
def test_nik_of_the_wrong_length_is_refused_with_its_length(nik, count):
    code, message = refusal(clean_nik, nik)

    assert code == "length"
    assert f"16 digits; this one has {count}" in message


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_nik_is_refused(empty):
    code, _message = refusal(clean_nik, empty)

    assert code == "required"


# The date of birth in the NIK


def test_nik_of_a_man_gives_his_date_of_birth_and_sex():
    assert birth_date_from_nik(MAN) == (MAN_BORN, "L")


def test_nik_of_a_woman_has_40_added_to_the_day():
    assert birth_date_from_nik(WOMAN) == (WOMAN_BORN, "P")


def test_nik_of_a_child_born_this_century_reads_as_20yy():
    assert birth_date_from_nik("3524070708150003") == (datetime.date(2015, 8, 7), "L")


def test_two_digit_year_in_the_future_belongs_to_the_previous_century():
    today = datetime.date(2025, 1, 1)

    assert birth_date_from_nik("3524071205250001", today=today) == (datetime.date(1925, 5, 12), "L")
    assert birth_date_from_nik("3524071205240001", today=today) == (datetime.date(2024, 5, 12), "L")


@pytest.mark.parametrize(
    "nik",
    [
        "3524073205900001",  # day 32
        "3524077205900001",  # a woman's day 72 - 40 = 32
        "3524070005900001",  # day 00
        "3524074005900001",  # day 40: neither a man's nor a woman's day
        "3524071213900001",  # month 13
        "3524071200900001",  # month 00
        "3524073102900001",  # 31 February
        "3524077102900001",  # a woman born on 31 February
        "3524073104900001",  # 31 April
        "3524072902010001",  # 29 February 2001: not a leap year
    ],
)
def test_nik_with_an_impossible_date_of_birth_is_refused(nik):
    code, message = refusal(clean_nik, nik)

    assert code == "nik_date"
    assert "DDMMYY" in message


def test_nik_born_on_29_february_of_a_leap_year_is_accepted():
    assert birth_date_from_nik(clean_nik("3524072902000001")) == (datetime.date(2000, 2, 29), "L")


def test_nik_agreeing_with_birth_date_and_sex_gives_no_errors():
    assert check_nik_agrees(MAN, birth_date=MAN_BORN, sex="L") == {}
    assert check_nik_agrees(WOMAN, birth_date=WOMAN_BORN, sex="P") == {}


@pytest.mark.parametrize(
    "born",
    [
        datetime.date(1990, 5, 13),  # another day
        datetime.date(1990, 6, 12),  # another month
        datetime.date(1991, 5, 12),  # another year
        datetime.date(1990, 12, 5),  # day and month swapped
    ],
)
def test_nik_disagreeing_with_the_date_of_birth_is_an_error_on_the_date(born):
    with translation.override("en"):
        errors = check_nik_agrees(MAN, birth_date=born, sex="L")

    assert list(errors) == ["birth_date"]
    assert errors["birth_date"].code == "nik_birth_date"
    assert "12/05/1990" in errors["birth_date"].messages[0]


def test_a_man_with_a_womans_nik_is_an_error_on_the_sex():
    errors = check_nik_agrees(WOMAN, birth_date=WOMAN_BORN, sex="L")

    assert list(errors) == ["sex"]
    assert errors["sex"].code == "nik_sex"


def test_a_woman_with_a_mans_nik_is_an_error_on_the_sex():
    """The classic mistake: a woman's NIK typed without the 40 added to the day."""
    errors = check_nik_agrees("3524070310780002", birth_date=WOMAN_BORN, sex="P")

    assert list(errors) == ["sex"]


# The serial


@pytest.mark.parametrize("nik", ["3524071205900000", "3524074310780000"])
def test_nik_with_serial_0000_is_refused(nik):
    code, message = refusal(clean_nik, nik)

    assert code == "serial"
    assert "0000" in message


# The district: a warning, not an error


def test_nik_district_code_is_the_first_six_digits_with_dots():
    assert nik_district_code(MAN) == "35.24.07"


def test_nik_from_a_known_district_has_no_warning():
    assert nik_district_warning(MAN, {"35.24.07", "53.71.01"}) is None


def test_nik_from_a_district_not_in_the_area_table_is_a_warning():
    with translation.override("en"):
        warning = nik_district_warning("3599011205900001", {"35.24.07"})

    assert warning is not None
    assert "35.99.01" in str(warning)


def test_nik_from_an_unknown_district_is_still_a_valid_nik():
    assert clean_nik("3599011205900001") == "3599011205900001"


# Numbers damaged by a spreadsheet


@pytest.mark.parametrize(
    "damaged",
    [
        "3.52407E+15",
        "3.524071205900001E+15",
        "3,52407E+15",
        "3.52407e15",
        "3524071205900001.0",
        "3524071205900001,00",
        3.524071205900001e15,  # a float cell
        3524071205900001,  # an int cell: has been through a spreadsheet's floats
    ],
)
@pytest.mark.parametrize("clean", [clean_nik, clean_kk], ids=["nik", "kk"])
def test_number_damaged_by_a_spreadsheet_is_refused_with_the_explanation(clean, damaged):
    code, message = refusal(clean, damaged)

    assert code == "damaged"
    assert "spreadsheet" in message
    assert "Format the column as Text" in message


def test_damaged_message_names_the_number_it_is_about():
    assert refusal(clean_nik, "3.52407E+15")[1].startswith("NIK ")
    assert refusal(clean_kk, "3.52407E+15")[1].startswith("Family card number (No. KK) ")


def test_nik_that_lost_its_last_digits_in_a_spreadsheet_is_refused():
    """3524071205900001 kept to 15 significant digits comes back as ...0000."""
    code, message = refusal(clean_nik, "3524071205900000")

    assert code == "serial"
    assert "spreadsheet" in message


# No. KK


def test_a_real_family_card_number_is_accepted():
    assert clean_kk(KK) == KK
    assert clean_kk("3524 0701 0123 0005") == KK


@pytest.mark.parametrize(
    ("kk", "code"),
    [
        ("352407010123000", "length"),
        ("35240701012300051", "length"),
        ("35240701O1230005", "not_digits"),
        ("", "required"),
    ],
)
def test_family_card_number_must_be_16_digits(kk, code):
    assert refusal(clean_kk, kk)[0] == code


def test_a_family_card_number_ending_in_0000_is_accepted_with_a_warning():
    """No rule we can cite forbids a No. KK serial 0000 (unlike a NIK's):
    accepted, with a warning to check it against the card."""
    assert clean_kk("3524070101230000") == "3524070101230000"
    with translation.override("en"):
        warning = kk_serial_warning("3524070101230000")

    assert "0000" in str(warning)
    assert kk_serial_warning(KK) is None


# Masking


def test_masked_number_shows_the_area_part_only():
    """Digits 7-12 follow from the date of birth and sex shown beside a NIK:
    a mask that showed the serial (13-16) could be undone."""
    assert mask_id_number(MAN) == "352407••••••••••"
    assert mask_id_number(KK) == "352407••••••••••"
    assert MAN[-4:] not in mask_id_number(MAN)
    assert len(mask_id_number(MAN)) == 16
