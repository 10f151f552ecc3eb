"""Survey imports as background jobs, and what the import pages and the
``import_survey`` command share.

An upload becomes an ImportJob; a django-q2 task checks it (the pipeline of
surveys.imports with write=False) and records the report; when nothing was
rejected the user confirms, and a second task reads the file again and runs
the pipeline with write=True, which checks everything again and writes all
of it or nothing. The task functions run in the worker (``manage.py
qcluster``), or at once in tests (Q_CLUSTER["sync"]).

The command line calls import_file directly, without a job.

A job runs once. django-q2 counts an attempt only when the worker reports
back, so it delivers again a task whose worker was killed; each task
therefore first claims its job (an atomic update from the state the task
expects) and does nothing when the job is not there. While it runs, the task
beats a heartbeat on the job; a job whose heartbeat stopped is marked failed
(fail_if_stale), and only its user starts again, with a fresh upload.
"""

import contextlib
import datetime
import logging
import tempfile
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from desmigratif import jobs
from desmigratif.spreadsheets import ZIP_MAGIC, check_xlsx_archive, csv_encoding, read_rows, write_xlsx
from surveys import household_format as hf
from surveys import imports
from surveys.models import ImportJob

logger = logging.getLogger(__name__)

EXTENSIONS = (".xlsx", ".csv")
OLD_SPREADSHEET_EXTENSIONS = (".xls", ".ods", ".xlsm")
ERROR_COLUMN = "kesalahan"
WARNING_COLUMN = "peringatan"
ROW_COLUMN = "baris"
# In a running job's report while its error report is being written.
PREPARING_ERROR_REPORT = "preparing_error_report"
# Progress is written to the job at most this often (seconds).
PROGRESS_INTERVAL = 1.0
# A running job not heard of for this long after the time limit has died.
STALE_MARGIN = 300
# Problems kept in the job's report (the page shows them): the error report
# file has all of them, so no stored value grows with the file.
MAX_STORED_ERRORS = 500
# Files in MEDIA_ROOT/imports/ that no job names are deleted once older than
# this (an upload is written a moment before its job is saved).
ORPHAN_GRACE = datetime.timedelta(hours=1)
IMPORTS_FOLDER = "imports"
READ_CHUNK = 1024 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The sheets ------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """What the portal knows of one survey sheet besides its pipeline: the file
    name used in URLs and downloads, and what its template holds."""

    kind: str
    slug: str
    columns: tuple
    required: tuple
    choices: dict = field(default_factory=dict)  # column -> the accepted labels
    example: dict = field(default_factory=dict)
    text_columns: tuple = ()  # digits that must stay text (codes, NIK)
    date_columns: tuple = ()

    @property
    def label(self):
        return ImportJob.Kind(self.kind).label

    @property
    def available(self):
        return self.kind in imports.IMPORTERS

    def template_columns(self):
        """The columns the pipeline reads, in its order; the documented ones
        (IMPORT_FORMATS.md) while it has none."""
        pipeline = imports.IMPORTERS.get(self.kind)
        return tuple(getattr(pipeline, "columns", None) or self.columns)


# IMPORT_FORMATS.md section 2 and 3 (the pipelines' own lists are used when
# they have them); section 1 lives in household_format. The labels of the
# drop-down lists are those the pipelines read.
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
EXAMPLE_VILLAGE = "35.24.07.2004"

