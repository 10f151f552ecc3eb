"""Survey rows as people really fill them (issue 13): the four member fields
of the forms (usaha, minat_pelatihan, sekolah, pengasuh) in and out, the
household's columns filled on one of its rows only, a No. KK ending in 0000
(a warning, never a rejection), and every problem of a row reported in one
pass. The files are built here the way a user's spreadsheet saves them."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from dashboards.indicators import village_indicators
from desmigratif.spreadsheets import read_rows
from surveys import household_format as hf
from surveys.exports import export_members_response
from surveys.import_jobs import WARNING_COLUMN
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.surveys.import_helpers import (
    CHILD_NIK,
    HEAD_NIK,
    KK_1,
    KK_2,
    SUMARNO_NIK,
    WIFE_NIK,
    columns_by_row,
    counts,
    errors_by_row,
    family_row,
    household_row,
    many_rows,
    run_import,
    stored,
    survey_rows,
    write_file,
)
from tests.surveys.test_import_pages import csv_bytes, last_job, upload
from villages.models import Household, Member, Village

KK_ZERO = "3524070101230000"  # a real-looking No. KK whose serial is 0000
NEW_COLUMNS = ("usaha", "minat_pelatihan", "sekolah", "pengasuh")
ADDRESS_COLUMNS = ("dusun", "rt", "rw", "alamat")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def messages_of(report, row):
    return dict(errors_by_row(report).get(row, []))


def returnee_rows():
    """KK_1: a PMI head, his wife back from Saudi Arabia who runs a business,
    their daughter (a CPMI) and a schoolboy raised by his grandmother; KK_2:
    a returnee who wants to start a business. Every migrant's record is
    complete (education, destination and channel, sector, business)."""
    rows = survey_rows()
    for row in rows:
        row.update(dict.fromkeys(NEW_COLUMNS, ""))
    rows[1].update(usaha="Punya usaha", minat_pelatihan="Menjahit; Tata boga")
    rows[2].update(jalur="Prosedural", sekolah="Tamat")
    boy = nik_for(datetime.date(2014, 6, 9), "L", 5)
    rows.insert(
        3,
        family_row(
            KK_1,
            boy,
            "Bagus",
            "L",
            "09/06/2014",
            relation="Anak",
            alamat="Jl. Raya Brengkok No. 1",
            usaha="",
            minat_pelatihan="",
            sekolah="Masih sekolah",
            pengasuh="Neneknya (Ibu Sumi)",
        ),
    )
    rows[4].update(
        status_migrasi="PMI Purna",
        negara_tujuan="Taiwan",
        sektor="Formal",
        tanggal_berangkat="01/02/2018",
        tanggal_kembali="01/02/2021",
        jalur="Prosedural",
        usaha="Ingin memulai",
        minat_pelatihan="Budidaya lele",
    )
    return rows


# 1. The four member fields of the forms --------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_forms_member_fields_are_imported(village_a, tmp_path, fmt):
    report = run_import("households", write_file(tmp_path, returnee_rows(), fmt), write=True)

    assert report.errors == []
    assert report.written is True
    wife = Member.objects.get(nik=WIFE_NIK)
    assert (wife.business_status, wife.training_wishes) == (Member.Business.HAS, "Menjahit; Tata boga")
    assert Member.objects.get(nik=SUMARNO_NIK).business_status == Member.Business.WANTS
    assert Member.objects.get(nik=CHILD_NIK).schooling == Member.Schooling.FINISHED
    boy = Member.objects.get(name="Bagus")
    assert (boy.schooling, boy.caregiver) == (Member.Schooling.IN_SCHOOL, "Neneknya (Ibu Sumi)")


@pytest.mark.parametrize(
    ("column", "text", "field", "expected"),
    [
        ("usaha", "punya USAHA", "business_status", Member.Business.HAS),
        ("usaha", "Tidak Berminat", "business_status", Member.Business.NO),
        ("usaha", "wants", "business_status", Member.Business.WANTS),  # the stored value
        ("sekolah", "PUTUS SEKOLAH", "schooling", Member.Schooling.DROPPED_OUT),
        ("sekolah", "belum-sekolah", "schooling", Member.Schooling.NOT_YET),
        ("sekolah", "dropped_out", "schooling", Member.Schooling.DROPPED_OUT),
    ],
)
def test_business_and_schooling_labels_in_any_case_or_as_stored(column, text, field, expected):
    row = household_row(status_migrasi="PMI Purna", tanggal_kembali="01/02/2021", **{column: text})

    _household, member, errors = hf.row_to_instances(row)

    assert errors == []
    assert getattr(member, field) == expected


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (
            "usaha",
            "Sudah kaya",
            "is not one of the accepted values: Punya usaha, Ingin memulai, Tidak berminat",
        ),
        ("sekolah", "Kuliah", "Belum sekolah, Masih sekolah, Putus sekolah, Tamat"),
        ("minat_pelatihan", "x" * 201, "at most 200 characters"),
        ("pengasuh", "y" * 101, "at most 100 characters"),
    ],
)
def test_a_bad_value_in_a_new_column_rejects_its_row(village_a, tmp_path, column, value, reason):
    rows = returnee_rows()
    rows[1][column] = value

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {3: [column]}
    assert reason in messages_of(report, 3)[column]
    assert stored()["members"] == 0


def test_template_example_and_export_header_have_the_new_columns():
    assert hf.COLUMNS[-4:] == NEW_COLUMNS


def filled_village(village):
    """A household with every field of every member filled."""
    household = HouseholdFactory(
        village=village, no_kk=KK_1, dusun="Krajan", rt="001", rw="002", address="Jl. Raya Brengkok No. 1"
    )
    MemberFactory(
        household=household,
        nik=HEAD_NIK,
        name="Budi Santoso",
        sex="L",
        birth_date=datetime.date(1990, 5, 12),
        relation=Member.Relation.HEAD,
        education=Member.Education.SMA,
        migration_status=Member.Status.RETURNEE,
        destination_country="MY",
        sector=Member.Sector.FORMAL,
        occupation="Operator pabrik",
        placement_agency="PT Sejahtera Abadi",
        departure_date=datetime.date(2015, 1, 12),
        return_date=datetime.date(2020, 3, 1),
        channel=Member.Channel.PROCEDURAL,
        business_status=Member.Business.HAS,
        training_wishes="Menjahit;tata boga",  # as an officer typed it in the form
        schooling=Member.Schooling.FINISHED,
        caregiver="",
    )
    MemberFactory(
        household=household,
        nik=CHILD_NIK,
        name="Putri Lestari",
        sex="P",
        birth_date=datetime.date(2005, 12, 1),
        relation=Member.Relation.CHILD,
        education=Member.Education.SMA,
        migration_status=Member.Status.FAMILY,
        schooling=Member.Schooling.DROPPED_OUT,
        caregiver="Neneknya",
    )
    second = HouseholdFactory(
        village=village, no_kk=KK_2, dusun="Kauman", rt="003", rw="004", address="Gg. 2"
    )
    MemberFactory(
        household=second,
        nik=WIFE_NIK,
        name="Siti Aminah",
        sex="P",
        birth_date=datetime.date(1978, 10, 3),
        relation=Member.Relation.HEAD,
        education=Member.Education.SD,
        migration_status=Member.Status.RETURNEE,
        destination_country="SA",
        sector=Member.Sector.INFORMAL,
        occupation="PLRT",
        placement_agency="PT Baru",
        departure_date=datetime.date(2010, 3, 10),
        return_date=datetime.date(2015, 12, 1),
        channel=Member.Channel.NON_PROCEDURAL,
        business_status=Member.Business.NO,
        training_wishes="Tata rias",
        schooling=Member.Schooling.NOT_YET,
        caregiver="Sendiri",
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_every_field_filled_reimports_unchanged(officer_a, village_a, tmp_path, fmt):
    filled_village(village_a)
    values = list(Member.objects.order_by("nik").values())
    response = export_members_response(
        Member.objects.order_by("household__no_kk", "id"), fmt=fmt, full_ids=True, filename_stem="export"
    )
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    assert tuple(read_rows(path).columns) == hf.COLUMNS
    before = stored()

    report = run_import("households", path, user=officer_a, write=True)

    assert report.errors == []
    assert counts(report) == (0, 0, 3, 0)
    assert stored() == before
    assert list(Member.objects.order_by("nik").values()) == values

    # Nothing lost: the export alone brings every value back.
    Member.objects.all().delete()
    Household.objects.all().delete()
    again = run_import("households", path, user=officer_a, write=True)

    assert counts(again) == (3, 0, 0, 0)
    assert [without_keys(v) for v in Member.objects.order_by("nik").values()] == [
        without_keys(v) for v in values
    ]


def without_keys(values):
    return {k: v for k, v in values.items() if k not in ("id", "household_id", "created_at", "updated_at")}


def coverage(village):
    return village_indicators(Village.objects.with_area_path().get(pk=village.pk))["pillars"]["1"][
        "registration_coverage"
    ]


def test_imported_returnees_with_their_business_keep_registration_coverage_at_100(
    officer_a, village_a, tmp_path
):
    """The issue's figure: two imported returnees used to drop the village
    from 100% to 90.9%, their business question left unanswered."""
    report = run_import("households", write_file(tmp_path, returnee_rows()), user=officer_a, write=True)

    assert report.written is True
    assert Member.objects.filter(migration_status=Member.Status.RETURNEE).count() == 2
    assert coverage(village_a) == 100.0


# 2. Household columns on one row of the household ----------------------------


def address_on_first_row_only(rows):
    """The household columns left blank on every row but a household's first."""
    seen = set()
    for row in rows:
        if row["no_kk"] in seen:
            row.update(dict.fromkeys(ADDRESS_COLUMNS, ""))
        seen.add(row["no_kk"])
    return rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_household_columns_on_the_first_row_only_apply_to_the_whole_household(village_a, tmp_path, fmt):
    rows = address_on_first_row_only(survey_rows())

    report = run_import("households", write_file(tmp_path, rows, fmt), write=True)

    assert report.errors == []
    assert counts(report) == (4, 0, 0, 0)
    household = Household.objects.get(no_kk=KK_1)
    assert (household.dusun, household.rt, household.rw, household.address) == (
        "Krajan",
        "001",
        "002",
        "Jl. Raya Brengkok No. 1",
    )
    assert household.members.count() == 3


