import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import Coalesce, Lower
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dashboards import aggregates
from dashboards.indicators import (
    PARENTING_SESSIONS_PER_YEAR,
    SERVICE_ACTIVITIES_PER_YEAR,
    SUM_COLUMNS,
    TRAININGS_PER_YEAR,
    overview_row,
    overview_rows,
    overview_values,
    village_indicators,
)
from dashboards.templatetags.charts import progress_band
from desmigratif.access import get_village_for_user, sees_whole_country
from desmigratif.db_router import replica_ok
from desmigratif.export_views import export_or_offer
from desmigratif.exports import ExportSource
from desmigratif.models import ExportJob
from desmigratif.numbers import formatter
from desmigratif.paging import paginate
from pillars.models import Pillar, Problem
from reports.selectors import officer_report_tasks
from villages.filters import VillageFilter
from villages.models import Village

OPEN_PROBLEMS_SHOWN = 5

# ?sort= -> how a row sorts. Only these; anything else falls back to the code.
# The export sorts its rows in Python (SORTS), the overview page in the
# database (ORDERS, the same orders); ties keep the code order in both.
SORTS = {
    "code": lambda row: row["code"],
    "name": lambda row: row["name"].lower(),
    "regency": lambda row: (row["province"].lower(), row["regency"].lower(), row["name"].lower()),
    "cohort": lambda row: row["cohort_year"],
    "households": lambda row: row["households"],
    "pmi": lambda row: row["pmi"],
    "returnees": lambda row: row["returnees"],
    "coverage": lambda row: row["registration_coverage"] if row["registration_coverage"] is not None else -1,
    "businesses": lambda row: row["businesses"],
    "problems": lambda row: row["problems_open"],
    "p1": lambda row: row["progress"]["1"],
    "p2": lambda row: row["progress"]["2"],
    "p3": lambda row: row["progress"]["3"],
    "p4": lambda row: row["progress"]["4"],
    "overall": lambda row: row["progress"]["overall"],
}
ORDERS = {
    "code": [],
    "name": [Lower("area__name")],
    "regency": [
        Lower("area__parent__parent__parent__name"),
        Lower("area__parent__parent__name"),
        Lower("area__name"),
    ],
    "cohort": [F("cohort_year")],
    "households": [F("figures__households")],
    "pmi": [F("figures__pmi")],
    "returnees": [F("figures__returnees")],
    "coverage": [F("figures__registration_coverage")],
    "businesses": [F("figures__businesses")],
    "problems": [F("figures__problems_open")],
    "p1": [F("figures__progress_1")],
    "p2": [F("figures__progress_2")],
    "p3": [F("figures__progress_3")],
    "p4": [F("figures__progress_4")],
    "overall": [F("figures__progress_overall")],
}
OVERVIEW_PAGE_SIZE = 50
MAP_PAGE_SIZE = 50

# What a phone shows instead of the long headings (which screen readers still read).
SHORT_HEADINGS = {
    "overall": gettext_lazy("Score"),
    "p1": "I",
    "p2": "II",
    "p3": "III",
    "p4": "IV",
}

COLUMNS = [
    # (sort key or None, heading). The village and its scores come first: on a
    # phone the table scrolls sideways and what fits is what matters most.
    ("name", gettext_lazy("Village")),
    ("overall", gettext_lazy("Overall")),
    ("p1", gettext_lazy("Pillar I")),
    ("p2", gettext_lazy("Pillar II")),
    ("p3", gettext_lazy("Pillar III")),
    ("p4", gettext_lazy("Pillar IV")),
    ("regency", gettext_lazy("Regency / province")),
    ("cohort", gettext_lazy("Cohort")),
    (None, gettext_lazy("Status")),
    ("households", gettext_lazy("Households")),
    ("pmi", gettext_lazy("PMI")),
    ("returnees", gettext_lazy("Returnees")),
    ("coverage", gettext_lazy("Registration coverage")),
    ("businesses", gettext_lazy("Businesses")),
    ("problems", gettext_lazy("Open problems")),
]


