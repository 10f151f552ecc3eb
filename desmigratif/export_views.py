"""The pages of exports prepared in the background (desmigratif.exports): what
an export's address answers, the job's page with its progress, its status
for the page's script, and the download. A job is only ever found among the
user's own: another user's answers 404, administrators included."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from desmigratif.exports import (
    CONTENT_TYPES,
    ExportRefused,
    build_source,
    downloadable,
    export_job_create,
    fail_if_stale,
    inline_response,
)
from desmigratif.models import ExportJob


def export_or_offer(request, source, *, fmt):
    """What an export's address answers. GET: a small export at once (its
    full NIKs logged now); a large one (ExportSource.is_large) a page offering
    to prepare it, with the user's latest export of the same, if any. POST:
    queue the job and go to its page."""
    url = request.get_full_path()
    if request.method == "POST":
        try:
            job = export_job_create(user=request.user, source=source, fmt=fmt, url=url)
        except ExportRefused as refused:
            messages.error(request, str(refused))
            return redirect("export_job", pk=refused.job.pk) if refused.job else redirect(url)
        return redirect("export_job", pk=job.pk)
    if not source.is_large():
        if source.full_id_numbers:
            source.log_access(source.count())
        return inline_response(source, fmt)
    latest = ExportJob.objects.for_user(request.user).filter(kind=source.kind, fmt=fmt, url=url).first()
    if latest is not None:
        fail_if_stale(latest)
        if latest.status == ExportJob.Status.DONE and not downloadable(latest):
            latest = None  # deleted after EXPORT_RETENTION_HOURS: nothing to point to
    return render(
        request,
        "desmigratif/export_offer.html",
        {
            "source": source,
            "fmt": fmt,
            "url": url,
            "latest": latest,
            "latest_ready": latest is not None and downloadable(latest),
            "export_inline_max_rows": settings.EXPORT_INLINE_MAX_ROWS,
        },
    )


def _job_for_user(user, pk):
    return get_object_or_404(ExportJob.objects.for_user(user), pk=pk)


def progress_text(job):
    if job.status == ExportJob.Status.QUEUED:
        return _("Waiting for the worker to start…")
    if job.status == ExportJob.Status.RUNNING:
        if job.rows_total:
            return _("Writing: %(done)s of %(total)s rows") % {
                "done": number_format(job.rows_done, force_grouping=True),
                "total": number_format(job.rows_total, force_grouping=True),
            }
        return _("Reading the records…")
    return job.get_status_display()


# Registry data in the progress and result: no cache keeps a copy.
@never_cache
@login_required
def export_job_view(request, pk):
    job = _job_for_user(request.user, pk)
    fail_if_stale(job)
    return render(
        request,
        "desmigratif/export_job.html",
        {"job": job, "progress_text": progress_text(job), "ready": downloadable(job)},
    )


@never_cache
@login_required
def export_job_status_view(request, pk):
    job = _job_for_user(request.user, pk)
    fail_if_stale(job)
    return JsonResponse(
        {
            "status": job.status,
            "running": job.is_running,
            "done": job.rows_done,
            "total": job.rows_total,
            "percent": job.percent,
            "text": progress_text(job),
            "url": reverse("export_job", kwargs={"pk": job.pk}),
        }
    )


@never_cache
@login_required
def export_download_view(request, pk):
    job = _job_for_user(request.user, pk)
    if not downloadable(job):
        raise Http404
    # The scope as it is now: a user moved to another area since, or who now
    # sees numbers masked, no longer gets the file (Http404).
    source = build_source(job.kind, user=request.user, url=job.url)
    if job.full_id_numbers and not source.full_id_numbers:
        raise Http404
    response = FileResponse(
        default_storage.open(job.file.name, "rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES[job.fmt],
    )
    if job.full_id_numbers:
        source.log_access(job.rows_total)
    response["Cache-Control"] = "private, no-store"
    return response