def test_household_columns_filled_on_a_later_row_apply_too(village_a, tmp_path):
    rows = survey_rows()
    rows[0].update(dusun="", alamat="")
    rows[2].update(dusun="", alamat="")  # only row 3 has them

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert report.errors == []
    household = Household.objects.get(no_kk=KK_1)
    assert (household.dusun, household.address) == ("Krajan", "Jl. Raya Brengkok No. 1")


def test_two_different_values_in_one_household_are_refused_naming_both_rows(village_a, tmp_path):
    rows = address_on_first_row_only(survey_rows())
    rows[2]["alamat"] = "Jl. Lain No. 9"  # row 4; row 3 is blank

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {4: ["alamat"]}
    assert messages_of(report, 4)["alamat"] == (
        "This household's alamat is “Jl. Lain No. 9” in this row but “Jl. Raya Brengkok No. 1” in its "
        "row 2: all rows of one No. KK must agree (a blank cell takes the household's value)."
    )
    assert stored()["households"] == 0


def test_a_reimport_with_the_address_on_the_first_row_only_changes_nothing(officer_a, tmp_path):
    run_import("households", write_file(tmp_path, survey_rows(), name="full"), user=officer_a, write=True)
    before = stored()

    report = run_import(
        "households",
        write_file(tmp_path, address_on_first_row_only(survey_rows()), name="first-rows"),
        user=officer_a,
        write=True,
    )

    assert counts(report) == (0, 0, 4, 0)
    assert stored() == before
    assert Household.objects.get(no_kk=KK_1).address == "Jl. Raya Brengkok No. 1"


