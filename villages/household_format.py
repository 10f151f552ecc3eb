"""The household survey spreadsheet (``pendataan-rumah-tangga``): its columns,
the Indonesian labels of our choices, and the conversion of one member to a
row and of one row back to model values. The export uses it now and the
import will, so the rules of IMPORT_FORMATS section 1 live here only.

Labels are part of the file format, not of the user interface: they are
Indonesian whatever language the user reads the portal in. Error messages are
translatable and come out in the language active when they are made.
"""

import datetime
import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from villages.countries import country_name, parse_country
from villages.identity import check_nik_agrees, clean_kk, clean_nik, mask_id_number
from villages.models import Household, Member
from villages.spreadsheets import normalise_header

__all__ = [
    "CHANNEL_LABELS",
    "COLUMNS",
    "COLUMN_OF_FIELD",
    "EDUCATION_LABELS",
    "HOUSEHOLD_FIELDS",
    "MEMBER_FIELDS",
    "RELATION_LABELS",
    "SECTOR_LABELS",
    "SEX_LABELS",
    "SHEET_NAME",
    "STATUS_LABELS",
    "LabelReader",
    "member_to_row",
    "normalise_header",
    "parse_date",
    "parse_village_code",
    "row_to_values",
]

SHEET_NAME = "pendataan-rumah-tangga"

COLUMNS = (
    "kode_desa",
    "no_kk",
    "dusun",
    "rt",
    "rw",
    "alamat",
    "nik",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "hubungan_keluarga",
    "pendidikan",
    "status_migrasi",
    "negara_tujuan",
    "sektor",
    "jabatan",
    "p3mi",
    "tanggal_berangkat",
    "tanggal_kembali",
    "jalur",
)

# Model field (or "village_code") -> spreadsheet column. The import pipeline
# uses it too, to put model validation errors on the right column.
COLUMN_OF_FIELD = {
    "village_code": "kode_desa",
    "no_kk": "no_kk",
    "dusun": "dusun",
    "rt": "rt",
    "rw": "rw",
    "address": "alamat",
    "nik": "nik",
    "name": "nama",
    "sex": "jenis_kelamin",
    "birth_date": "tanggal_lahir",
    "relation": "hubungan_keluarga",
    "education": "pendidikan",
    "migration_status": "status_migrasi",
    "destination_country": "negara_tujuan",
    "sector": "sektor",
    "occupation": "jabatan",
    "placement_agency": "p3mi",
    "departure_date": "tanggal_berangkat",
    "return_date": "tanggal_kembali",
    "channel": "jalur",
}
HOUSEHOLD_FIELDS = ("village_code", "no_kk", "dusun", "rt", "rw", "address")
MEMBER_FIELDS = (
    "nik",
    "name",
    "sex",
    "birth_date",
    "relation",
    "education",
    "migration_status",
    "destination_country",
    "sector",
    "occupation",
    "placement_agency",
    "departure_date",
    "return_date",
    "channel",
)
_FIELD_OF_COLUMN = {column: field for field, column in COLUMN_OF_FIELD.items()}
REQUIRED_COLUMNS = (
    "kode_desa",
    "no_kk",
    "nik",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "hubungan_keluarga",
    "status_migrasi",
)

# Labels ------------------------------------------------------------------

SEX_LABELS = {Member.Sex.MALE: "L", Member.Sex.FEMALE: "P"}
RELATION_LABELS = {
    Member.Relation.HEAD: "Kepala Keluarga",
    Member.Relation.HUSBAND: "Suami",
    Member.Relation.WIFE: "Istri",
    Member.Relation.CHILD: "Anak",
    Member.Relation.CHILD_IN_LAW: "Menantu",
    Member.Relation.GRANDCHILD: "Cucu",
    Member.Relation.PARENT: "Orang Tua",
    Member.Relation.PARENT_IN_LAW: "Mertua",
    Member.Relation.OTHER_FAMILY: "Famili Lain",
    Member.Relation.OTHER: "Lainnya",
}
EDUCATION_LABELS = {
    Member.Education.NONE: "Tidak/Belum Sekolah",
    Member.Education.SD: "SD",
    Member.Education.SMP: "SMP",
    Member.Education.SMA: "SMA",
    Member.Education.D1: "D1",
    Member.Education.D2: "D2",
    Member.Education.D3: "D3",
    Member.Education.D4: "D4",
    Member.Education.S1: "S1",
    Member.Education.S2: "S2",
    Member.Education.S3: "S3",
}
STATUS_LABELS = {
    Member.Status.CPMI: "CPMI",
    Member.Status.PMI: "PMI",
    Member.Status.RETURNEE: "PMI Purna",
    Member.Status.FAMILY: "Keluarga",
}
SECTOR_LABELS = {Member.Sector.FORMAL: "Formal", Member.Sector.INFORMAL: "Informal"}
CHANNEL_LABELS = {
    Member.Channel.PROCEDURAL: "Prosedural",
    Member.Channel.NON_PROCEDURAL: "Non-prosedural",
}