SHEETS = {
    sheet.kind: sheet
    for sheet in (
        Sheet(
            kind=ImportJob.Kind.HOUSEHOLDS,
            slug=hf.SHEET_NAME,
            columns=hf.COLUMNS,
            required=hf.REQUIRED_COLUMNS,
            choices={
                "jenis_kelamin": tuple(hf.SEX_LABELS.values()),
                "hubungan_keluarga": tuple(hf.RELATION_LABELS.values()),
                "pendidikan": tuple(hf.EDUCATION_LABELS.values()),
                "status_migrasi": tuple(hf.STATUS_LABELS.values()),
                "sektor": tuple(hf.SECTOR_LABELS.values()),
                "jalur": tuple(hf.CHANNEL_LABELS.values()),
                "usaha": tuple(hf.BUSINESS_LABELS.values()),
                "sekolah": tuple(hf.SCHOOLING_LABELS.values()),
            },
            example={
                "kode_desa": EXAMPLE_VILLAGE,
                "no_kk": "3524070101090001",
                "dusun": "Krajan",
                "rt": "001",
                "rw": "002",
                "alamat": "Jl. Raya Brengkok No. 1",
                # A woman born 03/10/1978: the NIK's day is 03 + 40.
                "nik": "3524074310780001",
                "nama": "Siti Aminah",
                "jenis_kelamin": "P",
                "tanggal_lahir": datetime.date(1978, 10, 3),
                "hubungan_keluarga": "Kepala Keluarga",
                "pendidikan": "SMP",
                "status_migrasi": "PMI",
                "negara_tujuan": "Malaysia",
                "sektor": "Informal",
                "jabatan": "PLRT",
                "p3mi": "PT Contoh Penempatan",
                "tanggal_berangkat": datetime.date(2021, 3, 1),
                "jalur": "Prosedural",
            },
            text_columns=("kode_desa", "no_kk", "rt", "rw", "nik"),
            date_columns=("tanggal_lahir", "tanggal_berangkat", "tanggal_kembali"),
        ),
        Sheet(
            kind=ImportJob.Kind.VILLAGE_PROFILE,
            slug="profil-desa",
            columns=PROFILE_COLUMNS,
            required=("kode_desa", "tahun_program"),
            choices={
                "rumah_belajar": tuple(imports.LEARNING_HOUSE_LABELS.values()),
                "internet": tuple(imports.read_yes_no.labels.values()),
            },
            example={
                "kode_desa": EXAMPLE_VILLAGE,
                "tahun_program": 2017,
                "lintang": -6.8837,
                "bujur": 112.2712,
                "perangkat_dibawah_slta": 2,
                "perangkat_slta": 6,
                "perangkat_diploma": 1,
                "perangkat_sarjana": 3,
                "rumah_belajar": "Milik Desa",
                "rumah_belajar_luas_m2": 36,
                "rumah_belajar_jarak_balai_m": 50,
                "internet": "Ya",
                "jarak_disnaker_km": 12.5,
                "produk_unggulan": "ikan asin; kerupuk ikan",
            },
            text_columns=("kode_desa",),
        ),
        Sheet(
            kind=ImportJob.Kind.PARTNERS,
            slug="lembaga-mitra",
            columns=PARTNER_COLUMNS,
            required=("kode_desa", "nama_lembaga", "jenis"),
            choices={"jenis": tuple(imports.PARTNER_KIND_LABELS.values())},
            example={
                "kode_desa": EXAMPLE_VILLAGE,
                "nama_lembaga": "BUMDes Maju Bersama",
                "jenis": "BUMDes",
                "pilar": "2;4",
            },
            text_columns=("kode_desa", "pilar"),
        ),
    )
}
SHEETS_BY_SLUG = {sheet.slug: sheet for sheet in SHEETS.values()}


# Checking an uploaded file -----------------------------------------------------


def upload_limit_bytes():
    return int(settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024)


def too_large_error():
    return ValidationError(
        _(
            "The file is larger than %(limit)s MB. Split it into smaller files (for example one per "
            "village), or save it as CSV, which is much smaller."
        ),
        code="too_large",
        params={"limit": settings.IMPORT_MAX_UPLOAD_MB},
    )


def check_extension(name):
    extension = Path(str(name)).suffix.lower()
    if extension in OLD_SPREADSHEET_EXTENSIONS:
        raise ValidationError(
            _("This spreadsheet type cannot be read. In Excel choose Save As, Excel Workbook (.xlsx)."),
            code="old_format",
        )
    if extension not in EXTENSIONS:
        raise ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."), code="extension")
    return extension