@login_required
def village_dashboard(request, code):
    village = get_village_for_user(request.user, code)
    data = village_indicators(village)
    open_problems = list(
        Problem.objects.filter(village=village).open().order_by("-raised_on", "-id")[:OPEN_PROBLEMS_SHOWN]
    )
    progress_rows = [[str(label), data["progress"][str(number)]] for number, label in Pillar.choices]
    return render(
        request,
        "dashboards/village.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "data": data,
            # The figures keep their ISO date (the API and exports read it); the page shows a date.
            "as_of": datetime.date.fromisoformat(data["as_of"]),
            "progress_rows": progress_rows,
            "open_problems": open_problems,
            # What the village's officer must do about reports (none for other roles).
            "report_tasks": officer_report_tasks(request.user, village),
            "score_targets": {
                "activities": SERVICE_ACTIVITIES_PER_YEAR,
                "trainings": TRAININGS_PER_YEAR,
                "sessions": PARENTING_SESSIONS_PER_YEAR,
            },
        },
    )


def _filtered(request):
    return _filtered_for(request.user, request.GET)


def _filtered_for(user, query):
    villages = Village.objects.in_scope(user)
    village_filter = VillageFilter(query or None, queryset=villages, user=user)
    if village_filter.is_bound and village_filter.is_valid():
        villages = village_filter.qs
    return village_filter, villages


def _sorted(rows, sort):
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, descending = "code", False
    rows.sort(key=lambda row: row["code"])
    rows.sort(key=SORTS[key], reverse=descending)
    return ("-" if descending else "") + key


def _for_display(rows):
    """What each table row shows beyond the figures, worked out once here:
    template filters on 500 rows x 15 cells cost more than the queries."""
    prefix = reverse("dashboards:village", kwargs={"code": "CODE"})
    fmt = formatter()
    for row in rows:
        row["url"] = prefix.replace("CODE", row["code"])
        # Strings made here: Django localises every number it renders, slowly.
        row["cells"] = [
            fmt.number(row["households"]),
            fmt.number(row["pmi"]),
            fmt.number(row["returnees"]),
            fmt.percent(row["registration_coverage"]),
            fmt.number(row["businesses"]),
            fmt.number(row["problems_open"]),
        ]
        row["scores"] = [
            (str(row["progress"][key]), progress_band(row["progress"][key]))
            for key in ("overall", "1", "2", "3", "4")
        ]
    return rows


