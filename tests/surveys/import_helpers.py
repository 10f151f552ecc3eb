"""Helpers for the import pipeline tests: survey rows as a village officer
types them, files built from them the way a user's spreadsheet program saves
them (not through our own export, which would quote formula-looking texts),
and running a sheet through surveys.imports."""

import csv
import datetime
from collections import defaultdict

import openpyxl
from django.conf import settings

from desmigratif.spreadsheets import read_rows
from surveys.household_format import COLUMNS as HOUSEHOLD_COLUMNS
from surveys.imports import importer_for
from tests.household_factories import nik_for
from villages.models import Household, Member

VILLAGE_A = "35.24.07.2004"  # Brengkok (conftest.py), officer_a's village
VILLAGE_B = "35.24.07.2001"  # Lohgung, officer_b's village
VILLAGE_C = "53.71.01.1001"  # Namosain, Kota Kupang: outside Lamongan
NOT_ENROLLED = "35.24.07.2002"  # Labuhan: an area, not enrolled
NO_SUCH_VILLAGE = "35.24.07.2999"

KK_1 = "3524070101100001"
KK_2 = "3524070101100002"
HEAD_NIK = "3524071205900001"  # a man born 12/05/1990
WIFE_NIK = "3524074310780002"  # a woman born 03/10/1978 (day 03 + 40)
CHILD_NIK = "3524074112050003"  # a girl born 01/12/2005
SUMARNO_NIK = "3524071201000004"  # a man born 12/01/2000 (12 January)

PROFILE_COLUMNS = (
    "kode_desa",
    "tahun_program",
    "lintang",
    "bujur",
    "perangkat_dibawah_slta",
    "perangkat_slta",
    "perangkat_diploma",
    "perangkat_sarjana",
    "rumah_belajar",
    "rumah_belajar_luas_m2",
    "rumah_belajar_jarak_balai_m",
    "internet",
    "jarak_disnaker_km",
    "produk_unggulan",
)
PARTNER_COLUMNS = ("kode_desa", "nama_lembaga", "jenis", "pilar")


def household_row(**changes):
    """One member row of household KK_1 in village A: the head, a PMI in Malaysia."""
    row = {
        "kode_desa": VILLAGE_A,
        "no_kk": KK_1,
        "dusun": "Krajan",
        "rt": "001",
        "rw": "002",
        "alamat": "Jl. Raya Brengkok No. 1",
        "nik": HEAD_NIK,
        "nama": "Budi Santoso",
        "jenis_kelamin": "L",
        "tanggal_lahir": "12/05/1990",
        "hubungan_keluarga": "Kepala Keluarga",
        "pendidikan": "SMA",
        "status_migrasi": "PMI",
        "negara_tujuan": "Malaysia",
        "sektor": "Formal",
        "jabatan": "Operator pabrik",
        "p3mi": "PT Sejahtera Abadi",
        "tanggal_berangkat": "12/01/2019",
        "tanggal_kembali": "",
        "jalur": "Prosedural",
    }
    row.update(changes)
    return row


def survey_rows():
    """A small survey: household KK_1 (three members) and KK_2 (one member)."""
    return [
        household_row(),
        household_row(
            nik=WIFE_NIK,
            nama="Siti Aminah",
            jenis_kelamin="P",
            tanggal_lahir="03/10/1978",
            hubungan_keluarga="Istri",
            pendidikan="SD",
            status_migrasi="PMI Purna",
            negara_tujuan="Arab Saudi",
            sektor="Informal",
            jabatan="PLRT",
            p3mi="",
            tanggal_berangkat="10/03/2010",
            tanggal_kembali="01/12/2015",
            jalur="Non-prosedural",
        ),
        household_row(
            nik=CHILD_NIK,
            nama="Putri Lestari",
            jenis_kelamin="P",
            tanggal_lahir="01/12/2005",
            hubungan_keluarga="Anak",
            pendidikan="SMK",
            status_migrasi="CPMI",
            negara_tujuan="Hong Kong",
            sektor="",
            jabatan="Caregiver",
            p3mi="",
            tanggal_berangkat="",
            jalur="",
        ),
        family_row(KK_2, SUMARNO_NIK, "Sumarno", "L", "12/01/2000", alamat="Jl. Pantai No. 7"),
    ]


