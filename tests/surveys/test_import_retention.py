"""What imports leave on disk is deleted (issue 9): error reports after
IMPORT_REPORT_RETENTION_DAYS, uploads checked but never confirmed after
IMPORT_UNCONFIRMED_RETENTION_HOURS, the files of failed jobs at once, and any
file under MEDIA_ROOT/imports/ that no job names. django-q2 runs the purge
hourly; ``manage.py purge_import_files`` runs it by hand."""

import datetime
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from desmigratif.schedules import ensure_schedules
from surveys.import_jobs import purge_import_files
from surveys.models import ImportJob
from tests.surveys.test_import_pages import csv_bytes, household_rows, rows_with_errors, upload

# Uploads and reports go to a temporary MEDIA_ROOT (media_root in conftest.py).
pytestmark = pytest.mark.usefixtures("media_root")


def age(job, **delta):
    then = timezone.now() - datetime.timedelta(**delta)
    ImportJob.objects.filter(pk=job.pk).update(created_at=then, updated_at=then)


def test_error_reports_are_deleted_after_the_retention_days(
    officer, settings, django_capture_on_commit_callbacks
):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()))
    old = ImportJob.objects.get()
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(rows_with_errors()))
    recent = ImportJob.objects.latest("pk")
    old_report, recent_report = old.error_report.path, recent.error_report.path
    age(old, days=settings.IMPORT_REPORT_RETENTION_DAYS, hours=1)
    age(recent, days=settings.IMPORT_REPORT_RETENTION_DAYS - 1)

    purge_import_files()

    assert not os.path.exists(old_report)
    assert os.path.exists(recent_report)
    assert officer.get(f"/desa/impor/{old.pk}/kesalahan.xlsx").status_code == 404
    assert officer.get(f"/desa/impor/{recent.pk}/kesalahan.xlsx").status_code == 200


def test_an_upload_never_confirmed_is_deleted_and_the_page_says_so(
    officer, settings, django_capture_on_commit_callbacks
):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(household_rows()))
    job = ImportJob.objects.get()
    stored = job.file.path
    age(job, hours=settings.IMPORT_UNCONFIRMED_RETENTION_HOURS - 1)
    purge_import_files()
    assert os.path.exists(stored)

    age(job, hours=settings.IMPORT_UNCONFIRMED_RETENTION_HOURS + 1)
    purge_import_files()

    assert not os.path.exists(stored)
    html = officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert "was not confirmed within 24 hours, so the uploaded file has been deleted" in html
    assert "Confirm and write" not in html


def test_the_files_of_a_failed_job_and_files_of_no_job_are_deleted(officer_a):
    failed = ImportJob(user=officer_a, kind="households", original_name="a.csv", status="failed")
    failed.file.save("a.csv", ContentFile(b"nik\n"))
    failed.error_report.save("kesalahan-1.xlsx", ContentFile(b"x"))
    orphan = default_storage.save("imports/2026/01/orphan.csv", ContentFile(b"nik\n"))
    fresh = default_storage.save("imports/2026/01/arriving.csv", ContentFile(b"nik\n"))
    an_hour_ago = (timezone.now() - datetime.timedelta(hours=2)).timestamp()
    os.utime(default_storage.path(orphan), (an_hour_ago, an_hour_ago))
    paths = [failed.file.path, failed.error_report.path]

    result = purge_import_files()

    assert not any(os.path.exists(path) for path in paths)
    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh)  # perhaps an upload whose job is being saved
    assert (result.failed_job_files, result.orphans) == (1, 1)


def test_the_purge_marks_a_job_whose_worker_died_as_failed(officer_a, settings):
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.IMPORT_WORKER_TIMEOUT_SECONDS + 1)
    job = ImportJob.objects.create(
        user=officer_a,
        kind="households",
        original_name="a.csv",
        status="checking",
        heartbeat_at=long_ago,
        language="en",
    )

    purge_import_files()

    job.refresh_from_db()
    assert job.status == "failed"
    assert "The worker stopped while checking this file" in job.error


def test_the_purge_runs_every_hour_in_the_queue(db):
    ensure_schedules()  # after every migrate (desmigratif/apps.py)
    ensure_schedules()
    schedule = Schedule.objects.get(name="villages: purge import files")

    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "surveys.import_jobs.purge_import_files",
        Schedule.HOURLY,
        -1,
    )


def test_the_purge_command_says_what_it_deleted(officer_a):
    failed = ImportJob(user=officer_a, kind="households", original_name="a.csv", status="failed")
    failed.file.save("a.csv", ContentFile(b"nik\n"))
    out = io.StringIO()

    call_command("purge_import_files", stdout=out)

    assert "failed jobs' files: 1" in out.getvalue()
    failed.refresh_from_db()
    assert not failed.file
