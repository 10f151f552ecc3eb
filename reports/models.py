"""Quarterly progress reports of a village and their review.

A village officer submits a report (a snapshot of the village's indicators
and a narrative per pillar); the regency office reviews it, then ministry
staff. Either may send it back with a reason; the officer corrects and
resubmits. An accepted report is frozen: no service changes it again.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from desmigratif.access import scope_filter
from villages.models import FIRST_COHORT_YEAR, Village

# The narrative fields, one per pillar, in pillar order.
NARRATIVE_FIELDS = (
    "narrative_migration_services",
    "narrative_productive_business",
    "narrative_community_parenting",
    "narrative_cooperative",
)


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * (quarter - 1) + 1, 1)


def quarter_end(year: int, quarter: int) -> datetime.date:
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return quarter_start(year, quarter + 1) - datetime.timedelta(days=1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_name(year: int, quarter: int) -> str:
    """ "Triwulan III 2026", as people write it (the short "Q3 2026" stays the report's code)."""
    return gettext_now("Quarter %(roman)s %(year)s") % {"roman": ROMAN[quarter], "year": year}


class ProgressReportQuerySet(models.QuerySet):
    def in_scope(self, user):
        return scope_filter(self, user, "village__area__code")

    def with_village(self):
        return self.select_related("village__area__parent__parent__parent", "submitted_by")


class ProgressReport(models.Model):
    class Quarter(models.IntegerChoices):
        Q1 = 1, _("Q1 (January-March)")
        Q2 = 2, _("Q2 (April-June)")
        Q3 = 3, _("Q3 (July-September)")
        Q4 = 4, _("Q4 (October-December)")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the regency office")
        RETURNED = "returned", _("Sent back to the village")
        REGENCY_ACCEPTED = "regency_accepted", _("Waiting for the ministry")
        ACCEPTED = "accepted", _("Accepted")

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_COHORT_YEAR), MaxValueValidator(2100)]
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=Quarter.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    narrative_migration_services = models.TextField(_("pillar I · migration services"))
    narrative_productive_business = models.TextField(_("pillar II · productive business"))
    narrative_community_parenting = models.TextField(_("pillar III · community parenting"))
    narrative_cooperative = models.TextField(_("pillar IV · Desmigratif cooperative"))
    snapshot = models.JSONField(
        _("indicator snapshot"),
        default=dict,
        help_text=_("The village's indicators when the report was (re)submitted; frozen once accepted."),
    )
    snapshot_taken_at = models.DateTimeField(_("snapshot taken"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    # Optimistic locking (desmigratif.concurrency): every step moves it on;
    # a form that carries an older one is refused instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-year", "-quarter", "village_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year", "quarter"],
                name="progress_report_one_per_village_quarter",
                violation_error_message=_("A report for this quarter already exists."),
            ),
            models.CheckConstraint(
                name="progress_report_quarter_1_to_4", condition=models.Q(quarter__gte=1, quarter__lte=4)
            ),
            models.CheckConstraint(
                name="progress_report_accepted_has_date",
                condition=~models.Q(status="accepted") | models.Q(accepted_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "village"], name="progress_report_status_village"),
        ]

    def __str__(self):
        return f"{self.village_id} · {self.period}"

    @property
    def period(self):
        return f"Q{self.quarter} {self.year}"

    @property
    def period_name(self):
        return period_name(self.year, self.quarter)

    @property
    def indicators_as_of(self) -> datetime.date:
        """The day the snapshot's figures describe: the quarter's last day for
        a report submitted after its quarter, else the day it was taken."""
        try:
            return datetime.date.fromisoformat(self.snapshot["as_of"])
        except (KeyError, TypeError, ValueError):
            return timezone.localtime(self.snapshot_taken_at).date()

    @property
    def indicators_from_history(self) -> bool:
        return self.indicators_as_of < timezone.localtime(self.snapshot_taken_at).date()

    @property
    def is_frozen(self):
        return self.status == self.Status.ACCEPTED

    def narratives(self):
        """(pillar label, text) in pillar order."""
        return [(self._meta.get_field(name).verbose_name, getattr(self, name)) for name in NARRATIVE_FIELDS]


class ReviewEvent(models.Model):
    """One step of a report's history: who did what, when, and why when sent back."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        RESUBMITTED = "resubmitted", _("corrected and resubmitted")
        ACCEPTED_BY_REGENCY = "accepted_by_regency", _("accepted by the regency office")
        ACCEPTED_BY_MINISTRY = "accepted_by_ministry", _("accepted by the ministry")
        SENT_BACK = "sent_back", _("sent back")

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="review_event_sent_back_has_reason",
                condition=~models.Q(action="sent_back") | ~models.Q(reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.report} · {self.get_action_display()}"
