"""The dashboards' stored figures per village (dashboards.models.VillageFigures):
how they are marked stale, counted again, and checked.

Every write to a village's records marks its figures stale in the writer's own
transaction: post_save/post_delete/m2m_changed of the records the figures
count (connected in DashboardsConfig.ready), and villages.signals.records_changed
for the bulk writes that send no model signal (imports). Marking is one
UPDATE of one small row, so a write costs no count; a rolled-back write leaves
no mark, and a committed one cannot lose its mark.

Stale figures are counted again, one village at a time (village_counts, about
eighteen indexed queries over that village's rows only):
- by the job queue every minute (refresh_stale, desmigratif/schedules.py), so
  the overview and map are never more than about a minute behind; the page says
  since when ("Data per 14:05");
- on demand, when a page reads a scope with a few stale villages
  (INLINE_REFRESH), so whoever just saved sees their own change, and by the
  village dashboard for its one village;
- all of them once a day, because "this year", "under 18" and "not updated
  for a year" move with the date (computed_on).

``manage.py check_aggregates`` counts every village from scratch and reports
the figures that differ from the stored ones (``--fix`` stores the new ones).
Why not counts kept by increments in each write: the figures include
conditions over several fields (a complete record, a child under 18, a loan in
arrears) whose before/after every write path would have to work out; counting
one village again is cheap and cannot drift.
"""

import logging

