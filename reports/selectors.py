from django.db.models import Prefetch, Q
from django.utils import timezone

from desmigratif.access import role_of
from desmigratif.models import Role
from reports.models import (
    NARRATIVE_FIELDS,
    ProgressReport,
    ReviewEvent,
    period_name,
    previous_quarter,
    quarter_of,
)
from villages.models import Area


def _with_history(queryset):
    return queryset.with_village().prefetch_related(
        Prefetch("events", queryset=ReviewEvent.objects.select_related("actor"))
    )


def report_list(*, village):
    """A village's reports, newest quarter first, with their history."""
    return _with_history(village.progress_reports.all())


def report_for_user(*, user, pk):
    """One report through the user's scope (None outside it)."""
    return _with_history(ProgressReport.objects.in_scope(user)).filter(pk=pk).first()


def report_queue(*, user, order_by=("submitted_at", "pk"), area=""):
    """The reports waiting for this user: the regency office's submitted
    reports, the ministry's (and administrators') reports the regency has
    accepted, an officer's reports sent back to them. Others wait for nobody.

    Only what a row of the queue shows: the narratives and the indicator
    snapshot (the bulk of a report) stay in the database. ``area`` limits it
    to a province or regency code."""
    role = role_of(user)
    waiting = {
        Role.REGENCY: Q(status=ProgressReport.Status.SUBMITTED),
        Role.MINISTRY: Q(status=ProgressReport.Status.REGENCY_ACCEPTED),
        Role.ADMINISTRATOR: Q(status=ProgressReport.Status.REGENCY_ACCEPTED),
        Role.VILLAGE_OFFICER: Q(status=ProgressReport.Status.RETURNED),
    }.get(role)
    if waiting is None:
        return ProgressReport.objects.none()
    queue = ProgressReport.objects.in_scope(user).filter(waiting)
    if area:
        queue = queue.filter(Q(village__area__code=area) | Q(village__area__code__startswith=f"{area}."))
    return queue.with_village().defer("snapshot", *NARRATIVE_FIELDS).order_by(*order_by)


def waiting_count(*, user):
    """How many reports wait for this reviewer (0 for other roles)."""
    from reports.services import REVIEW_STEP

    step = REVIEW_STEP.get(role_of(user))
    if step is None:
        return 0
    return ProgressReport.objects.in_scope(user).filter(status=step).count()


def queue_area_choices(*, user):
    """The provinces and regencies that have reports waiting for this user,
    as two lists of (code, name) for the queue's filter: two queries."""
    codes = set(report_queue(user=user).order_by().values_list("village_id", flat=True).distinct())
    provinces = {code[:2] for code in codes}
    regencies = {code[:5] for code in codes}
    names = dict(Area.objects.filter(code__in=provinces | regencies).values_list("code", "name"))
    return (
        sorted(((code, names.get(code, code)) for code in provinces), key=lambda item: item[1]),
        sorted(((code, names.get(code, code)) for code in regencies), key=lambda item: item[1]),
    )


def last_reason(report):
    """The reason of the latest sending back (from the prefetched history)."""
    for event in reversed(list(report.events.all())):
        if event.action == ReviewEvent.Action.SENT_BACK:
            return event
    return None


def officer_report_tasks(user, village):
    """For the village's own officer: the reports sent back to them (with the
    reason) and the report that is due, for the dashboard's banners; nothing
    for anyone else. Two queries for the officer, none otherwise.

    Due: the previous quarter's report, from the first day of the next
    quarter until one is submitted (whatever its state), for quarters from the
    village's cohort year on."""
    from reports.services import may_submit

    if not may_submit(user, village):
        return {"returned": [], "due": None}
    year, quarter = previous_quarter(*quarter_of(timezone.localdate()))
    reports = list(
        village.progress_reports.filter(
            Q(status=ProgressReport.Status.RETURNED) | Q(year=year, quarter=quarter)
        )
        .only("year", "quarter", "status", "village_id")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ReviewEvent.objects.filter(action=ReviewEvent.Action.SENT_BACK).only(
                    "report_id", "action", "reason", "at"
                ),
            )
        )
        .order_by("year", "quarter")
    )
    returned = [
        (report, last_reason(report)) for report in reports if report.status == ProgressReport.Status.RETURNED
    ]
    missing = not any(r.year == year and r.quarter == quarter for r in reports)
    due = None
    if missing and year >= (village.cohort_year or 0):
        due = {"year": year, "quarter": quarter, "name": period_name(year, quarter)}
    return {"returned": returned, "due": due}
