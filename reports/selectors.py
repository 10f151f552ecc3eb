from django.db.models import Prefetch, Q

from desmigratif.access import role_of
from desmigratif.models import Role
from reports.models import NARRATIVE_FIELDS, ProgressReport, ReviewEvent
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
