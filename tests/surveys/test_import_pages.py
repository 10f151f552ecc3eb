"""Survey import pages: upload, background check, result, error report,
confirm and write, refused files, access, and the templates.

The background jobs run at once in tests (Q_CLUSTER["sync"]); they are queued
when the upload's transaction commits, so uploads and confirmations run
inside django_capture_on_commit_callbacks(execute=True)."""

import datetime
import io
import os
import re
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from desmigratif.spreadsheets import write_csv, write_xlsx
from surveys import household_format as hf
from surveys.import_jobs import SHEETS, check_import_job
from surveys.imports import IMPORTERS
from surveys.models import ImportJob
from tests.household_factories import nik_for
from tests.surveys.import_helpers import english
from tests.villages.registry_helpers import errors_next_to_fields
from villages.models import Household, Member

A = "35.24.07.2004"  # village A, Brengkok (tests/conftest.py)
KK_1 = "3524070101100001"
KK_2 = "3524070101100002"
UPLOAD = "/desa/impor/unggah/"
LIST = "/desa/impor/"

HEAD_BIRTH = datetime.date(1975, 5, 12)  # day 12: a month-first reading would swap it
WIFE_BIRTH = datetime.date(1978, 10, 3)
CHILD_BIRTH = datetime.date(2001, 1, 25)  # day 25: could never be a month


# Files ------------------------------------------------------------------------


def member_row(**values):
    """A valid row of the household survey: a family member in household KK_1."""
    row = dict.fromkeys(hf.COLUMNS, "")
    row.update(
        {
            "kode_desa": A,
            "no_kk": KK_1,
            "dusun": "Krajan",
            "rt": "001",
            "rw": "002",
            "alamat": "Jl. Raya Brengkok No. 7",
            "jenis_kelamin": "L",
            "hubungan_keluarga": "Anak",
            "status_migrasi": "Keluarga",
        }
    )
    row.update(values)
    return row


def household_rows():
    """Two households, four members: a returnee head, his wife working in Hong
    Kong, their son; and a CPMI in a second household."""
    return [
        member_row(
            nik=nik_for(HEAD_BIRTH, "L", 1),
            nama="Ahmad Sholeh",
            tanggal_lahir=HEAD_BIRTH.strftime("%d/%m/%Y"),
            hubungan_keluarga="Kepala Keluarga",
            pendidikan="SMP",
            status_migrasi="PMI Purna",
            negara_tujuan="Malaysia",
            sektor="Formal",
            tanggal_berangkat="01/06/2010",
            tanggal_kembali="01/06/2015",
        ),
        member_row(
            nik=nik_for(WIFE_BIRTH, "P", 2),
            nama="Siti Aminah",
            jenis_kelamin="P",
            tanggal_lahir=WIFE_BIRTH.strftime("%d/%m/%Y"),
            hubungan_keluarga="Istri",
            status_migrasi="PMI",
            negara_tujuan="Hong Kong",
            sektor="Informal",
            jabatan="PLRT",
            tanggal_berangkat="02/03/2021",
            jalur="Prosedural",
        ),
        member_row(
            nik=nik_for(CHILD_BIRTH, "L", 3),
            nama="Budi Santoso",
            tanggal_lahir=CHILD_BIRTH.strftime("%d/%m/%Y"),
        ),
        member_row(
            no_kk=KK_2,
            alamat="Jl. Raya Brengkok No. 9",
            nik=nik_for(datetime.date(1999, 7, 4), "P", 4),
            nama="Dewi Lestari",
            jenis_kelamin="P",
            tanggal_lahir="1999-07-04",
            hubungan_keluarga="Kepala Keluarga",
            status_migrasi="CPMI",
            negara_tujuan="Taiwan",
        ),
    ]


def rows_with_errors():
    """The same file with two damaged rows (3 and 5): a NIK Excel turned into a
    number, and an impossible date."""
    rows = household_rows()
    rows[1]["nik"] = "3.52407E+15"
    rows[3]["tanggal_lahir"] = "31/02/1999"
    return rows


