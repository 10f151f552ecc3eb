"""Survey import pages (upload, progress, result, confirm, error report and
templates) and the household survey export. The work happens in
surveys.import_jobs (background tasks) and surveys.exports; these
views check access, validate the upload and show the job.

Only roles that change village records (officers, regency offices,
administrators) upload; a user sees only their own imports, administrators
everyone's. Another user's import answers 404.
"""

import io
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.db.models import IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from desmigratif.access import can_write_village_records, role_of
from desmigratif.export_views import export_or_offer
from desmigratif.models import Role
from surveys.exports import member_export
from surveys.import_jobs import (
    SHEETS,
    SHEETS_BY_SLUG,
    XLSX_CONTENT_TYPE,
    QueueUnavailable,
    can_confirm,
    check_file_content,
    describe_read_from,
    fail_if_stale,
    import_job_confirm,
    import_job_create,
    is_preparing_error_report,
    template_workbook,
    too_large_error,
    upload_limit_bytes,
)
from surveys.models import ImportJob

# Rejected rows shown on the result page; the error report has all of them.
MAX_SHOWN_ERRORS = 500


def _require_importer(user):
    if not can_write_village_records(user):
        raise PermissionDenied


def _job_for_user(user, pk):
    """Through the user's own jobs: another user's import is not found."""
    return get_object_or_404(ImportJob.objects.for_user(user).select_related("user"), pk=pk)


# Upload --------------------------------------------------------------------