def _binary(source):
    """A binary file object for a path or an uploaded file, and whether we opened it."""
    if isinstance(source, str | Path):
        return open(source, "rb"), True  # noqa: SIM115 (closed by the caller)
    source.seek(0)
    return source, False


def check_file_content(source, name):
    """Refuse a file whose content does not match its extension, before anything
    else reads it: an .xlsx must be a zip holding [Content_Types].xml (and
    not a zip bomb), a .csv must be text (UTF-8 or Windows-1252) without NUL
    bytes.

    ``source`` is a path or a binary file object (an UploadedFile)."""
    extension = check_extension(name)
    if hasattr(source, "temporary_file_path"):
        source = Path(source.temporary_file_path())
    handle, opened = _binary(source)
    try:
        if extension == ".xlsx":
            _check_xlsx_content(handle)
        else:
            _check_csv_content(handle)
    finally:
        if opened:
            handle.close()
        else:
            handle.seek(0)


def _not_a_workbook():
    return ValidationError(
        _(
            "This file is not an Excel workbook (.xlsx) or it is damaged. Open it in Excel and "
            "save it again as Excel Workbook (.xlsx), or upload a CSV file."
        ),
        code="not_xlsx",
    )


def _check_xlsx_content(handle):
    if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
        raise _not_a_workbook()
    handle.seek(0)
    check_xlsx_archive(handle)  # not a readable zip, or too large unpacked
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise _not_a_workbook() from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _not_a_workbook()


def _check_csv_content(handle):
    first = True
    for chunk in iter(lambda: handle.read(READ_CHUNK), b""):
        if first and chunk.startswith(ZIP_MAGIC):
            raise ValidationError(
                _("This file is an Excel workbook, not a CSV file: upload it with the .xlsx extension."),
                code="workbook_as_csv",
            )
        first = False
        if b"\x00" in chunk:
            raise ValidationError(
                _(
                    "The CSV file contains NUL characters, so it is not plain text (perhaps it was "
                    "saved as Unicode Text, or it is another kind of file renamed .csv). In Excel "
                    "choose Save As, CSV UTF-8 (Comma delimited) (*.csv)."
                ),
                code="nul",
            )

    def chunks():
        handle.seek(0)
        return iter(lambda: handle.read(READ_CHUNK), b"")

    # UTF-8, or Windows-1252 as Excel's plain "CSV (Comma delimited)" saves it.
    csv_encoding(chunks)


# Running the pipeline ----------------------------------------------------------


def importer(kind, *, user):
    """The pipeline for ``kind`` with the user's scope. ValidationError for a
    kind that cannot be imported (unknown, or not built yet); PermissionDenied
    for a read-only role."""
    if kind in SHEETS and kind not in imports.IMPORTERS:
        raise ValidationError(
            _("The %(sheet)s import is not available yet."),
            code="not_available",
            params={"sheet": SHEETS[kind].label},
        )
    return imports.importer_for(kind, user=user)


def import_file(source, *, kind, user, write, filename=None, progress=None):
    """Check (and with write=True, write) one file; the ImportReport.

    ``source`` is a path or a binary file object; ``filename`` (or the path)
    decides the format. Raises ValidationError when the file cannot be read
    (with a message the user can act on) and PermissionDenied for a
    read-only role. Nothing is written unless the whole file passes."""
    pipeline = importer(kind, user=user)
    name = filename or str(source)
    check_file_content(source, name)
    handle, opened = _binary(source)
    try:
        sheet = read_sheet(handle, kind=kind, filename=name)
        report = pipeline.run(sheet, write=write, progress=progress)
    finally:
        if opened:
            handle.close()
    if not report.total_rows and not report.missing_columns:
        # A header and nothing under it: "written" would say something was.
        raise ValidationError(
            _("The file has no data rows: there is nothing below its header (row %(row)s) to import."),
            code="no_data_rows",
            params={"row": sheet.header_row},
        )
    return report


