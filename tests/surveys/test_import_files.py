"""Files as people really make them (#13 section 2): title rows above the
header, the data on another sheet, a CSV saved by Excel in Windows-1252, a
formula with no saved value, a header with no data rows, and the error
report offered only once it is stored. Each through the import as the pages
and the command run it (import_file), and on the page or the command line."""

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from surveys import household_format as hf
from surveys import import_jobs
from surveys.import_jobs import import_file
from surveys.models import ImportJob
from tests.surveys.test_import_pages import household_rows, rows_with_errors, upload
from villages.models import Household, Member

pytestmark = pytest.mark.usefixtures("media_root")

TITLE_ROWS = [["PENDATAAN RUMAH TANGGA DESA BRENGKOK"], ["Kecamatan Brondong, Tahun 2024"]]
REQUIRED = ", ".join(sorted(hf.REQUIRED_COLUMNS))


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def table(rows, columns=hf.COLUMNS):
    """The header and the rows as lists of cell values."""
    return [list(columns), *[[row.get(column, "") for column in columns] for row in rows]]


def write_csv_file(path, lines, *, encoding="utf-8", delimiter=","):
    """A CSV as a spreadsheet program saves it: title rows padded with empty cells."""
    width = max(len(line) for line in lines)
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    for line in lines:
        writer.writerow([*line, *[""] * (width - len(line))])
    path.write_bytes(stream.getvalue().encode(encoding))
    return path


