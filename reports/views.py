"""Pages of the progress reports: a village's reports, submitting one, a
report with its review, and the reviewer's queue.

Every report is fetched through the user's scope (404 outside it); inside
it, an action by someone whose role may not take it is refused with 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from desmigratif.access import get_village_for_user, role_of
from desmigratif.concurrency import (
    EditConflict,
    conflict_message,
    create_once,
    form_token,
    seen_version,
    sent_before,
)
from desmigratif.paging import Sort, paginate
from reports import selectors, services
from reports.forms import NarrativesForm, QueueFilterForm, SendBackForm, SubmitForm
from reports.models import ProgressReport, ReviewEvent, quarter_of
from reports.snapshot import snapshot_sections


def _report_or_404(request, pk):
    report = selectors.report_for_user(user=request.user, pk=pk)
    if report is None:
        raise Http404
    return report


def _form_errors(form, error):
    """A service's ValidationError shown next to the form's fields (or above it)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _conflict_message(request, pk):
    """The report as it is now (status, last step), for an action refused
    because the report changed since the page was opened."""
    report = _report_or_404(request, pk)
    details = [
        _("%(field)s: “%(value)s”")
        % {
            "field": capfirst(ProgressReport._meta.get_field("status").verbose_name),
            "value": report.get_status_display(),
        }
    ]
    last = report.events.select_related("actor").order_by("-at", "-pk").first()
    if last is not None:
        details.append(
            _("last step: %(action)s by %(actor)s, %(when)s")
            % {
                "action": last.get_action_display(),
                "actor": last.actor.get_full_name() or last.actor.get_username(),
                "when": date_format(timezone.localtime(last.at), "DATETIME_FORMAT"),
            }
        )
    return report, conflict_message(_("This report"), details)


@login_required
def village_reports_view(request, code):
    village = get_village_for_user(request.user, code)
    reports = list(selectors.report_list(village=village))
    year, quarter = quarter_of(timezone.localdate())
    has_current = any(r.year == year and r.quarter == quarter for r in reports)
    return render(
        request,
        "reports/report_list.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "reports": reports,
            "current_period": f"Q{quarter} {year}",
            "is_officer": services.may_submit(request.user, village),
            "current_missing": not has_current,
        },
    )


@login_required
def report_submit_view(request, code):
    village = get_village_for_user(request.user, code)
    if not services.may_submit(request.user, village):
        raise PermissionDenied
    if request.method == "POST" and (url := sent_before(request)):
        # The same form sent twice (a double click): the report it sent.
        messages.success(request, _("The report has been sent to the regency office."))
        return redirect(url)
    # The dashboard's "report due" banner links here with the quarter it means.
    asked = {key: request.GET[key] for key in ("year", "quarter") if request.GET.get(key, "").isdigit()}
    form = SubmitForm(request.POST or None, initial=asked)
    existing = None
    if request.method == "POST" and form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
        try:
            report, url = create_once(
                request,
                lambda: services.report_submit(
                    village=village, user=request.user, year=year, quarter=quarter, **form.narratives()
                ),
                lambda report: reverse("reports:detail", kwargs={"pk": report.pk}),
            )
        except ValidationError as error:
            _form_errors(form, error)
            existing = village.progress_reports.filter(year=year, quarter=quarter).first()
        else:
            messages.success(
                request,
                _("The report for %(period)s has been sent to the regency office.")
                % {"period": report.period},
            )
            return redirect(url)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing has been sent."))
    return render(
        request,
        "reports/report_form.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "form": form,
            "existing": existing,
            "title": _("Submit a progress report"),
            "form_token": form_token(request.POST),
        },
    )


def _detail(request, report, *, send_back_form=None, status=200, version=None):
    may_review = services.may_review(request.user, report)
    return render(
        request,
        "reports/report_detail.html",
        {
            "village": report.village,
            "area_path": report.village.area.path(),
            "report": report,
            "events": list(report.events.all()),
            "sections": snapshot_sections(report.snapshot),
            "last_sent_back": selectors.last_reason(report)
            if report.status == ProgressReport.Status.RETURNED
            else None,
            "may_review": may_review,
            "may_resubmit": services.may_resubmit(request.user, report),
            "send_back_form": send_back_form or (SendBackForm() if may_review else None),
            # The review forms say which version of the report the reviewer read.
            "version": version or report.version,
        },
        status=status,
    )


@login_required
def report_detail_view(request, pk):
    return _detail(request, _report_or_404(request, pk))