def read_sheet(source, *, kind, filename=None):
    """The rows of a survey sheet as its import reads them (SheetRows): the
    header row may have title rows above it (it is the first of the first
    rows with the sheet's required columns), and in a workbook the sheet
    named like the template is read, else the first with such a header."""
    required = getattr(imports.IMPORTERS.get(kind), "required_columns", None) or SHEETS[kind].required
    return read_rows(source, filename=filename, required=required, sheet_name=SHEETS[kind].slug)


def describe_read_from(read_from):
    """What was read of the file, for the user: "sheet “Data”", "header in
    row 3", "text encoding Windows-1252" (ImportReport.read_from)."""
    read_from = read_from or {}
    parts = []
    if read_from.get("sheet"):
        parts.append(_("sheet “%(sheet)s”") % {"sheet": read_from["sheet"]})
    if read_from.get("header_row"):
        parts.append(_("header in row %(row)s") % {"row": read_from["header_row"]})
    if read_from.get("encoding"):
        parts.append(_("text encoding %(encoding)s") % {"encoding": read_from["encoding"]})
    return parts


def message_of(error):
    return " ".join(str(message) for message in getattr(error, "messages", [str(error)]))


# Jobs ----------------------------------------------------------------------


def import_job_create(*, user, kind, uploaded_file, language=None) -> ImportJob:
    """Store an upload (already checked by the upload form) and queue its check."""
    if kind not in imports.IMPORTERS:
        raise ValidationError(_("This sheet type cannot be imported yet."), code="not_available")
    job = ImportJob(
        user=user,
        kind=kind,
        original_name=Path(uploaded_file.name).name[:255],
        size=uploaded_file.size or 0,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )
    job.full_clean(exclude=["file"])
    job.file.save(job.original_name, uploaded_file, save=False)
    job.save()
    job_id = job.pk
    transaction.on_commit(lambda: enqueue(check_import_job, job_id, on_refused=_forget_upload))
    return job


class QueueUnavailable(ValidationError):
    """The job queue (Redis) did not take the task."""


def enqueue(task, job_id, *, on_refused):
    """Queue a task for a job. When the queue's broker cannot be reached,
    ``on_refused(job_id)`` undoes what the task was queued for and
    QueueUnavailable tells the user, so nothing waits for a task that will
    never run."""
    try:
        async_task(task, job_id)
    except (RedisConnectionError, RedisTimeoutError) as error:
        logger.warning("Import job %s not queued: %s", job_id, error)
        on_refused(job_id)
        raise QueueUnavailable(
            _("The import queue cannot be reached at the moment. Please try again in a few minutes."),
            code="queue_unavailable",
        ) from error


def _forget_upload(job_id):
    # The upload was refused as a whole: its file (NIKs) is not kept, and the
    # user uploads it again later.
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        if job.file:
            job.file.delete(save=False)
        job.delete()


def _unconfirm(job_id):
    # Back to "checked": the file is still there and the user can confirm again.
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.WRITING).update(
        status=ImportJob.Status.CHECKED, confirmed_at=None, updated_at=timezone.now()
    )


def can_confirm(job) -> bool:
    """A clean check with something to write, not confirmed yet."""
    report = job.report or {}
    return (
        job.status == ImportJob.Status.CHECKED
        and job.confirmed_at is None
        and bool(job.file)
        and bool(report)
        and not report.get("errors")
        and not report.get("missing_columns")
        and (report.get("created", 0) + report.get("updated", 0)) > 0
    )


def import_job_confirm(*, job: ImportJob) -> None:
    """Queue the write of a cleanly checked job. Only once: a second click (or
    a second tab) finds the job already confirmed."""
    if not can_confirm(job):
        raise ValidationError(_("This import cannot be written."), code="not_confirmable")
    confirmed = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.CHECKED, confirmed_at__isnull=True
    ).update(
        status=ImportJob.Status.WRITING,
        confirmed_at=timezone.now(),
        heartbeat_at=None,  # not claimed yet: see _claim
        rows_done=0,
        rows_total=None,
    )
    if not confirmed:
        raise ValidationError(_("This import has already been confirmed."), code="already_confirmed")
    job_id = job.pk
    transaction.on_commit(lambda: enqueue(write_import_job, job_id, on_refused=_unconfirm))