def test_a_household_column_blank_on_every_row_clears_the_stored_value(officer_a, tmp_path):
    """IMPORT_FORMATS: a column the file has (even empty) is what the file
    says, a column it lacks leaves the portal's values alone
    (test_a_file_without_an_optional_column_does_not_erase_its_values). A
    household with no value on any of its rows has none: the import clears
    it, as it did before blank cells could take the household's value."""
    run_import("households", write_file(tmp_path, survey_rows(), name="full"), user=officer_a, write=True)
    rows = survey_rows()
    for row in rows[:3]:  # every row of KK_1
        row["dusun"] = ""

    report = run_import("households", write_file(tmp_path, rows, name="no-dusun"), user=officer_a, write=True)

    assert report.errors == []
    assert counts(report) == (0, 3, 1, 0)
    assert Household.objects.get(no_kk=KK_1).dusun == ""
    assert Household.objects.get(no_kk=KK_2).dusun == "Krajan"


# 3. A No. KK ending in 0000: a warning ----------------------------------------


def zero_kk_rows():
    rows = survey_rows()
    for row in rows[:3]:
        row["no_kk"] = KK_ZERO
    return rows


KK_WARNING = (
    "Row 2, no_kk: The No. KK ends in 0000. Check it against the family card: a number a spreadsheet "
    "stored as a number can end in zeros."
)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_no_kk_ending_in_0000_is_a_warning_and_is_written(village_a, tmp_path, fmt):
    report = run_import("households", write_file(tmp_path, zero_kk_rows(), fmt), write=True)

    assert report.errors == []
    assert report.ok and report.written
    assert report.warning_count == 1  # once for the household, not once per row
    assert report.warnings == [KK_WARNING]
    assert report.as_dict()["warning_count"] == 1
    assert Household.objects.get(no_kk=KK_ZERO).members.count() == 3


