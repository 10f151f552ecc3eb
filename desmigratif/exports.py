"""Exports of any size: small ones while the user waits, large ones as jobs.

Each export of the portal (the household survey, the overview, the pillar
coverage) is described by an ExportSource, built by its app from the user and
the page's query: the columns, a generator of the rows, how to count them,
whether it covers the whole country, and whether it shows full NIKs. The
same source answers a small request at once (inline_response) and feeds a
job (run_export_job) for a large one:

- An export of more than EXPORT_INLINE_MAX_ROWS rows, or of the whole
  country, is not written inside a request (the app server's timeout would
  cut it off, and a cut-off CSV still says 200). Its GET shows a page that
  offers to prepare it; the POST queues an ExportJob on the job queue.
- The task claims the job once (django-q2 may deliver a task again), beats a
  heartbeat, writes the file to a temporary file of the worker, copies it to
  the storage (MEDIA_ROOT or S3) under the name recorded on the job, and only
  then marks the job done. Nothing can be downloaded before that, and a job
  that fails, or whose worker dies, has its file deleted: the file is complete
  or there is none.
- Only the user who asked downloads it (another user gets 404), until
  EXPORT_RETENTION_HOURS after it was ready; the hourly purge deletes it then.
- A download of a file with full NIKs is written to the access log, each
  time, as a request for a small export is.
- One user has at most one export waiting or running (a constraint): a second
  request is refused with a message pointing to the first.
"""

import datetime
import io
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from desmigratif import jobs
from desmigratif.models import ExportJob
from desmigratif.spreadsheets import write_csv, write_xlsx

logger = logging.getLogger(__name__)

EXPORTS_FOLDER = "exports"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
# Workbooks answered inline stay in memory up to this size while written.
XLSX_IN_MEMORY_BYTES = 10 * 1024 * 1024
# Progress is written to the job at most this often (seconds).
PROGRESS_INTERVAL = 1.0
# A queued job never taken by a worker for this long after the queue's time
# limit (a task ahead of it may run that long) was lost.
STALE_MARGIN = 300
# Files under exports/ that no job names are deleted once older than this.
ORPHAN_GRACE = datetime.timedelta(hours=1)

# kind -> the function building its ExportSource from (user, query); dotted
# paths, so that this module imports nothing from the apps above it.
BUILDERS = {
    ExportJob.Kind.MEMBERS: "surveys.exports.member_export",
    ExportJob.Kind.OVERVIEW: "dashboards.views.overview_export",
    ExportJob.Kind.COVERAGE: "coordination.views.coverage_export",
}


@dataclass
class ExportSource:
    """One export as its app describes it. ``rows()`` generates dicts keyed by
    column; ``count(limit)`` the number of rows (with a limit: stops counting
    above it, which is cheaper); ``log_access(count)`` records that full NIKs
    were handed out (set when ``full_id_numbers``)."""

    kind: str
    title: str
    filename_stem: str
    sheet_title: str
    columns: list
    rows: Callable[[], Iterable[dict]]
    count: Callable[..., int]
    nationwide: bool
    full_id_numbers: bool = False
    log_access: Callable[[int], None] | None = None

    def filename(self, fmt):
        return f"{self.filename_stem}.{fmt}"

    def is_large(self):
        """Too large to write while the user waits: the whole country, or more
        than EXPORT_INLINE_MAX_ROWS rows."""
        limit = settings.EXPORT_INLINE_MAX_ROWS
        return self.nationwide or self.count(limit=limit) > limit


def build_source(kind, *, user, url) -> ExportSource:
    """The source of an export asked at ``url`` (path and query), read with
    the user's scope now. Http404 when the user can no longer see it."""
    query = QueryDict(url.partition("?")[2])
    return import_string(BUILDERS[kind])(user, query)


# Writing ---------------------------------------------------------------------


def write_export(source, fmt, stream, rows=None):
    """Write the whole file to a binary stream."""
    rows = source.rows() if rows is None else rows
    if fmt == "csv":
        write_csv(rows, source.columns, stream)
    else:
        write_xlsx(rows, source.columns, stream, source.sheet_title)
    return stream