def csv_bytes(rows, columns=hf.COLUMNS):
    return "".join(write_csv(rows, columns)).encode("utf-8")


def xlsx_bytes(rows, columns=hf.COLUMNS):
    stream = io.BytesIO()
    write_xlsx(rows, columns, stream, hf.SHEET_NAME)
    return stream.getvalue()


def upload(client, capture, content, name="survei.csv", kind="households"):
    with capture(execute=True):
        return client.post(UPLOAD, {"kind": kind, "file": SimpleUploadedFile(name, content)})


# Uploads and reports go to a temporary MEDIA_ROOT (media_root in conftest.py).
pytestmark = pytest.mark.usefixtures("media_root")


def last_job():
    return ImportJob.objects.latest("pk")


# The journey -------------------------------------------------------------------


def test_rejected_file_is_reported_and_nothing_is_written(officer, django_capture_on_commit_callbacks):
    response = upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()))

    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == f"/desa/impor/{job.pk}/"
    page = officer.get(response["Location"])
    report = page.context["report"]
    assert (job.status, report["total_rows"], report["rejected"]) == ("checked", 4, 2)
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert {(row, column) for row, column, _message in report["errors"]} == {
        (3, "nik"),
        (5, "tanggal_lahir"),
    }
    html = page.content.decode()
    assert "2 of 4 rows were rejected. Nothing will be written until the file is corrected" in html
    assert "alert-success" not in html
    assert "success" not in html.lower().replace("alert-success", "")
    assert "Confirm and write" not in html
    assert "/kesalahan.xlsx" in html
    assert not Household.objects.exists()
    assert not Member.objects.exists()


def test_error_report_has_the_rejected_rows_and_a_kesalahan_column(
    officer, django_capture_on_commit_callbacks, tmp_path
):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()))
    job = last_job()

    response = officer.get(f"/desa/impor/{job.pk}/kesalahan.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    path = tmp_path / "kesalahan.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[: len(hf.COLUMNS)] == list(hf.COLUMNS)
    assert header[-1] == "kesalahan"
    assert len(rows) == 3  # the header and the two rejected rows
    by_row = {row[header.index("baris")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_row) == {3, 5}
    assert by_row[3]["nik"] == "3.52407E+15"  # the row as it was in the file
    assert by_row[3]["kesalahan"].startswith("nik: ")
    assert by_row[5]["tanggal_lahir"] == "31/02/1999"
    assert by_row[5]["kesalahan"].startswith("tanggal_lahir: ")
    # The upload itself is gone: no write can follow a rejected check.
    assert not job.file


def test_clean_file_is_checked_confirmed_and_written_with_history(
    officer, officer_a, django_capture_on_commit_callbacks
):
    upload(officer, django_capture_on_commit_callbacks, xlsx_bytes(household_rows()), "survei.xlsx")
    job = last_job()

    page = officer.get(f"/desa/impor/{job.pk}/")
    report = page.context["report"]
    assert (job.status, report["created"], report["rejected"]) == ("checked", 4, 0)
    assert "Confirm and write" in page.content.decode()
    assert not Member.objects.exists()  # checked, not written

    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(f"/desa/impor/{job.pk}/tulis/")

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done"
    assert job.report["written"] is True
    assert not job.file  # deleted once written
    assert Household.objects.filter(village_id=A).count() == 2
    wife = Member.objects.get(name="Siti Aminah")
    assert wife.birth_date == WIFE_BIRTH
    assert Member.objects.get(name="Ahmad Sholeh").birth_date == HEAD_BIRTH
    history = wife.history.get()
    assert (history.history_user, history.history_change_reason, history.history_type) == (
        officer_a,
        "import",
        "+",
    )
    done = officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert "Written: every row of the file is now in the portal." in done
    assert "Confirm and write" not in done


def test_the_same_file_again_changes_nothing(officer, django_capture_on_commit_callbacks):
    content = csv_bytes(household_rows())
    upload(officer, django_capture_on_commit_callbacks, content)
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/desa/impor/{last_job().pk}/tulis/")

    upload(officer, django_capture_on_commit_callbacks, content)

    page = officer.get(f"/desa/impor/{last_job().pk}/")
    assert page.context["report"]["unchanged"] == 4
    assert page.context["nothing_to_write"]
    assert "there is nothing to write" in page.content.decode()
    assert "Confirm and write" not in page.content.decode()


def test_confirming_twice_writes_once(officer, django_capture_on_commit_callbacks):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(household_rows()))
    job = last_job()
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/desa/impor/{job.pk}/tulis/")

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = officer.post(f"/desa/impor/{job.pk}/tulis/", follow=True)

    assert queued == []
    assert "This import cannot be written." in response.content.decode()
    assert Member.objects.count() == 4


def test_a_problem_found_when_writing_writes_nothing(officer, django_capture_on_commit_callbacks):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(household_rows()))
    job = last_job()
    # Between the check and the confirmation someone registers one of the
    # NIKs in another household.
    other = Household.objects.create(village_id=A, no_kk="3524070101100099")
    Member.objects.create(
        household=other,
        nik=nik_for(CHILD_BIRTH, "L", 3),
        name="Budi",
        sex="L",
        birth_date=CHILD_BIRTH,
        relation="head",
        migration_status="family",
    )

    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/desa/impor/{job.pk}/tulis/")

    job.refresh_from_db()
    assert (job.status, job.report["written"], job.report["rejected"]) == ("checked", False, 1)
    assert Member.objects.count() == 1
    html = officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert "checked again when you confirmed" in html
    assert "Confirm and write" not in html


