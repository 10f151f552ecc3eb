import datetime
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.indicators import overview_rows, overview_totals, village_indicators
from dashboards.templatetags.charts import progress_band
from desmigratif.access import get_village_for_user
from pillars.models import Pillar, Problem
from villages.filters import VillageFilter
from villages.models import Village
from villages.spreadsheets import write_xlsx

OPEN_PROBLEMS_SHOWN = 5
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# ?sort= -> how a row sorts. Only these; anything else falls back to the code.
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

COLUMNS = [
    # (sort key or None, heading)
    ("name", gettext_lazy("Village")),
    ("regency", gettext_lazy("Regency / province")),
    ("cohort", gettext_lazy("Cohort")),
    (None, gettext_lazy("Status")),
    ("households", gettext_lazy("Households")),
    ("pmi", gettext_lazy("PMI")),
    ("returnees", gettext_lazy("Returnees")),
    ("coverage", gettext_lazy("Registration coverage")),
    ("businesses", gettext_lazy("Businesses")),
    ("problems", gettext_lazy("Open problems")),
    ("p1", gettext_lazy("Pillar I")),
    ("p2", gettext_lazy("Pillar II")),
    ("p3", gettext_lazy("Pillar III")),
    ("p4", gettext_lazy("Pillar IV")),
    ("overall", gettext_lazy("Overall")),
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
            "progress_rows": progress_rows,
            "open_problems": open_problems,
        },
    )


def _filtered(request):
    villages = Village.objects.in_scope(request.user)
    village_filter = VillageFilter(request.GET or None, queryset=villages, user=request.user)
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
    for row in rows:
        row["url"] = prefix.replace("CODE", row["code"])
        # Plain strings: Django localises every number it renders, slowly.
        coverage = row["registration_coverage"]
        row["cells"] = [
            str(row["households"]),
            str(row["pmi"]),
            str(row["returnees"]),
            "—" if coverage is None else f"{coverage}%",
            str(row["businesses"]),
            str(row["problems_open"]),
        ]
        row["scores"] = [
            (str(row["progress"][key]), progress_band(row["progress"][key]))
            for key in ("1", "2", "3", "4", "overall")
        ]
    return rows


@login_required
def overview(request):
    village_filter, villages = _filtered(request)
    rows = _for_display(overview_rows(villages))
    sort = _sorted(rows, request.GET.get("sort", "code"))
    query = request.GET.copy()
    query.pop("sort", None)
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
                "url": f"?{query.urlencode()}",
                "current": current,
                "aria_sort": ("descending" if sort.startswith("-") else "ascending") if current else "",
            }
        )
    query.pop("sort", None)
    return render(
        request,
        "dashboards/overview.html",
        {
            "filter": village_filter,
            "rows": rows,
            "totals": overview_totals(rows),
            "headers": headers,
            "sort": sort,
            "export_query": request.GET.urlencode(),
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
def overview_xlsx(request):
    _filter, villages = _filtered(request)
    rows = overview_rows(villages)
    _sorted(rows, request.GET.get("sort", "code"))
    headings = [str(label) for _key, label in EXPORT_COLUMNS]
    sheet_rows = []
    for row in rows:
        flat = {**row, **{f"p{k}": row["progress"][k] for k in ("1", "2", "3", "4")}}
        flat["overall"] = row["progress"]["overall"]
        sheet_rows.append({str(label): flat.get(key) for key, label in EXPORT_COLUMNS})
    stream = io.BytesIO()
    write_xlsx(sheet_rows, headings, stream, _("Overview"))
    response = HttpResponse(stream.getvalue(), content_type=XLSX_CONTENT_TYPE)
    name = f"desmigratif-overview-{datetime.date.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def village_map(request):
    village_filter, villages = _filtered(request)
    rows = _for_display(overview_rows(villages))
    rows.sort(key=lambda row: (row["province"], row["regency"], row["name"]))
    points = [
        {
            "code": row["code"],
            "name": row["name"],
            "regency": row["regency"],
            "lat": row["latitude"],
            "lng": row["longitude"],
            "score": row["progress"]["overall"],
        }
        for row in rows
        if row["latitude"] is not None and row["longitude"] is not None
    ]
    return render(
        request,
        "dashboards/map.html",
        {
            "filter": village_filter,
            "rows": rows,
            "points": points,
            "without_location": len(rows) - len(points),
        },
    )
