from django.db import models
from django.utils.translation import gettext_lazy as _

from villages.models import Village

# The overview figures kept as columns (the overview sorts, filters and totals
# them in the database); dashboards.indicators.OVERVIEW_FIGURES lists the same.
COUNT_FIELDS = [
    "households",
    "members",
    "cpmi",
    "pmi",
    "returnees",
    "returnees_with_business",
    "children_of_pmi",
    "migrants",
    "migrants_complete",
    "officers",
    "officers_trained",
    "activities_this_year",
    "businesses",
    "trainings_this_year",
    "parenting_sessions_this_year",
    "children_reached_this_year",
    "cooperatives",
    "cooperative_members",
    "loans",
    "loans_late",
    "problems_open",
    "commitments_realised",
]
PROGRESS_FIELDS = ["progress_1", "progress_2", "progress_3", "progress_4", "progress_overall"]


class VillageFigures(models.Model):
    """The dashboards' figures of one village, counted by
    dashboards.aggregates and read by the overview, the map, their export, the
    API and the village dashboard, so no page counts the member table.

    A write to the village's records adds one to ``changes`` in the writer's
    transaction; a count records the ``changes`` it started from. The row is
    stale while ``changes`` is ahead of ``computed_changes`` or it was counted
    on an earlier day ("this year" and "under 18" move with the date)."""

    village = models.OneToOneField(
        Village, verbose_name=_("village"), primary_key=True, on_delete=models.CASCADE, related_name="figures"
    )
    changes = models.PositiveBigIntegerField(default=1)
    computed_changes = models.PositiveBigIntegerField(default=0)
    computed_on = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    households = models.PositiveIntegerField(default=0)
    members = models.PositiveIntegerField(default=0)
    cpmi = models.PositiveIntegerField(default=0)
    pmi = models.PositiveIntegerField(default=0)
    returnees = models.PositiveIntegerField(default=0)
    returnees_with_business = models.PositiveIntegerField(default=0)
    children_of_pmi = models.PositiveIntegerField(default=0)
    migrants = models.PositiveIntegerField(default=0)
    migrants_complete = models.PositiveIntegerField(default=0)
    registration_coverage = models.FloatField(null=True, blank=True)
    officers = models.PositiveIntegerField(default=0)
    officers_trained = models.PositiveIntegerField(default=0)
    activities_this_year = models.PositiveIntegerField(default=0)
    businesses = models.PositiveIntegerField(default=0)
    stage_counts = models.JSONField(default=dict)
    trainings_this_year = models.PositiveIntegerField(default=0)
    parenting_sessions_this_year = models.PositiveIntegerField(default=0)
    children_reached_this_year = models.PositiveIntegerField(default=0)
    learning_house_status = models.CharField(max_length=10, blank=True)
    cooperatives = models.PositiveIntegerField(default=0)
    cooperative_legal_status = models.CharField(max_length=20, blank=True)
    cooperative_members = models.PositiveIntegerField(default=0)
    loans = models.PositiveIntegerField(default=0)
    loans_late = models.PositiveIntegerField(default=0)
    problems_open = models.PositiveIntegerField(default=0)
    commitments_realised = models.PositiveIntegerField(default=0)
    progress_1 = models.PositiveSmallIntegerField(default=0)
    progress_2 = models.PositiveSmallIntegerField(default=0)
    progress_3 = models.PositiveSmallIntegerField(default=0)
    progress_4 = models.PositiveSmallIntegerField(default=0)
    progress_overall = models.PositiveSmallIntegerField(default=0)
    # The village dashboard's own counts (dashboards.indicators.village_counts),
    # without labels: the page adds them in the reader's language.
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("village figures")
        verbose_name_plural = _("village figures")

    def __str__(self):
        return self.village_id
