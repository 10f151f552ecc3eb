"""An import job runs once (issue 9): django-q2 delivers a task again when its
worker died before reporting back, so each task claims its job and does
nothing when the job is not waiting for it; a job whose worker died (its
heartbeat stopped) is shown failed with a clear message and its upload is
deleted; only the user starts again, with a fresh upload and check."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from surveys.import_jobs import check_import_job, write_import_job
from surveys.models import ImportJob
from tests.household_factories import nik_for
from tests.surveys.test_import_pages import csv_bytes, household_rows, upload
from villages.models import Member

# Uploads and reports go to a temporary MEDIA_ROOT (media_root in conftest.py).
pytestmark = pytest.mark.usefixtures("media_root")


def stored_job(user, **fields):
    job = ImportJob(user=user, kind="households", original_name="survei.csv", language="en", **fields)
    job.file.save("survei.csv", SimpleUploadedFile("survei.csv", csv_bytes(household_rows())))
    return job


def test_a_job_whose_worker_died_while_writing_is_shown_failed_and_never_written(
    officer, officer_a, settings
):
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.IMPORT_WORKER_TIMEOUT_SECONDS + 60)
    job = stored_job(officer_a, status="writing", confirmed_at=long_ago, heartbeat_at=long_ago)
    upload_path = job.file.path

    status = officer.get(f"/desa/impor/{job.pk}/status.json").json()

    assert (status["running"], status["status"]) == (False, "failed")
    html = officer.get(f"/desa/impor/{job.pk}/").content.decode()
    assert "The worker stopped while writing this file. Nothing was written" in html
    assert "Confirm and write" not in html
    assert not os.path.exists(upload_path)

    write_import_job(job.pk)  # django-q2's later delivery of the same task

    job.refresh_from_db()
    assert job.status == "failed"
    assert not Member.objects.exists()


def test_a_job_with_a_recent_heartbeat_keeps_running(officer, officer_a):
    job = stored_job(
        officer_a, status="writing", heartbeat_at=timezone.now() - datetime.timedelta(seconds=20)
    )

    assert officer.get(f"/desa/impor/{job.pk}/status.json").json()["status"] == "writing"


def test_a_second_delivery_of_a_running_write_does_nothing(officer_a):
    job = stored_job(officer_a, status="writing", heartbeat_at=timezone.now())

    write_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "writing"
    assert job.file
    assert not Member.objects.exists()


def test_a_second_delivery_of_a_finished_write_writes_nothing_again(
    officer, django_capture_on_commit_callbacks
):
    upload(officer, django_capture_on_commit_callbacks, csv_bytes(household_rows()))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/desa/impor/{job.pk}/tulis/")
    job.refresh_from_db()
    assert job.status == "done"
    # Someone corrects a name after the import.
    Member.objects.filter(name="Siti Aminah").update(name="Siti Aminah Corrected")

    write_import_job(job.pk)
    check_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "done"
    assert Member.objects.filter(name="Siti Aminah Corrected").exists()
    assert Member.objects.count() == 4


def test_a_second_delivery_of_a_check_does_nothing(officer_a):
    job = stored_job(officer_a, status="checking", heartbeat_at=timezone.now())

    check_import_job(job.pk)

    job.refresh_from_db()
    assert (job.status, job.report) == ("checking", None)


def test_a_write_waiting_for_the_worker_says_so(officer, officer_a):
    job = stored_job(officer_a, status="writing", confirmed_at=timezone.now())

    html = officer.get(f"/desa/impor/{job.pk}/").content.decode()

    assert "Waiting for the write to start…" in html


def test_the_task_beats_the_heartbeat_while_it_runs(officer_a, settings, monkeypatch):
    job = stored_job(officer_a)
    seen = []
    from surveys import imports

    original = imports.HouseholdSurveyImport.run

    def watching(self, sheet, **kwargs):
        seen.append(ImportJob.objects.get(pk=job.pk).heartbeat_at)
        return original(self, sheet, **kwargs)

    monkeypatch.setattr(imports.HouseholdSurveyImport, "run", watching)

    check_import_job(job.pk)

    job.refresh_from_db()
    assert seen and seen[0] is not None
    assert job.status == "checked"


# A real worker, killed ---------------------------------------------------------

WORKER_SETTINGS = """
from tests.settings import *  # noqa: F403
from tests.settings import Q_CLUSTER

# A real queue on the test database; the queue delivers an unfinished task
# again after 9 s (3,700 s in production), so the test sees it happen.
Q_CLUSTER = {**Q_CLUSTER, "sync": False, "timeout": 8, "retry": 9, "poll": 0.2}
"""


def start_worker(tmp_path, media_root):
    from django.conf import settings as django_settings
    from django.db import connection

    database = connection.settings_dict
    (tmp_path / "worker_settings.py").write_text(WORKER_SETTINGS)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "worker_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(django_settings.BASE_DIR)]),
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        "MEDIA_ROOT": str(media_root),
        "IMPORT_WORKER_TIMEOUT_SECONDS": "6",
        "REDIS_URL": "",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killed whole
    )


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def many_rows(count):
    rows = []
    for n in range(count):
        row = household_rows()[2]  # a child of household KK_1
        row.update(nik=nik_for(datetime.date(2001, 1, 25), "L", 100 + n), nama=f"Anak {n}")
        rows.append(row)
    return household_rows()[:1] + rows


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_write_whose_worker_is_killed_fails_and_is_never_run_again(
    officer, officer_a, settings, tmp_path, media_root
):
    from django.db import connection
    from django_q.models import OrmQ, Task
    from django_q.tasks import async_task

    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database only on PostgreSQL")
    settings.IMPORT_WORKER_TIMEOUT_SECONDS = 6
    job = ImportJob(user=officer_a, kind="households", original_name="survei.csv", language="en")
    job.file.save("survei.csv", SimpleUploadedFile("survei.csv", csv_bytes(many_rows(6000))))
    job.status, job.confirmed_at = "writing", timezone.now()
    job.save()

    worker = start_worker(tmp_path, media_root)
    try:
        async_task("surveys.import_jobs.write_import_job", job.pk, q_options={"sync": False})
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at is not None, 30)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # kill -9 of the whole worker, mid-task
        worker.wait()
    assert OrmQ.objects.exists()  # unfinished: django-q2 will deliver it again

    again = start_worker(tmp_path, media_root)
    try:
        # The queue delivers the task again (after its 9 s retry): it finds the
        # job claimed and does nothing.
        assert wait_for(lambda: Task.objects.filter(func__endswith="write_import_job").exists(), 40)
    finally:
        os.killpg(again.pid, signal.SIGKILL)
        again.wait()
    assert not Member.objects.exists()

    # Its page, once the heartbeat is overdue, says what happened.
    assert officer.get(f"/desa/impor/{job.pk}/status.json").json()["status"] == "failed"
    job.refresh_from_db()
    assert "The worker stopped while writing this file. Nothing was written" in job.error
    assert not job.file
    assert not Member.objects.exists()
