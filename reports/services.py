"""The review workflow of progress reports. Every write goes through here and
every rule is checked here, whatever calls it (pages, admin, commands):

    submitted --regency accepts--> regency_accepted --ministry accepts--> accepted (frozen)
        ^   \\                          |
        |    `-- sent back (reason) --+--> returned --officer resubmits--> submitted
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from desmigratif.access import code_in_scope, role_of
from desmigratif.concurrency import EditConflict
from desmigratif.models import Role
from reports import notices
from reports.models import NARRATIVE_FIELDS, ProgressReport, ReviewEvent, quarter_end, quarter_of

# The status a report must have for each reviewing role to act on it.
REVIEW_STEP = {
    Role.REGENCY: ProgressReport.Status.SUBMITTED,
    Role.MINISTRY: ProgressReport.Status.REGENCY_ACCEPTED,
    Role.ADMINISTRATOR: ProgressReport.Status.REGENCY_ACCEPTED,
}
REVIEWER_ROLES = set(REVIEW_STEP)


def take_snapshot(village, year: int, quarter: int) -> dict:
    """The village's indicators as plain JSON (so a later change of the data
    or of the indicator code does not change what was reported): as of the
    quarter's last day when the quarter is over, else as of today.

    Taken in English, the source language of every label: the report page
    translates them for each reader (reports.snapshot), so an Indonesian
    submitter's "Aktif" is never shown to an English reader."""
    from dashboards import indicators

    end = quarter_end(year, quarter)
    with translation.override("en"):
        if end < timezone.localdate():
            data = indicators.village_indicators_as_of(village, end)
        else:
            data = indicators.village_indicators(village)
        return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# Who may do what: used by the services and by the pages to show buttons.


def may_submit(user, village) -> bool:
    """Officers report for their own village."""
    return role_of(user) == Role.VILLAGE_OFFICER and user.scope_id == village.code


def may_review(user, report) -> bool:
    """The reviewer whose turn it is, in scope."""
    role = role_of(user)
    return (
        role in REVIEWER_ROLES
        and code_in_scope(user, report.village_id)
        and report.status == REVIEW_STEP[role]
    )


def may_resubmit(user, report) -> bool:
    return may_submit(user, report.village) and report.status == ProgressReport.Status.RETURNED


def _check_officer(user, village):
    if not may_submit(user, village):
        raise PermissionDenied(_("Only the village's own officer submits its progress reports."))


def _check_not_frozen(report):
    if report.is_frozen:
        raise ValidationError(_("This report has been accepted and is frozen: it can no longer change."))


def _check_reviewer(user, report):
    role = role_of(user)
    if role not in REVIEWER_ROLES or not code_in_scope(user, report.village_id):
        raise PermissionDenied(_("You may not review this village's reports."))
    _check_not_frozen(report)
    if report.status != REVIEW_STEP[role]:
        raise ValidationError(
            _("This report is not waiting for your review (its status: %(status)s).")
            % {"status": report.get_status_display()}
        )


def _check_narratives(narratives):
    unknown = set(narratives) - set(NARRATIVE_FIELDS)
    if unknown:
        raise ValueError(f"not narrative fields: {sorted(unknown)}")
    missing = {
        name: _("Write this pillar's narrative.")
        for name in NARRATIVE_FIELDS
        if not narratives.get(name, "").strip()
    }
    if missing:
        raise ValidationError(missing)


def _locked(report, version=None):
    """The report re-read under a row lock, so two reviewers cannot both act;
    with ``version`` (the one the acting page showed) a report changed since is
    refused (EditConflict): nobody accepts or sends back what they did not read.
    Its version moves on: every step changes what a reviewer's page showed."""
    locked = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("village__area__parent__parent__parent")
        .get(pk=report.pk)
    )
    if version is not None and locked.version != version:
        raise EditConflict(locked.version)
    locked.version += 1
    return locked