from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from coordination.models import Realisation
from dashboards.indicators import overview_figures, village_counts
from dashboards.models import VillageFigures
from pillars.models import (
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    ParentingSession,
    Problem,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from villages.models import Household, Member, Village
from villages.signals import records_changed

logger = logging.getLogger(__name__)

# A page counts again at most this many stale villages of its scope (about
# eighteen queries each); more are left to the job of the next minute.
INLINE_REFRESH = 3


def stale(today=None, prefix=""):
    """The condition of stale figures (``prefix``: "figures__" from Village)."""
    today = today or timezone.localdate()
    return (
        Q(**{f"{prefix}changes__gt": F(f"{prefix}computed_changes")})
        | Q(**{f"{prefix}computed_on__isnull": True})
        | ~Q(**{f"{prefix}computed_on": today})
    )


# Marking ---------------------------------------------------------------------------------


def mark_changed(village_ids):
    """The figures of these villages (codes) are stale. Runs in the caller's
    transaction; creates the figures of an enrolled village that has none."""
    village_ids = sorted({code for code in village_ids if code})
    if not village_ids:
        return
    marked = VillageFigures.objects.filter(pk__in=village_ids).update(changes=F("changes") + 1)
    if marked < len(village_ids):
        _create_missing(village_ids)


def _create_missing(village_ids=None):
    villages = Village.objects.filter(figures__isnull=True)
    if village_ids is not None:
        villages = villages.filter(pk__in=village_ids)
    codes = list(villages.values_list("pk", flat=True))
    VillageFigures.objects.bulk_create(
        [VillageFigures(village_id=code) for code in codes], ignore_conflicts=True
    )
    return len(codes)


def _village_of(instance, **_kwargs):
    mark_changed([instance.village_id])


def _village_of_member(instance, **_kwargs):
    household = instance._state.fields_cache.get("household")
    if household is not None:
        mark_changed([household.village_id])
    else:
        mark_changed(Household.objects.filter(pk=instance.household_id).values_list("village_id", flat=True))


def _village_of_loan(instance, **_kwargs):
    mark_changed(Cooperative.objects.filter(pk=instance.cooperative_id).values_list("village_id", flat=True))


def _new_village(instance, created, raw=False, **_kwargs):
    if created and not raw:
        mark_changed([instance.pk])


def _participants_changed(sender, instance, action, reverse, model, pk_set, **_kwargs):
    """Participants of a training or parenting session, members of a
    cooperative: the record's village, whichever side was changed."""
    if not action.startswith("post_"):
        return
    if not reverse:
        mark_changed([instance.village_id])
    elif pk_set:
        mark_changed(model.objects.filter(pk__in=pk_set).values_list("village_id", flat=True))
    else:  # cleared from the member's side: the member's own village
        _village_of_member(instance)


def _records_changed(sender, village_ids, **_kwargs):
    mark_changed(village_ids)


VILLAGE_RECORDS = [
    Household,
    ServiceOfficer,
    ServiceActivity,
    Business,
    Training,
    ParentingSession,
    LearningHouse,
    Cooperative,
    Problem,
    Realisation,
]


def connect():
    uid = "dashboards.aggregates"
    for model in VILLAGE_RECORDS:
        post_save.connect(_village_of, sender=model, dispatch_uid=f"{uid}.save.{model.__name__}")
        post_delete.connect(_village_of, sender=model, dispatch_uid=f"{uid}.delete.{model.__name__}")
    post_save.connect(_village_of_member, sender=Member, dispatch_uid=f"{uid}.save.Member")
    post_delete.connect(_village_of_member, sender=Member, dispatch_uid=f"{uid}.delete.Member")
    post_save.connect(_village_of_loan, sender=Loan, dispatch_uid=f"{uid}.save.Loan")
    post_delete.connect(_village_of_loan, sender=Loan, dispatch_uid=f"{uid}.delete.Loan")
    post_save.connect(_new_village, sender=Village, dispatch_uid=f"{uid}.save.Village")
    for through in (
        Training.participants.through,
        ParentingSession.participants.through,
        Cooperative.members.through,
    ):
        m2m_changed.connect(
            _participants_changed, sender=through, dispatch_uid=f"{uid}.m2m.{through.__name__}"
        )
    records_changed.connect(_records_changed, dispatch_uid=f"{uid}.records_changed")


# Counting again --------------------------------------------------------------------------


def _store(code, changes, counts):
    figures = overview_figures(counts)
    progress = figures.pop("progress")
    VillageFigures.objects.filter(pk=code).update(
        **figures,
        **{f"progress_{key}": value for key, value in progress.items()},
        detail=counts,
        computed_changes=changes,
        computed_on=counts["as_of"],
        computed_at=timezone.now(),
    )


def refresh_village(code, *, only_stale=False):
    """Count one village again and store its figures; returns its
    village_counts (None when ``only_stale`` and they were current). The row
    is locked while counting (PostgreSQL), so two workers never count the same
    village at once: when another holds it, the counts are returned without
    storing them."""
    with transaction.atomic():
        locked = VillageFigures.objects.select_for_update(skip_locked=True).filter(pk=code)
        row = locked.values("changes", "computed_changes", "computed_on").first()
        if row is None and not VillageFigures.objects.filter(pk=code).exists():
            mark_changed([code])
            row = locked.values("changes", "computed_changes", "computed_on").first()
        if (
            only_stale
            and row is not None
            and row["changes"] <= row["computed_changes"]
            and row["computed_on"] == timezone.localdate()
        ):
            return None  # counted meanwhile (by an overlapping run of the job)
        counts = village_counts(code)
        if row is not None:
            _store(code, row["changes"], counts)
    return counts


def current_counts(code):
    """The village's village_counts: stored when current, else counted (and stored)."""
    row = (
        VillageFigures.objects.filter(
            pk=code, changes__lte=F("computed_changes"), computed_on=timezone.localdate()
        )
        .values_list("detail", flat=True)
        .first()
    )
    if row:
        return row
    return refresh_village(code)


def refresh_some(villages, limit=INLINE_REFRESH):
    """Count again the stale villages of ``villages`` (a Village queryset) when
    there are at most ``limit``; more are left to the job. Returns since when
    the figures of ``villages`` hold: now when every one is current (or was
    just counted), else the oldest count among the stale ones. One query when
    every figure is current."""
    stale_rows = list(
        villages.filter(Q(figures__isnull=True) | stale(prefix="figures__"))
        .order_by()
        .values_list("pk", "figures__computed_at")[: limit + 1]
    )
    if len(stale_rows) > limit:
        return as_of(villages)
    for code, _computed_at in stale_rows:
        refresh_village(code)
    return timezone.now()


def refresh_stale(limit=None):
    """The job: count again every stale village (oldest first); returns how many."""
    _create_missing()
    codes = (
        VillageFigures.objects.filter(stale())
        .order_by(F("computed_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)
    )
    counted = 0
    for code in list(codes[:limit] if limit else codes):
        counted += refresh_village(code, only_stale=True) is not None
    if counted:
        logger.info("dashboards: counted the figures of %d villages again", counted)
    return counted


def as_of(villages):
    """Since when the figures of ``villages`` (a Village queryset) hold: the
    oldest count among the stale ones, or now when none is stale."""
    oldest = (
        VillageFigures.objects.filter(village__in=villages)
        .filter(stale())
        .aggregate(oldest=Min("computed_at"), n=Count("pk"))
    )
    if not oldest["n"] or oldest["oldest"] is None:
        return timezone.now()
    return oldest["oldest"]


# Checking --------------------------------------------------------------------------------

CHECKED = [
    *(
        f.name
        for f in VillageFigures._meta.concrete_fields
        if f.name not in ("village", "changes", "computed_changes", "computed_on", "computed_at", "detail")
    )
]


def drift(codes=None):
    """Count every village (or ``codes``) from scratch and compare with the
    stored figures that claim to be current: ([(code, field, stored,
    counted)], number of stale villages not compared). A stale row is a change
    waiting for the job, not drift; a missing row is drift."""
    villages = Village.objects.order_by("pk")
    if codes:
        villages = villages.filter(pk__in=codes)
    stored = {row["village_id"]: row for row in VillageFigures.objects.filter(village__in=villages).values()}
    pending = set(
        VillageFigures.objects.filter(village__in=villages).filter(stale()).values_list("pk", flat=True)
    )
    found = []
    for code in villages.values_list("pk", flat=True):
        if code in pending:
            continue
        counts = village_counts(code)
        figures = overview_figures(counts)
        progress = figures.pop("progress")
        counted = {**figures, **{f"progress_{key}": value for key, value in progress.items()}}
        row = stored.get(code)
        if row is None:
            found.append((code, "*", None, "missing"))
            continue
        for field in CHECKED:
            if row[field] != counted[field]:
                found.append((code, field, row[field], counted[field]))
        if row["detail"] != counts:
            found.append((code, "detail", "…", "…"))
    return found, len(pending)
