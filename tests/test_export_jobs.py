"""Exports of any size (issue 11, item 3): a large export, or one of the
whole country, is prepared by the job queue and downloaded from its page by
the user who asked, the file is complete or there is none, it is deleted
after EXPORT_RETENTION_HOURS, and full NIKs are logged at each download."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.utils import timezone

from desmigratif.exports import build_source, purge_export_files, run_export_job
from desmigratif.models import ExportJob
from tests.export_helpers import content_of, exported, is_offer, queue_export
from tests.household_factories import HouseholdFactory, MemberFactory
from villages.models import IdNumberAccess

A = "35.24.07.2004"
MEMBERS = "/desa/ekspor/pendataan-rumah-tangga"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def registry(village_a, village_b):
    """Three households of two members in A, one in B."""
    members = []
    for village, households in ((village_a, 3), (village_b, 1)):
        for _ in range(households):
            household = HouseholdFactory(village=village)
            members += MemberFactory.create_batch(2, household=household)
    return members


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def csv_rows(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def stored_exports():
    try:
        _dirs, files = default_storage.listdir("exports")
    except FileNotFoundError:
        return []
    found = []
    for folder in _dirs:
        for month in default_storage.listdir(f"exports/{folder}")[0]:
            found += default_storage.listdir(f"exports/{folder}/{month}")[1]
    return found + files


def queue(client, url, capture, data=None):
    response = queue_export(client, url, data, capture=capture)
    assert response.status_code == 302
    job = ExportJob.objects.latest("pk")
    assert response["Location"] == f"/ekspor/{job.pk}/"
    return job


# A large export becomes a job ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_large_export_is_offered_queued_and_downloaded_whole(
    english, officer_a, registry, settings, django_capture_on_commit_callbacks, fmt
):
    english.force_login(officer_a)
    small = content_of(english.get(f"{MEMBERS}.{fmt}", {"desa": A}))
    settings.EXPORT_INLINE_MAX_ROWS = 5

    offer = english.get(f"{MEMBERS}.{fmt}", {"desa": A})

    assert is_offer(offer)
    assert "more than 5 rows" in offer.content.decode()
    assert not ExportJob.objects.exists()  # a GET starts nothing
    job = queue(english, f"{MEMBERS}.{fmt}", django_capture_on_commit_callbacks, {"desa": A})
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 6, 6)
    page = english.get(f"/ekspor/{job.pk}/").content.decode()
    assert f'href="/ekspor/{job.pk}/unduh/"' in page
    assert "The file is ready: 6 rows." in page
    download = english.get(f"/ekspor/{job.pk}/unduh/")
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert f"pendataan-rumah-tangga-{A}.{fmt}" in download["Content-Disposition"]
    content = content_of(download)
    if fmt == "csv":
        # The same file as a small export answered at once.
        assert content == small
        assert len(csv_rows(content)) == 7
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        inline = openpyxl.load_workbook(io.BytesIO(small)).active
        assert list(sheet.values) == list(inline.values)
        assert sheet.max_row == 7


@pytest.mark.parametrize("role", ["ministry_user", "administrator"])
@pytest.mark.parametrize(
    "url", [f"{MEMBERS}.csv", f"{MEMBERS}.xlsx", "/dasbor/ekspor.xlsx", "/koordinasi/cakupan.xlsx"]
)
def test_every_nationwide_export_is_a_job_however_small(client, request, registry, role, url):
    client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    assert is_offer(response)
    assert f'<form method="post" action="{url}">' in response.content.decode()


def test_a_filtered_nationwide_user_gets_a_small_export_at_once(client, ministry_user, registry):
    client.force_login(ministry_user)

    response = client.get(f"{MEMBERS}.csv", {"desa": A})

    assert response["Content-Type"].startswith("text/csv")


def test_overview_and_coverage_jobs_hold_every_village(
    english, ministry_user, registry, django_capture_on_commit_callbacks
):
    english.force_login(ministry_user)

    for url, code_column in (("/dasbor/ekspor.xlsx", 0), ("/koordinasi/cakupan.xlsx", 4)):
        response = exported(english, url, capture=django_capture_on_commit_callbacks)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(content_of(response))).active
        codes = [row[code_column] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sorted(codes) == ["35.24.07.2001", A, "53.71.01.1001"]


def test_a_task_delivered_twice_runs_once(
    client, ministry_user, registry, django_capture_on_commit_callbacks
):
    client.force_login(ministry_user)
    job = queue(client, f"{MEMBERS}.csv", django_capture_on_commit_callbacks)
    job.refresh_from_db()

    run_export_job(job.pk)  # django-q2 delivers again a task whose worker died

    again = ExportJob.objects.get(pk=job.pk)
    assert (again.status, again.file.name, again.finished_at) == ("done", job.file.name, job.finished_at)
    assert len(stored_exports()) == 1


# Only the user who asked ----------------------------------------------------------


@pytest.mark.parametrize("other", ["officer_b", "regency_user", "administrator"])
def test_another_user_cannot_see_or_download_the_job(
    client, officer_a, registry, request, settings, django_capture_on_commit_callbacks, other
):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    client.force_login(officer_a)
    job = queue(client, f"{MEMBERS}.csv", django_capture_on_commit_callbacks, {"desa": A})
    assert client.get(f"/ekspor/{job.pk}/unduh/").status_code == 200

    client.force_login(request.getfixturevalue(other))

    for suffix in ("", "status.json", "unduh/"):
        assert client.get(f"/ekspor/{job.pk}/{suffix}").status_code == 404


def test_a_user_moved_out_of_the_village_can_no_longer_download(
    client, officer_a, village_b, registry, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    client.force_login(officer_a)
    job = queue(client, f"{MEMBERS}.csv", django_capture_on_commit_callbacks, {"desa": A})
    officer_a.scope_id = village_b.pk
    officer_a.save()

    assert client.get(f"/ekspor/{job.pk}/unduh/").status_code == 404


# Full NIKs: logged at each download, masked for the reviewers --------------------------


def test_full_number_job_is_logged_at_each_download(
    client, administrator, registry, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    job = queue(client, f"{MEMBERS}.xlsx", django_capture_on_commit_callbacks)
    assert not IdNumberAccess.objects.exists()  # made, not handed out yet

    client.get(f"/ekspor/{job.pk}/unduh/")
    client.get(f"/ekspor/{job.pk}/unduh/")

    logged = list(IdNumberAccess.objects.values_list("user", "reason", "village", "count"))
    assert logged == [(administrator.pk, "export", None, 8)] * 2


def test_masked_job_is_masked_and_not_logged(
    client, ministry_user, registry, django_capture_on_commit_callbacks
):
    client.force_login(ministry_user)

    content = content_of(exported(client, f"{MEMBERS}.csv", capture=django_capture_on_commit_callbacks))

    rows = csv_rows(content)
    assert len(rows) == 9
    text = content.decode("utf-8-sig")
    for member in registry:
        assert member.nik not in text
        assert member.nik[6:] not in text  # the digits the mask hides
    assert {row[rows[0].index("nik")] for row in rows[1:]} == {"352407••••••••••"}
    assert not IdNumberAccess.objects.exists()


# Complete or nothing ----------------------------------------------------------------


def test_a_failure_mid_export_leaves_no_file_and_says_why(
    english, administrator, registry, monkeypatch, django_capture_on_commit_callbacks
):
    from surveys import exports

    written = []

    def fails_at_the_fourth_row(member, *, full_ids):
        if len(written) == 3:
            raise OSError("No space left on device")
        written.append(member)
        return original(member, full_ids=full_ids)

    original = exports.member_to_row
    monkeypatch.setattr(exports, "member_to_row", fails_at_the_fourth_row)
    english.force_login(administrator)

    with pytest.raises(OSError):
        queue(english, f"{MEMBERS}.csv", django_capture_on_commit_callbacks)

    job = ExportJob.objects.get()
    assert (job.status, job.file.name) == ("failed", "")
    assert stored_exports() == []
    page = english.get(f"/ekspor/{job.pk}/").content.decode()
    assert "The export failed." in page
    assert "No space left on device" in page
    assert english.get(f"/ekspor/{job.pk}/unduh/").status_code == 404
    # ... and it can be asked for again.
    monkeypatch.setattr(exports, "member_to_row", original)
    again = queue(english, f"{MEMBERS}.csv", django_capture_on_commit_callbacks)
    assert ExportJob.objects.get(pk=again.pk).status == "done"


def test_a_job_whose_worker_died_is_failed_and_its_partial_file_deleted(
    english, administrator, registry, settings
):
    stopped = timezone.now() - datetime.timedelta(seconds=settings.IMPORT_WORKER_TIMEOUT_SECONDS + 1)
    partial = default_storage.save("exports/2026/12/partial.csv", ContentFile(b"kode_desa,no_kk\n35.24"))
    job = ExportJob.objects.create(
        user=administrator,
        kind="villages.members",
        fmt="csv",
        url=f"{MEMBERS}.csv",
        title="t",
        filename="f.csv",
        language="en",
        status="running",
        heartbeat_at=stopped,
        file=partial,
    )
    english.force_login(administrator)

    page = english.get(f"/ekspor/{job.pk}/").content.decode()

    job.refresh_from_db()
    assert (job.status, job.file.name) == ("failed", "")
    assert "The worker stopped while preparing this file" in page
    assert not default_storage.exists(partial)


def test_a_second_export_while_one_waits_is_refused(
    english, administrator, registry, django_capture_on_commit_callbacks
):
    waiting = ExportJob.objects.create(
        user=administrator,
        kind="villages.members",
        fmt="csv",
        url=f"{MEMBERS}.csv",
        title="t",
        filename="f.csv",
        language="en",
    )
    english.force_login(administrator)

    response = queue_export(english, "/dasbor/ekspor.xlsx", capture=django_capture_on_commit_callbacks)

    assert response["Location"] == f"/ekspor/{waiting.pk}/"
    assert ExportJob.objects.count() == 1
    page = english.get(response["Location"]).content.decode()
    assert "Your previous export is still being prepared" in page


def test_rows_read_village_by_village_without_server_side_cursors(administrator, registry, monkeypatch):
    """Behind PgBouncer (DB_PGBOUNCER) one query would arrive whole: the rows are
    read one village at a time, the same rows in the same order."""
    source = build_source("villages.members", user=administrator, url=f"{MEMBERS}.csv")
    one_query = list(source.rows())
    monkeypatch.setitem(connections["default"].settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)

    assert list(source.rows()) == one_query
    assert len(one_query) == 8


# Retention ------------------------------------------------------------------------------


def test_purge_deletes_expired_and_orphaned_files_only(
    english, administrator, registry, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_RETENTION_HOURS = 24
    english.force_login(administrator)
    old = queue(english, f"{MEMBERS}.csv", django_capture_on_commit_callbacks)
    fresh = queue(english, f"{MEMBERS}.xlsx", django_capture_on_commit_callbacks)
    orphan = default_storage.save("exports/2026/12/orphan.csv", ContentFile(b"x"))
    now = timezone.now()
    # Made a day ago (with its expiry), and the orphan is older than an hour.
    ExportJob.objects.filter(pk=old.pk).update(expires_at=now - datetime.timedelta(minutes=1))
    old.refresh_from_db()
    fresh.refresh_from_db()

    result = purge_export_files(now=now + datetime.timedelta(hours=2))

    assert (result.expired_files, result.orphans) == (1, 1)
    assert not default_storage.exists(old.file.name)
    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh.file.name)
    assert english.get(f"/ekspor/{old.pk}/unduh/").status_code == 404
    assert "The file has been deleted" in english.get(f"/ekspor/{old.pk}/").content.decode()
    assert english.get(f"/ekspor/{fresh.pk}/unduh/").status_code == 200


def test_the_offer_leads_to_the_file_asked_for_earlier(
    english, ministry_user, registry, django_capture_on_commit_callbacks
):
    english.force_login(ministry_user)
    job = queue(english, "/dasbor/ekspor.xlsx", django_capture_on_commit_callbacks)

    offer = english.get("/dasbor/ekspor.xlsx").content.decode()

    assert "The file you asked for earlier is ready" in offer
    assert f'href="/ekspor/{job.pk}/"' in offer
