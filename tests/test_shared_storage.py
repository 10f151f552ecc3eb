"""Files every server sees: uploads, error reports and MOU PDFs go through
Django's default storage only (S3 when S3_BUCKET is set), never a path on
this server's disk. Here the default storage is Django's in-memory storage
and MEDIA_ROOT points at a folder that must stay empty: if any code opened a
local path, the import or the downloads would fail or leave files there."""

import io

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import ImportJob
from tests.coordination.factories import PDF_BYTES, AgencyFactory, make_mou
from tests.surveys.test_import_pages import csv_bytes, household_rows, rows_with_errors, xlsx_bytes
from villages.models import Member

UPLOAD = "/desa/impor/unggah/"


@pytest.fixture(autouse=True)
def object_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-used"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    yield
    assert not settings.MEDIA_ROOT.exists(), "a file was written to the local disk"


@pytest.fixture
def officer(client, officer_a, settings):
    client.force_login(officer_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(client, capture, content, name):
    with capture(execute=True):
        response = client.post(UPLOAD, {"kind": "households", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    return ImportJob.objects.latest("pk")


def test_upload_check_and_error_report_work_through_the_storage(officer, django_capture_on_commit_callbacks):
    job = upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()), "survei.csv")
    assert job.status == ImportJob.Status.CHECKED
    assert job.report["errors"]
    stored_upload = ImportJob.objects.get(pk=job.pk)
    # The upload (NIKs) is deleted from the storage once no write can follow.
    assert not stored_upload.file
    assert default_storage.exists(job.error_report.name)

    response = officer.get(f"/desa/impor/{job.pk}/kesalahan.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    assert "kesalahan" in header


def test_clean_workbook_is_checked_and_written_from_the_storage(officer, django_capture_on_commit_callbacks):
    job = upload(officer, django_capture_on_commit_callbacks, xlsx_bytes(household_rows()), "survei.xlsx")
    assert job.status == ImportJob.Status.CHECKED, job.error
    name = job.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/desa/impor/{job.pk}/tulis/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert Member.objects.count() == len(household_rows())
    assert not default_storage.exists(name)


def test_mou_pdf_is_stored_and_served_through_the_storage(client, officer_b):
    mou = make_mou(
        parties=[AgencyFactory(short_name="Kemnaker"), AgencyFactory(short_name="BNI")],
        document=SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    assert default_storage.exists(mou.document.name)
    client.force_login(officer_b)
    response = client.get(f"/koordinasi/mou/{mou.pk}/dokumen/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_export_job_is_written_to_and_served_from_the_storage(
    client, administrator, village_a, django_capture_on_commit_callbacks
):
    from desmigratif.models import ExportJob
    from tests.export_helpers import queue_export
    from tests.household_factories import MemberFactory

    MemberFactory.create_batch(3, household__village=village_a)
    client.force_login(administrator)

    export = "/desa/ekspor/pendataan-rumah-tangga.csv"
    queue_export(client, export, capture=django_capture_on_commit_callbacks)

    job = ExportJob.objects.get()
    assert job.status == "done", job.error
    assert default_storage.exists(job.file.name)
    response = client.get(f"/ekspor/{job.pk}/unduh/")
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").splitlines()) == 4