def test_rows_of_another_village_are_rejected_not_skipped(
    client, officer_b, django_capture_on_commit_callbacks
):
    client.force_login(officer_b)
    upload(english(client), django_capture_on_commit_callbacks, csv_bytes(household_rows()))

    report = last_job().report
    assert report["rejected"] == 4
    assert all(
        column == "kode_desa" and "outside your area" in message for _r, column, message in report["errors"]
    )


def test_missing_and_unknown_columns_are_reported(officer, django_capture_on_commit_callbacks):
    columns = [c for c in hf.COLUMNS if c != "nik"] + ["catatan"]
    rows = [{**row, "catatan": "x"} for row in household_rows()]
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows, columns))

    page = officer.get(f"/desa/impor/{last_job().pk}/")
    assert page.context["report"]["missing_columns"] == ["nik"]
    assert page.context["report"]["unknown_columns"] == ["catatan"]
    html = page.content.decode()
    assert "Required columns are missing: nik." in html
    assert "were ignored: catatan." in html
    assert "Confirm and write" not in html


def test_result_page_shows_at_most_500_problems(officer, django_capture_on_commit_callbacks):
    rows = [
        member_row(nik=f"12345{n:04d}", nama=f"Orang {n}", tanggal_lahir="01/01/1990") for n in range(510)
    ]
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows))

    page = officer.get(f"/desa/impor/{last_job().pk}/")
    # The job keeps the first 500 problems and their number; the error
    # report has every rejected row.
    assert page.context["report"]["error_count"] == 510
    assert len(page.context["report"]["errors"]) == 500
    assert len(page.context["shown_errors"]) == 500
    assert "The first 500 problems are shown; 10 more are in the error report." in page.content.decode()
    download = officer.get(f"/desa/impor/{last_job().pk}/kesalahan.xlsx")
    report = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert report.active.max_row == 1 + 510


def test_messages_are_in_the_language_of_the_upload(client, officer_a, django_capture_on_commit_callbacks):
    client.force_login(officer_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    upload(client, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()))
    assert last_job().language == "id"

    upload(english(client), django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()))
    assert last_job().language == "en"


# Progress ----------------------------------------------------------------------