def heartbeat_interval():
    return max(1.0, settings.IMPORT_WORKER_TIMEOUT_SECONDS / 6)


def _stale_limits(now):
    """Running jobs whose worker is gone: a heartbeat older than
    IMPORT_WORKER_TIMEOUT_SECONDS, or, for a job never claimed by a task
    that beats (queued for writing, or left by an older version), no change
    for longer than the queue's time limit. (dead, forgotten) times."""
    dead = now - datetime.timedelta(seconds=settings.IMPORT_WORKER_TIMEOUT_SECONDS)
    forgotten = now - datetime.timedelta(seconds=settings.Q_CLUSTER.get("timeout", 3600) + STALE_MARGIN)
    return dead, forgotten


def _stale_jobs(now):
    dead, forgotten = _stale_limits(now)
    return ImportJob.objects.filter(status__in=(ImportJob.Status.CHECKING, ImportJob.Status.WRITING)).filter(
        Q(heartbeat_at__lt=dead) | Q(heartbeat_at__isnull=True, updated_at__lt=forgotten)
    )


def _is_stale(job, now):
    if job.status not in (ImportJob.Status.CHECKING, ImportJob.Status.WRITING):
        return False
    dead, forgotten = _stale_limits(now)
    if job.heartbeat_at is not None:
        return job.heartbeat_at < dead
    return job.updated_at < forgotten


def _stopped_message(job):
    with translation.override(job.language):
        if job.status == ImportJob.Status.WRITING:
            return _(
                "The worker stopped while writing this file. Nothing was written, and the import will "
                "not start again by itself: upload the file again to check it afresh."
            )
        return _(
            "The worker stopped while checking this file, and the check will not start again by "
            "itself: upload the file again."
        )


def fail_if_stale(job) -> bool:
    """A job whose worker died (killed, out of memory, the server restarted)
    is marked failed as soon as its heartbeat is overdue, so its page stops
    waiting and the queue's later delivery of the task finds nothing to do
    (see _claim). Its write transaction, if any, died with the process."""
    if not _is_stale(job, timezone.now()):
        return False
    marked = ImportJob.objects.filter(
        pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at, updated_at=job.updated_at
    ).update(status=ImportJob.Status.FAILED, error=_stopped_message(job), updated_at=timezone.now())
    if marked:
        job.refresh_from_db()
        _discard_files(job)
    return bool(marked)


def heartbeat(job_id):
    """Beats the job's heartbeat while the task runs (desmigratif.jobs.Heartbeat)."""
    return jobs.Heartbeat(
        ImportJob.objects.filter(pk=job_id, status__in=ImportJob.RUNNING),
        interval=heartbeat_interval,
        name=f"import-{job_id}",
    )