@login_required
@require_POST
def report_accept_view(request, pk):
    report = _report_or_404(request, pk)
    if (
        report.status == ProgressReport.Status.REGENCY_ACCEPTED
        and services.may_review(request.user, report)
        and not request.POST.get("confirm_read")
    ):
        # Accepting freezes the report for good: the reviewer says they read it.
        messages.error(
            request,
            _("Tick “I have read…” to confirm: accepting freezes the report. Nothing has changed."),
        )
        return redirect(reverse("reports:detail", kwargs={"pk": report.pk}) + "#review")
    try:
        report = services.report_accept(report=report, user=request.user, version=seen_version(request.POST))
    except EditConflict:
        report, message = _conflict_message(request, pk)
        messages.error(request, message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if report.status == ProgressReport.Status.ACCEPTED:
            messages.success(request, _("The report has been accepted; it is now frozen."))
        else:
            messages.success(request, _("The report has been accepted and passed on to the ministry."))
    return redirect("reports:detail", pk=report.pk)


@login_required
def report_send_back_view(request, pk):
    """The send-back form (the report page embeds it too)."""
    report = _report_or_404(request, pk)
    if role_of(request.user) not in services.REVIEWER_ROLES:
        raise PermissionDenied
    form = SendBackForm(request.POST or None)
    seen = seen_version(request.POST)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_send_back(
                report=report, user=request.user, reason=form.cleaned_data["reason"], version=seen
            )
        except EditConflict:
            # The reason stays in the form; the page shows the report as it is now.
            report, message = _conflict_message(request, pk)
            messages.error(request, message)
            return _detail(request, report, send_back_form=form)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
                return redirect("reports:detail", pk=report.pk)
            _form_errors(form, error)
        else:
            messages.success(request, _("The report has been sent back to the village officer."))
            return redirect("reports:detail", pk=report.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; the report has not been sent back."))
        return _detail(request, report, send_back_form=form, version=seen)
    if not services.may_review(request.user, report):
        messages.error(request, _("This report is not waiting for your review."))
        return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "reports/send_back_form.html",
        {
            "village": report.village,
            "area_path": report.village.area.path(),
            "report": report,
            "form": form,
            "version": report.version,
        },
    )


@login_required
def report_resubmit_view(request, pk):
    report = _report_or_404(request, pk)
    if not services.may_submit(request.user, report.village):
        raise PermissionDenied
    if report.status != ProgressReport.Status.RETURNED:
        messages.error(request, _("Only a report that was sent back can be resubmitted."))
        return redirect("reports:detail", pk=report.pk)
    form = NarrativesForm(request.POST or None, instance=report)
    seen = seen_version(request.POST)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.report_resubmit(report=report, user=request.user, version=seen, **form.narratives())
        except EditConflict:
            conflict = True
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The corrected report has been sent to the regency office again."))
            return redirect("reports:detail", pk=report.pk)
    if conflict:
        report, message = _conflict_message(request, pk)
        form = NarrativesForm(request.POST, instance=report)
        messages.error(request, message)
    elif request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing has been sent."))
    return render(
        request,
        "reports/report_form.html",
        {
            "village": report.village,
            "area_path": report.village.area.path(),
            "form": form,
            "report": report,
            "last_sent_back": selectors.last_reason(report),
            "title": _("Correct and resubmit the report for %(period)s") % {"period": report.period},
            "version": report.version if conflict or not seen else seen,
        },
    )


# Sortable columns of the queue; the id last, so every page is stable.
QUEUE_SORTS = {
    "village": ("village__area__name", "village_id", "pk"),
    "period": ("year", "quarter", "village__area__name", "pk"),
    "submitted": ("submitted_at", "pk"),
}


@login_required
def queue_view(request):
    provinces, regencies = selectors.queue_area_choices(user=request.user)
    filters = QueueFilterForm(request.GET or None, provinces=provinces, regencies=regencies)
    # The oldest first: who waits longest is served first.
    sort = Sort(request, QUEUE_SORTS, default="submitted")
    page, query = paginate(
        request, selectors.report_queue(user=request.user, order_by=sort.order_by, area=filters.area())
    )
    return render(
        request,
        "reports/queue.html",
        {
            "reports": page.object_list,
            "page": page,
            "query": query,
            "sort": sort,
            # Filters only for someone whose reports come from more than one regency.
            "filters": filters if len(regencies) > 1 or filters.area() else None,
            "role": role_of(request.user),
            "sent_back": ReviewEvent.Action.SENT_BACK,
        },
    )