class UploadLimitHandler(FileUploadHandler):
    """Stops receiving a file once it is larger than the limit, so an oversized
    upload fills neither memory nor the temporary folder. The rest of the
    request is read and dropped (connection_reset=False), and the form says why."""

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class SheetKindSelect(forms.RadioSelect):
    """Radio buttons; a sheet type whose import is not built yet is disabled."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value and not SHEETS[value].available:
            option["attrs"]["disabled"] = True
        return option


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Sheet type"), widget=SheetKindSelect)
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["kind"].choices = [
            (
                sheet.kind,
                sheet.label
                if sheet.available
                else _("%(sheet)s (not available yet)") % {"sheet": sheet.label},
            )
            for sheet in SHEETS.values()
        ]
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (.csv, UTF-8 or Windows-1252), at most %(limit)s MB, "
            "%(unpacked)s MB once unpacked, %(rows)s rows and %(cells)s cells. "
            "Start from the template of the sheet (see Templates on this page)."
        ) % {
            "limit": settings.IMPORT_MAX_UPLOAD_MB,
            "unpacked": settings.IMPORT_MAX_UNPACKED_MB,
            "rows": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True),
            "cells": number_format(settings.IMPORT_MAX_CELLS, force_grouping=True),
        }
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        if too_large:
            # The upload was stopped at the limit: say so, not "required".
            self.fields["file"].required = False

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if not SHEETS[kind].available:
            raise ValidationError(_("This sheet type cannot be imported yet."), code="not_available")
        return kind

    def clean_file(self):
        if self.too_large:
            raise too_large_error()
        upload = self.cleaned_data["file"]
        if upload.size > upload_limit_bytes():
            raise too_large_error()
        check_file_content(upload, upload.name)
        return upload


@csrf_exempt
@login_required
def import_upload_view(request):
    # The size limit is set before anything reads the request body, so the
    # CSRF check (which reads it) runs afterwards, in _upload.
    _require_importer(request.user)
    limiter = UploadLimitHandler(request, upload_limit_bytes())
    if request.method == "POST":
        request.upload_handlers.insert(0, limiter)
    return _upload(request, limiter)


@csrf_protect
def _upload(request, limiter):
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, too_large=limiter.exceeded)
        if form.is_valid():
            try:
                job = import_job_create(
                    user=request.user, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"]
                )
            except QueueUnavailable as error:
                messages.error(request, " ".join(error.messages))
            else:
                return redirect("surveys:import_detail", pk=job.pk)
        else:
            messages.error(request, _("Please correct the errors below; nothing has been imported."))
    else:
        available = [sheet.kind for sheet in SHEETS.values() if sheet.available]
        form = ImportUploadForm(initial={"kind": request.GET.get("jenis") or next(iter(available), None)})
    return render(
        request,
        "surveys/import_upload.html",
        {"form": form, "sheets": SHEETS.values()},
    )


# Progress and result -----------------------------------------------------------


def progress_text(job):
    if not job.is_running:
        return job.get_status_display()
    if job.status == ImportJob.Status.UPLOADED:
        return _("Waiting for the check to start…")
    if job.status == ImportJob.Status.WRITING and job.heartbeat_at is None:
        return _("Waiting for the write to start…")
    if is_preparing_error_report(job):
        # The report is offered once it is stored: the result page comes then.
        if job.percent is not None:
            return _("Preparing the error report: %(percent)s%%") % {"percent": job.percent}
        return _("Preparing the error report…")
    verb = _("Writing") if job.status == ImportJob.Status.WRITING else _("Checking")
    if job.rows_total:
        return _("%(verb)s: %(done)s of %(total)s rows") % {
            "verb": verb,
            "done": number_format(job.rows_done, force_grouping=True),
            "total": number_format(job.rows_total, force_grouping=True),
        }
    if job.rows_done:
        return _("%(verb)s: %(done)s rows read") % {
            "verb": verb,
            "done": number_format(job.rows_done, force_grouping=True),
        }
    return _("%(verb)s…") % {"verb": verb}


def _result_context(job, user):
    report = job.report or {}
    errors = report.get("errors", [])
    # The job keeps the first problems only (import_jobs.MAX_STORED_ERRORS)
    # and their number; older reports kept all of them.
    error_count = report.get("error_count", len(errors))
    return {
        "report": report,
        "read_from": describe_read_from(report.get("read_from")),
        "shown_errors": errors[:MAX_SHOWN_ERRORS],
        "more_errors": max(0, error_count - MAX_SHOWN_ERRORS),
        "max_shown_errors": MAX_SHOWN_ERRORS,
        "can_confirm": can_confirm(job) and job.user_id == user.pk,
        # Checked cleanly but not confirmed in time: the upload was deleted
        # (import_jobs.purge_import_files).
        "upload_expired": job.status == ImportJob.Status.CHECKED
        and not job.file
        and not job.confirmed_at
        and report.get("created", 0) + report.get("updated", 0) > 0
        and not errors,
        "unconfirmed_hours": settings.IMPORT_UNCONFIRMED_RETENTION_HOURS,
        "nothing_to_write": bool(report)
        and not errors
        and not report.get("missing_columns")
        and report.get("created", 0) + report.get("updated", 0) == 0,
    }


# The result page may list rows of the uploaded file: no cache keeps a copy.
@never_cache
@login_required
def import_detail_view(request, pk):
    job = _job_for_user(request.user, pk)
    fail_if_stale(job)
    context = {"job": job, "sheet": SHEETS[job.kind]}
    if job.is_running:
        context["progress_text"] = progress_text(job)
        return render(request, "surveys/import_progress.html", context)
    context.update(_result_context(job, request.user))
    return render(request, "surveys/import_result.html", context)


@login_required
def import_status_view(request, pk):
    job = _job_for_user(request.user, pk)
    fail_if_stale(job)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "running": job.is_running,
            "done": job.rows_done,
            "total": job.rows_total,
            "percent": job.percent,
            "text": progress_text(job),
            "url": reverse("surveys:import_detail", kwargs={"pk": job.pk}),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_POST
@login_required
def import_confirm_view(request, pk):
    job = _job_for_user(request.user, pk)
    _require_importer(request.user)
    if job.user_id != request.user.pk:
        # An administrator may look at anyone's import; only its owner writes it
        # (with the owner's scope and name in the history).
        raise PermissionDenied
    try:
        import_job_confirm(job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("surveys:import_detail", pk=job.pk)


@login_required
def import_error_report_view(request, pk):
    job = _job_for_user(request.user, pk)
    if not job.error_report:
        raise Http404
    stem = slugify(Path(job.original_name).stem) or "impor"
    response = FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"kesalahan-{stem}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    # Personal data: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def import_list_view(request):
    _require_importer(request.user)
    jobs = (
        ImportJob.objects.for_user(request.user)
        .select_related("user")
        .defer("report")
        # Two numbers of each report, read in the database: the reports
        # themselves (every rejected row's reason) stay there.
        .annotate(
            report_rows=Cast(KT("report__total_rows"), IntegerField()),
            report_rejected=Cast(KT("report__rejected"), IntegerField()),
        )
    )
    page = Paginator(jobs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/import_list.html",
        {"page": page, "show_user": role_of(request.user) == Role.ADMINISTRATOR},
    )


# Templates -----------------------------------------------------------------


@login_required
def import_template_view(request, sheet):
    spec = SHEETS_BY_SLUG.get(sheet)
    if spec is None:
        raise Http404
    stream = template_workbook(spec, io.BytesIO())
    response = HttpResponse(stream.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"templat-{spec.slug}.xlsx")
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_export_view(request, fmt):
    """The members in scope, or of one village (?desa=): small exports at
    once, large ones as a job (desmigratif.exports)."""
    return export_or_offer(request, member_export(request.user, request.GET), fmt=fmt)