def file_response(rows, columns, *, fmt, filename, sheet_title) -> HttpResponse:
    """A download written while the user waits: CSV streamed as the rows are
    read, or an .xlsx workbook written to a temporary file first (a zip cannot
    be streamed row by row). For small exports only (ExportSource.is_large)."""
    if fmt == "csv":
        response = StreamingHttpResponse(write_csv(rows, columns), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        # FileResponse closes the file once it is sent.
        stream = tempfile.SpooledTemporaryFile(max_size=XLSX_IN_MEMORY_BYTES)  # noqa: SIM115
        try:
            write_xlsx(rows, columns, stream, sheet_title)
        except BaseException:
            stream.close()
            raise
        stream.seek(0)
        response = FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    # Registry data: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def inline_response(source, fmt) -> HttpResponse:
    """A small export (not ExportSource.is_large) while the user waits."""
    if fmt == "csv":
        return file_response(
            source.rows(),
            source.columns,
            fmt=fmt,
            filename=source.filename(fmt),
            sheet_title=source.sheet_title,
        )
    # At most EXPORT_INLINE_MAX_ROWS rows: a few hundred KB, written in memory.
    stream = write_export(source, fmt, io.BytesIO())
    response = HttpResponse(stream.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, source.filename(fmt))
    response["Cache-Control"] = "private, no-store"
    return response


# Jobs ------------------------------------------------------------------------


class ExportRefused(Exception):
    """The export cannot be queued now; ``job`` is the user's export still
    waiting or running, if that is why."""

    def __init__(self, message, job=None):
        super().__init__(message)
        self.job = job


def export_job_create(*, user, source, fmt, url) -> ExportJob:
    """Queue a job for the export asked at ``url``. ExportRefused while the
    user has another export waiting or running, or when the queue cannot be
    reached."""
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                user=user,
                kind=source.kind,
                fmt=fmt,
                url=url[:2000],
                title=source.title[:200],
                filename=source.filename(fmt)[:200],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                full_id_numbers=source.full_id_numbers,
            )
    except IntegrityError as error:
        running = ExportJob.objects.for_user(user).filter(status__in=ExportJob.RUNNING).first()
        raise ExportRefused(
            _("Your previous export is still being prepared: wait until it is ready, then ask again."),
            job=running,
        ) from error
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue(job_id))
    return job


def _enqueue(job_id):
    try:
        async_task(run_export_job, job_id)
    except (RedisConnectionError, RedisTimeoutError) as error:
        logger.warning("Export job %s not queued: %s", job_id, error)
        ExportJob.objects.filter(pk=job_id).delete()
        raise ExportRefused(
            _("The job queue cannot be reached at the moment. Please try again in a few minutes.")
        ) from error


def heartbeat_interval():
    return max(1.0, settings.IMPORT_WORKER_TIMEOUT_SECONDS / 6)


def _stale_filter(now):
    dead = now - datetime.timedelta(seconds=settings.IMPORT_WORKER_TIMEOUT_SECONDS)
    forgotten = now - datetime.timedelta(seconds=settings.Q_CLUSTER.get("timeout", 3600) + STALE_MARGIN)
    return Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=dead) | Q(
        status=ExportJob.Status.QUEUED, created_at__lt=forgotten
    )


def fail_if_stale(job) -> bool:
    """A job whose worker died (killed, out of memory, the server restarted),
    or that no worker ever took, is marked failed and its partial file
    deleted, so its page stops waiting, the user can ask again, and a later
    delivery of the task finds nothing to do."""
    if not job.is_running:
        return False
    marked = (
        ExportJob.objects.filter(_stale_filter(timezone.now()), pk=job.pk)
        .filter(status=job.status, heartbeat_at=job.heartbeat_at)
        .update(status=ExportJob.Status.FAILED, error=_stopped_message(job), updated_at=timezone.now())
    )
    if marked:
        job.refresh_from_db()
        _discard_file(job)
    return bool(marked)


def _stopped_message(job):
    with translation.override(job.language):
        if job.status == ExportJob.Status.QUEUED:
            return _("No worker took this export in time. Nothing was kept: ask for the export again.")
        return _(
            "The worker stopped while preparing this file. The unfinished file was deleted: "
            "ask for the export again."
        )