def test_two_such_numbers_do_not_block_a_large_file(village_a, tmp_path):
    rows = many_rows(2000)
    for number, kk in enumerate(("3524078000000000", "3524078000010000")):
        for row in rows[number * 4 : number * 4 + 4]:
            row["no_kk"] = kk

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert report.errors == []
    assert report.written is True
    assert counts(report) == (2000, 0, 0, 0)
    assert report.warning_count == 2
    assert [warning.row for warning in report.row_warnings] == [2, 6]


def test_the_command_prints_the_warnings_and_writes(village_a, tmp_path):
    path = write_file(tmp_path, zero_kk_rows())
    out = io.StringIO()

    call_command("import_survey", "households", str(path), stdout=out, stderr=io.StringIO())

    output = out.getvalue()
    assert "  Warnings: 1" in output
    assert f"Warning: {KK_WARNING}" in output
    assert "Written." in output
    assert Household.objects.filter(no_kk=KK_ZERO).exists()


@pytest.mark.usefixtures("media_root")
def test_the_result_page_lists_the_warning_and_offers_the_write(officer, django_capture_on_commit_callbacks):
    rows = address_on_first_row_only(survey_rows_for_pages())
    rows[0]["no_kk"] = rows[1]["no_kk"] = rows[2]["no_kk"] = KK_ZERO

    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows))

    job = last_job()
    page = officer.get(f"/desa/impor/{job.pk}/")
    html = page.content.decode()
    assert job.status == "checked"
    assert job.report["warning_count"] == 1
    assert job.report["rejected"] == 0
    assert "The No. KK ends in 0000" in html
    assert "Confirm and write" in html


def survey_rows_for_pages():
    """survey_rows with every column of the sheet (the page tests' files have them all)."""
    return [{**dict.fromkeys(hf.COLUMNS, ""), **row} for row in survey_rows()]