def test_progress_page_polls_the_status_and_works_without_javascript(officer, officer_a):
    job = ImportJob.objects.create(
        user=officer_a, kind="households", original_name="survei.csv", status="checking", rows_done=5000
    )

    page = officer.get(f"/desa/impor/{job.pk}/")

    html = page.content.decode()
    assert [t.name for t in page.templates][0] == "surveys/import_progress.html"
    assert f'data-status-url="/desa/impor/{job.pk}/status.json"' in html
    assert '<noscript><meta http-equiv="refresh"' in html
    assert 'role="progressbar"' in html
    assert 'aria-live="polite">Checking: 5,000 rows read</p>' in html
    status = officer.get(f"/desa/impor/{job.pk}/status.json").json()
    assert status["running"] is True
    assert (status["status"], status["done"], status["total"], status["percent"]) == (
        "checking",
        5000,
        None,
        None,
    )

    ImportJob.objects.filter(pk=job.pk).update(rows_done=300, rows_total=1200)
    assert officer.get(f"/desa/impor/{job.pk}/status.json").json()["percent"] == 25


def test_status_of_a_finished_job_says_where_the_result_is(officer, django_capture_on_commit_callbacks):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(household_rows()))
    job = last_job()

    status = officer.get(f"/desa/impor/{job.pk}/status.json").json()

    assert status["running"] is False
    assert (status["status"], status["done"], status["total"]) == ("checked", 4, 4)
    assert status["url"] == f"/desa/impor/{job.pk}/"


def test_a_crash_is_recorded_on_the_job_and_its_upload_deleted(officer_a, monkeypatch, settings, tmp_path):
    job = ImportJob(user=officer_a, kind="households", original_name="survei.csv")
    job.file.save("survei.csv", SimpleUploadedFile("survei.csv", csv_bytes(household_rows())))
    stored = job.file.path

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(IMPORTERS["households"], "run", broken)
    with pytest.raises(RuntimeError):
        check_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "RuntimeError: disk on fire" in job.error
    # The upload holds NIKs: deleted at once (the traceback is in the log).
    assert not job.file
    assert not os.path.exists(stored)


def test_a_job_queued_for_writing_and_forgotten_is_shown_as_failed(officer, officer_a):
    job = ImportJob.objects.create(
        user=officer_a, kind="households", original_name="survei.csv", status="writing", language="en"
    )
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.Q_CLUSTER["timeout"] + 600)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=long_ago)

    status = officer.get(f"/desa/impor/{job.pk}/status.json").json()

    assert (status["running"], status["status"]) == (False, "failed")
    html = officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert "The worker stopped while writing this file. Nothing was written" in html
    assert "Nothing has been written." in html


def test_a_recent_running_job_is_left_alone(officer, officer_a):
    job = ImportJob.objects.create(user=officer_a, kind="households", original_name="a.csv", status="writing")

    assert officer.get(f"/desa/impor/{job.pk}/status.json").json()["status"] == "writing"


# Refused uploads ---------------------------------------------------------------


def refused(response):
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    return errors_next_to_fields(response).get("file", [])