def _claim(job_id):
    """Take the job for this delivery of the task (waiting -> running);
    None when it is not waiting (taken, finished or failed)."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, heartbeat_at=now, updated_at=now
    )
    if not claimed:
        logger.warning("Export job %s is not waiting: not run again", job_id)
        return None
    return ExportJob.objects.select_related("user").get(pk=job_id)


def stored_name(job):
    return f"{EXPORTS_FOLDER}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{job.fmt}"


def run_export_job(job_id):
    """Task: write the export's file and make it downloadable."""
    job = _claim(job_id)
    if job is None:
        return
    running = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING)
    with (
        translation.override(job.language),
        jobs.Heartbeat(running, interval=heartbeat_interval, name=f"export-{job.pk}"),
    ):
        try:
            source = build_source(job.kind, user=job.user, url=job.url)
            total = source.count()
            job.file.name = stored_name(job)
            job.full_id_numbers = source.full_id_numbers
            job.rows_total = total
            # Named before anything is written, so that a worker dying in the
            # middle leaves a name for fail_if_stale to delete.
            running.update(file=job.file.name, full_id_numbers=source.full_id_numbers, rows_total=total)
            counter = _RowCounter(source.rows(), job.pk, total)
            with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as stream, counter:
                write_export(source, job.fmt, stream, rows=counter)
                stream.seek(0)
                saved = default_storage.save(job.file.name, File(stream))
        except (Http404, PermissionDenied):
            _fail(job, _("You can no longer see these records, so the export was not made."))
            return
        except Exception as error:
            logger.exception("Export job %s failed", job_id)
            _fail(
                job,
                _("The export stopped because of an error in the portal (%(error)s). Nothing was kept.")
                % {"error": f"{type(error).__name__}: {error}"},
            )
            raise
        now = timezone.now()
        finished = running.update(
            status=ExportJob.Status.DONE,
            file=saved,
            rows_done=counter.done,
            rows_total=counter.done,
            finished_at=now,
            expires_at=now + datetime.timedelta(hours=settings.EXPORT_RETENTION_HOURS),
            updated_at=now,
        )
        if not finished:
            # Marked failed meanwhile (its heartbeat looked overdue): the page
            # already says so, so the file goes.
            default_storage.delete(saved)


class _RowCounter:
    """The rows, passed on one by one; the number done so far is written to
    the job at most once a second (with a heartbeat, for long steps)."""

    def __init__(self, rows, job_id, total):
        self.rows = iter(rows)
        self.running = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING)
        self.total = total
        self.done = 0
        self.last = time.monotonic()

    def __iter__(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # A write that failed half-way leaves the rows' generator open: closed
        # now, its server-side cursor closes while the connection is usable.
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()

    def __next__(self):
        row = next(self.rows)
        self.done += 1
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            stamp = timezone.now()
            self.running.update(
                rows_done=self.done,
                rows_total=max(self.total, self.done),
                heartbeat_at=stamp,
                updated_at=stamp,
            )
        return row


def _fail(job, error):
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED, error=error, updated_at=timezone.now()
    )
    job.refresh_from_db()
    _discard_file(job)


def _discard_file(job):
    if job.file:
        default_storage.delete(job.file.name)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        job.file.name = ""


def downloadable(job, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportJob.Status.DONE and bool(job.file) and job.expires_at > now


# Retention -------------------------------------------------------------------


@dataclass
class ExportPurgeResult:
    stale_jobs: int = 0
    expired_files: int = 0
    failed_job_files: int = 0
    orphans: int = 0


def purge_export_files(now=None) -> ExportPurgeResult:
    """Delete export files no longer needed: they hold registry data, some of
    them full NIKs. Run hourly by django-q2 (desmigratif.schedules).

    - jobs whose worker died, or that no worker took, are marked failed;
    - files of finished jobs past ``expires_at`` (EXPORT_RETENTION_HOURS);
    - files of failed jobs (normally gone at the failure already);
    - files under exports/ that no job names (a worker killed while saving)."""
    now = now or timezone.now()
    result = ExportPurgeResult()
    for job in ExportJob.objects.filter(_stale_filter(now)):
        result.stale_jobs += fail_if_stale(job)
    for job in ExportJob.objects.exclude(file="").filter(status=ExportJob.Status.DONE, expires_at__lte=now):
        _discard_file(job)
        result.expired_files += 1
    for job in ExportJob.objects.exclude(file="").filter(status=ExportJob.Status.FAILED):
        _discard_file(job)
        result.failed_job_files += 1
    result.orphans = _delete_orphans(now - ORPHAN_GRACE)
    return result


def _delete_orphans(before):
    named = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    try:
        names = list(jobs.stored_files(EXPORTS_FOLDER))
    except FileNotFoundError:  # no export made yet (an object store lists nothing instead)
        return 0
    for name in names:
        if name not in named and default_storage.get_modified_time(name) < before:
            default_storage.delete(name)
            deleted += 1
    return deleted
