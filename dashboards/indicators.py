"""The dashboards' figures. Reads only: villages, pillars and coordination.

``village_indicators(village)`` gives everything the village dashboard shows
in a fixed number of aggregate queries; ``overview_rows(villages)`` gives the
key figures of many villages in a fixed number of grouped queries (grouped by
village), whatever the number of villages. Both return plain data (numbers,
strings, lists of [label, value]) that can be stored as JSON: periodic
reports snapshot ``village_indicators`` and the API serves both, so keep their
names and keys stable.

The progress score (0-100 per pillar, and overall) is defined in
``progress_scores`` and in the README ("Dashboards and progress score").
"""

import datetime
from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.models import MOU, BudgetLine, Commitment, Programme, Realisation
from pillars.models import (
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    ParentingSession,
    Pillar,
    Problem,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from villages.countries import country_name
from villages.models import Household, Member, Village

PILLARS = (1, 2, 3, 4)
STALE_DAYS = 365
CHILD_AGE = 18
CHILD_RELATIONS = (Member.Relation.CHILD, Member.Relation.GRANDCHILD)
MIGRANT_STATUSES = (Member.Status.CPMI, Member.Status.PMI, Member.Status.RETURNEE)

# The targets in the progress score: a year's worth of activity that earns the
# full points of an indicator (README, "Dashboards and progress score").
SERVICE_ACTIVITIES_PER_YEAR = 12
TRAININGS_PER_YEAR = 2
PARENTING_SESSIONS_PER_YEAR = 6
STAGE_WEIGHT = {Business.Stage.STARTING: 1 / 3, Business.Stage.GROWING: 2 / 3, Business.Stage.ESTABLISHED: 1}
LEGAL_POINTS = {
    Cooperative.LegalStatus.REGISTERED: 30,
    Cooperative.LegalStatus.IN_PROCESS: 20,
    Cooperative.LegalStatus.UNREGISTERED: 10,
}
LEARNING_HOUSE_POINTS = {
    LearningHouse.Status.IN_USE: 30,
    LearningHouse.Status.PREPARING: 15,
    LearningHouse.Status.RENOVATING: 15,
    LearningHouse.Status.STALLED: 5,
    LearningHouse.Status.NO_PLACE: 0,
}


# The conditions each figure counts, shared by the village and overview queries.


def _missing_required():
    """A member whose record lacks a field the registry needs for their status:
    education for everyone; destination and channel for CPMI and PMI; sector
    for PMI; the business question for returnees."""
    abroad = Q(migration_status__in=[Member.Status.CPMI, Member.Status.PMI])
    return (
        Q(education="")
        | (abroad & (Q(destination_country="") | Q(channel="")))
        | Q(migration_status=Member.Status.PMI, sector="")
        | Q(migration_status=Member.Status.RETURNEE, business_status="")
    )


MISSING_FIELDS = [
    ("education", lambda: Q(education="")),
    (
        "destination_country",
        lambda: Q(migration_status__in=[Member.Status.CPMI, Member.Status.PMI], destination_country=""),
    ),
    ("channel", lambda: Q(migration_status__in=[Member.Status.CPMI, Member.Status.PMI], channel="")),
    ("sector", lambda: Q(migration_status=Member.Status.PMI, sector="")),
    ("business_status", lambda: Q(migration_status=Member.Status.RETURNEE, business_status="")),
]


def _dates(today=None):
    today = today or timezone.localdate()
    year_start = datetime.date(today.year, 1, 1)
    stale_before = timezone.now() - datetime.timedelta(days=STALE_DAYS)
    try:
        child_born_after = today.replace(year=today.year - CHILD_AGE)
    except ValueError:  # 29 February
        child_born_after = today.replace(year=today.year - CHILD_AGE, day=28)
    return today, year_start, stale_before, child_born_after


def _member_counts(child_born_after):
    """Aggregates over members (used per village and grouped by village)."""
    migrant = Q(migration_status__in=MIGRANT_STATUSES)
    return {
        "members": Count("id"),
        "cpmi": Count("id", filter=Q(migration_status=Member.Status.CPMI)),
        "pmi": Count("id", filter=Q(migration_status=Member.Status.PMI)),
        "returnees": Count("id", filter=Q(migration_status=Member.Status.RETURNEE)),
        "family": Count("id", filter=Q(migration_status=Member.Status.FAMILY)),
        "returnees_with_business": Count(
            "id", filter=Q(migration_status=Member.Status.RETURNEE, business_status=Member.Business.HAS)
        ),
        "children_of_pmi": Count(
            "id", filter=Q(relation__in=CHILD_RELATIONS, birth_date__gt=child_born_after)
        ),
        "migrants_complete": Count("id", filter=migrant & ~_missing_required()),
        "missing_required": Count("id", filter=_missing_required()),
    }


def _percent(part, whole):
    if not whole:
        return None
    return round(100 * part / whole, 1)


def _pairs(mapping, choices):
    return [[str(label), mapping.get(value, 0)] for value, label in choices]


def _village_profile(village):
    area = village.area
    district = area.parent
    regency = district.parent if district else None
    province = regency.parent if regency else None
    return {
        "code": village.code,
        "name": area.name,
        "district": district.name if district else "",
        "regency": regency.name if regency else "",
        "province": province.name if province else "",
        "cohort_year": village.cohort_year,
        "status": village.status,
        "status_label": str(village.get_status_display()),
        "latitude": float(village.latitude) if village.latitude is not None else None,
        "longitude": float(village.longitude) if village.longitude is not None else None,
        "apparatus_total": village.apparatus_total,
        "learning_house": village.learning_house,
        "learning_house_label": str(village.get_learning_house_display()) if village.learning_house else "",
        "has_internet": village.has_internet,
        "leading_products": list(village.leading_products or []),
        "pools": [
            label
            for flag, label in (
                (village.pools_pades, "PADes"),
                (village.pools_add, "ADD"),
                (village.pools_dana_desa, "Dana Desa"),
            )
            if flag
        ],
    }


def _reach_prefixes(code):
    """ "35.24.07.2004" -> ["35", "35.24", "35.24.07", "35.24.07.2004"]: the
    area codes an MOU's reach may name to cover the village."""
    parts = code.split(".")
    return [".".join(parts[: n + 1]) for n in range(len(parts))]


def village_indicators(village, *, today=None):
    """Every figure of one village's dashboard, as JSON-serialisable data.

    ``village`` is a Village fetched with its area path
    (``Village.objects.with_area_path()``). A fixed number of queries (about
    twenty), whatever the size of the village. Keys (stable; add, never rename):

    - ``as_of`` (ISO date), ``year`` (the calendar year "this year" means)
    - ``village``: code, name, district, regency, province, cohort_year,
      status, status_label, latitude, longitude (float or None),
      apparatus_total, learning_house, learning_house_label, has_internet,
      leading_products (list), pools (list of "PADes"/"ADD"/"Dana Desa")
    - ``households``: households, members, cpmi, pmi, returnees, family,
      returnees_with_business, returnees_without_business, children_of_pmi,
      pmi_by_country ([[country, n]], most first), pmi_by_sector
      ([[sector, n]], "not recorded" last), channel ([[channel, n]] for CPMI
      and PMI: procedural, non-procedural, not recorded)
    - ``pillars``: {"1": {...}, "2": ..., "3": ..., "4": ...} (string keys,
      as JSON has them):
      "1": officers, officers_trained, registration_coverage (percent of CPMI,
      PMI and returnees with a complete record, or None), migrants,
      migrants_complete, activities_this_year, activities_by_kind
      ([[kind, n]] this year), participants_this_year, activities_total;
      "2": businesses, businesses_by_stage ([[stage, n]]), stage_counts
      ({stage value: n}), trainings_this_year, trainings_total,
      training_participants (people in this year's trainings);
      "3": parenting_sessions_this_year, parenting_sessions_total,
      children_reached_this_year, parenting_participants_this_year,
      learning_house_status, learning_house_status_label;
      "4": cooperatives, cooperative_legal_status (best of them, or ""),
      cooperative_members, loans, loans_amount, loans_outstanding,
      loans_late, loans_kur (amounts as int rupiah)
    - ``problems``: open (total), by_pillar ([[pillar label, open n]]),
      open_by_pillar ({"1": n, ...})
    - ``coordination``: commitments_applicable, commitments_realised,
      commitments_in_progress, by_pillar ([[pillar label, realised,
      applicable]]), agencies_by_pillar ([[pillar label, [short names]]]),
      budget_by_source ([[source label, planned, realised]] of the
      programmes that include the village, whole programme amounts),
      budget_planned, budget_realised
    - ``completeness``: members_missing_required, missing_by_field
      ([[field label, n]]), households_stale, members_stale (not updated for
      365 days), stale_days
    - ``progress``: {"1": 0-100, "2", "3", "4", "overall"} (progress_scores)
    """
    today, year_start, stale_before, child_born_after = _dates(today)
    members = Member.objects.filter(household__village=village).order_by()

    counts = members.aggregate(
        **_member_counts(child_born_after),
        members_stale=Count("id", filter=Q(updated_at__lt=stale_before)),
        **{f"missing_{name}": Count("id", filter=condition()) for name, condition in MISSING_FIELDS},
        **{
            f"sector_{value}": Count("id", filter=Q(migration_status=Member.Status.PMI, sector=value))
            for value in [*Member.Sector.values, ""]
        },
        **{
            f"channel_{value}": Count(
                "id", filter=Q(migration_status__in=[Member.Status.CPMI, Member.Status.PMI], channel=value)
            )
            for value in [*Member.Channel.values, ""]
        },
    )
    household_counts = Household.objects.filter(village=village).aggregate(
        n=Count("id"), stale=Count("id", filter=Q(updated_at__lt=stale_before))
    )
    pmi = members.filter(migration_status=Member.Status.PMI)
    by_country = list(
        pmi.values("destination_country").annotate(n=Count("id")).order_by("-n", "destination_country")
    )
    by_sector = {value: counts[f"sector_{value}"] for value in [*Member.Sector.values, ""]}
    by_channel = {value: counts[f"channel_{value}"] for value in [*Member.Channel.values, ""]}
    not_recorded = _("not recorded")
    households = {
        "households": household_counts["n"],
        "members": counts["members"],
        "cpmi": counts["cpmi"],
        "pmi": counts["pmi"],
        "returnees": counts["returnees"],
        "family": counts["family"],
        "returnees_with_business": counts["returnees_with_business"],
        "returnees_without_business": counts["returnees"] - counts["returnees_with_business"],
        "children_of_pmi": counts["children_of_pmi"],
        "pmi_by_country": [
            [
                country_name(row["destination_country"]) if row["destination_country"] else not_recorded,
                row["n"],
            ]
            for row in by_country
        ],
        "pmi_by_sector": _pairs(by_sector, Member.Sector.choices) + [[not_recorded, by_sector.get("", 0)]],
        "channel": _pairs(by_channel, Member.Channel.choices) + [[not_recorded, by_channel.get("", 0)]],
    }

    # Pillar I
    officers = ServiceOfficer.objects.filter(village=village, active=True).aggregate(
        n=Count("id"), trained=Count("id", filter=Q(trained=True))
    )
    activities = ServiceActivity.objects.filter(village=village).order_by()
    by_kind = list(
        activities.values("kind").annotate(
            all_years=Count("id"),
            n=Count("id", filter=Q(date__gte=year_start)),
            people=Sum("participant_count", filter=Q(date__gte=year_start)),
        )
    )
    this_year = {row["kind"]: row for row in by_kind}
    migrants = counts["cpmi"] + counts["pmi"] + counts["returnees"]
    pillar_1 = {
        "officers": officers["n"],
        "officers_trained": officers["trained"],
        "migrants": migrants,
        "migrants_complete": counts["migrants_complete"],
        "registration_coverage": _percent(counts["migrants_complete"], migrants),
        "activities_this_year": sum(row["n"] for row in this_year.values()),
        "activities_by_kind": [
            [str(label), this_year[kind]["n"] if kind in this_year else 0]
            for kind, label in ServiceActivity.Kind.choices
        ],
        "participants_this_year": sum(row["people"] or 0 for row in this_year.values()),
        "activities_total": sum(row["all_years"] for row in by_kind),
    }

    # Pillar II
    stages = {
        row["stage"]: row["n"]
        for row in Business.objects.filter(village=village).order_by().values("stage").annotate(n=Count("id"))
    }
    trainings = Training.objects.filter(village=village).aggregate(
        total=Count("id", distinct=True),
        this_year=Count("id", distinct=True, filter=Q(start_date__gte=year_start)),
        people=Count("participants", filter=Q(start_date__gte=year_start)),
    )
    pillar_2 = {
        "businesses": sum(stages.values()),
        "businesses_by_stage": _pairs(stages, Business.Stage.choices),
        "stage_counts": {stage: stages.get(stage, 0) for stage in Business.Stage.values},
        "trainings_this_year": trainings["this_year"],
        "trainings_total": trainings["total"],
        "training_participants": trainings["people"],
    }

    # Pillar III
    sessions = ParentingSession.objects.filter(village=village).aggregate(
        total=Count("id"),
        this_year=Count("id", filter=Q(date__gte=year_start)),
        children=Sum("children_reached", filter=Q(date__gte=year_start)),
    )
    participants = ParentingSession.participants.through.objects.filter(
        parentingsession__village=village, parentingsession__date__gte=year_start
    ).count()
    house = LearningHouse.objects.filter(village=village).values_list("status", flat=True).first()
    pillar_3 = {
        "parenting_sessions_this_year": sessions["this_year"],
        "parenting_sessions_total": sessions["total"],
        "children_reached_this_year": sessions["children"] or 0,
        "parenting_participants_this_year": participants,
        "learning_house_status": house or "",
        "learning_house_status_label": str(LearningHouse.Status(house).label) if house else "",
    }

    # Pillar IV
    cooperatives = list(
        Cooperative.objects.filter(village=village).values_list("legal_status", flat=True).order_by()
    )
    coop_members = (
        Cooperative.members.through.objects.filter(cooperative__village=village)
        .values("member_id")
        .distinct()
        .count()
    )
    loans = Loan.objects.filter(cooperative__village=village).aggregate(
        n=Count("id"),
        lent=Sum("amount"),
        owed=Sum(F("amount") - F("repaid_amount"), filter=~Q(status=Loan.Status.WRITTEN_OFF)),
        late=Count("id", filter=Q(status__in=[Loan.Status.LATE, Loan.Status.WRITTEN_OFF])),
        kur=Count("id", filter=Q(scheme=Loan.Scheme.KUR)),
    )
    pillar_4 = {
        "cooperatives": len(cooperatives),
        "cooperative_legal_status": _best_legal_status(cooperatives),
        "cooperative_members": coop_members,
        "loans": loans["n"],
        "loans_amount": int(loans["lent"] or 0),
        "loans_outstanding": int(loans["owed"] or 0),
        "loans_late": loans["late"],
        "loans_kur": loans["kur"],
    }

    # Problems
    open_by_pillar = {
        row["pillar"]: row["n"]
        for row in Problem.objects.filter(village=village)
        .open()
        .order_by()
        .values("pillar")
        .annotate(n=Count("id"))
    }
    problems = {
        "open": sum(open_by_pillar.values()),
        "by_pillar": [[str(label), open_by_pillar.get(p, 0)] for p, label in Pillar.choices],
        "open_by_pillar": {str(p): open_by_pillar.get(p, 0) for p in PILLARS},
    }

    coordination = _village_coordination(village)
    completeness = {
        "members_missing_required": counts["missing_required"],
        "missing_by_field": [
            [str(Member._meta.get_field(name).verbose_name), counts[f"missing_{name}"]]
            for name, _condition in MISSING_FIELDS
        ],
        "households_stale": household_counts["stale"],
        "members_stale": counts["members_stale"],
        "stale_days": STALE_DAYS,
    }
    result = {
        "as_of": today.isoformat(),
        "year": today.year,
        "village": _village_profile(village),
        "households": households,
        "pillars": {"1": pillar_1, "2": pillar_2, "3": pillar_3, "4": pillar_4},
        "problems": problems,
        "coordination": coordination,
        "completeness": completeness,
    }
    result["progress"] = {
        str(k): v for k, v in progress_scores(_score_inputs_from_indicators(result)).items()
    }
    return result


def _best_legal_status(statuses):
    for status in LEGAL_POINTS:
        if status in statuses:
            return str(status)
    return ""


def _village_coordination(village):
    prefixes = _reach_prefixes(village.code)
    applicable_mous = MOU.objects.filter(
        ~Exists(MOU.reach.through.objects.filter(mou=OuterRef("pk")))
        | Exists(MOU.reach.through.objects.filter(mou=OuterRef("pk"), area_id__in=prefixes))
    )
    applicable = {
        row["pillar"]: row["n"]
        for row in Commitment.objects.filter(mou__in=applicable_mous)
        .order_by()
        .values("pillar")
        .annotate(n=Count("id"))
    }
    statuses = defaultdict(dict)
    for row in (
        Realisation.objects.filter(village=village)
        .order_by()
        .values("commitment__pillar", "status")
        .annotate(n=Count("id"))
    ):
        statuses[row["commitment__pillar"]][row["status"]] = row["n"]
    realised = {p: statuses[p].get(Realisation.Status.REALISED, 0) for p in PILLARS}

    agencies = defaultdict(set)
    for pillar, name in (
        Realisation.objects.filter(village=village, status=Realisation.Status.REALISED)
        .values_list("commitment__pillar", "commitment__agency__short_name")
        .distinct()
        .order_by()
    ):
        agencies[pillar].add(name)
    funded = Programme.objects.filter(
        villages=village, pk__in=BudgetLine.objects.filter(realised__gt=0).values("programme_id")
    )
    for pillar, name in funded.values_list("pillar", "agency__short_name").distinct().order_by():
        agencies[pillar].add(name)

    money = {
        row["source"]: row
        for row in BudgetLine.objects.filter(programme__villages=village)
        .order_by()
        .values("source")
        .annotate(planned_sum=Sum("planned"), realised_sum=Sum("realised"))
    }
    budget = [
        [str(label), int(money[source]["planned_sum"] or 0), int(money[source]["realised_sum"] or 0)]
        for source, label in BudgetLine.Source.choices
        if source in money
    ]
    return {
        "commitments_applicable": sum(applicable.values()),
        "commitments_realised": sum(realised.values()),
        "commitments_in_progress": sum(statuses[p].get(Realisation.Status.IN_PROGRESS, 0) for p in PILLARS),
        "by_pillar": [[str(label), realised[p], applicable.get(p, 0)] for p, label in Pillar.choices],
        "agencies_by_pillar": [
            [str(label), sorted(agencies.get(p, ()), key=str.lower)] for p, label in Pillar.choices
        ],
        "budget_by_source": budget,
        "budget_planned": sum(line[1] for line in budget),
        "budget_realised": sum(line[2] for line in budget),
    }


# The progress score ----------------------------------------------------------------------


def _share(part, whole):
    return min(part / whole, 1) if whole else 0


def progress_scores(row):
    """Progress per pillar (0-100, whole numbers) and overall (their mean)
    from the score inputs of one village (the keys of an overview row).

    I Migration services: 30 a trained active officer at the desk (15 when
      the officers are untrained), 30 service activities this year (12 =
      one a month earns all), 40 registration coverage (share of CPMI, PMI
      and returnees whose record is complete).
    II Productive business: 40 the businesses' stage (starting 1/3, growing
      2/3, established 1, averaged), 30 trainings this year (2 earn all), 30
      the share of returnees who have a business (without returnees: 30 when
      there is any business).
    III Community parenting: 30 the learning house (in use 30, being prepared
      or renovated 15, stalled 5), 40 parenting sessions this year (6 earn
      all), 30 children reached this year against the children (under 18) in
      PMI households (without children recorded: 30 when any were reached).
    IV Cooperative: 30 a cooperative (legal entity 30, registration in
      process 20, not registered 10), 40 cooperative members against the
      registered households, 30 the share of loans not in arrears or written
      off (no loans: 0).
    """
    officer = 30 if row["officers_trained"] else 15 if row["officers"] else 0
    pillar_1 = (
        officer
        + 30 * _share(row["activities_this_year"], SERVICE_ACTIVITIES_PER_YEAR)
        + 40 * _share(row["migrants_complete"], row["migrants"])
    )
    stage_counts = row["stage_counts"]
    businesses = sum(stage_counts.values())
    stage = (
        sum(STAGE_WEIGHT[s] * n for s, n in stage_counts.items() if s in STAGE_WEIGHT) / businesses
        if businesses
        else 0
    )
    if row["returnees"]:
        with_business = _share(row["returnees_with_business"], row["returnees"])
    else:
        with_business = 1 if businesses else 0
    pillar_2 = 40 * stage + 30 * _share(row["trainings_this_year"], TRAININGS_PER_YEAR) + 30 * with_business
    house = LEARNING_HOUSE_POINTS.get(row["learning_house_status"], 0)
    if row["children_of_pmi"]:
        reached = _share(row["children_reached_this_year"], row["children_of_pmi"])
    else:
        reached = 1 if row["children_reached_this_year"] else 0
    pillar_3 = (
        house + 40 * _share(row["parenting_sessions_this_year"], PARENTING_SESSIONS_PER_YEAR) + 30 * reached
    )
    legal = LEGAL_POINTS.get(row["cooperative_legal_status"], 0)
    pillar_4 = (
        legal
        + 40 * _share(row["cooperative_members"], row["households"])
        + 30 * _share(row["loans"] - row["loans_late"], row["loans"])
    )
    scores = {1: round(pillar_1), 2: round(pillar_2), 3: round(pillar_3), 4: round(pillar_4)}
    scores["overall"] = round(sum(scores[p] for p in PILLARS) / 4)
    return scores


SCORE_INPUTS = [
    "officers",
    "officers_trained",
    "activities_this_year",
    "migrants",
    "migrants_complete",
    "stage_counts",
    "returnees",
    "returnees_with_business",
    "trainings_this_year",
    "learning_house_status",
    "parenting_sessions_this_year",
    "children_reached_this_year",
    "children_of_pmi",
    "cooperative_legal_status",
    "cooperative_members",
    "households",
    "loans",
    "loans_late",
]


def _score_inputs_from_indicators(data):
    hh, p = data["households"], data["pillars"]
    return {
        "officers": p["1"]["officers"],
        "officers_trained": p["1"]["officers_trained"],
        "activities_this_year": p["1"]["activities_this_year"],
        "migrants": p["1"]["migrants"],
        "migrants_complete": p["1"]["migrants_complete"],
        "stage_counts": p["2"]["stage_counts"],
        "returnees": hh["returnees"],
        "returnees_with_business": hh["returnees_with_business"],
        "trainings_this_year": p["2"]["trainings_this_year"],
        "learning_house_status": p["3"]["learning_house_status"],
        "parenting_sessions_this_year": p["3"]["parenting_sessions_this_year"],
        "children_reached_this_year": p["3"]["children_reached_this_year"],
        "children_of_pmi": hh["children_of_pmi"],
        "cooperative_legal_status": p["4"]["cooperative_legal_status"],
        "cooperative_members": p["4"]["cooperative_members"],
        "households": hh["households"],
        "loans": p["4"]["loans"],
        "loans_late": p["4"]["loans_late"],
    }


# Many villages at once ---------------------------------------------------------------------


def overview_rows(villages, *, today=None):
    """One dict per village of ``villages`` (a Village queryset, already
    limited to the user's scope and filters), in code order, with:

    code, name, district, regency, province, province_code, regency_code,
    cohort_year, status, status_label, latitude, longitude, households,
    members, cpmi, pmi, returnees, returnees_with_business, children_of_pmi,
    migrants, migrants_complete, registration_coverage, officers,
    officers_trained, activities_this_year, businesses, stage_counts,
    trainings_this_year, parenting_sessions_this_year,
    children_reached_this_year, learning_house_status, cooperatives,
    cooperative_legal_status, cooperative_members, loans, loans_late,
    problems_open, commitments_realised, progress ({"1".."4", "overall"}).

    A fixed number of grouped queries (grouped by village), whatever the
    number of villages."""
    today, year_start, stale_before, child_born_after = _dates(today)
    ids = villages.order_by().values("area_id")
    rows = {}
    for values in villages.order_by("area_id").values(
        "area_id",
        "area__name",
        "area__parent__name",
        "area__parent__parent_id",
        "area__parent__parent__name",
        "area__parent__parent__parent_id",
        "area__parent__parent__parent__name",
        "cohort_year",
        "status",
        "latitude",
        "longitude",
    ):
        rows[values["area_id"]] = {
            "code": values["area_id"],
            "name": values["area__name"],
            "district": values["area__parent__name"] or "",
            "regency_code": values["area__parent__parent_id"] or "",
            "regency": values["area__parent__parent__name"] or "",
            "province_code": values["area__parent__parent__parent_id"] or "",
            "province": values["area__parent__parent__parent__name"] or "",
            "cohort_year": values["cohort_year"],
            "status": values["status"],
            "status_label": str(Village.Status(values["status"]).label),
            "latitude": float(values["latitude"]) if values["latitude"] is not None else None,
            "longitude": float(values["longitude"]) if values["longitude"] is not None else None,
            "households": 0,
            "members": 0,
            "cpmi": 0,
            "pmi": 0,
            "returnees": 0,
            "returnees_with_business": 0,
            "children_of_pmi": 0,
            "migrants": 0,
            "migrants_complete": 0,
            "officers": 0,
            "officers_trained": 0,
            "activities_this_year": 0,
            "businesses": 0,
            "stage_counts": dict.fromkeys(Business.Stage.values, 0),
            "trainings_this_year": 0,
            "parenting_sessions_this_year": 0,
            "children_reached_this_year": 0,
            "learning_house_status": "",
            "cooperatives": 0,
            "cooperative_legal_status": "",
            "cooperative_members": 0,
            "loans": 0,
            "loans_late": 0,
            "problems_open": 0,
            "commitments_realised": 0,
        }
    if not rows:
        return []

    def grouped(queryset, field, **aggregates):
        return queryset.filter(**{f"{field}__in": ids}).order_by().values(field).annotate(**aggregates)

    registry = _registry_figures(rows, ids, child_born_after)
    for code, figures in registry.items():
        if code in rows:
            rows[code].update(figures)
    for r in grouped(
        ServiceOfficer.objects.filter(active=True),
        "village_id",
        n=Count("id"),
        trained=Count("id", filter=Q(trained=True)),
    ):
        rows[r["village_id"]].update(officers=r["n"], officers_trained=r["trained"])
    for r in grouped(ServiceActivity.objects.filter(date__gte=year_start), "village_id", n=Count("id")):
        rows[r["village_id"]]["activities_this_year"] = r["n"]
    for r in (
        Business.objects.filter(village_id__in=ids)
        .order_by()
        .values("village_id", "stage")
        .annotate(n=Count("id"))
    ):
        row = rows[r["village_id"]]
        row["stage_counts"][r["stage"]] = r["n"]
        row["businesses"] += r["n"]
    for r in grouped(Training.objects.filter(start_date__gte=year_start), "village_id", n=Count("id")):
        rows[r["village_id"]]["trainings_this_year"] = r["n"]
    for r in grouped(
        ParentingSession.objects.filter(date__gte=year_start),
        "village_id",
        n=Count("id"),
        children=Sum("children_reached"),
    ):
        rows[r["village_id"]].update(
            parenting_sessions_this_year=r["n"], children_reached_this_year=r["children"] or 0
        )
    for code, status in LearningHouse.objects.filter(village_id__in=ids).values_list("village_id", "status"):
        rows[code]["learning_house_status"] = status
    legal = defaultdict(list)
    for code, status in Cooperative.objects.filter(village_id__in=ids).values_list(
        "village_id", "legal_status"
    ):
        legal[code].append(status)
    for code, statuses in legal.items():
        rows[code].update(cooperatives=len(statuses), cooperative_legal_status=_best_legal_status(statuses))
    for r in grouped(
        Cooperative.members.through.objects,
        "cooperative__village_id",
        n=Count("member_id", distinct=True),
    ):
        rows[r["cooperative__village_id"]]["cooperative_members"] = r["n"]
    for r in grouped(
        Loan.objects,
        "cooperative__village_id",
        n=Count("id"),
        late=Count("id", filter=Q(status__in=[Loan.Status.LATE, Loan.Status.WRITTEN_OFF])),
    ):
        rows[r["cooperative__village_id"]].update(loans=r["n"], loans_late=r["late"])
    for r in grouped(Problem.objects.open(), "village_id", n=Count("id")):
        rows[r["village_id"]]["problems_open"] = r["n"]
    for r in grouped(
        Realisation.objects.filter(status=Realisation.Status.REALISED), "village_id", n=Count("id")
    ):
        rows[r["village_id"]]["commitments_realised"] = r["n"]

    result = []
    for row in rows.values():
        row["registration_coverage"] = _percent(row["migrants_complete"], row["migrants"])
        row["progress"] = {str(k): v for k, v in progress_scores(row).items()}
        result.append(row)
    return result


# Above this many villages the overview reads the registry figures (members
# and households per village: a scan of the whole member table) from a
# national cache entry, refreshed when a household or member is added and at
# least every REGISTRY_CACHE_SECONDS; below it, it counts them afresh.
FRESH_REGISTRY_VILLAGES = 60
REGISTRY_CACHE_SECONDS = 300
REGISTRY_FIGURES = [
    "members",
    "cpmi",
    "pmi",
    "returnees",
    "returnees_with_business",
    "children_of_pmi",
    "migrants_complete",
]


def _count_registry(ids, child_born_after):
    """{village code: {households, members, cpmi, ...}} for the villages of ``ids``."""
    figures = defaultdict(lambda: dict.fromkeys([*REGISTRY_FIGURES, "households", "migrants"], 0))
    member_counts = _member_counts(child_born_after)
    members = Member.objects.order_by()
    households = Household.objects.order_by()
    if ids is not None:
        members = members.filter(household__village_id__in=ids)
        households = households.filter(village_id__in=ids)
    for r in members.values("household__village_id").annotate(
        **{name: member_counts[name] for name in REGISTRY_FIGURES}
    ):
        row = figures[r["household__village_id"]]
        row.update({name: r[name] for name in REGISTRY_FIGURES})
        row["migrants"] = r["cpmi"] + r["pmi"] + r["returnees"]
    for r in households.values("village_id").annotate(n=Count("id")):
        figures[r["village_id"]]["households"] = r["n"]
    return dict(figures)


def _registry_figures(rows, ids, child_born_after):
    if len(rows) <= FRESH_REGISTRY_VILLAGES:
        return _count_registry(ids, child_born_after)
    # The key changes as soon as a member or household is added; edits show
    # within REGISTRY_CACHE_SECONDS.
    newest = (
        Member.objects.aggregate(m=Max("id"))["m"],
        Household.objects.aggregate(h=Max("id"))["h"],
    )
    key = f"dashboards:registry:{child_born_after.isoformat()}:{newest[0]}:{newest[1]}"
    figures = cache.get(key)
    if figures is None:
        figures = _count_registry(None, child_born_after)
        cache.set(key, figures, REGISTRY_CACHE_SECONDS)
    return figures


# The columns the overview sorts on and totals ------------------------------------------------

SUM_COLUMNS = [
    "households",
    "members",
    "cpmi",
    "pmi",
    "returnees",
    "officers",
    "activities_this_year",
    "businesses",
    "trainings_this_year",
    "parenting_sessions_this_year",
    "cooperative_members",
    "loans",
    "problems_open",
    "commitments_realised",
]


def overview_totals(rows):
    totals = {name: sum(row[name] for row in rows) for name in SUM_COLUMNS}
    totals["villages"] = len(rows)
    for key in ("1", "2", "3", "4", "overall"):
        totals[f"progress_{key}"] = (
            round(sum(row["progress"][key] for row in rows) / len(rows)) if rows else None
        )
    return totals
