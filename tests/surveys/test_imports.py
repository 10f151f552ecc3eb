"""The survey import pipeline (surveys.imports), driven the way the upload
page and the command drive it: a .csv or .xlsx file read with read_rows, a
check (write=False), then the write. Every test asserts what the user sees:
the counts, each rejected row's number, column and reason, and that nothing
was written when anything was rejected.

The promises are those of /work/shared/IMPORT_FORMATS.md."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext

from surveys import imports
from surveys.exports import export_members_response
from surveys.imports import importer_for
from tests.factories import PartnerFactory
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.surveys.import_helpers import (
    CHILD_NIK,
    HEAD_NIK,
    HOUSEHOLD_COLUMNS,
    KK_1,
    KK_2,
    NO_SUCH_VILLAGE,
    NOT_ENROLLED,
    PARTNER_COLUMNS,
    PROFILE_COLUMNS,
    SUMARNO_NIK,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    WIFE_NIK,
    columns_by_row,
    counts,
    errors_by_row,
    family_row,
    many_rows,
    run_import,
    stored,
    survey_rows,
    write_file,
)
from villages.models import Household, Member, PartnerInstitution, Village

NOTHING = {"households": 0, "members": 0, "household_history": 0, "member_history": 0}
KK_B = "3524070101100003"  # a household of village B
NIK_B = nik_for(datetime.date(1988, 2, 14), Member.Sex.MALE, 21)


@pytest.fixture(autouse=True)
def english():
    """Reasons are compared in English; the language test switches itself."""
    with translation.override("en"):
        yield


def assert_nothing_written(report, before):
    assert report.written is False
    assert not report.ok
    assert stored() == before


def the_messages(report, row):
    return " ".join(message for _column, message in errors_by_row(report)[row])


# Household survey: what a valid file does ----------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_check_reports_what_would_be_created_and_writes_nothing(village_a, tmp_path, fmt):
    path = write_file(tmp_path, survey_rows(), fmt)

    report = run_import("households", path, write=False)

    assert counts(report) == (4, 0, 0, 0)
    assert report.total_rows == 4
    assert report.errors == [] and report.warnings == []
    assert report.unknown_columns == [] and report.missing_columns == []
    assert report.ok and report.written is False
    assert stored() == NOTHING


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_write_creates_households_members_and_their_history(officer_a, tmp_path, fmt):
    path = write_file(tmp_path, survey_rows(), fmt)

    report = run_import("households", path, user=officer_a, write=True)

    assert counts(report) == (4, 0, 0, 0)
    assert report.written is True
    assert stored() == {"households": 2, "members": 4, "household_history": 2, "member_history": 4}
    first = Household.objects.get(no_kk=KK_1)
    assert (first.village_id, first.dusun, first.rt, first.rw, first.address) == (
        VILLAGE_A,
        "Krajan",
        "001",
        "002",
        "Jl. Raya Brengkok No. 1",
    )
    assert sorted(first.members.values_list("nik", flat=True)) == sorted([HEAD_NIK, WIFE_NIK, CHILD_NIK])
    assert Household.objects.get(no_kk=KK_2).address == "Jl. Pantai No. 7"

    head = Member.objects.get(nik=HEAD_NIK)
    assert (head.name, head.sex, head.birth_date, head.relation, head.education) == (
        "Budi Santoso",
        Member.Sex.MALE,
        datetime.date(1990, 5, 12),
        Member.Relation.HEAD,
        Member.Education.SMA,
    )
    assert (head.migration_status, head.destination_country, head.sector, head.channel) == (
        Member.Status.PMI,
        "MY",
        Member.Sector.FORMAL,
        Member.Channel.PROCEDURAL,
    )
    assert head.departure_date == datetime.date(2019, 1, 12)  # 12/01/2019: 12 January
    wife = Member.objects.get(nik=WIFE_NIK)
    assert (wife.migration_status, wife.destination_country, wife.sector, wife.channel) == (
        Member.Status.RETURNEE,
        "SA",
        Member.Sector.INFORMAL,
        Member.Channel.NON_PROCEDURAL,
    )
    assert (wife.departure_date, wife.return_date) == (datetime.date(2010, 3, 10), datetime.date(2015, 12, 1))
    child = Member.objects.get(nik=CHILD_NIK)
    assert (child.migration_status, child.destination_country, child.education) == (
        Member.Status.CPMI,
        "HK",
        Member.Education.SMA,  # "SMK"
    )

    for record in [*Member.objects.all(), *Household.objects.all()]:
        assert record.history.count() == 1
        entry = record.history.get()
        assert entry.history_type == "+"
        assert entry.history_change_reason == "import"
        assert entry.history_user == officer_a


def test_command_line_import_records_no_user_in_the_history(village_a, tmp_path):
    path = write_file(tmp_path, survey_rows())

    run_import("households", path, user=None, write=True)

    entry = Member.objects.get(nik=HEAD_NIK).history.get()
    assert entry.history_change_reason == "import"
    assert entry.history_user is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_importing_the_same_file_twice_changes_nothing(officer_a, tmp_path, fmt):
    path = write_file(tmp_path, survey_rows(), fmt)
    run_import("households", path, user=officer_a, write=True)
    before = stored()
    values = list(Member.objects.order_by("nik").values())

    check = run_import("households", path, user=officer_a, write=False)
    again = run_import("households", path, user=officer_a, write=True)

    assert counts(check) == counts(again) == (0, 0, 4, 0)
    assert again.errors == []
    assert stored() == before
    assert list(Member.objects.order_by("nik").values()) == values


def test_a_corrected_file_updates_the_changed_rows_with_history(officer_a, tmp_path):
    run_import("households", write_file(tmp_path, survey_rows(), name="first"), user=officer_a, write=True)
    rows = survey_rows()
    rows[1]["nama"] = "Siti Aminah Rahayu"  # a member's name, row 3
    rows[3]["alamat"] = "Jl. Pantai No. 8"  # household KK_2's address, row 5
    path = write_file(tmp_path, rows, name="corrected")

    check = run_import("households", path, user=officer_a, write=False)
    report = run_import("households", path, user=officer_a, write=True)

    assert counts(check) == counts(report) == (0, 2, 2, 0)
    assert report.written is True
    assert stored() == {"households": 2, "members": 4, "household_history": 3, "member_history": 5}
    wife = Member.objects.get(nik=WIFE_NIK)
    assert wife.name == "Siti Aminah Rahayu"
    assert wife.history.count() == 2
    latest = wife.history.first()
    assert (latest.history_type, latest.history_change_reason, latest.history_user) == (
        "~",
        "import",
        officer_a,
    )
    assert latest.prev_record.name == "Siti Aminah"
    household = Household.objects.get(no_kk=KK_2)
    assert household.address == "Jl. Pantai No. 8"
    assert household.history.count() == 2
    assert household.history.first().history_change_reason == "import"
    assert Member.objects.get(nik=HEAD_NIK).history.count() == 1  # unchanged rows: no new record


def test_a_corrected_file_marks_the_records_as_recently_updated(officer_a, tmp_path):
    """The household list shows the most recently updated households first
    (selectors.household_list orders by -updated_at), as it does after a
    form edit: an imported correction must move the record's updated_at."""
    with time_machine.travel(datetime.datetime(2024, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        run_import(
            "households", write_file(tmp_path, survey_rows(), name="first"), user=officer_a, write=True
        )
    rows = survey_rows()
    rows[1]["nama"] = "Siti Aminah Rahayu"
    rows[3]["alamat"] = "Jl. Pantai No. 8"
    later = datetime.datetime(2024, 4, 1, 9, tzinfo=datetime.UTC)

    with time_machine.travel(later, tick=False):
        run_import("households", write_file(tmp_path, rows, name="corrected"), user=officer_a, write=True)

    assert Household.objects.get(no_kk=KK_2).updated_at == later
    assert Member.objects.get(nik=WIFE_NIK).updated_at == later
    assert Member.objects.get(nik=HEAD_NIK).updated_at < later


@pytest.mark.parametrize(
    "fmt, written, nik, sex, born",
    [
        ("csv", "03/10/1978", WIFE_NIK, "P", datetime.date(1978, 10, 3)),  # 3 October, never 10 March
        ("csv", "12/01/2000", SUMARNO_NIK, "L", datetime.date(2000, 1, 12)),  # 12 January, never 1 December
        ("csv", "3/10/1978", WIFE_NIK, "P", datetime.date(1978, 10, 3)),
        (
            "csv",
            "21/07/1985",
            nik_for(datetime.date(1985, 7, 21), "L", 9),
            "L",
            datetime.date(1985, 7, 21),
        ),  # day above 12
        ("csv", "1978-10-03", WIFE_NIK, "P", datetime.date(1978, 10, 3)),
        ("csv", "2000-01-12", SUMARNO_NIK, "L", datetime.date(2000, 1, 12)),
        ("xlsx", "12/01/2000", SUMARNO_NIK, "L", datetime.date(2000, 1, 12)),  # a text cell
        ("xlsx", datetime.date(1978, 10, 3), WIFE_NIK, "P", datetime.date(1978, 10, 3)),  # a date cell
        ("xlsx", datetime.datetime(2000, 1, 12), SUMARNO_NIK, "L", datetime.date(2000, 1, 12)),
    ],
)
def test_dates_are_read_day_first(village_a, tmp_path, fmt, written, nik, sex, born):
    path = write_file(tmp_path, [family_row(KK_1, nik, "Warga", sex, written)], fmt)

    report = run_import("households", path, write=True)

    assert report.errors == []
    assert counts(report) == (1, 0, 0, 0)
    assert Member.objects.get(nik=nik).birth_date == born


@pytest.mark.parametrize(
    "fmt, code",
    [("csv", "35.24.07.2004"), ("csv", "3524072004"), ("xlsx", "3524072004"), ("xlsx", 3524072004)],
)
def test_village_code_with_or_without_dots(village_a, tmp_path, fmt, code):
    rows = [{**row, "kode_desa": code} for row in survey_rows()]

    report = run_import("households", write_file(tmp_path, rows, fmt), write=True)

    assert report.errors == []
    assert counts(report) == (4, 0, 0, 0)
    assert set(Household.objects.values_list("village_id", flat=True)) == {VILLAGE_A}


# Household survey: bad input -----------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_required_columns_are_a_header_error(village_a, tmp_path, fmt):
    columns = [c for c in HOUSEHOLD_COLUMNS if c not in ("nik", "tanggal_lahir")]
    path = write_file(tmp_path, survey_rows(), fmt, columns=columns)

    report = run_import("households", path, write=True)

    assert report.missing_columns == ["nik", "tanggal_lahir"]
    assert [(e.row, e.column) for e in report.errors] == [(1, "nik"), (1, "tanggal_lahir")]
    assert "required column nik is missing" in report.errors[0].message
    assert counts(report) == (0, 0, 0, 1)
    assert_nothing_written(report, NOTHING)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unknown_columns_are_reported_and_ignored(village_a, tmp_path, fmt):
    rows = [{**row, "Catatan": "cek lagi", "No HP": "0812"} for row in survey_rows()]

    report = run_import("households", write_file(tmp_path, rows, fmt), write=True)

    assert report.unknown_columns == ["catatan", "no_hp"]
    assert report.errors == []
    assert counts(report) == (4, 0, 0, 0)
    assert report.written is True
    assert stored()["members"] == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_empty_rows_are_skipped_and_later_rows_keep_their_spreadsheet_numbers(village_a, tmp_path, fmt):
    rows = survey_rows()
    rows[3]["nama"] = ""  # after the empty row: spreadsheet row 6, not 5
    path = write_file(tmp_path, rows, fmt, blank_after=(1,))

    report = run_import("households", path, write=True)

    assert report.total_rows == 4
    assert columns_by_row(report) == {6: ["nama"]}
    assert the_messages(report, 6) == "This field is required."
    assert counts(report) == (3, 0, 0, 1)
    assert_nothing_written(report, NOTHING)


def test_empty_rows_alone_do_not_stop_an_import(village_a, tmp_path):
    path = write_file(tmp_path, survey_rows(), "csv", blank_after=(0, 1, 2))

    report = run_import("households", path, write=True)

    assert report.errors == []
    assert counts(report) == (4, 0, 0, 0)


def test_a_byte_order_mark_does_not_hide_the_first_column(village_a, tmp_path):
    path = write_file(tmp_path, survey_rows(), "csv", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfkode_desa,")

    report = run_import("households", path, write=True)

    assert report.missing_columns == [] and report.unknown_columns == []
    assert counts(report) == (4, 0, 0, 0)
    assert report.written is True


def test_semicolon_separated_csv(village_a, tmp_path):
    rows = survey_rows()
    for row in rows[:3]:
        row["alamat"] = "Jl. Raya, Gg. Melati 3"  # a comma inside a semicolon file
    path = write_file(tmp_path, rows, "csv", delimiter=";", bom=True)
    assert path.read_text(encoding="utf-8-sig").startswith("kode_desa;no_kk;")

    report = run_import("households", path, write=True)

    assert report.errors == []
    assert counts(report) == (4, 0, 0, 0)
    assert Household.objects.get(no_kk=KK_1).address == "Jl. Raya, Gg. Melati 3"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_headers_in_other_case_or_with_spaces_and_dashes(village_a, tmp_path, fmt):
    header = [
        "KODE DESA",
        "No-KK",
        "Dusun",
        "RT",
        "RW",
        " Alamat ",
        "NIK",
        "Nama",
        "Jenis Kelamin",
        "Tanggal-Lahir",
        "Hubungan  Keluarga",
        "PENDIDIKAN",
        "Status_Migrasi",
        "Negara - Tujuan",
        "Sektor",
        "Jabatan",
        "P3MI",
        "tanggal berangkat",
        "Tanggal_Kembali",
        "Jalur",
    ]
    rows = [dict(zip(header, row.values(), strict=True)) for row in survey_rows()]

    report = run_import("households", write_file(tmp_path, rows, fmt), write=True)

    assert report.missing_columns == [] and report.unknown_columns == []
    assert report.errors == []
    assert counts(report) == (4, 0, 0, 0)


@pytest.mark.parametrize(
    "fmt, column, value, reason",
    [
        ("csv", "nik", "3.52407E+15", "damaged"),
        ("csv", "nik", "3,52407E+15", "damaged"),
        ("csv", "nik", "3524071205900001.0", "damaged"),
        ("csv", "nik", "3524071205900000", "0000"),  # 15 significant digits, then a zero
        ("csv", "nik", "3.524.071.205.900.000", "damaged"),
        ("xlsx", "nik", 3524071205900001, "damaged"),  # a number cell
        ("xlsx", "nik", 3.524071205900001e15, "damaged"),
        ("csv", "no_kk", "3.52407E+15", "damaged"),
        ("xlsx", "no_kk", 3524070101100001, "damaged"),
        ("csv", "nik", "352407120590001", "16 digits"),
    ],
)
def test_excel_damaged_numbers_are_refused(village_a, tmp_path, fmt, column, value, reason):
    rows = survey_rows()
    rows[0][column] = value

    report = run_import("households", write_file(tmp_path, rows, fmt), write=True)

    assert columns_by_row(report) == {2: [column]}
    assert reason in the_messages(report, 2)
    assert counts(report) == (3, 0, 0, 1)
    assert_nothing_written(report, NOTHING)


@pytest.mark.parametrize(
    "change, column",
    [
        ({"tanggal_lahir": "13/05/1990"}, "tanggal_lahir"),
        ({"tanggal_lahir": "05/12/1990"}, "tanggal_lahir"),  # month and day swapped
        ({"jenis_kelamin": "P"}, "jenis_kelamin"),
        ({"jenis_kelamin": "Perempuan"}, "jenis_kelamin"),
    ],
)
def test_a_nik_that_disagrees_with_the_row_is_refused(village_a, tmp_path, change, column):
    rows = survey_rows()
    rows[0].update(change)

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {2: [column]}
    assert "does not match the NIK" in the_messages(report, 2)
    assert_nothing_written(report, NOTHING)


def test_the_same_nik_twice_in_the_file_is_refused(village_a, tmp_path):
    rows = survey_rows()
    rows.append(
        family_row(
            KK_2, HEAD_NIK, "Budi Santoso", "L", "12/05/1990", relation="Anak", alamat="Jl. Pantai No. 7"
        )
    )

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {6: ["nik"]}
    assert the_messages(report, 6) == "This NIK is also in row 2."
    assert counts(report) == (4, 0, 0, 1)
    assert_nothing_written(report, NOTHING)


def test_a_nik_already_in_another_household_is_refused(village_a, tmp_path):
    other = HouseholdFactory(village=village_a, no_kk="3524070101109999")
    MemberFactory(household=other, nik=HEAD_NIK, birth_date=datetime.date(1990, 5, 12), sex="L")
    before = stored()

    report = run_import("households", write_file(tmp_path, survey_rows()), write=True)

    assert columns_by_row(report) == {2: ["nik"]}
    assert "already registered in another household" in the_messages(report, 2)
    assert_nothing_written(report, before)
    assert Member.objects.get(nik=HEAD_NIK).household == other


def test_a_no_kk_registered_for_another_village_is_refused(village_a, village_b, tmp_path):
    elsewhere = HouseholdFactory(village=village_b, no_kk=KK_2, address="Lohgung")
    MemberFactory(household=elsewhere, birth_date=datetime.date(1970, 1, 1))
    before = stored()

    report = run_import("households", write_file(tmp_path, survey_rows()), write=True)

    assert columns_by_row(report) == {5: ["no_kk"]}
    assert the_messages(report, 5) == "This No. KK is already registered for another village."
    assert_nothing_written(report, before)
    assert Household.objects.get(no_kk=KK_2).village == village_b


def village_b_row():
    return family_row(KK_B, NIK_B, "Slamet", "L", "14/02/1988", village=VILLAGE_B, alamat="Lohgung")


@pytest.mark.parametrize(
    "user_name, rows, outside, code",
    [
        # officer_b's own village in row 2, village A's four rows after it
        ("officer_b", lambda: [village_b_row(), *survey_rows()], [3, 4, 5, 6], VILLAGE_A),
        # the Lamongan office: village A is its own, village C (Kupang) is not
        ("regency_user", lambda: [*survey_rows(), *many_rows(2, village=VILLAGE_C)], [6, 7], VILLAGE_C),
    ],
)
def test_rows_for_villages_outside_the_users_scope_are_rejected(
    request, tmp_path, user_name, rows, outside, code
):
    user = request.getfixturevalue(user_name)
    all_rows = rows()

    report = run_import("households", write_file(tmp_path, all_rows), user=user, write=True)

    assert columns_by_row(report) == {row: ["kode_desa"] for row in outside}
    for row in outside:
        assert the_messages(report, row) == (
            f"Village {code} is outside your area: you may import only your own villages."
        )
    assert counts(report) == (len(all_rows) - len(outside), 0, 0, len(outside))
    assert_nothing_written(report, NOTHING)


@pytest.mark.parametrize(
    "code, reason",
    [
        (NOT_ENROLLED, f"Village {NOT_ENROLLED} is not enrolled in the Desmigratif programme."),
        (NO_SUCH_VILLAGE, f"There is no village with the code {NO_SUCH_VILLAGE}."),
        ("35.24.07", "“35.24.07” is not a village area code. Write it like 35.24.07.2004."),
    ],
)
def test_rows_for_a_village_not_enrolled_or_unknown_are_rejected(villages, tmp_path, code, reason):
    rows = [{**row, "kode_desa": code} for row in survey_rows()]

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {row: ["kode_desa"] for row in (2, 3, 4, 5)}
    assert {the_messages(report, row) for row in (2, 3, 4, 5)} == {reason}
    assert counts(report) == (0, 0, 0, 4)
    assert_nothing_written(report, NOTHING)


@pytest.mark.parametrize(
    "column, value",
    [
        ("alamat", "Jl. Lain No. 9"),
        ("dusun", "Kauman"),
        ("rt", "003"),
        ("rw", "009"),
        ("kode_desa", VILLAGE_B),
    ],
)
def test_a_household_whose_rows_disagree_is_refused(villages, tmp_path, column, value):
    rows = survey_rows()
    first = rows[0][column]
    rows[1][column] = value  # row 3, the second row of KK_1

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {3: [column]}
    assert the_messages(report, 3) == (
        f"This household's {column} is “{value}” in this row but “{first}” in its row 2: all rows "
        "of one No. KK must agree (a blank cell takes the household's value)."
    )
    assert_nothing_written(report, NOTHING)


def test_two_heads_of_family_in_one_household_are_refused(village_a, tmp_path):
    rows = survey_rows()
    rows[1]["hubungan_keluarga"] = "Kepala Keluarga"

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {3: ["hubungan_keluarga"]}
    assert the_messages(report, 3) == "The household already has a head of the family in row 2."
    assert_nothing_written(report, NOTHING)


def test_a_second_head_for_a_household_whose_head_is_already_registered_is_refused(village_a, tmp_path):
    """The household form and household_save refuse two heads; a file that
    adds a new head to a household whose head is in the portal (and not in
    the file) must be refused too."""
    run_import("households", write_file(tmp_path, survey_rows(), name="first"), write=True)
    newcomer = nik_for(datetime.date(1975, 8, 17), "L", 31)
    rows = [family_row(KK_2, newcomer, "Joko", "L", "17/08/1975", alamat="Jl. Pantai No. 7")]
    before = stored()

    report = run_import("households", write_file(tmp_path, rows, name="second"), write=True)

    assert columns_by_row(report) == {2: ["hubungan_keluarga"]}
    assert_nothing_written(report, before)
    assert Member.objects.filter(household__no_kk=KK_2, relation=Member.Relation.HEAD).count() == 1


HYPERLINK = '=HYPERLINK("http://x","klik")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulas_in_text_cells_are_stored_as_text(village_a, tmp_path, fmt):
    rows = survey_rows()
    for row in rows[:3]:
        row["alamat"] = "+62 812 3456 7890"
        row["dusun"] = "@home"
    rows[0].update(nama=HYPERLINK, jabatan="@x", p3mi="-PT Baru")
    rows[1]["nama"] = "@Siti"
    rows[2].update(nama="=1+2", jabatan="+caregiver")
    path = write_file(tmp_path, rows, fmt)

    report = run_import("households", path, write=True)

    assert report.errors == []
    assert counts(report) == (4, 0, 0, 0)
    head = Member.objects.get(nik=HEAD_NIK)
    assert (head.name, head.occupation, head.placement_agency) == (HYPERLINK, "@x", "-PT Baru")
    assert Member.objects.get(nik=WIFE_NIK).name == "@Siti"
    child = Member.objects.get(nik=CHILD_NIK)
    assert (child.name, child.occupation) == ("=1+2", "+caregiver")
    household = Household.objects.get(no_kk=KK_1)
    assert (household.address, household.dusun) == ("+62 812 3456 7890", "@home")

    # ... and exported again as texts, never as formulas.
    response = export_members_response(
        Member.objects.order_by("id"), fmt="xlsx", full_ids=True, filename_stem="check"
    )
    exported = tmp_path / "export.xlsx"
    exported.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(exported, data_only=False).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert HYPERLINK in {cell.value for cell in cells}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_bad_row_among_many_good_ones_writes_nothing(village_a, tmp_path, fmt):
    rows = many_rows(300)
    rows[150]["tanggal_lahir"] = "31/02/1985"  # spreadsheet row 152

    report = run_import("households", write_file(tmp_path, rows, fmt), write=True)

    assert columns_by_row(report) == {152: ["tanggal_lahir"]}
    assert "31/02/1985 is not a real date" in the_messages(report, 152)
    assert counts(report) == (299, 0, 0, 1)
    assert_nothing_written(report, NOTHING)


def test_a_failure_while_writing_leaves_nothing_behind(village_a, tmp_path, monkeypatch):
    """All or nothing holds for the write itself: when the members cannot be
    stored, the households already inserted are rolled back."""
    real = imports.bulk_create_with_history

    def failing(objs, model, *args, **kwargs):
        if model is Member:
            raise RuntimeError("disk full")
        return real(objs, model, *args, **kwargs)

    monkeypatch.setattr(imports, "bulk_create_with_history", failing)

    with pytest.raises(RuntimeError):
        run_import("households", write_file(tmp_path, survey_rows()), write=True)

    assert stored() == NOTHING


@pytest.mark.parametrize(
    "change, column, reason",
    [
        ({"tanggal_berangkat": "01/01/2099"}, "tanggal_berangkat", "cannot be in the future"),
        ({"tanggal_berangkat": "30/02/2019"}, "tanggal_berangkat", "30/02/2019 is not a real date"),
        ({"tanggal_berangkat": "2019/01/12"}, "tanggal_berangkat", "Write the date as DD/MM/YYYY"),
        ({"tanggal_berangkat": "12/01/1980"}, "tanggal_berangkat", "cannot be before the date of birth"),
        ({"status_migrasi": "PMI Purna"}, "tanggal_kembali", "Enter the date the PMI came home."),
        (
            {"status_migrasi": "PMI Purna", "tanggal_kembali": "11/01/2019"},
            "tanggal_kembali",
            "cannot be before the departure date",
        ),
        ({"negara_tujuan": ""}, "negara_tujuan", "Choose the destination country."),
        ({"negara_tujuan": "Atlantis"}, "negara_tujuan", "Unknown country"),
        ({"sektor": ""}, "sektor", "Choose the sector"),
        ({"hubungan_keluarga": "Tetangga"}, "hubungan_keluarga", "is not one of the accepted values"),
    ],
)
def test_impossible_dates_and_missing_status_fields_are_refused(village_a, tmp_path, change, column, reason):
    rows = survey_rows()
    rows[0].update(change)

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {2: [column]}
    assert reason in the_messages(report, 2)
    assert_nothing_written(report, NOTHING)


def test_a_date_of_birth_in_the_future_is_refused(village_a, tmp_path):
    # The NIK's two-digit year agrees with 2099 as well as with 1999.
    nik = nik_for(datetime.date(1999, 5, 12), "L", 7)
    rows = [family_row(KK_1, nik, "Warga", "L", "12/05/2099")]

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {2: ["tanggal_lahir"]}
    assert the_messages(report, 2) == "The date of birth cannot be in the future."
    assert_nothing_written(report, NOTHING)


def test_a_file_without_an_optional_column_does_not_erase_its_values(village_a, tmp_path):
    """A survey saved from an older template, without the optional columns
    pendidikan and alamat, says nothing about education and addresses: a
    re-import must not blank them for every member and household."""
    run_import("households", write_file(tmp_path, survey_rows(), name="full"), write=True)
    before = stored()
    columns = [c for c in HOUSEHOLD_COLUMNS if c not in ("pendidikan", "alamat")]

    report = run_import(
        "households", write_file(tmp_path, survey_rows(), name="older", columns=columns), write=True
    )

    assert counts(report) == (0, 0, 4, 0)
    assert stored() == before
    assert Member.objects.get(nik=HEAD_NIK).education == Member.Education.SMA
    assert Household.objects.get(no_kk=KK_1).address == "Jl. Raya Brengkok No. 1"


# Roles -----------------------------------------------------------------------


@pytest.mark.parametrize("user_name", ["province_user", "ministry_user"])
@pytest.mark.parametrize("kind", ["households", "village-profile", "partners"])
def test_province_and_ministry_users_cannot_import(request, user_name, kind):
    user = request.getfixturevalue(user_name)

    with pytest.raises(PermissionDenied):
        importer_for(kind, user=user)


def test_without_a_user_every_village_can_be_imported(villages, tmp_path):
    rows = [*survey_rows(), village_b_row(), *many_rows(2, village=VILLAGE_C)]

    report = run_import("households", write_file(tmp_path, rows), user=None, write=True)

    assert report.errors == []
    assert counts(report) == (7, 0, 0, 0)
    assert set(Household.objects.values_list("village_id", flat=True)) == {VILLAGE_A, VILLAGE_B, VILLAGE_C}


def test_a_regency_office_imports_all_of_its_villages(regency_user, tmp_path):
    rows = [*survey_rows(), village_b_row()]

    report = run_import("households", write_file(tmp_path, rows), user=regency_user, write=True)

    assert report.errors == []
    assert counts(report) == (5, 0, 0, 0)
    assert Member.objects.get(nik=NIK_B).history.get().history_user == regency_user


# Village profile -------------------------------------------------------------


def profile_row(code=NOT_ENROLLED, **changes):
    row = {
        "kode_desa": code,
        "tahun_program": "2019",
        "lintang": "-6.8812",
        "bujur": "112.2541",
        "perangkat_dibawah_slta": "2",
        "perangkat_slta": "5",
        "perangkat_diploma": "1",
        "perangkat_sarjana": "3",
        "rumah_belajar": "Milik Desa",
        "rumah_belajar_luas_m2": "70.5",
        "rumah_belajar_jarak_balai_m": "300",
        "internet": "Ya",
        "jarak_disnaker_km": "12.5",
        "produk_unggulan": "pisang; kopi",
    }
    row.update(changes)
    return row


def profile_of(code):
    village = Village.objects.get(area_id=code)
    return {column: getattr(village, field) for column, (field, _reader) in PROFILE_FIELDS.items()}


PROFILE_FIELDS = {
    column: reader for column, reader in imports.VillageProfileImport.readers.items() if column != "kode_desa"
}
EXPECTED_PROFILE = {
    "tahun_program": 2019,
    "lintang": Decimal("-6.8812"),
    "bujur": Decimal("112.2541"),
    "perangkat_dibawah_slta": 2,
    "perangkat_slta": 5,
    "perangkat_diploma": 1,
    "perangkat_sarjana": 3,
    "rumah_belajar": Village.LearningHouse.OWNED,
    "rumah_belajar_luas_m2": Decimal("70.5"),
    "rumah_belajar_jarak_balai_m": 300,
    "internet": True,
    "jarak_disnaker_km": Decimal("12.5"),
    "produk_unggulan": ["pisang", "kopi"],
}


def test_profile_columns_are_those_of_the_format():
    assert imports.VillageProfileImport.columns == PROFILE_COLUMNS
    assert imports.PartnersImport.columns == PARTNER_COLUMNS


@pytest.mark.parametrize("user_name", [None, "administrator"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_profile_enrols_a_village_not_yet_enrolled(request, villages, tmp_path, user_name, fmt):
    user = request.getfixturevalue(user_name) if user_name else None
    path = write_file(tmp_path, [profile_row()], fmt)

    check = run_import("village-profile", path, user=user, write=False)
    assert not Village.objects.filter(area_id=NOT_ENROLLED).exists()
    report = run_import("village-profile", path, user=user, write=True)

    assert counts(check) == counts(report) == (1, 0, 0, 0)
    assert report.written is True
    assert profile_of(NOT_ENROLLED) == EXPECTED_PROFILE
    assert Village.objects.get(area_id=NOT_ENROLLED).status == Village.Status.ACTIVE


def test_profile_update_then_unchanged_on_reimport(village_a, tmp_path):
    path = write_file(tmp_path, [profile_row(VILLAGE_A)])

    check = run_import("village-profile", path, write=False)
    assert Village.objects.get(area_id=VILLAGE_A).cohort_year == 2017
    first = run_import("village-profile", path, write=True)
    again = run_import("village-profile", path, write=True)

    assert counts(check) == counts(first) == (0, 1, 0, 0)
    assert counts(again) == (0, 0, 1, 0)
    assert profile_of(VILLAGE_A) == EXPECTED_PROFILE


def test_profile_empty_cells_leave_the_portals_values_alone(village_a, tmp_path):
    run_import("village-profile", write_file(tmp_path, [profile_row(VILLAGE_A)], name="full"), write=True)
    partial = {column: "" for column in PROFILE_COLUMNS} | {"kode_desa": VILLAGE_A, "tahun_program": "2019"}
    partial["internet"] = "Tidak"

    report = run_import("village-profile", write_file(tmp_path, [partial], name="partial"), write=True)

    assert counts(report) == (0, 1, 0, 0)
    assert profile_of(VILLAGE_A) == EXPECTED_PROFILE | {"internet": False}


def test_an_officer_updates_their_own_village(officer_a, tmp_path):
    path = write_file(tmp_path, [profile_row(VILLAGE_A)])

    report = run_import("village-profile", path, user=officer_a, write=True)

    assert counts(report) == (0, 1, 0, 0)
    assert profile_of(VILLAGE_A) == EXPECTED_PROFILE


def test_an_officer_cannot_update_another_village_or_enrol_one(officer_a, tmp_path):
    rows = [profile_row(VILLAGE_A), profile_row(VILLAGE_B), profile_row(NOT_ENROLLED)]

    report = run_import("village-profile", write_file(tmp_path, rows), user=officer_a, write=True)

    assert columns_by_row(report) == {3: ["kode_desa"], 4: ["kode_desa"]}
    assert "outside your area" in the_messages(report, 3)
    assert "outside your area" in the_messages(report, 4)
    assert counts(report) == (0, 1, 0, 2)
    assert report.written is False
    assert Village.objects.get(area_id=VILLAGE_A).cohort_year == 2017  # all or nothing
    assert Village.objects.get(area_id=VILLAGE_B).latitude is None
    assert not Village.objects.filter(area_id=NOT_ENROLLED).exists()


def test_a_regency_office_cannot_enrol_a_village(regency_user, tmp_path):
    report = run_import(
        "village-profile", write_file(tmp_path, [profile_row()]), user=regency_user, write=True
    )

    assert columns_by_row(report) == {2: ["kode_desa"]}
    assert the_messages(report, 2) == (
        f"Village {NOT_ENROLLED} is not enrolled in the programme; only an administrator can enrol it."
    )
    assert not Village.objects.filter(area_id=NOT_ENROLLED).exists()


@pytest.mark.parametrize("delimiter", [";", ","])
def test_profile_numbers_with_comma_decimals(village_a, tmp_path, delimiter):
    row = profile_row(
        VILLAGE_A, lintang="-6,8812", bujur="112,2541", rumah_belajar_luas_m2="70,5", jarak_disnaker_km="12,5"
    )
    path = write_file(tmp_path, [row], "csv", delimiter=delimiter)

    report = run_import("village-profile", path, write=True)

    assert report.errors == []
    assert profile_of(VILLAGE_A) == EXPECTED_PROFILE


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("lintang", "7", "less than or equal to 6"),
        ("lintang", "-11,5", "greater than or equal to -11"),
        ("bujur", "94", "greater than or equal to 95"),
        ("bujur", "141.5", "less than or equal to 141"),
        ("lintang", "utara", "is not a number"),
        ("tahun_program", "2015", "greater than or equal to 2016"),
        ("tahun_program", "", "This field is required."),
        (
            "rumah_belajar",
            "Pinjam",
            "“Pinjam” is not one of the accepted values: Milik Desa, Sewa, Tidak Ada.",
        ),
        ("internet", "Kadang", "“Kadang” is not one of the accepted values: Ya, Tidak."),
        ("perangkat_slta", "-1", "must be a whole number"),
    ],
)
@pytest.mark.parametrize("code", [VILLAGE_A, NOT_ENROLLED])
def test_profile_values_out_of_range_are_rejected_with_their_column(
    villages, tmp_path, code, column, value, reason
):
    before = {c: profile_of(c) for c in (VILLAGE_A, VILLAGE_B)}
    rows = [profile_row(code, **{column: value}), profile_row(VILLAGE_B)]

    report = run_import("village-profile", write_file(tmp_path, rows), write=True)

    assert columns_by_row(report) == {2: [column]}
    assert reason in the_messages(report, 2)
    assert report.rejected == 1
    assert report.written is False
    assert {c: profile_of(c) for c in (VILLAGE_A, VILLAGE_B)} == before
    assert not Village.objects.filter(area_id=NOT_ENROLLED).exists()


@pytest.mark.parametrize("fmt, delimiter", [("xlsx", None), ("csv", ";"), ("csv", ",")])
def test_leading_products_are_stored_as_a_list(village_a, tmp_path, fmt, delimiter):
    row = {"kode_desa": VILLAGE_A, "tahun_program": "2017", "produk_unggulan": "pisang; kopi;  Kopi ;"}
    options = {"delimiter": delimiter} if delimiter else {}
    path = write_file(tmp_path, [row], fmt, **options)
    if delimiter == ";":
        # In a semicolon file the list must be quoted (Excel does so when saving).
        assert '"pisang; kopi;  Kopi ;"' in path.read_text(encoding="utf-8")

    report = run_import("village-profile", path, write=True)

    assert report.errors == []
    assert Village.objects.get(area_id=VILLAGE_A).leading_products == ["pisang", "kopi"]


def test_an_unquoted_list_in_a_semicolon_csv_is_not_silently_cut(village_a, tmp_path):
    """`pisang; kopi` unquoted in a semicolon file is two cells, the second
    under no header. read_rows keeps it under its column letter (D) so that
    the import can report it; the import must not store ["pisang"] and say
    nothing."""
    path = tmp_path / "profil.csv"
    path.write_text(
        "kode_desa;tahun_program;produk_unggulan\r\n35.24.07.2004;2017;pisang; kopi\r\n", encoding="utf-8"
    )

    report = run_import("village-profile", path, write=True)

    assert "D" in report.unknown_columns or 2 in columns_by_row(report)
    assert Village.objects.get(area_id=VILLAGE_A).leading_products != ["pisang"]


# Partner institutions --------------------------------------------------------


def partner(name, kind, pillars="", code=VILLAGE_A):
    return {"kode_desa": code, "nama_lembaga": name, "jenis": kind, "pilar": pillars}


def partners_of(code):
    return {
        p.name: (p.kind, p.pillars)
        for p in PartnerInstitution.objects.filter(village_id=code).order_by("name")
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_partners_create_update_and_unchanged(officer_a, tmp_path, fmt):
    rows = [
        partner("PKK Melati", "PKK", "2;4"),
        partner("BUMDes Maju", "BUMDes"),
        partner("Tani Makmur", "Gapoktan", "II, IV"),
    ]
    path = write_file(tmp_path, rows, fmt, name="first")

    check = run_import("partners", path, user=officer_a, write=False)
    assert PartnerInstitution.objects.count() == 0
    created = run_import("partners", path, user=officer_a, write=True)
    again = run_import("partners", path, user=officer_a, write=True)

    assert counts(check) == counts(created) == (3, 0, 0, 0)
    assert counts(again) == (0, 0, 3, 0)
    melati = PartnerInstitution.objects.get(name="PKK Melati")
    assert (melati.supports_pillar_1, melati.supports_pillar_2, melati.supports_pillar_3) == (
        False,
        True,
        False,
    )
    assert melati.supports_pillar_4 is True
    assert partners_of(VILLAGE_A) == {
        "BUMDes Maju": (PartnerInstitution.Kind.BUMDES, []),
        "PKK Melati": (PartnerInstitution.Kind.PKK, [2, 4]),
        "Tani Makmur": (PartnerInstitution.Kind.BUSINESS_GROUP, [2, 4]),
    }

    rows[1]["pilar"] = "1"
    rows[2]["jenis"] = "Koperasi"
    updated = run_import(
        "partners", write_file(tmp_path, rows, fmt, name="second"), user=officer_a, write=True
    )

    assert counts(updated) == (0, 2, 1, 0)
    assert partners_of(VILLAGE_A) == {
        "BUMDes Maju": (PartnerInstitution.Kind.BUMDES, [1]),
        "PKK Melati": (PartnerInstitution.Kind.PKK, [2, 4]),
        "Tani Makmur": (PartnerInstitution.Kind.COOPERATIVE, [2, 4]),
    }


def test_a_partner_already_in_the_portal_is_matched_by_name(village_a, tmp_path):
    PartnerFactory(village=village_a, name="Karang Taruna Bhakti", kind=PartnerInstitution.Kind.KARANG_TARUNA)

    report = run_import(
        "partners", write_file(tmp_path, [partner("Karang Taruna Bhakti", "Karang Taruna", "3")]), write=True
    )

    assert counts(report) == (0, 1, 0, 0)
    assert partners_of(VILLAGE_A) == {"Karang Taruna Bhakti": (PartnerInstitution.Kind.KARANG_TARUNA, [3])}


@pytest.mark.parametrize(
    "rows, user_name, errors, reason",
    [
        ([partner("PKK Melati", "PKK", "5")], None, {3: ["pilar"]}, "Pillars are numbers 1 to 4"),
        ([partner("PKK Melati", "PKK", "2;x")], None, {3: ["pilar"]}, "Pillars are numbers 1 to 4"),
        (
            [partner("Arisan Ibu", "Arisan")],
            None,
            {3: ["jenis"]},
            "“Arisan” is not one of the accepted values",
        ),
        (
            [partner("Lohgung Jaya", "Koperasi", code=VILLAGE_B)],
            "officer_a",
            {3: ["kode_desa"]},
            "outside your area",
        ),
        (
            [partner("Namosain Jaya", "Koperasi", code=VILLAGE_C)],
            "regency_user",
            {3: ["kode_desa"]},
            "outside your area",
        ),
        ([partner("Labuhan Jaya", "Koperasi", code=NOT_ENROLLED)], None, {3: ["kode_desa"]}, "not enrolled"),
        ([partner("  bumdes   MAJU ", "BUMDes")], None, {3: ["nama_lembaga"]}, "also in row 2"),
        ([partner("", "BUMDes")], None, {3: ["nama_lembaga"]}, "This field is required."),
    ],
)
def test_bad_partner_rows_are_rejected_and_nothing_is_written(
    request, villages, tmp_path, rows, user_name, errors, reason
):
    user = request.getfixturevalue(user_name) if user_name else None
    all_rows = [partner("BUMDes Maju", "BUMDes", "4"), *rows]

    report = run_import("partners", write_file(tmp_path, all_rows), user=user, write=True)

    assert columns_by_row(report) == errors
    assert reason in the_messages(report, 3)
    assert counts(report) == (1, 0, 0, 1)
    assert report.written is False
    assert PartnerInstitution.objects.count() == 0


def test_pillars_in_a_semicolon_csv_must_be_quoted_and_are_read_when_they_are(village_a, tmp_path):
    path = write_file(tmp_path, [partner("PKK Melati", "PKK", "2;4")], "csv", delimiter=";")
    assert '"2;4"' in path.read_text(encoding="utf-8")

    report = run_import("partners", path, write=True)

    assert report.errors == []
    assert partners_of(VILLAGE_A) == {"PKK Melati": (PartnerInstitution.Kind.PKK, [2, 4])}


def test_a_partner_file_without_the_pilar_column_keeps_the_pillars(village_a, tmp_path):
    """pilar is optional: a sheet without that column says nothing about
    pillars and must not clear the ones set in the portal."""
    PartnerFactory(
        village=village_a, name="PKK Melati", kind=PartnerInstitution.Kind.PKK, supports_pillar_2=True
    )
    rows = [{"kode_desa": VILLAGE_A, "nama_lembaga": "PKK Melati", "jenis": "PKK"}]

    report = run_import("partners", write_file(tmp_path, rows), write=True)

    assert counts(report) == (0, 0, 1, 0)
    assert partners_of(VILLAGE_A) == {"PKK Melati": (PartnerInstitution.Kind.PKK, [2])}


# Language of the reasons -----------------------------------------------------

OUTSIDE_MSGID = "Village %(code)s is outside your area: you may import only your own villages."


def test_reasons_are_in_english_when_the_interface_is_english(officer_b, tmp_path):
    path = write_file(tmp_path, survey_rows())

    with translation.override("en"):
        report = run_import("households", path, user=officer_b)

    assert the_messages(report, 2) == (
        "Village 35.24.07.2004 is outside your area: you may import only your own villages."
    )


def test_reasons_are_in_indonesian_when_the_interface_is_indonesian(village_a, tmp_path):
    rows = survey_rows()
    rows[0]["tanggal_lahir"] = "13/05/1990"
    rows[1]["nama"] = ""
    rows[2]["nik"] = "3.52407E+15"
    path = write_file(tmp_path, rows)

    with translation.override("id"):
        report = run_import("households", path, write=True)

    assert the_messages(report, 2) == (
        "Tanggal lahir tidak sesuai dengan NIK. Menurut NIK, tanggal lahirnya 12/05/1990."
    )
    assert the_messages(report, 3) == "Kolom ini wajib diisi."
    assert the_messages(report, 4).startswith("NIK tampaknya rusak karena lembar kerja")
    assert_nothing_written(report, NOTHING)


def test_the_pipelines_own_reasons_are_in_indonesian(officer_b, tmp_path):
    with translation.override("id"):
        translated = gettext(OUTSIDE_MSGID)
    if translated == OUTSIDE_MSGID:
        pytest.skip(
            "locale/id has no translation yet for the import pipeline's messages "
            "(e.g. 'is outside your area'): run makemessages and translate them."
        )
    path = write_file(tmp_path, survey_rows())

    with translation.override("id"):
        report = run_import("households", path, user=officer_b)

    assert the_messages(report, 2) == translated % {"code": VILLAGE_A}


# Performance: queries, not wall time -----------------------------------------

# Villages and areas of the file, existing households, existing members, the
# NIKs' districts; whatever the number of rows (up to LOOKUP_BATCH).
CHECK_QUERY_BUDGET = 6


@pytest.mark.parametrize("already_imported", [False, True])
@pytest.mark.parametrize("total", [200, 2000])
def test_checking_a_file_costs_a_few_queries_whatever_its_size(
    officer_a, tmp_path, django_assert_max_num_queries, total, already_imported
):
    path = write_file(tmp_path, many_rows(total))
    if already_imported:
        run_import("households", path, user=officer_a, write=True)

    with django_assert_max_num_queries(CHECK_QUERY_BUDGET):
        report = run_import("households", path, user=officer_a, write=False)

    assert report.errors == []
    assert counts(report) == ((0, 0, total, 0) if already_imported else (total, 0, 0, 0))