class JobProgress:
    """The pipeline's progress callback: writes (done, total) to the job, at
    most once a second, and always the last step (done == total)."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done, total):
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and (total is None or done < total):
            return
        self.last = now
        stamp = timezone.now()
        ImportJob.objects.filter(pk=self.job_id).update(
            rows_done=done, rows_total=total, updated_at=stamp, heartbeat_at=stamp
        )


def check_import_job(job_id):
    """Task: check an uploaded file, nothing written."""
    _run_job(job_id, write=False)


def write_import_job(job_id):
    """Task: check the file again and, when it passes, write all of it."""
    _run_job(job_id, write=True)


def _claim(job_id, *, write):
    """Take the job for this delivery of the task: an atomic move from the
    state the task expects (uploaded; confirmed and not yet taken) to the
    running state with a first heartbeat. A second delivery (django-q2's
    retry of a task whose worker died) finds it taken, finished or failed,
    and gets None: an import never runs twice by itself."""
    now = timezone.now()
    if write:
        expected = {"status": ImportJob.Status.WRITING, "heartbeat_at__isnull": True}
        running = ImportJob.Status.WRITING
    else:
        expected = {"status": ImportJob.Status.UPLOADED}
        running = ImportJob.Status.CHECKING
    claimed = ImportJob.objects.filter(pk=job_id, **expected).update(
        status=running, heartbeat_at=now, updated_at=now, rows_done=0, rows_total=None, error=""
    )
    if not claimed:
        logger.warning("Import job %s is not waiting to be %s: not run again", job_id, running)
        return None
    return ImportJob.objects.select_related("user").get(pk=job_id)


def _run_job(job_id, *, write):
    job = _claim(job_id, write=write)
    if job is None:
        return
    with translation.override(job.language), heartbeat(job.pk):
        try:
            with job.file.open("rb") as stored:
                report = import_file(
                    getattr(stored, "file", stored),
                    kind=job.kind,
                    user=job.user,
                    write=write,
                    filename=job.original_name,
                    progress=JobProgress(job.pk),
                )
            if not report.ok:
                # Written while the upload is still there to be read again.
                # Until it is stored the job stays running ("preparing the
                # error report"): the result page, which offers the report,
                # comes only after (the status moves on below, with it).
                _preparing_error_report(job, report)
                _save_error_report(job, report, progress=JobProgress(job.pk))
        except (ValidationError, PermissionDenied) as error:
            # The file cannot be read or holds more than an import may, or
            # the user may no longer import: the user is told why; nothing
            # was written.
            _fail(job, message_of(error) or _("You may not import."))
            return
        except Exception as error:
            # A fault of the portal, not of the file: recorded on the job (and
            # by django-q with its traceback), then raised again. The upload
            # holds NIKs, so it goes too: the user uploads again.
            logger.exception("Import job %s failed", job_id)
            _fail(
                job,
                _("The import stopped because of an error in the portal (%(error)s).")
                % {"error": f"{type(error).__name__}: {error}"},
            )
            raise
        job.report = stored_report(report)
        job.rows_total = report.total_rows
        job.rows_done = report.total_rows
        if report.written:
            job.status = ImportJob.Status.DONE
        else:
            # A check, or a write whose new check found problems (someone
            # registered one of these NIKs meanwhile): nothing written.
            job.status = ImportJob.Status.CHECKED
        job.save(update_fields=["report", "rows_total", "rows_done", "status", "error_report", "updated_at"])
    if not can_confirm(job):
        _release_upload(job)


def stored_report(report):
    """The report as the job keeps it: the counts and the first
    MAX_STORED_ERRORS problems (the page shows those; the error report has
    every one), so its size does not grow with the file."""
    stored = report.as_dict()
    stored["errors_in_report"] = len(report.errors)
    stored["errors"] = stored["errors"][:MAX_STORED_ERRORS]
    return stored


def _fail(job, error):
    """Failed at once: the page says why, and the files holding the file's
    NIKs (the upload, an error report) are deleted."""
    job.status = ImportJob.Status.FAILED
    job.error = error
    job.save(update_fields=["status", "error", "updated_at"])
    _discard_files(job)


def _discard_files(job):
    if job.error_report:
        job.error_report.delete(save=False)
        job.save(update_fields=["error_report", "updated_at"])
    _release_upload(job)


def _release_upload(job):
    """The uploaded file holds NIKs and family card numbers: delete it once no
    write can follow (written, refused, or rejected rows: the error report
    keeps the rejected ones)."""
    if job.file:
        job.file.delete(save=False)
        job.save(update_fields=["file", "updated_at"])


# Retention -----------------------------------------------------------------


@dataclass
class PurgeResult:
    stale_jobs: int = 0
    error_reports: int = 0
    unconfirmed_uploads: int = 0
    failed_job_files: int = 0
    orphans: int = 0


def purge_import_files(now=None) -> PurgeResult:
    """Delete what imports leave on disk once it is no longer needed: uploads
    and error reports hold full NIKs. Run hourly by django-q2 (desmigratif.schedules)
    and by ``manage.py purge_import_files``.

    - jobs whose worker died are marked failed (fail_if_stale);
    - error reports older than IMPORT_REPORT_RETENTION_DAYS;
    - uploads checked but not confirmed within IMPORT_UNCONFIRMED_RETENTION_HOURS;
    - the files of failed jobs (normally gone at the failure already);
    - files under MEDIA_ROOT/imports/ that no job names."""
    now = now or timezone.now()
    result = PurgeResult()
    for job in _stale_jobs(now):
        result.stale_jobs += fail_if_stale(job)
    reports_before = now - datetime.timedelta(days=settings.IMPORT_REPORT_RETENTION_DAYS)
    for job in ImportJob.objects.exclude(error_report="").filter(created_at__lt=reports_before):
        job.error_report.delete(save=False)
        job.save(update_fields=["error_report", "updated_at"])
        result.error_reports += 1
    unconfirmed_before = now - datetime.timedelta(hours=settings.IMPORT_UNCONFIRMED_RETENTION_HOURS)
    unconfirmed = ImportJob.objects.exclude(file="").filter(
        status=ImportJob.Status.CHECKED, confirmed_at__isnull=True, updated_at__lt=unconfirmed_before
    )
    for job in unconfirmed:
        _release_upload(job)
        result.unconfirmed_uploads += 1
    failed = ImportJob.objects.filter(status=ImportJob.Status.FAILED).exclude(file="", error_report="")
    for job in failed:
        _discard_files(job)
        result.failed_job_files += 1
    result.orphans = _delete_orphans(now - ORPHAN_GRACE)
    return result


def _delete_orphans(before):
    if not default_storage.exists(IMPORTS_FOLDER):
        return 0
    named = set()
    for upload, report in ImportJob.objects.values_list("file", "error_report").iterator():
        named.update((upload, report))
    deleted = 0
    for name in jobs.stored_files(IMPORTS_FOLDER):
        if name not in named and default_storage.get_modified_time(name) < before:
            default_storage.delete(name)
            deleted += 1
    return deleted


# The error report --------------------------------------------------------------


class _ReportProgress:
    """Counts the rows read for the error report and tells ``progress`` every
    PROGRESS_ROWS rows."""

    PROGRESS_ROWS = 1000

    def __init__(self, progress, total):
        self.progress = progress
        self.total = total
        self.done = 0

    def __call__(self, rows):
        for row in rows:
            self.done += 1
            if self.progress and self.done % self.PROGRESS_ROWS == 0:
                self.progress(min(self.done, self.total), self.total)
            yield row


def error_report_rows(report, open_sheet, progress=None):
    """The columns and rows of the error report: the rejected rows (and those
    with a warning) as read from the file, with their row number, reasons and
    warnings (column peringatan, when there are any). Problems of the header (row
    1) come first, on a row of their own. ``report`` is the ImportReport
    (every problem); ``open_sheet`` reads the file afresh (SheetRows). The
    rows are generated one at a time: the file is read twice, first for the
    columns, never held whole. ``progress(done, total)`` is told of the rows
    of both readings."""
    counted = _ReportProgress(progress, 2 * report.total_rows)
    reasons = defaultdict(list)
    for error in report.errors:
        column, message = error.column, error.message
        reasons[error.row].append(f"{column}: {message}" if column else message)
    # Warnings never reject a row: a column of their own keeps them apart.
    warnings = defaultdict(list)
    for warning in report.row_warnings:
        column, message = warning.column, warning.message
        warnings[warning.row].append(f"{column}: {message}" if column else message)
    sheet = open_sheet()
    columns = list(sheet.columns)
    # Problems of the header (or of the whole file) are on its row or above.
    header_rows = sorted(number for number in reasons if number <= getattr(sheet, "header_row", 1))
    for number, values in counted(sheet):
        if number in reasons:
            # Data under no header, kept under its column letter.
            columns.extend(key for key in values if key not in columns)
    extra = [ROW_COLUMN, ERROR_COLUMN, WARNING_COLUMN] if warnings else [ROW_COLUMN, ERROR_COLUMN]

    def notes(number):
        found = {ROW_COLUMN: number, ERROR_COLUMN: "; ".join(reasons.get(number, ()))}
        if warnings:
            found[WARNING_COLUMN] = "; ".join(warnings.get(number, ()))
        return found

    def rows():
        for number in header_rows:
            yield notes(number)
        for number, values in counted(open_sheet()):
            if number in reasons or number in warnings:
                yield {**values, **notes(number)}

    return [*columns, *extra], rows()


def _preparing_error_report(job, report):
    """The job, still running, has its report marked PREPARING_ERROR_REPORT:
    the progress page says the error report is being prepared."""
    job.report = {**stored_report(report), PREPARING_ERROR_REPORT: True}
    job.rows_done = 0
    job.rows_total = 2 * report.total_rows or None  # error_report_rows reads the file twice
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["report", "rows_done", "rows_total", "heartbeat_at", "updated_at"])


def is_preparing_error_report(job):
    return job.is_running and bool((job.report or {}).get(PREPARING_ERROR_REPORT))


def _save_error_report(job, report, progress=None):
    """Write the error report to a file of the job (while the uploaded file is
    still there to be read again)."""
    sheet_spec = SHEETS[job.kind]
    with contextlib.ExitStack() as files, tempfile.TemporaryFile() as stream:

        def open_sheet():
            stored = files.enter_context(job.file.storage.open(job.file.name, "rb"))
            return read_sheet(getattr(stored, "file", stored), kind=job.kind, filename=job.original_name)

        columns, rows = error_report_rows(report, open_sheet, progress)
        write_xlsx(rows, columns, stream, f"{ERROR_COLUMN}-{sheet_spec.slug}")
        stream.seek(0)
        job.error_report.save(f"{ERROR_COLUMN}-{job.pk}.xlsx", File(stream), save=False)


# Templates -----------------------------------------------------------------

HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
LISTS_SHEET = "daftar"


def template_workbook(sheet, stream):
    """An empty survey sheet to fill in: the header (required columns shaded),
    one example row, drop-down lists for the columns with fixed values (the
    lists on a hidden sheet), codes and NIKs formatted as text so Excel does
    not turn them into numbers, dates shown DD/MM/YYYY."""
    columns = sheet.template_columns()
    workbook = Workbook()
    data = workbook.active
    data.title = sheet.slug[:31]
    data.freeze_panes = "A2"
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"

    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = data.cell(row=1, column=index, value=column)
        header.font = HEADER_FONT
        if column in sheet.required:
            header.fill = REQUIRED_FILL
        data.column_dimensions[letter].width = max(12, min(len(column) + 6, 24))
        example = data.cell(row=2, column=index, value=sheet.example.get(column))
        if column in sheet.text_columns:
            data.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
        elif column in sheet.date_columns:
            data.column_dimensions[letter].number_format = "DD/MM/YYYY"
            example.number_format = "DD/MM/YYYY"

    list_index = 0
    for index, column in enumerate(columns, start=1):
        labels = sheet.choices.get(column)
        if not labels:
            continue
        list_index += 1
        list_letter = get_column_letter(list_index)
        lists.cell(row=1, column=list_index, value=column)
        for offset, label in enumerate(labels, start=2):
            lists.cell(row=offset, column=list_index, value=label)
        validation = DataValidation(
            type="list",
            formula1=f"{LISTS_SHEET}!${list_letter}$2:${list_letter}${len(labels) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Value not in the list")[:32],
            error=_("Choose one of the values in the list: %(values)s.") % {"values": ", ".join(labels)},
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}1048576")
        data.add_data_validation(validation)
    workbook.save(stream)
    return stream
