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
import sys

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from desmigratif.spreadsheets import normalise_header
from villages.countries import country_name, parse_country
from villages.identity import clean_kk, clean_nik, mask_id_number
from villages.models import Household, Member

__all__ = [
    "BUSINESS_LABELS",
    "CHANNEL_LABELS",
    "COLUMNS",
    "COLUMN_OF_FIELD",
    "EDUCATION_LABELS",
    "HOUSEHOLD_FIELDS",
    "MEMBER_FIELDS",
    "RELATION_LABELS",
    "SCHOOLING_LABELS",
    "SECTOR_LABELS",
    "SEX_LABELS",
    "SHEET_NAME",
    "STATUS_LABELS",
    "LabelReader",
    "instance_values",
    "member_to_row",
    "normalise_header",
    "parse_date",
    "parse_village_code",
    "row_to_instances",
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
    "usaha",
    "minat_pelatihan",
    "sekolah",
    "pengasuh",
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
    "business_status": "usaha",
    "training_wishes": "minat_pelatihan",
    "schooling": "sekolah",
    "caregiver": "pengasuh",
}
HOUSEHOLD_FIELDS = ("village_code", "no_kk", "dusun", "rt", "rw", "address")
MEMBER_FIELDS = Member.RECORDED_FIELDS
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
BUSINESS_LABELS = {
    Member.Business.HAS: "Punya usaha",
    Member.Business.WANTS: "Ingin memulai",
    Member.Business.NO: "Tidak berminat",
}
SCHOOLING_LABELS = {
    Member.Schooling.NOT_YET: "Belum sekolah",
    Member.Schooling.IN_SCHOOL: "Masih sekolah",
    Member.Schooling.DROPPED_OUT: "Putus sekolah",
    Member.Schooling.FINISHED: "Tamat",
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
# The stored values too ("has", "in_school"): a file made from the database
# or the admin's export holds those.
read_business = LabelReader(
    BUSINESS_LABELS,
    {
        **{value: value for value in Member.Business.values},
        "Sudah punya usaha": Member.Business.HAS,
        "Ingin memulai usaha": Member.Business.WANTS,
        "Tidak": Member.Business.NO,
    },
)
read_schooling = LabelReader(
    SCHOOLING_LABELS,
    {
        **{value: value for value in Member.Schooling.values},
        "Sekolah": Member.Schooling.IN_SCHOOL,
        "Lulus": Member.Schooling.FINISHED,
        "Tamat sekolah": Member.Schooling.FINISHED,
    },
)


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
        "usaha": BUSINESS_LABELS.get(member.business_status, member.business_status),
        "minat_pelatihan": member.training_wishes,
        "sekolah": SCHOOLING_LABELS.get(member.schooling, member.schooling),
        "pengasuh": member.caregiver,
    }


def _text(value):
    """A free-text cell: surrounding spaces go, anything else stays as written
    (a leading "=" or tab included: it is stored as text and escaped on export)."""
    if value.__class__ is str:
        return value.strip(" \u00a0")
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # RT "1" typed into a number cell
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.strftime("%d/%m/%Y")
    return str(value).strip(" \u00a0")


def _as_text(value):
    return value if isinstance(value, str) else _text(value)


def _remembered(parser, limit=1000):
    """The parser, remembering what it made of each text: a survey repeats the
    same village codes, labels and country names on row after row. Only
    accepted texts are kept (a refusal's message depends on the language at
    the time), only str cells (1 and 1.0 are equal keys but not equal cells),
    and at most `limit` of them: these columns have a few spellings each, and
    a long-lived worker must not grow. Dates and numbers vary too much to be
    worth it."""
    known = {}

    def parse(value):
        if value.__class__ is not str:
            return parser(value)
        try:
            return known[value]
        except KeyError:
            pass
        result = parser(value)
        if len(known) >= limit:
            known.clear()
        known[value] = result
        return result

    return parse