def _label_key(text):
    """Case, spaces, dashes, slashes and dots do not matter:
    "Non-prosedural", "non prosedural" and "NONPROSEDURAL" are one label."""
    return re.sub(r"[\s\-_/.]+", "", str(text)).lower()


class LabelReader:
    """Reads a label (or one of its variants) back to the choice value."""

    def __init__(self, labels, variants=None):
        self.labels = labels
        self._values = {_label_key(label): value for value, label in labels.items()}
        for variant, value in (variants or {}).items():
            self._values[_label_key(variant)] = value

    def __call__(self, text):
        value = self._values.get(_label_key(text))
        if value is None:
            raise ValidationError(
                _("“%(value)s” is not one of the accepted values: %(choices)s."),
                code="unknown_label",
                params={"value": text, "choices": ", ".join(self.labels.values())},
            )
        return value


read_sex = LabelReader(
    SEX_LABELS,
    {
        "Laki-laki": Member.Sex.MALE,
        "Lakilaki": Member.Sex.MALE,
        "Laki": Member.Sex.MALE,
        "Pria": Member.Sex.MALE,
        "Perempuan": Member.Sex.FEMALE,
        "Wanita": Member.Sex.FEMALE,
    },
)
read_relation = LabelReader(
    RELATION_LABELS,
    {
        "Isteri": Member.Relation.WIFE,
        "Famili": Member.Relation.OTHER_FAMILY,
        "Lain-lain": Member.Relation.OTHER,
    },
)
read_education = LabelReader(
    EDUCATION_LABELS,
    {
        "Tidak Sekolah": Member.Education.NONE,
        "Belum Sekolah": Member.Education.NONE,
        "SLTP": Member.Education.SMP,
        "SLTA": Member.Education.SMA,
        "SMK": Member.Education.SMA,
    },
)
read_status = LabelReader(
    STATUS_LABELS,
    {
        "Calon PMI": Member.Status.CPMI,
        "Purna PMI": Member.Status.RETURNEE,
        "Purna": Member.Status.RETURNEE,
        "Keluarga PMI": Member.Status.FAMILY,
    },
)
read_sector = LabelReader(SECTOR_LABELS)
read_channel = LabelReader(CHANNEL_LABELS)


def read_country(text):
    code = parse_country(text)
    if code is None:
        raise ValidationError(
            _(
                "Unknown country “%(value)s”. Write the name in Indonesian or English "
                "(e.g. Malaysia, Arab Saudi, Hong Kong) or its two-letter code (MY)."
            ),
            code="unknown_country",
            params={"value": text},
        )
    return code


# Dates and codes ---------------------------------------------------------

DATE_FORMATS_MESSAGE = _(
    "Write the date as DD/MM/YYYY (03/10/1978 is 3 October 1978), DD-MM-YYYY or YYYY-MM-DD, "
    "or use a date cell."
)
_DAY_FIRST = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")


def parse_date(value) -> datetime.date:
    """A date cell, or a text DD/MM/YYYY, D/M/YYYY, DD-MM-YYYY or YYYY-MM-DD.

    Never month first: 03/10/1978 is 3 October 1978. An impossible date
    (31/02/2000) or another form raises ValidationError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        # A plain number is an Excel date serial whose cell lost its date
        # format, or something else entirely: do not guess.
        raise ValidationError(DATE_FORMATS_MESSAGE, code="invalid_date")
    text = value.strip()
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _ISO.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise ValidationError(DATE_FORMATS_MESSAGE, code="invalid_date")
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("%(value)s is not a real date. %(formats)s"),
            code="impossible_date",
            params={"value": text, "formats": DATE_FORMATS_MESSAGE},
        ) from None


_VILLAGE_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")
_VILLAGE_CODE_DIGITS = re.compile(r"\d{10}")


def parse_village_code(value) -> str:
    """ "35.24.07.2004" or "3524072004" (also as a number cell) -> "35.24.07.2004"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    if _VILLAGE_CODE_DIGITS.fullmatch(text):
        text = f"{text[0:2]}.{text[2:4]}.{text[4:6]}.{text[6:10]}"
    if not _VILLAGE_CODE.fullmatch(text):
        raise ValidationError(
            _("“%(value)s” is not a village area code. Write it like 35.24.07.2004."),
            code="village_code",
            params={"value": text},
        )
    return text


# Rows --------------------------------------------------------------------


def member_to_row(member, *, full_ids: bool) -> dict:
    """One spreadsheet row for a member, the household's fields repeated.
    Uses member.household (select_related it). Dates stay date objects."""
    household = member.household

    def id_number(number):
        return number if full_ids else mask_id_number(number)

    return {
        "kode_desa": household.village_id,  # the village's primary key is its area code
        "no_kk": id_number(household.no_kk),
        "dusun": household.dusun,
        "rt": household.rt,
        "rw": household.rw,
        "alamat": household.address,
        "nik": id_number(member.nik),
        "nama": member.name,
        "jenis_kelamin": SEX_LABELS.get(member.sex, member.sex),
        "tanggal_lahir": member.birth_date,
        "hubungan_keluarga": RELATION_LABELS.get(member.relation, member.relation),
        "pendidikan": EDUCATION_LABELS.get(member.education, member.education),
        "status_migrasi": STATUS_LABELS.get(member.migration_status, member.migration_status),
        "negara_tujuan": country_name(member.destination_country, "id"),
        "sektor": SECTOR_LABELS.get(member.sector, member.sector),
        "jabatan": member.occupation,
        "p3mi": member.placement_agency,
        "tanggal_berangkat": member.departure_date,
        "tanggal_kembali": member.return_date,
        "jalur": CHANNEL_LABELS.get(member.channel, member.channel),
    }