def _event(report, user, action, reason="", at=None):
    event = ReviewEvent(report=report, actor=user, action=action, reason=reason, at=at or timezone.now())
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def report_submit(*, village, user, year: int, quarter: int, **narratives: str) -> ProgressReport:
    """The officer's report for one quarter of their village (the current one or an earlier one)."""
    _check_officer(user, village)
    if quarter not in ProgressReport.Quarter.values:
        raise ValidationError({"quarter": _("Choose a quarter from 1 to 4.")})
    if (year, quarter) > quarter_of(timezone.localdate()):
        raise ValidationError(
            {"quarter": _("Q%(quarter)s %(year)s has not started yet.") % {"quarter": quarter, "year": year}}
        )
    if ProgressReport.objects.filter(village=village, year=year, quarter=quarter).exists():
        raise ValidationError(
            {
                "quarter": _("A report for Q%(quarter)s %(year)s already exists: open it.")
                % {"quarter": quarter, "year": year}
            }
        )
    _check_narratives(narratives)
    now = timezone.now()
    report = ProgressReport(
        village=village,
        year=year,
        quarter=quarter,
        status=ProgressReport.Status.SUBMITTED,
        snapshot=take_snapshot(village, year, quarter),
        snapshot_taken_at=now,
        submitted_by=user,
        submitted_at=now,
        **narratives,
    )
    report.full_clean()
    report.save()
    _event(report, user, ReviewEvent.Action.SUBMITTED, at=now)
    notices.send_after_commit(report, notices.WAITING)
    return report


@transaction.atomic
def report_resubmit(
    *, report: ProgressReport, user, version: int | None = None, **narratives: str
) -> ProgressReport:
    """The officer's corrected report after it was sent back; the snapshot is retaken."""
    report = _locked(report, version)
    _check_officer(user, report.village)
    _check_not_frozen(report)
    if report.status != ProgressReport.Status.RETURNED:
        raise ValidationError(_("Only a report that was sent back can be resubmitted."))
    _check_narratives(narratives)
    now = timezone.now()
    for name, text in narratives.items():
        setattr(report, name, text)
    report.snapshot = take_snapshot(report.village, report.year, report.quarter)
    report.snapshot_taken_at = now
    report.submitted_by = user
    report.submitted_at = now
    report.status = ProgressReport.Status.SUBMITTED
    report.full_clean()
    report.save()
    _event(report, user, ReviewEvent.Action.RESUBMITTED, at=now)
    notices.send_after_commit(report, notices.WAITING)
    return report


@transaction.atomic
def report_accept(*, report: ProgressReport, user, version: int | None = None) -> ProgressReport:
    """The regency office passes the report on to the ministry; the ministry's
    acceptance freezes it."""
    report = _locked(report, version)
    _check_reviewer(user, report)
    now = timezone.now()
    if report.status == ProgressReport.Status.SUBMITTED:
        report.status = ProgressReport.Status.REGENCY_ACCEPTED
        action = ReviewEvent.Action.ACCEPTED_BY_REGENCY
    else:
        report.status = ProgressReport.Status.ACCEPTED
        report.accepted_at = now
        action = ReviewEvent.Action.ACCEPTED_BY_MINISTRY
    report.full_clean()
    report.save(update_fields=["status", "accepted_at", "version"])
    _event(report, user, action, at=now)
    notices.send_after_commit(report, notices.ACCEPTED if report.is_frozen else notices.WAITING)
    return report


@transaction.atomic
def report_send_back(
    *, report: ProgressReport, user, reason: str, version: int | None = None
) -> ProgressReport:
    """Back to the officer, with the reason they must act on."""
    report = _locked(report, version)
    _check_reviewer(user, report)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is sent back: the officer needs to know.")})
    report.status = ProgressReport.Status.RETURNED
    report.save(update_fields=["status", "version"])
    _event(report, user, ReviewEvent.Action.SENT_BACK, reason=reason)
    notices.send_after_commit(report, notices.SENT_BACK)
    return report