# column -> parser. A parser gets the raw cell (never blank: None, "" or
# spaces count as empty) and returns the model value or raises ValidationError.
# Every parser here is a pure function of the cell, which _remembered relies on.
_PARSERS = {
    "kode_desa": _remembered(parse_village_code),
    "no_kk": clean_kk,
    "dusun": _text,
    "rt": _text,
    "rw": _text,
    "alamat": _text,
    "nik": clean_nik,
    "nama": _text,
    "jenis_kelamin": _remembered(lambda value: read_sex(_as_text(value))),
    "tanggal_lahir": parse_date,
    "hubungan_keluarga": _remembered(lambda value: read_relation(_as_text(value))),
    "pendidikan": _remembered(lambda value: read_education(_as_text(value))),
    "status_migrasi": _remembered(lambda value: read_status(_as_text(value))),
    "negara_tujuan": _remembered(lambda value: read_country(_as_text(value))),
    "sektor": _remembered(lambda value: read_sector(_as_text(value))),
    "jabatan": _text,
    "p3mi": _text,
    "tanggal_berangkat": parse_date,
    "tanggal_kembali": parse_date,
    "jalur": _remembered(lambda value: read_channel(_as_text(value))),
    "usaha": _remembered(lambda value: read_business(_as_text(value))),
    # Several trainings separated by ";", kept as written: the forms store
    # the same free text, and an export must read back unchanged.
    "minat_pelatihan": _text,
    "sekolah": _remembered(lambda value: read_schooling(_as_text(value))),
    "pengasuh": _text,
}
_DATE_FIELDS = {"birth_date", "departure_date", "return_date"}


def _empty(field):
    return None if field in _DATE_FIELDS or field == "village_code" else ""


def _message(error):
    return " ".join(str(message) for message in error.messages)


# (column, field, parser, required, value when empty or unreadable)
_STEPS = tuple(
    (column, _FIELD_OF_COLUMN[column], parser, column in REQUIRED_COLUMNS, _empty(_FIELD_OF_COLUMN[column]))
    for column, parser in _PARSERS.items()
)
# The Household attribute that holds "village_code": the village's primary key is its area code.
_ATTNAME = {"village_code": "village_id"}


def _instance_builder(model, fields):
    """A function making an unsaved `model` instance from a dict of `fields`.

    Positional arguments in concrete-field order are Model.__init__'s fast
    path (the one querysets use), about twice as fast as keywords; fields
    after the last of `fields` get their defaults there, as with keywords."""
    attnames = [field.attname for field in model._meta.concrete_fields]
    given = {_ATTNAME.get(field, field): field for field in fields}
    last = max(attnames.index(attname) for attname in given)
    leading = []
    for field in model._meta.concrete_fields[: last + 1]:
        if field.attname in given:
            leading.append((given[field.attname], None))
        elif field.has_default() and callable(field.default):
            raise ImproperlyConfigured(f"{model.__name__}.{field.name}: its default needs keywords")
        else:
            leading.append((None, field.get_default()))  # the primary key, the foreign key

    def build(values):
        return model(*[default if field is None else values[field] for field, default in leading])

    return build


_new_household = _instance_builder(Household, HOUSEHOLD_FIELDS)
_new_member = _instance_builder(Member, MEMBER_FIELDS)


def _field_rules(model, fields):
    """(name, model field, longest accepted text or None) for the fields of
    `fields` whose own rules a parsed value can break, in the model's field
    order (full_clean's order).

    Only free texts (read by _text) qualify: choices come from the label
    readers, dates from parse_date, NIK and No. KK from villages.identity and
    countries from parse_country, all valid for their fields by construction.
    A text field whose only rule is its max_length is checked by length and
    cleaned (for Django's own message) only when too long; any other field
    is cleaned as full_clean would, every time (None)."""
    texts = {field for field in fields if _PARSERS.get(COLUMN_OF_FIELD[field]) is _text}
    rules = []
    for field in model._meta.concrete_fields:
        if field.name not in texts:
            continue
        simple = not field.choices and all(isinstance(v, MaxLengthValidator) for v in field.validators)
        rules.append((field.name, field, (field.max_length or sys.maxsize) if simple else None))
    return tuple(rules)


_HOUSEHOLD_RULES = _field_rules(Household, HOUSEHOLD_FIELDS)
_MEMBER_RULES = _field_rules(Member, MEMBER_FIELDS)
# ValidationError codes of villages.identity.check_nik_agrees.
_NIK_AGREEMENT_CODES = frozenset({"nik_birth_date", "nik_sex"})


def _field_errors(instance, rules):
    """What Model.clean_fields would report for these fields, as {name: error_list}."""
    errors = {}
    for name, field, longest in rules:
        value = getattr(instance, name)
        if field.blank and value in field.empty_values:
            continue
        if longest is not None and value and len(value) <= longest:
            continue
        try:
            field.clean(value, instance)
        except ValidationError as error:
            errors[name] = error.error_list
    return errors