def test_a_file_over_the_size_limit_is_refused(officer, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_UPLOAD_MB = 0.001  # 1,048 bytes

    response = upload(officer, django_capture_on_commit_callbacks, csv_bytes(household_rows() * 5))

    assert refused(response) == [
        "The file is larger than 0.001 MB. Split it into smaller files (for example one per village), "
        "or save it as CSV, which is much smaller."
    ]
    assert response.context["form"].too_large  # stopped while receiving, not after
    assert not list((settings.MEDIA_ROOT).rglob("*.csv"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("survei.txt", b"kode_desa\n", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
        ("survei.xls", b"\xd0\xcf\x11\xe0", "This spreadsheet type cannot be read."),
        ("survei.xlsx", b"kode_desa,no_kk\n35.24.07.2004,1\n", "This file is not an Excel workbook (.xlsx)"),
        ("survei.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50, "This file is not an Excel workbook (.xlsx)"),
        ("survei.csv", b"kode_desa;nama\n\x01\x02\xff\xfe\x81\x90\n", "is not text in UTF-8 or Windows-1252"),
        ("survei.csv", "kode_desa".encode("utf-16"), "contains NUL characters"),
        ("survei.csv", b"kode_desa,nama\n35.24.07.2004,a\x00b\n", "contains NUL characters"),
    ],
    ids=[
        "extension",
        "old-excel",
        "text-renamed-xlsx",
        "corrupt-zip",
        "binary-junk-csv",
        "utf-16-csv",
        "nul",
    ],
)
def test_a_file_whose_content_does_not_fit_is_refused(
    officer, django_capture_on_commit_callbacks, name, content, message
):
    errors = refused(upload(officer, django_capture_on_commit_callbacks, content, name))

    assert len(errors) == 1
    assert message in errors[0]


def test_a_zip_that_is_not_a_workbook_is_refused(officer, django_capture_on_commit_callbacks):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("photo.jpg", b"not really")

    errors = refused(upload(officer, django_capture_on_commit_callbacks, stream.getvalue(), "survei.xlsx"))

    assert "This file is not an Excel workbook (.xlsx)" in errors[0]


def test_a_workbook_sent_as_csv_is_refused(officer, django_capture_on_commit_callbacks):
    errors = refused(upload(officer, django_capture_on_commit_callbacks, xlsx_bytes(household_rows())))

    assert errors == ["This file is an Excel workbook, not a CSV file: upload it with the .xlsx extension."]


def test_every_built_sheet_type_can_be_chosen(officer):
    html = officer.get(UPLOAD).content.decode()

    for kind in SHEETS:
        assert re.search(rf'value="{kind}"[^>]*>', html)
        assert not re.search(rf'value="{kind}"[^>]* disabled>', html)


def test_a_sheet_type_not_built_yet_is_disabled_and_refused(
    officer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.delitem(IMPORTERS, "partners")

    html = officer.get(UPLOAD).content.decode()
    response = upload(
        officer, django_capture_on_commit_callbacks, csv_bytes(household_rows()), kind="partners"
    )

    assert re.search(r'value="partners"[^>]* disabled>', html)
    assert not re.search(r'value="households"[^>]* disabled>', html)
    assert "(not available yet)" in html
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert errors_next_to_fields(response)["kind"] == ["This sheet type cannot be imported yet."]


# Access ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["province_user", "ministry_user"])
def test_read_only_roles_may_not_import(client, request, role, django_capture_on_commit_callbacks):
    client.force_login(request.getfixturevalue(role))

    assert client.get(UPLOAD).status_code == 403
    assert client.get(LIST).status_code == 403
    assert upload(client, django_capture_on_commit_callbacks, csv_bytes(household_rows())).status_code == 403
    assert not ImportJob.objects.exists()
    assert 'href="/desa/impor/"' not in client.get("/desa/").content.decode()


@pytest.mark.parametrize("role", ["officer_a", "regency_user", "administrator"])
def test_writer_roles_see_the_import_pages(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(UPLOAD).status_code == 200
    assert client.get(LIST).status_code == 200
    assert 'href="/desa/impor/"' in client.get("/desa/").content.decode()


def test_upload_keeps_its_csrf_check(officer_a, villages):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a)

    response = client.post(
        UPLOAD, {"kind": "households", "file": SimpleUploadedFile("a.csv", csv_bytes(household_rows()))}
    )

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get(UPLOAD)["Location"].startswith("/masuk/")
    assert client.get(LIST)["Location"].startswith("/masuk/")


def test_another_users_import_is_not_found(
    client, officer_a, regency_user, django_capture_on_commit_callbacks
):
    client.force_login(officer_a)
    upload(client, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()))
    job = last_job()
    client.force_login(regency_user)

    for url in ("", "status.json", "kesalahan.xlsx"):
        assert client.get(f"/desa/impor/{job.pk}/{url}").status_code == 404
    assert client.post(f"/desa/impor/{job.pk}/tulis/").status_code == 404
    assert job.original_name not in client.get(LIST).content.decode()


def test_administrators_see_every_import_but_only_the_owner_confirms(
    client, officer_a, administrator, django_capture_on_commit_callbacks
):
    client.force_login(officer_a)
    upload(client, django_capture_on_commit_callbacks, csv_bytes(household_rows()))
    job = last_job()
    client.force_login(administrator)

    assert client.get(f"/desa/impor/{job.pk}/").status_code == 200
    assert "survei.csv" in client.get(LIST).content.decode()
    assert client.post(f"/desa/impor/{job.pk}/tulis/").status_code == 403
    assert not Member.objects.exists()


def test_my_imports_lists_the_users_jobs_with_their_numbers(officer, django_capture_on_commit_callbacks):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()), "maret.csv")

    page = officer.get(LIST)

    job = page.context["page"].object_list[0]
    assert (job.original_name, job.report_rows, job.report_rejected) == ("maret.csv", 4, 2)
    assert f'href="/desa/impor/{job.pk}/"' in page.content.decode()


# Templates ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SHEETS))
def test_template_has_the_header_an_example_and_drop_down_lists(client, officer_a, kind, tmp_path):
    sheet = SHEETS[kind]
    client.force_login(officer_a)

    response = client.get(f"/desa/impor/templat/{sheet.slug}.xlsx")

    assert response.status_code == 200
    assert f'filename="templat-{sheet.slug}.xlsx"' in response["Content-Disposition"]
    path = tmp_path / "templat.xlsx"
    path.write_bytes(response.content)
    workbook = openpyxl.load_workbook(path)
    data = workbook.worksheets[0]
    header = [cell.value for cell in data[1]]
    assert header == list(sheet.template_columns())
    assert data.cell(row=2, column=1).value == A
    lists = {}
    for validation in data.data_validations.dataValidation:
        assert validation.type == "list"
        list_sheet, cells = validation.formula1.split("!")
        first, last = cells.replace("$", "").split(":")
        values = [c.value for row in workbook[list_sheet][f"{first}:{last}"] for c in row]
        column = header[openpyxl.utils.column_index_from_string(str(validation.sqref).split(":")[0][:-1]) - 1]
        lists[column] = values
    assert lists == {column: list(labels) for column, labels in sheet.choices.items() if column in header}


def test_household_template_lists_the_label_tables(client, officer_a, tmp_path):
    client.force_login(officer_a)
    path = tmp_path / "templat.xlsx"
    path.write_bytes(client.get("/desa/impor/templat/pendataan-rumah-tangga.xlsx").content)
    workbook = openpyxl.load_workbook(path)

    lists = workbook["daftar"]
    columns = {col[0].value: [c.value for c in col[1:] if c.value] for col in lists.iter_cols()}
    assert columns["jenis_kelamin"] == ["L", "P"]
    assert columns["hubungan_keluarga"][0] == "Kepala Keluarga"
    assert columns["pendidikan"] == list(hf.EDUCATION_LABELS.values())
    assert columns["status_migrasi"] == ["CPMI", "PMI", "PMI Purna", "Keluarga"]
    assert columns["sektor"] == ["Formal", "Informal"]
    assert columns["jalur"] == ["Prosedural", "Non-prosedural"]
    assert columns["usaha"] == ["Punya usaha", "Ingin memulai", "Tidak berminat"]
    assert columns["sekolah"] == ["Belum sekolah", "Masih sekolah", "Putus sekolah", "Tamat"]
    assert lists.sheet_state == "hidden"
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header[-4:] == ["usaha", "minat_pelatihan", "sekolah", "pengasuh"]
    # NIK and No. KK columns are text, so Excel does not turn them into numbers.
    data = workbook.worksheets[0]
    nik_column = openpyxl.utils.get_column_letter(hf.COLUMNS.index("nik") + 1)
    assert data.column_dimensions[nik_column].number_format == "@"


@pytest.mark.parametrize(
    ("kind", "created", "updated"),
    [("households", 1, 0), ("village-profile", 0, 1), ("partners", 1, 0)],
)
def test_template_example_passes_the_check(
    officer, django_capture_on_commit_callbacks, kind, created, updated
):
    content = officer.get(f"/desa/impor/templat/{SHEETS[kind].slug}.xlsx").content

    upload(officer, django_capture_on_commit_callbacks, content, "templat.xlsx", kind=kind)

    report = last_job().report
    assert report["errors"] == []
    assert (report["total_rows"], report["created"], report["updated"]) == (1, created, updated)


def test_unknown_template_is_not_found(client, officer_a):
    client.force_login(officer_a)
    assert client.get("/desa/impor/templat/bukan-lembar.xlsx").status_code == 404
