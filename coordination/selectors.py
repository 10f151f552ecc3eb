"""Reads. Each returns what its page shows with the related rows already
fetched, so templates never query. Agencies, MOUs, commitments, programmes
and budgets are programme-level records every signed-in user reads;
realisations and the coverage matrix are per village and limited to the
user's scope."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from coordination.models import (
    MOU,
    Agency,
    BudgetLine,
    Commitment,
    NationalPriority,
    Programme,
    Realisation,
)
from desmigratif.access import scope_filter
from pillars.models import Pillar
from villages.models import Village

PILLARS = [value for value, _label in Pillar.choices]
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=15, decimal_places=0))


# Agencies -------------------------------------------------------------------------------


def agency_list(*, q="", kind=""):
    agencies = Agency.objects.select_related("area").annotate(
        mou_count=Count("mous", distinct=True),
        commitment_count=Count("commitments", distinct=True),
        programme_count=Count("programmes", distinct=True),
    )
    if kind:
        agencies = agencies.filter(kind=kind)
    q = " ".join(q.split())
    if q:
        agencies = agencies.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return agencies.order_by("short_name")


# MOUs -------------------------------------------------------------------------------------


def mou_list(*, q="", agency=None, pillar=None, valid="", today=None):
    """MOUs with their parties; ``valid`` is "yes" (valid on ``today``), "no"
    (expired or not yet signed) or empty (all)."""
    mous = MOU.objects.prefetch_related(
        Prefetch("parties", queryset=Agency.objects.order_by("short_name"))
    ).annotate(commitment_count=Count("commitments", distinct=True))
    q = " ".join(q.split())
    if q:
        mous = mous.filter(Q(number__icontains=q) | Q(title__icontains=q))
    if agency:
        mous = mous.filter(parties=agency)
    if pillar:
        mous = mous.filter(**{f"covers_pillar_{pillar}": True})
    if valid == "yes":
        mous = mous.filter(pk__in=MOU.objects.valid_on(today).values("pk"))
    elif valid == "no":
        mous = mous.exclude(pk__in=MOU.objects.valid_on(today).values("pk"))
    return mous.order_by("-signed_on", "number")


def mou_detail_queryset():
    return MOU.objects.prefetch_related(
        Prefetch("parties", queryset=Agency.objects.order_by("short_name")),
        "reach",
        Prefetch(
            "commitments", queryset=Commitment.objects.select_related("agency").order_by("pillar", "id")
        ),
    )


def mou_villages(*, mou, user):
    """Enrolled villages within the MOU's reach and the user's scope, for the
    realisation grid. The reach must be prefetched."""
    villages = Village.objects.in_scope(user)
    codes = mou.reach_codes()
    if codes:
        condition = Q()
        for code in codes:
            condition |= Q(area_id=code) | Q(area__code__startswith=f"{code}.")
        villages = villages.filter(condition)
    return villages.select_related("area__parent__parent").order_by(
        "area__parent__parent__name", "area__name"
    )


def realisation_grid(*, commitments, villages):
    """Rows of (village, [(commitment, realisation or None) per commitment])
    for a page of villages: one query for the realisations, whatever the
    page size."""
    found = {
        (r.commitment_id, r.village_id): r
        for r in Realisation.objects.filter(
            commitment__in=[c.pk for c in commitments], village__in=[v.pk for v in villages]
        )
    }
    return [(village, [(c, found.get((c.pk, village.pk))) for c in commitments]) for village in villages]


def realisation_counts(*, mou, user):
    """Per commitment id: {status: number of villages} within the user's scope."""
    counts = defaultdict(dict)
    rows = (
        Realisation.objects.in_scope(user)
        .filter(commitment__mou=mou)
        .values("commitment_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["commitment_id"]][row["status"]] = row["n"]
    return counts


# Realisations -------------------------------------------------------------------------------


def realisation_list(*, user, mou=None, agency=None, pillar=None, status="", area=""):
    realisations = Realisation.objects.in_scope(user).select_related(
        "commitment__mou", "commitment__agency", "village__area__parent__parent"
    )
    if mou:
        realisations = realisations.filter(commitment__mou=mou)
    if agency:
        realisations = realisations.filter(commitment__agency=agency)
    if pillar:
        realisations = realisations.filter(commitment__pillar=pillar)
    if status:
        realisations = realisations.filter(status=status)
    if area:
        realisations = realisations.filter(Q(village_id=area) | Q(village__area__code__startswith=f"{area}."))
    return realisations.order_by("-updated_at", "-id")


def realisation_detail_queryset(*, user):
    return Realisation.objects.in_scope(user).select_related(
        "commitment__mou", "commitment__agency", "village__area__parent__parent__parent", "updated_by"
    )


# Programmes and budgets ---------------------------------------------------------------------


def _budget_sum(column):
    return Coalesce(
        Subquery(
            BudgetLine.objects.filter(programme=OuterRef("pk"))
            .order_by()
            .values("programme")
            .annotate(total=Sum(column))
            .values("total")
        ),
        ZERO,
    )


def programme_list(*, agency=None, pillar=None, priority=None, source="", year=None, q=""):
    programmes = Programme.objects.select_related("agency", "priority__period").annotate(
        village_count=Count("villages", distinct=True),
        planned_total=_budget_sum("planned"),
        realised_total=_budget_sum("realised"),
    )
    if agency:
        programmes = programmes.filter(agency=agency)
    if pillar:
        programmes = programmes.filter(pillar=pillar)
    if priority:
        programmes = programmes.filter(priority=priority)
    if source:
        programmes = programmes.filter(
            Exists(BudgetLine.objects.filter(programme=OuterRef("pk"), source=source))
        )
    if year:
        programmes = programmes.filter(
            Exists(BudgetLine.objects.filter(programme=OuterRef("pk"), fiscal_year=year))
        )
    q = " ".join(q.split())
    if q:
        programmes = programmes.filter(
            Q(name__icontains=q) | Q(theme__icontains=q) | Q(location__icontains=q)
        )
    return programmes.order_by("-start_date", "name")


def programme_detail_queryset():
    return Programme.objects.select_related("agency", "priority__period", "mou").prefetch_related(
        Prefetch("partners", queryset=Agency.objects.order_by("short_name")),
        Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("fiscal_year", "source")),
    )


def programme_villages(*, programme, user):
    """The programme's villages in the user's scope, and how many others it has."""
    villages = programme.villages.all()
    visible = list(
        scope_filter(villages, user, "area__code")
        .select_related("area__parent__parent")
        .order_by("area__parent__parent__name", "area__name")
    )
    return visible, villages.count() - len(visible)


@dataclass
class SourceTotal:
    source: str
    label: str
    planned: Decimal = Decimal(0)
    realised: Decimal = Decimal(0)

    @property
    def percent(self):
        if not self.planned:
            return None
        return round(100 * self.realised / self.planned)


def budget_totals(budget_lines):
    """Planned and realised per funding source (in the order of the choices)
    and overall, from budget lines already fetched."""
    totals = {}
    overall = SourceTotal(source="", label=_("Total"))
    for line in budget_lines:
        total = totals.setdefault(
            line.source, SourceTotal(source=line.source, label=line.get_source_display())
        )
        total.planned += line.planned
        total.realised += line.realised
        overall.planned += line.planned
        overall.realised += line.realised
    order = {value: index for index, value in enumerate(BudgetLine.Source.values)}
    return sorted(totals.values(), key=lambda t: order[t.source]), overall


def priority_choices():
    return NationalPriority.objects.select_related("period").order_by("-period__start_year", "number")


# Overview ----------------------------------------------------------------------------------


def coordination_overview(*, user):
    realisations = Realisation.objects.in_scope(user)
    by_status = dict.fromkeys(Realisation.Status.values, 0)
    for row in realisations.values("status").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = row["n"]
    money = BudgetLine.objects.aggregate(
        planned=Coalesce(Sum("planned"), ZERO), realised=Coalesce(Sum("realised"), ZERO)
    )
    return {
        "agencies": Agency.objects.count(),
        "mous": MOU.objects.count(),
        "commitments": Commitment.objects.count(),
        "programmes": Programme.objects.count(),
        "realisations": [(status, label, by_status[status]) for status, label in Realisation.Status.choices],
        "planned": money["planned"],
        "realised": money["realised"],
    }


# Coverage matrix ----------------------------------------------------------------------------


@dataclass
class CoverageRow:
    code: str
    name: str
    district: str
    regency: str
    province: str
    # One list per pillar, in pillar order: (agency short name, how) per
    # agency covering it; how is "commitment", "programme" or "both".
    cells: list = field(default_factory=list)


@dataclass
class CoverageMatrix:
    rows: list
    # Per pillar (in order): the number of villages where no one covers it.
    uncovered: list
    # (short name, name) of every agency in the matrix, for the legend.
    agencies: list = field(default_factory=list)


def coverage_village_choices(*, user):
    """Every enrolled village in the user's scope as (code, name, district,
    regency code, regency, province code, province): the filter drop-downs
    are built from this one query."""
    return list(
        Village.objects.in_scope(user)
        .order_by("area_id")
        .values_list(
            "area_id",
            "area__name",
            "area__parent__name",
            "area__parent__parent_id",
            "area__parent__parent__name",
            "area__parent__parent__parent_id",
            "area__parent__parent__parent__name",
        )
    )


def coverage_rows(*, villages, order_by=("area_id",)):
    """The matrix's villages in order as (code, name, district, regency,
    province): a queryset, so a Paginator fetches only its page."""
    return villages.order_by(*order_by).values_list(
        "area_id",
        "area__name",
        "area__parent__name",
        "area__parent__parent__name",
        "area__parent__parent__parent__name",
    )


def _funded_programmes():
    return Programme.objects.filter(
        Exists(BudgetLine.objects.filter(programme=OuterRef("pk"), realised__gt=0))
    )


def coverage_matrix(*, villages):
    """Village x pillar: which agencies have a realised commitment (a
    Realisation with status realised) or a funded programme (a budget line
    with realised > 0) for the pillar in the village.

    ``villages`` is a queryset of Village already limited to the user's scope
    and the filters; every one of them is in the matrix (the export). Three
    queries, whatever the number of villages: the villages, the realised
    commitments and the funded programmes."""
    return _matrix(list(coverage_rows(villages=villages)), villages.values("area_id"))


def coverage_page(rows):
    """The matrix of one page of ``coverage_rows``: two queries for the
    cells, whatever the page size. Its ``uncovered`` counts only these rows;
    the page shows coverage_uncovered of the whole selection."""
    rows = list(rows)
    return _matrix(rows, [row[0] for row in rows])


def coverage_uncovered(*, villages, total):
    """Per pillar (in order), how many of the ``total`` villages of
    ``villages`` no one covers. One query that returns four numbers: the
    database counts the distinct covered (village, pillar) pairs, so the
    answer does not grow with the villages (a NOT EXISTS per village and
    pillar cost 80 ms at 500 villages)."""
    codes = villages.values("area_id")
    realised = (
        Realisation.objects.filter(status=Realisation.Status.REALISED, village_id__in=codes)
        .annotate(covered_pillar=F("commitment__pillar"))
        .values_list("village_id", "covered_pillar")
        .order_by()
    )
    funded = (
        Programme.villages.through.objects.filter(village_id__in=codes, programme__in=_funded_programmes())
        .annotate(covered_pillar=F("programme__pillar"))
        .values_list("village_id", "covered_pillar")
        .order_by()
    )
    # UNION drops the duplicates: a pair covered both ways counts once.
    pairs, params = realised.union(funded).query.sql_with_params()
    with connections[villages.db].cursor() as cursor:
        cursor.execute(
            f"SELECT covered_pillar, COUNT(*) FROM ({pairs}) AS pairs GROUP BY covered_pillar", params
        )
        covered = dict(cursor.fetchall())
    return [total - covered.get(pillar, 0) for pillar in PILLARS]


def _matrix(village_rows, codes):
    rows = [
        CoverageRow(code=code, name=name, district=district, regency=regency, province=province)
        for code, name, district, regency, province in village_rows
    ]
    # (village, pillar) -> {agency short name: [agency name, by commitment, by programme]}
    found = defaultdict(dict)
    realised = (
        Realisation.objects.filter(status=Realisation.Status.REALISED, village_id__in=codes)
        .values_list(
            "village_id", "commitment__pillar", "commitment__agency__short_name", "commitment__agency__name"
        )
        .distinct()
        .order_by()
    )
    for village, pillar, short_name, name in realised:
        found[village, pillar].setdefault(short_name, [name, False, False])[1] = True
    funded = (
        Programme.villages.through.objects.filter(village_id__in=codes, programme__in=_funded_programmes())
        .values_list(
            "village_id", "programme__pillar", "programme__agency__short_name", "programme__agency__name"
        )
        .distinct()
        .order_by()
    )
    for village, pillar, short_name, name in funded:
        found[village, pillar].setdefault(short_name, [name, False, False])[2] = True

    uncovered = [0] * len(PILLARS)
    names = {}
    for row in rows:
        for index, pillar in enumerate(PILLARS):
            agencies = found.get((row.code, pillar))
            if not agencies:
                uncovered[index] += 1
                row.cells.append([])
                continue
            cell = []
            for short_name in sorted(agencies, key=str.lower):
                name, commitment, programme = agencies[short_name]
                names[short_name] = name
                how = "both" if commitment and programme else "commitment" if commitment else "programme"
                cell.append((short_name, how))
            row.cells.append(cell)
    agencies = sorted(names.items(), key=lambda item: item[0].lower())
    return CoverageMatrix(rows=rows, uncovered=uncovered, agencies=agencies)