def _clean_errors(instance, errors):
    """`errors` with those of the instance's clean() added, as full_clean adds them."""
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    return errors


def row_to_instances(row: dict, households: dict | None = None) -> tuple[Household, Member, list]:
    """Parse one raw row (keys already normalised, as read_rows gives them)
    into an unsaved Household and Member, and the row's errors.

    household.village_id holds the village's area code as read (the village is
    not looked up: nothing here queries the database; its existence and
    scope, duplicate NIKs and No. KKs belong to the import pipeline).
    member.household is not set. Errors are (column, message) pairs, at most
    one per column, column None for a row-wide problem: field-by-field
    parsing, then the models' own rules (Household.clean and Member.clean:
    the NIK against the date of birth and sex, status-dependent requirements,
    dates not in the future, return not before departure; field lengths).

    The instances hold what a save would store: Member.clean blanks the
    fields that mean nothing for the status (a CPMI's return date). A column
    with an error holds its empty value.

    `households`, an empty dict the caller keeps for the rows of one file,
    lets the rows of a household share one Household: a row whose household
    values are those of an earlier row gets that row's instance (and its
    checks' outcome) instead of a new one."""
    values = {}
    errors = {}
    for column, field, parser, required, empty in _STEPS:
        raw = row.get(column)
        if raw is None or (isinstance(raw, str) and not raw.strip()):  # blank: None, "" or spaces
            values[field] = empty
            if required:
                errors[column] = _("This field is required.")
            continue
        try:
            values[field] = parser(raw)
        except ValidationError as error:
            values[field] = empty
            errors[column] = _message(error)
    if households is None:
        household, household_errors = _checked_household(values)
    else:
        key = tuple(values[field] for field in HOUSEHOLD_FIELDS)
        try:
            household, household_errors = households[key]
        except KeyError:
            household, household_errors = households[key] = _checked_household(values)
    member = _new_member(values)
    _apply_model_rules(household_errors, member, errors)
    return household, member, [(column, str(message)) for column, message in errors.items()]


def _checked_household(values):
    household = _new_household(values)
    return household, _clean_errors(household, _field_errors(household, _HOUSEHOLD_RULES))


def instance_values(household, member) -> dict:
    """The flat dict of row_to_values from row_to_instances' instances."""
    values = {field: getattr(household, _ATTNAME.get(field, field)) for field in HOUSEHOLD_FIELDS}
    for field in MEMBER_FIELDS:
        values[field] = getattr(member, field)
    return values


def row_to_values(row: dict) -> tuple[dict, list[tuple[str | None, str]]]:
    """Parse one raw row into model values: HOUSEHOLD_FIELDS (with
    "village_code" for the village) and MEMBER_FIELDS, in one flat dict, and
    the row's errors; see row_to_instances, which does the work."""
    household, member, errors = row_to_instances(row)
    return instance_values(household, member), errors


def _apply_model_rules(household_errors, member, errors):
    """Add to `errors` what full_clean of the household and the member
    (without foreign keys, uniqueness and constraints) would report for
    columns without an error yet, in full_clean's order, the NIK's
    disagreement with the date of birth or sex first. `household_errors` are
    the household's, found by _checked_household.

    Not full_clean itself: it cleans every field of both models again, which
    costs more than all the parsing, to find values that are valid by
    construction; see _field_rules. The models' clean() runs as it is."""
    member_errors = _clean_errors(member, _field_errors(member, _MEMBER_RULES))
    if not household_errors and not member_errors:
        return
    errored_fields = {_FIELD_OF_COLUMN[column] for column in errors if column in _FIELD_OF_COLUMN}
    agreement = {
        field: field_errors
        for field, field_errors in member_errors.items()
        if all(error.code in _NIK_AGREEMENT_CODES for error in field_errors)
    }
    if agreement:
        for field, messages in ValidationError(agreement).message_dict.items():
            errors.setdefault(COLUMN_OF_FIELD[field], " ".join(messages))
            errored_fields.add(field)
        member_errors = {field: value for field, value in member_errors.items() if field not in agreement}
    for instance_errors in (household_errors, member_errors):
        if not instance_errors:
            continue
        for field, field_messages in ValidationError(instance_errors).message_dict.items():
            column = None if field == NON_FIELD_ERRORS else COLUMN_OF_FIELD.get(field)
            if column in errors or field in errored_fields:
                continue
            errors[column] = " ".join(str(message) for message in field_messages)