@pytest.mark.usefixtures("media_root")
def test_the_error_report_has_the_warnings_in_a_column_of_their_own(
    officer, django_capture_on_commit_callbacks, tmp_path
):
    rows = survey_rows_for_pages()
    for row in rows[:3]:
        row["no_kk"] = KK_ZERO
    rows[3]["tanggal_lahir"] = "31/02/2000"  # row 5 rejected

    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows))

    response = officer.get(f"/desa/impor/{last_job().pk}/kesalahan.xlsx")
    path = tmp_path / "kesalahan.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet_rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    header = list(sheet_rows[0])
    assert header[-3:] == ["baris", "kesalahan", WARNING_COLUMN]
    by_row = {row[header.index("baris")]: dict(zip(header, row, strict=True)) for row in sheet_rows[1:]}
    assert set(by_row) == {2, 5}
    assert by_row[2]["kesalahan"] in (None, "")
    assert by_row[2][WARNING_COLUMN].startswith("no_kk: ")
    assert "0000" in by_row[2][WARNING_COLUMN]
    assert by_row[5]["kesalahan"].startswith("tanggal_lahir: ")


# 4. Every problem of a row in one pass ----------------------------------------


def test_a_wrong_birth_date_does_not_hide_a_repeated_nik(village_a, tmp_path):
    rows = survey_rows()
    rows.append(family_row(KK_2, HEAD_NIK, "Budi Santoso", "L", "31/02/1990", relation="Anak", alamat=""))

    report = run_import("households", write_file(tmp_path, rows), write=True)

    problems = messages_of(report, 6)
    assert set(problems) == {"tanggal_lahir", "nik"}
    assert "is not a real date" in problems["tanggal_lahir"]
    assert problems["nik"] == "This NIK is also in row 2."
    assert counts(report)[3] == 1
    assert stored()["members"] == 0


def test_a_row_with_errors_is_still_the_first_of_its_nik(village_a, tmp_path):
    """The repeat is reported on the later row even when the earlier one has
    problems of its own."""
    rows = survey_rows()
    rows[0]["tanggal_lahir"] = "31/02/1990"
    rows.append(family_row(KK_2, HEAD_NIK, "Budi Santoso", "L", "12/05/1990", relation="Anak", alamat=""))

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {2: ["tanggal_lahir"], 6: ["nik"]}
    assert messages_of(report, 6)["nik"] == "This NIK is also in row 2."


def test_a_wrong_date_does_not_hide_a_nik_registered_elsewhere_nor_a_household_conflict(village_a, tmp_path):
    other = HouseholdFactory(village=village_a, no_kk="3524070101109999")
    MemberFactory(household=other, nik=WIFE_NIK, birth_date=datetime.date(1978, 10, 3), sex="P")
    rows = survey_rows()
    rows[1].update(tanggal_kembali="31/02/2015", alamat="Jl. Lain No. 9")  # row 3, the wife

    report = run_import("households", write_file(tmp_path, rows), write=True)

    problems = messages_of(report, 3)
    assert set(problems) == {"tanggal_kembali", "alamat", "nik"}
    assert "already registered in another household" in problems["nik"]
    assert "in its row 2" in problems["alamat"]
    assert Member.objects.filter(nik=WIFE_NIK).get().household == other


@pytest.mark.usefixtures("media_root")
def test_the_error_report_gives_both_problems_of_the_row(
    officer, django_capture_on_commit_callbacks, tmp_path
):
    rows = survey_rows_for_pages()
    rows.append(
        {**rows[0], "no_kk": KK_2, "alamat": "", "hubungan_keluarga": "Anak", "tanggal_lahir": "31/02/1990"}
    )

    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows))

    job = last_job()
    assert {(row, column) for row, column, _message in job.report["errors"]} == {
        (6, "tanggal_lahir"),
        (6, "nik"),
    }
    response = officer.get(f"/desa/impor/{job.pk}/kesalahan.xlsx")
    path = tmp_path / "kesalahan.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet_rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    header = list(sheet_rows[0])
    [row] = [dict(zip(header, values, strict=True)) for values in sheet_rows[1:]]
    assert row["baris"] == 6
    reasons = row["kesalahan"].split("; ")
    assert [reason.split(":")[0] for reason in reasons] == ["tanggal_lahir", "nik"]