def write_workbook(path, sheets):
    """A workbook with the sheets {title: lines} in that order."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, lines in sheets.items():
        sheet = workbook.create_sheet(title)
        for line in lines:
            sheet.append([None if value == "" else value for value in line])
    workbook.save(path)
    return path


def write_file(tmp_path, lines, fmt, name="survei"):
    path = tmp_path / f"{name}.{fmt}"
    if fmt == "csv":
        return write_csv_file(path, lines)
    return write_workbook(path, {"Sheet1": lines})


def check(path):
    return import_file(path, kind="households", user=None, write=False)


def run_command(*args):
    """The command in English, whatever language a page before it left active."""
    out = io.StringIO()
    try:
        with translation.override("en"):
            call_command("import_survey", *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


def last_job():
    return ImportJob.objects.latest("pk")


# Title rows above the header ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_title_rows_above_the_header_are_skipped_and_the_header_row_is_said(villages, tmp_path, fmt):
    path = write_file(tmp_path, [*TITLE_ROWS, [], *table(rows_with_errors())], fmt)

    report = check(path)

    assert report.read_from["header_row"] == 4
    assert report.missing_columns == [] and report.unknown_columns == []
    assert (report.total_rows, report.created, report.rejected) == (4, 2, 2)
    # Rows keep the numbers the spreadsheet shows: the second and fourth data rows.
    assert sorted({error.row for error in report.errors}) == [6, 8]


def test_the_header_row_is_on_the_page_and_in_the_error_report(
    officer, django_capture_on_commit_callbacks, tmp_path
):
    path = write_file(tmp_path, [*TITLE_ROWS, *table(rows_with_errors())], "xlsx")

    upload(officer, django_capture_on_commit_callbacks, path.read_bytes(), "survei.xlsx")

    job = last_job()
    assert job.report["read_from"] == {"sheet": "Sheet1", "header_row": 3, "encoding": None}
    html = officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert "Read: sheet “Sheet1”, header in row 3" in html
    report_path = tmp_path / "kesalahan.xlsx"
    report_path.write_bytes(b"".join(officer.get(f"/desa/impor/{job.pk}/kesalahan.xlsx").streaming_content))
    rows = list(openpyxl.load_workbook(report_path).worksheets[0].iter_rows(values_only=True))
    assert [row[list(rows[0]).index("baris")] for row in rows[1:]] == [5, 7]


def test_the_command_says_which_row_was_the_header(villages, tmp_path):
    path = write_file(tmp_path, [*TITLE_ROWS, *table(household_rows())], "csv")

    code, out, _error = run_command("households", str(path), "--dry-run")

    assert code == 0
    assert "Read: header in row 3, text encoding UTF-8" in out


# The sheet read ------------------------------------------------------------------


def test_the_data_on_a_second_sheet_is_found_and_named(villages, tmp_path):
    path = write_workbook(
        tmp_path / "survei.xlsx",
        {
            "Petunjuk": [["Isi data mulai baris 2 lembar berikut."], ["Jangan ubah nama kolom."]],
            "Data Warga": [*TITLE_ROWS, *table(household_rows())],
        },
    )

    report = check(path)

    assert report.read_from == {"sheet": "Data Warga", "header_row": 3, "encoding": None}
    assert (report.created, report.rejected, report.unknown_columns) == (4, 0, [])


def test_the_sheet_named_like_the_template_wins(villages, tmp_path):
    old = household_rows()[:1]
    path = write_workbook(
        tmp_path / "survei.xlsx",
        {"Data lama": table(old), hf.SHEET_NAME: table(household_rows())},
    )

    report = check(path)

    assert report.read_from["sheet"] == hf.SHEET_NAME
    assert report.total_rows == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_header_row_says_what_is_missing_and_where_it_looked(villages, tmp_path, fmt):
    # The header row was deleted: title rows and data only.
    path = write_file(tmp_path, [*TITLE_ROWS, *table(household_rows())[1:]], fmt)

    report = check(path)

    assert sorted(report.missing_columns) == sorted(hf.REQUIRED_COLUMNS)
    assert report.unknown_columns == []  # the title is not a column
    hints = [error.message for error in report.errors if error.column is None]
    assert len(hints) == 1
    assert (
        f"No row among the first 10 rows of the {'file' if fmt == 'csv' else 'sheets looked at'}" in hints[0]
    )
    assert REQUIRED in hints[0]
    if fmt == "xlsx":
        assert "(“Sheet1”)" in hints[0]


def test_a_misspelt_header_below_title_rows_is_reported_on_its_row(villages, tmp_path):
    lines = [*TITLE_ROWS, *table(household_rows())]
    lines[2] = ["nama_lengkap" if name == "nama" else name for name in lines[2]]
    path = write_workbook(tmp_path / "survei.xlsx", {"Lembar1": lines, "Catatan": [["catatan"]]})

    report = check(path)

    assert report.missing_columns == ["nama"]
    assert report.unknown_columns == ["nama_lengkap"]
    assert (report.errors[0].row, report.errors[0].column) == (3, "nama")
    assert "(“Lembar1”, “Catatan”)" in report.errors[-1].message


def test_no_header_on_the_page_and_the_command(officer, django_capture_on_commit_callbacks, tmp_path):
    path = write_file(tmp_path, [*TITLE_ROWS, *table(household_rows())[1:]], "csv")

    upload(officer, django_capture_on_commit_callbacks, path.read_bytes())
    html = officer.get(f"/desa/impor/{last_job().pk}/").content.decode()
    code, out, _error = run_command("households", str(path))

    assert "Required columns are missing" in html
    assert "No row among the first 10 rows of the file" in html
    assert "These columns are not part of the sheet" not in html
    assert code == 1
    assert "No row among the first 10 rows of the file" in out
    assert "Unknown columns" not in out


# Windows-1252 ----------------------------------------------------------------------

NAMES = ["Sútinah", "Nurhayati Ç", "Désirée", "Ahmad é"]


def windows_csv(tmp_path, delimiter=","):
    rows = household_rows()
    for row, name in zip(rows, NAMES, strict=True):
        row["nama"] = name
    return write_csv_file(tmp_path / "survei.csv", table(rows), encoding="cp1252", delimiter=delimiter)


@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon"])
def test_a_windows_1252_csv_from_excel_is_read(villages, tmp_path, delimiter):
    path = windows_csv(tmp_path, delimiter)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    report = import_file(path, kind="households", user=None, write=True)

    assert report.read_from["encoding"] == "Windows-1252"
    assert report.written and report.rejected == 0
    assert sorted(Member.objects.values_list("name", flat=True)) == sorted(NAMES)


def test_a_windows_1252_csv_is_accepted_at_upload_and_said(
    officer, django_capture_on_commit_callbacks, tmp_path
):
    path = windows_csv(tmp_path)

    response = upload(officer, django_capture_on_commit_callbacks, path.read_bytes())

    assert response.status_code == 302
    job = last_job()
    assert (job.status, job.report["created"], job.report["rejected"]) == ("checked", 4, 0)
    assert "text encoding Windows-1252" in officer.get(f"/desa/impor/{job.pk}/").content.decode()


def test_the_command_says_windows_1252(villages, tmp_path):
    code, out, _error = run_command("households", str(windows_csv(tmp_path)))

    assert code == 0
    assert "text encoding Windows-1252" in out
    assert Member.objects.filter(name="Sútinah").exists()


# Formulas without a saved value ---------------------------------------------------------


def formula_workbook(tmp_path, *, empty_row=False):
    """A workbook written by openpyxl, which saves formulas without a value."""
    path = write_file(tmp_path, table(household_rows()), "xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    if empty_row:
        sheet["C7"] = '=IF(1=1,"","x")'  # a row of its own below the data
    else:
        sheet[f"{openpyxl.utils.get_column_letter(hf.COLUMNS.index('nama') + 1)}3"] = '=PROPER("siti")'
    workbook.save(path)
    return path


@pytest.mark.parametrize("empty_row", [False, True], ids=["in-a-row", "alone-in-a-row"])
def test_a_formula_without_a_saved_value_is_refused_naming_the_cell(villages, tmp_path, empty_row):
    path = formula_workbook(tmp_path, empty_row=empty_row)
    cell = "C7" if empty_row else f"{openpyxl.utils.get_column_letter(hf.COLUMNS.index('nama') + 1)}3"

    with pytest.raises(ValidationError) as error:
        import_file(path, kind="households", user=None, write=True)

    assert error.value.code == "formula_without_value"
    assert f"Cell {cell} of the sheet “Sheet1” holds a formula with no saved value" in error.value.messages[0]
    assert not Member.objects.exists()


def test_a_formula_without_a_value_fails_the_job_and_the_command(
    officer, django_capture_on_commit_callbacks, tmp_path
):
    path = formula_workbook(tmp_path)

    upload(officer, django_capture_on_commit_callbacks, path.read_bytes(), "survei.xlsx")
    html = officer.get(f"/desa/impor/{last_job().pk}/").content.decode()
    code, _out, error = run_command("households", str(path))

    assert last_job().status == "failed"
    assert "holds a formula with no saved value: open the file in Excel or LibreOffice" in html
    assert code == 2
    assert "holds a formula with no saved value" in error
    assert not Member.objects.exists()


def test_a_formula_in_a_title_row_is_not_read(villages, tmp_path):
    path = write_file(tmp_path, [*TITLE_ROWS, *table(household_rows())], "xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.active["B2"] = "=TODAY()"
    workbook.save(path)

    assert check(path).created == 4


# A header and no data rows ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_header_only_file_says_no_data_rows_and_exits_2(villages, tmp_path, fmt):
    path = write_file(tmp_path, [*TITLE_ROWS, list(hf.COLUMNS)], fmt)

    code, out, error = run_command("households", str(path))

    assert code == 2
    assert "The file has no data rows: there is nothing below its header (row 3) to import." in error
    assert "Written" not in out


def test_a_header_only_file_on_the_page(officer, django_capture_on_commit_callbacks, tmp_path):
    path = write_file(tmp_path, [list(hf.COLUMNS)], "xlsx")

    upload(officer, django_capture_on_commit_callbacks, path.read_bytes(), "survei.xlsx")

    job = last_job()
    html = officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert job.status == "failed"
    assert "The file has no data rows" in html
    assert "Written" not in html
    assert not Household.objects.exists()


# The error report is offered once it exists ----------------------------------------------


def test_the_error_report_is_offered_only_once_stored(
    officer, django_capture_on_commit_callbacks, monkeypatch
):
    seen = {}
    write_xlsx = import_jobs.write_xlsx

    def observed_write_xlsx(rows, columns, stream, title):
        # While the report is being written: what the user's browser gets.
        job = last_job()
        seen["status"] = officer.get(f"/desa/impor/{job.pk}/status.json").json()
        seen["page"] = officer.get(f"/desa/impor/{job.pk}/")
        seen["download"] = officer.get(f"/desa/impor/{job.pk}/kesalahan.xlsx").status_code
        return write_xlsx(rows, columns, stream, title)

    monkeypatch.setattr(import_jobs, "write_xlsx", observed_write_xlsx)
    content = write_file_bytes(table(rows_with_errors()))

    upload(officer, django_capture_on_commit_callbacks, content)

    assert seen["status"]["running"] is True
    assert seen["status"]["status"] != "checked"
    assert seen["status"]["text"].startswith("Preparing the error report")
    assert seen["page"].templates[0].name == "surveys/import_progress.html"
    assert "kesalahan.xlsx" not in seen["page"].content.decode()
    assert seen["download"] == 404
    job = last_job()
    status = officer.get(f"/desa/impor/{job.pk}/status.json").json()
    assert (status["status"], status["running"]) == ("checked", False)
    assert "kesalahan.xlsx" in officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert officer.get(f"/desa/impor/{job.pk}/kesalahan.xlsx").status_code == 200


def write_file_bytes(lines):
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows(lines)
    return stream.getvalue().encode("utf-8")


def test_a_semicolon_csv_with_a_bare_title_line_finds_its_header(villages, tmp_path):
    """The title has no separator at all: the separator is the one that
    gives a header with the required columns, not the title's."""
    body = io.StringIO()
    csv.writer(body, delimiter=";", lineterminator="\r\n").writerows(table(household_rows()))
    path = tmp_path / "survei.csv"
    path.write_bytes(("Pendataan Rumah Tangga, Desa Brengkok\r\n" + body.getvalue()).encode("utf-8"))

    report = check(path)

    assert report.read_from == {"sheet": None, "header_row": 2, "encoding": "UTF-8"}
    assert (report.created, report.rejected) == (4, 0)