def _ordered(villages, sort):
    """``villages`` in the order of ``sort`` (a key of ORDERS, "-" for
    descending), then by code; a village not counted yet sorts as lowest."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in ORDERS:
        key, descending = "code", False
    order = [
        expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)
        for expression in ORDERS[key]
    ]
    return villages.order_by(*order, "area_id"), ("-" if descending else "") + key


def _totals(villages):
    """overview_totals over the whole filtered scope, in one query."""
    totals = villages.aggregate(
        villages=Count("pk"),
        **{name: Coalesce(Sum(f"figures__{name}"), 0) for name in SUM_COLUMNS},
        **{
            f"progress_{key}": Avg(Coalesce(f"figures__progress_{key}", 0))
            for key in ("1", "2", "3", "4", "overall")
        },
    )
    for key in ("1", "2", "3", "4", "overall"):
        average = totals[f"progress_{key}"]
        totals[f"progress_{key}"] = round(average) if average is not None else None
    return totals


@login_required
def overview(request):
    village_filter, villages = _filtered(request)
    as_of = aggregates.refresh_some(villages)
    totals = _totals(villages)
    ordered, sort = _ordered(villages, request.GET.get("sort", "code"))
    page, page_query = paginate(
        request, overview_values(ordered), per_page=OVERVIEW_PAGE_SIZE, count=totals["villages"]
    )
    rows = _for_display([overview_row(values) for values in page])
    query = request.GET.copy()
    query.pop("sort", None)
    query.pop("page", None)
    headers = []
    for key, label in COLUMNS:
        if key is None:
            headers.append({"label": label})
            continue
        current = sort.lstrip("-") == key
        next_sort = key if not current or sort.startswith("-") else f"-{key}"
        query["sort"] = next_sort
        headers.append(
            {
                "label": label,
                "short": SHORT_HEADINGS.get(key, ""),
                "url": f"?{query.urlencode()}",
                "current": current,
                "aria_sort": ("descending" if sort.startswith("-") else "ascending") if current else "",
            }
        )
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request,
        "dashboards/overview.html",
        {
            "filter": village_filter,
            "rows": rows,
            "page": page,
            "query": page_query,
            "totals": totals,
            "as_of": as_of,
            "headers": headers,
            "sort": sort,
            "export_query": export_query.urlencode(),
        },
    )


EXPORT_COLUMNS = [
    ("code", gettext_lazy("Code")),
    ("name", gettext_lazy("Village")),
    ("district", gettext_lazy("District")),
    ("regency", gettext_lazy("Regency / city")),
    ("province", gettext_lazy("Province")),
    ("cohort_year", gettext_lazy("Cohort")),
    ("status_label", gettext_lazy("Status")),
    ("households", gettext_lazy("Households")),
    ("members", gettext_lazy("Members")),
    ("cpmi", gettext_lazy("CPMI")),
    ("pmi", gettext_lazy("PMI")),
    ("returnees", gettext_lazy("Returnees")),
    ("registration_coverage", gettext_lazy("Registration coverage (%)")),
    ("officers", gettext_lazy("Active officers")),
    ("activities_this_year", gettext_lazy("Service activities this year")),
    ("businesses", gettext_lazy("Businesses")),
    ("trainings_this_year", gettext_lazy("Trainings this year")),
    ("parenting_sessions_this_year", gettext_lazy("Parenting sessions this year")),
    ("cooperative_members", gettext_lazy("Cooperative members")),
    ("loans", gettext_lazy("Loans")),
    ("problems_open", gettext_lazy("Open problems")),
    ("commitments_realised", gettext_lazy("Commitments realised")),
    ("p1", gettext_lazy("Progress pillar I")),
    ("p2", gettext_lazy("Progress pillar II")),
    ("p3", gettext_lazy("Progress pillar III")),
    ("p4", gettext_lazy("Progress pillar IV")),
    ("overall", gettext_lazy("Progress overall")),
]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def overview_xlsx(request):
    """Small exports at once; the whole country, or more villages than
    EXPORT_INLINE_MAX_ROWS, as a job (desmigratif.exports)."""
    return export_or_offer(request, overview_export(request.user, request.GET), fmt="xlsx")


# Filters that narrow the overview to part of the country.
AREA_FILTERS = ("q", "province", "regency")


def overview_export(user, query) -> ExportSource:
    """The overview as a sheet: one row per village of the filter, sorted as
    on the page."""
    _filter, villages = _filtered_for(user, query)
    columns = [str(label) for _key, label in EXPORT_COLUMNS]

    def rows():
        rows = overview_rows(villages)
        _sorted(rows, query.get("sort", "code"))
        for row in rows:
            flat = {**row, **{f"p{k}": row["progress"][k] for k in ("1", "2", "3", "4")}}
            flat["overall"] = row["progress"]["overall"]
            yield {str(label): flat.get(key) for key, label in EXPORT_COLUMNS}

    def count(limit=None):
        return (villages[: limit + 1] if limit is not None else villages).count()

    return ExportSource(
        kind=ExportJob.Kind.OVERVIEW,
        title=_("Overview of the villages"),
        filename_stem=f"desmigratif-overview-{timezone.localdate():%Y%m%d}",
        sheet_title=_("Overview"),
        columns=columns,
        rows=rows,
        count=count,
        nationwide=sees_whole_country(user) and not any(query.get(key) for key in AREA_FILTERS),
    )


@login_required
def village_map(request):
    village_filter, villages = _filtered(request)
    as_of = aggregates.refresh_some(villages)
    ordered = villages.order_by(
        "area__parent__parent__parent__name", "area__parent__parent__name", "area__name", "area_id"
    )
    page, page_query = paginate(request, overview_values(ordered), per_page=MAP_PAGE_SIZE)
    rows = _for_display([overview_row(values) for values in page])
    points_query = request.GET.copy()
    points_query.pop("page", None)
    return render(
        request,
        "dashboards/map.html",
        {
            "filter": village_filter,
            "rows": rows,
            "page": page,
            "query": page_query,
            "as_of": as_of,
            "points_url": f"{reverse('dashboards:map_points')}?{points_query.urlencode()}",
            "without_location": villages.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True)).count(),
        },
    )


@replica_ok
@login_required
def map_points(request):
    """The map's villages as compact JSON: {"points": [[code, name, regency,
    latitude, longitude, overall score], ...]} for the villages in scope
    (with the map page's filters) that have a location. Read from the stored
    figures: one query, whatever the number of members."""
    _filter, villages = _filtered(request)
    located = villages.filter(latitude__isnull=False, longitude__isnull=False).order_by("area_id")
    points = [
        [code, name, regency or "", float(lat), float(lng), score or 0]
        for code, name, regency, lat, lng, score in located.values_list(
            "area_id",
            "area__name",
            "area__parent__parent__name",
            "latitude",
            "longitude",
            "figures__progress_overall",
        )
    ]
    response = JsonResponse({"points": points})
    response["Cache-Control"] = "private, max-age=60"
    return response