def family_row(kk, nik, name, sex, birth, *, relation="Kepala Keluarga", village=VILLAGE_A, **changes):
    """A member who stays at home (status Keluarga)."""
    return household_row(
        kode_desa=village,
        no_kk=kk,
        alamat=changes.pop("alamat", "Jl. Raya Brengkok No. 2"),
        nik=nik,
        nama=name,
        jenis_kelamin=sex,
        tanggal_lahir=birth,
        hubungan_keluarga=relation,
        pendidikan="SD",
        status_migrasi="Keluarga",
        negara_tujuan="",
        sektor="",
        jabatan="",
        p3mi="",
        tanggal_berangkat="",
        tanggal_kembali="",
        jalur="",
        **changes,
    )


def many_rows(total, *, village=VILLAGE_A, members_per_household=4):
    """`total` valid rows of households of a few members each; every NIK
    agrees with its date of birth and sex."""
    rows = []
    born = datetime.date(1985, 7, 21)
    for n in range(total):
        household = n // members_per_household
        kk = f"{village[:2]}{village[3:5]}{village[6:8]}8{household + 1:09d}"
        sex = Member.Sex.MALE if n % 2 == 0 else Member.Sex.FEMALE
        serial = n + 1
        district = "".join(village.split(".")[:3])
        rows.append(
            family_row(
                kk,
                nik_for(born, sex, serial, district=district),
                f"Warga {n + 1}",
                sex,
                born.strftime("%d/%m/%Y"),
                relation="Kepala Keluarga" if n % members_per_household == 0 else "Anak",
                village=village,
                alamat=f"Jl. Desa No. {household + 1}",
            )
        )
    return rows


# Files ---------------------------------------------------------------------


def write_csv_file(path, rows, columns=None, *, delimiter=",", bom=False, header=None, blank_after=()):
    """A CSV as a spreadsheet program saves it: texts exactly as typed (a
    leading = or @ too), cells quoted only where the delimiter needs it.
    `header` replaces the column names in the first line; an empty line of
    delimiters is written after each row index in `blank_after`."""
    columns = list(columns or rows[0].keys())
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header or columns)
        for index, row in enumerate(rows):
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
            if index in blank_after:
                writer.writerow([""] * len(columns))
    return path


def write_xlsx_file(path, rows, columns=None, *, blank_after=()):
    """A workbook as a user's Excel has it: texts in string cells (a text
    starting with = too, the way Excel keeps a cell typed as '=...), numbers
    and dates in number and date cells, an empty cell for None or ""."""
    columns = list(columns or rows[0].keys())
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for index, row in enumerate(rows):
        sheet.append([None if row.get(c) in (None, "") else row.get(c) for c in columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"
        if index in blank_after:
            sheet.append([None] * len(columns))
    workbook.save(path)
    return path


def write_file(tmp_path, rows, fmt="csv", name="survey", **options):
    path = tmp_path / f"{name}.{fmt}"
    if fmt == "csv":
        return write_csv_file(path, rows, **options)
    return write_xlsx_file(path, rows, **options)


# Running -------------------------------------------------------------------


def run_import(kind, path, *, user=None, write=False):
    return importer_for(kind, user=user).run(read_rows(path), write=write)


def stored():
    """What a user would see change: households, members and their history."""
    return {
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "household_history": Household.history.count(),
        "member_history": Member.history.count(),
    }


def errors_by_row(report):
    """{row: [(column, message), ...]}"""
    found = defaultdict(list)
    for error in report.errors:
        found[error.row].append((error.column, error.message))
    return dict(found)


def columns_by_row(report):
    """{row: [column, ...]}: where each rejected row went wrong."""
    return {row: [column for column, _message in errors] for row, errors in errors_by_row(report).items()}


def counts(report):
    return (report.created, report.updated, report.unchanged, report.rejected)


__all__ = [
    "HOUSEHOLD_COLUMNS",
    "columns_by_row",
    "counts",
    "errors_by_row",
    "family_row",
    "household_row",
    "many_rows",
    "run_import",
    "stored",
    "survey_rows",
    "write_file",
]


def english(client):
    """The client asks for English pages (the portal speaks Indonesian by default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
