"""National ID (NIK) and family card (No. KK) numbers: the one place their
rules live. Forms, the admin, imports and services all call these.

A NIK is 16 digits: province, regency and district codes (6), date of birth
DDMMYY with 40 added to the day for women (6), a serial that is not 0000 (4).
A No. KK has the same area prefix and 16 digits (a serial 0000 is only a
warning for it: kk_serial_warning). Spreadsheets hand us these
numbers as floats, which keep only 15 significant digits: such a value is
damaged and must be refused, never "repaired".
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from desmigratif.dates import latest_today

DIGITS_16 = re.compile(r"\d{16}")
SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?[eE][+]?\d+")
TRAILING_DOT_ZERO = re.compile(r"\d+[.,]0+")
THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3}){3,}")
MASK_CHAR = "•"


def _damaged_message(label):
    return _(
        "%(label)s looks damaged by a spreadsheet (it was stored as a number, which keeps "
        "only 15 digits). Format the column as Text and type the number again."
    ) % {"label": label}


def clean_id_number(value, *, label):
    """Return the 16-digit string, or raise ValidationError explaining why not.

    Spaces, dots and dashes typed between digit groups are removed; anything that
    shows a spreadsheet turned the number into a float is refused."""
    text = "" if value is None else str(value).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    # A number cell (int or float) has been through a spreadsheet's 15-digit floats,
    # and so has a number shown with thousands separators (3.524.071.205.900.120).
    from_number_cell = isinstance(value, int | float) and not isinstance(value, bool)
    if (
        from_number_cell
        or SCIENTIFIC.fullmatch(text)
        or TRAILING_DOT_ZERO.fullmatch(text)
        or THOUSANDS.fullmatch(text)
    ):
        raise ValidationError(_damaged_message(label), code="damaged")
    compact = re.sub(r"[\s.\-]", "", text)
    if not compact:
        raise ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
    # isdigit() alone takes full-width and superscript digits, which the
    # database's [0-9]{16} then refuses with a 500 (or int() in birth_date_from_nik).
    if not (compact.isascii() and compact.isdigit()):
        raise ValidationError(_("%(label)s may contain digits only.") % {"label": label}, code="not_digits")
    if len(compact) != 16:
        raise ValidationError(
            _("%(label)s must have 16 digits; this one has %(count)s.")
            % {"label": label, "count": len(compact)},
            code="length",
        )
    return compact


def clean_nik(value):
    nik = clean_id_number(value, label=_("NIK"))
    if nik[12:] == "0000":
        raise ValidationError(
            _(
                "The last four digits of a NIK cannot be 0000. If the number came from a "
                "spreadsheet, it was probably damaged: format the column as Text and type it again."
            ),
            code="serial",
        )
    birth_date_from_nik(nik)  # raises for an impossible date
    return nik


def clean_kk(value):
    # A No. KK ending in 0000 is accepted: no rule we can cite forbids it
    # (unlike a NIK's serial). kk_serial_warning says to check it.
    return clean_id_number(value, label=_("Family card number (No. KK)"))


def kk_serial_warning(kk):
    """A warning (not an error) for a No. KK whose last four digits are 0000:
    real numbers like that exist, but so do numbers a spreadsheet damaged."""
    if kk and kk[12:] == "0000":
        return _(
            "The No. KK ends in 0000. Check it against the family card: a number a spreadsheet "
            "stored as a number can end in zeros."
        )
    return None


def birth_date_from_nik(nik, *, today=None):
    """The date of birth and sex ("L" or "P") a NIK encodes.

    The year has two digits: a date that would lie in the future belongs to
    the previous century."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "L"
    if day > 40:
        day -= 40
        sex = "P"
    today = today or latest_today()
    century = 2000 if 2000 + year <= today.year else 1900
    try:
        born = datetime.date(century + year, month, day)
    except ValueError:
        raise ValidationError(
            _(
                "The NIK does not contain a real date of birth (digits 7 to 12 must be DDMMYY, "
                "with 40 added to the day for women)."
            ),
            code="nik_date",
        ) from None
    if born > today:
        born = born.replace(year=born.year - 100)
    return born, sex


def check_nik_agrees(nik, *, birth_date, sex):
    """Errors, by field, where the NIK disagrees with the member's date of birth or sex."""
    errors = {}
    encoded_date, encoded_sex = birth_date_from_nik(nik)
    if birth_date and (encoded_date.day, encoded_date.month, encoded_date.year % 100) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        errors["birth_date"] = ValidationError(
            _("The date of birth does not match the NIK, which says %(date)s.")
            % {"date": encoded_date.strftime("%d/%m/%Y")},
            code="nik_birth_date",
        )
    if sex and encoded_sex != sex:
        errors["sex"] = ValidationError(
            _("The sex does not match the NIK (for women, 40 is added to the day of birth)."),
            code="nik_sex",
        )
    return errors


def nik_district_warning(nik, known_district_codes):
    """A warning (not an error) when the NIK's district is not in the area table:
    districts are split and renamed over time."""
    district = f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"
    if district not in known_district_codes:
        return _(
            "The district code %(code)s in this NIK is not in the current area list. It may "
            "be an old district: check the number against the ID card."
        ) % {"code": district}
    return None


def nik_district_code(nik):
    return f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"


# Digits 1-6 (the area) are all a masked number shows: digits 7-12 follow from
# the date of birth and sex shown beside a NIK, so the serial (13-16) is the
# only secret and is never shown, nor any digit after the area.
MASK_SHOWN_DIGITS = 6


def mask_id_number(number):
    """3524071205900001 -> 352407••••••••••"""
    if not number:
        return number
    shown = number[:MASK_SHOWN_DIGITS] if len(number) > MASK_SHOWN_DIGITS else ""
    return f"{shown}{MASK_CHAR * (len(number) - len(shown))}"


def is_masked(text):
    """True for a value that is a masked number (as a masked form shows it)."""
    return MASK_CHAR in (text or "")