def _text(value):
    """A free-text cell: surrounding spaces go, anything else stays as written
    (a leading "=" or tab included: it is stored as text and escaped on export)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # RT "1" typed into a number cell
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.strftime("%d/%m/%Y")
    return str(value).strip(" \u00a0")


def _is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value):
    return value if isinstance(value, str) else _text(value)


# column -> parser. A parser gets the raw cell (never blank: None, "" or
# spaces count as empty) and returns the model value or raises ValidationError.
_PARSERS = {
    "kode_desa": parse_village_code,
    "no_kk": clean_kk,
    "dusun": _text,
    "rt": _text,
    "rw": _text,
    "alamat": _text,
    "nik": clean_nik,
    "nama": _text,
    "jenis_kelamin": lambda value: read_sex(_as_text(value)),
    "tanggal_lahir": parse_date,
    "hubungan_keluarga": lambda value: read_relation(_as_text(value)),
    "pendidikan": lambda value: read_education(_as_text(value)),
    "status_migrasi": lambda value: read_status(_as_text(value)),
    "negara_tujuan": lambda value: read_country(_as_text(value)),
    "sektor": lambda value: read_sector(_as_text(value)),
    "jabatan": _text,
    "p3mi": _text,
    "tanggal_berangkat": parse_date,
    "tanggal_kembali": parse_date,
    "jalur": lambda value: read_channel(_as_text(value)),
}
_DATE_FIELDS = {"birth_date", "departure_date", "return_date"}


def _empty(field):
    return None if field in _DATE_FIELDS or field == "village_code" else ""


def _message(error):
    return " ".join(str(message) for message in error.messages)


def row_to_values(row: dict) -> tuple[dict, list[tuple[str | None, str]]]:
    """Parse one raw row (keys already normalised, as read_rows gives them)
    into model values: HOUSEHOLD_FIELDS (with "village_code" for the village)
    and MEMBER_FIELDS, in one flat dict.

    Returns (values, errors); errors are (column, message) pairs, at most one
    per column, column None for a row-wide problem. Field-by-field parsing,
    the NIK against this row's date of birth and sex, and the models' own
    rules (Household.clean, Member.clean: status-dependent requirements,
    dates not in the future, return not before departure, lengths) are
    checked. Nothing here queries the database: the village's existence and
    scope, duplicate NIKs and No. KKs belong to the import pipeline.

    The values are those a save would store: Member.clean blanks the fields
    that mean nothing for the status (a CPMI's return date)."""
    values = {}
    errors = {}
    for column, parser in _PARSERS.items():
        field = _FIELD_OF_COLUMN[column]
        raw = row.get(column)
        if _is_blank(raw):
            values[field] = _empty(field)
            if column in REQUIRED_COLUMNS:
                errors[column] = _("This field is required.")
            continue
        try:
            values[field] = parser(raw)
        except ValidationError as error:
            values[field] = _empty(field)
            errors[column] = _message(error)

    if "nik" not in errors:
        # The NIK encodes the date of birth and the sex: they must agree.
        agreement = check_nik_agrees(
            values["nik"],
            birth_date=values["birth_date"] if "tanggal_lahir" not in errors else None,
            sex=values["sex"] if "jenis_kelamin" not in errors else None,
        )
        for field, error in agreement.items():
            errors.setdefault(COLUMN_OF_FIELD[field], _message(error))

    _apply_model_rules(values, errors)
    return values, [(column, str(message)) for column, message in errors.items()]


def _apply_model_rules(values, errors):
    """Run the models' own validation on unsaved instances (no database:
    foreign keys, uniqueness and constraints are left out), adding errors for
    columns that have none yet and taking back the cleaned values."""
    errored_fields = {_FIELD_OF_COLUMN[column] for column in errors if column in _FIELD_OF_COLUMN}
    household = Household(**{field: values[field] for field in HOUSEHOLD_FIELDS if field != "village_code"})
    member = Member(**{field: values[field] for field in MEMBER_FIELDS})
    for instance, fields, exclude in (
        (household, HOUSEHOLD_FIELDS, {"village"}),
        (member, MEMBER_FIELDS, {"household"}),
    ):
        try:
            instance.full_clean(
                exclude=exclude | errored_fields, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                column = None if field == NON_FIELD_ERRORS else COLUMN_OF_FIELD.get(field)
                if column in errors or field in errored_fields:
                    continue
                errors[column] = " ".join(str(message) for message in field_errors)
        for field in fields:
            if field != "village_code" and field not in errored_fields:
                values[field] = getattr(instance, field)
