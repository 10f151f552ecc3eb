from django.db.models import Prefetch, Q

from desmigratif.access import role_of
from desmigratif.models import Role
from reports.models import ProgressReport, ReviewEvent


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


def report_queue(*, user):
    """The reports waiting for this user: the regency office's submitted
    reports, the ministry's (and administrators') reports the regency has
    accepted, an officer's reports sent back to them. Others wait for nobody."""
    role = role_of(user)
    waiting = {
        Role.REGENCY: Q(status=ProgressReport.Status.SUBMITTED),
        Role.MINISTRY: Q(status=ProgressReport.Status.REGENCY_ACCEPTED),
        Role.ADMINISTRATOR: Q(status=ProgressReport.Status.REGENCY_ACCEPTED),
        Role.VILLAGE_OFFICER: Q(status=ProgressReport.Status.RETURNED),
    }.get(role)
    if waiting is None:
        return ProgressReport.objects.none()
    return _with_history(ProgressReport.objects.in_scope(user)).filter(waiting).order_by("submitted_at", "pk")


def last_reason(report):
    """The reason of the latest sending back (from the prefetched history)."""
    for event in reversed(list(report.events.all())):
        if event.action == ReviewEvent.Action.SENT_BACK:
            return event
    return None
