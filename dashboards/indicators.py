"""The dashboards' figures. Reads villages, pillars and coordination, and the
figures stored per village (dashboards.aggregates, which stores what
``village_counts`` counts).

``village_indicators(village)`` gives everything the village dashboard shows
from the village's stored counts (counted afresh when stale) and a few
queries for MOUs and programmes; ``overview_rows(villages)`` gives the key
figures of many villages from their stored figures, in a fixed number of
queries whatever the number of villages. Both return plain data (numbers,
strings, lists of [label, value]) that can be stored as JSON: periodic
reports snapshot ``village_indicators`` and the API serves both, so keep their
names and keys stable.

The progress score (0-100 per pillar, and overall) is defined in
``progress_scores`` and in the README ("Dashboards and progress score").
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
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


def village_counts(village_id, *, today=None):
    """The counts behind one village's dashboard, without labels: plain JSON
    (numbers, value -> n mappings) that dashboards.aggregates stores with the
    village's figures. A fixed number of aggregate queries (about eighteen),
    whatever the size of the village. Everything in it depends only on the
    village's own records and the date; MOU reach and programmes (shared by
    many villages) are read afresh by village_indicators."""
    today, year_start, stale_before, child_born_after = _dates(today)
    members = Member.objects.filter(household__village_id=village_id).order_by()
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
    household_counts = Household.objects.filter(village_id=village_id).aggregate(
        n=Count("id"), stale=Count("id", filter=Q(updated_at__lt=stale_before))
    )
    by_country = [
        [row["destination_country"], row["n"]]
        for row in members.filter(migration_status=Member.Status.PMI)
        .values("destination_country")
        .annotate(n=Count("id"))
        .order_by("-n", "destination_country")
    ]
    officers = ServiceOfficer.objects.filter(village_id=village_id, active=True).aggregate(
        n=Count("id"), trained=Count("id", filter=Q(trained=True))
    )
    activities = {
        row["kind"]: [row["all_years"], row["n"], row["people"] or 0]
        for row in ServiceActivity.objects.filter(village_id=village_id)
        .order_by()
        .values("kind")
        .annotate(
            all_years=Count("id"),
            n=Count("id", filter=Q(date__gte=year_start)),
            people=Sum("participant_count", filter=Q(date__gte=year_start)),
        )
    }
    stages = {
        row["stage"]: row["n"]
        for row in Business.objects.filter(village_id=village_id)
        .order_by()
        .values("stage")
        .annotate(n=Count("id"))
    }
    trainings = Training.objects.filter(village_id=village_id).aggregate(
        total=Count("id", distinct=True),
        this_year=Count("id", distinct=True, filter=Q(start_date__gte=year_start)),
        people=Count("participants", filter=Q(start_date__gte=year_start)),
    )
    sessions = ParentingSession.objects.filter(village_id=village_id).aggregate(
        total=Count("id"),
        this_year=Count("id", filter=Q(date__gte=year_start)),
        children=Sum("children_reached", filter=Q(date__gte=year_start)),
    )
    session_participants = ParentingSession.participants.through.objects.filter(
        parentingsession__village_id=village_id, parentingsession__date__gte=year_start
    ).count()
    house = LearningHouse.objects.filter(village_id=village_id).values_list("status", flat=True).first()
    cooperatives = list(
        Cooperative.objects.filter(village_id=village_id).values_list("legal_status", flat=True).order_by()
    )
    coop_members = (
        Cooperative.members.through.objects.filter(cooperative__village_id=village_id)
        .values("member_id")
        .distinct()
        .count()
    )
    loans = Loan.objects.filter(cooperative__village_id=village_id).aggregate(
        n=Count("id"),
        lent=Sum("amount"),
        owed=Sum(F("amount") - F("repaid_amount"), filter=~Q(status=Loan.Status.WRITTEN_OFF)),
        late=Count("id", filter=Q(status__in=[Loan.Status.LATE, Loan.Status.WRITTEN_OFF])),
        kur=Count("id", filter=Q(scheme=Loan.Scheme.KUR)),
    )
    open_by_pillar = {
        str(row["pillar"]): row["n"]
        for row in Problem.objects.filter(village_id=village_id)
        .open()
        .order_by()
        .values("pillar")
        .annotate(n=Count("id"))
    }
    realisations = defaultdict(dict)
    for row in (
        Realisation.objects.filter(village_id=village_id)
        .order_by()
        .values("commitment__pillar", "status")
        .annotate(n=Count("id"))
    ):
        realisations[str(row["commitment__pillar"])][row["status"]] = row["n"]
    return {
        "as_of": today.isoformat(),
        "members": counts,
        "households": household_counts,
        "pmi_by_country": by_country,
        "officers": officers,
        "activities": activities,
        "stages": stages,
        "trainings": trainings,
        "sessions": {**sessions, "children": sessions["children"] or 0, "participants": session_participants},
        "learning_house": house or "",
        "cooperatives": cooperatives,
        "cooperative_members": coop_members,
        "loans": {key: int(value or 0) for key, value in loans.items()},
        "problems_open_by_pillar": open_by_pillar,
        "realisations": dict(realisations),
    }


def overview_figures(counts):
    """The overview row's figures and progress of one village from its
    village_counts: the columns of dashboards.models.VillageFigures."""
    members = counts["members"]
    stages = counts["stages"]
    migrants = members["cpmi"] + members["pmi"] + members["returnees"]
    row = {
        "households": counts["households"]["n"],
        "members": members["members"],
        "cpmi": members["cpmi"],
        "pmi": members["pmi"],
        "returnees": members["returnees"],
        "returnees_with_business": members["returnees_with_business"],
        "children_of_pmi": members["children_of_pmi"],
        "migrants": migrants,
        "migrants_complete": members["migrants_complete"],
        "registration_coverage": _percent(members["migrants_complete"], migrants),
        "officers": counts["officers"]["n"],
        "officers_trained": counts["officers"]["trained"],
        "activities_this_year": sum(n for _all, n, _people in counts["activities"].values()),
        "businesses": sum(stages.values()),
        "stage_counts": {stage: stages.get(stage, 0) for stage in Business.Stage.values},
        "trainings_this_year": counts["trainings"]["this_year"],
        "parenting_sessions_this_year": counts["sessions"]["this_year"],
        "children_reached_this_year": counts["sessions"]["children"],
        "learning_house_status": counts["learning_house"],
        "cooperatives": len(counts["cooperatives"]),
        "cooperative_legal_status": _best_legal_status(counts["cooperatives"]),
        "cooperative_members": counts["cooperative_members"],
        "loans": counts["loans"]["n"],
        "loans_late": counts["loans"]["late"],
        "problems_open": sum(counts["problems_open_by_pillar"].values()),
        "commitments_realised": sum(
            statuses.get(Realisation.Status.REALISED, 0) for statuses in counts["realisations"].values()
        ),
    }
    row["progress"] = {str(k): v for k, v in progress_scores(row).items()}
    return row


def village_indicators(village, *, today=None):
    """Every figure of one village's dashboard, as JSON-serialisable data.

    ``village`` is a Village fetched with its area path
    (``Village.objects.with_area_path()``). The village's own counts come from
    its stored figures when they are current (dashboards.aggregates), else
    they are counted (about eighteen queries) and stored; MOU reach and
    programmes are read afresh (about six queries). Keys (stable; add, never
    rename):

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
    from dashboards import aggregates

    if today is None:
        counts = aggregates.current_counts(village.pk)
        today = datetime.date.fromisoformat(counts["as_of"])
    else:
        counts = village_counts(village.pk, today=today)
    return _labelled(counts, village, today)


def village_indicators_as_of(village, day):
    """The village's indicators as they stood at the end of ``day`` (a past
    quarter's last day, for a report submitted late): households and members
    as the change history (django-simple-history) had them that evening,
    records dated after ``day`` (activities, trainings, sessions) left out of
    "this year". Other records (businesses, cooperatives, loans, problems,
    MOU realisations) have no history and count as they are now."""
    counts = village_counts(village.pk, today=day)
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    counts.update(_registry_counts_as_of(village.pk, day, end))
    _drop_after(counts, village.pk, day)
    return _labelled(counts, village, day)


def _as_of(model, history, end, **village):
    """The rows of ``model`` as they stood before ``end``: each record's last
    historical version (not a deletion), and records without any history
    (loaded before the history was kept) as they are, if created by then."""
    latest = (
        history.objects.filter(id=OuterRef("id"), history_date__lt=end)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    versions = (
        history.objects.filter(history_date__lt=end, **village)
        .filter(history_id=Subquery(latest))
        .exclude(history_type="-")
        .order_by()
    )
    unrecorded = (
        model.objects.filter(created_at__lt=end, **village)
        .exclude(Exists(history.objects.filter(id=OuterRef("id"))))
        .order_by()
    )
    return versions, unrecorded


def _add(a, b):
    return {key: (a[key] or 0) + (b[key] or 0) for key in a}


def _registry_counts_as_of(village_id, day, end):
    _today, _year_start, _stale, child_born_after = _dates(day)
    stale_before = end - datetime.timedelta(days=STALE_DAYS)
    shared = {
        **_member_counts(child_born_after),
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
    }
    versions, unrecorded = _as_of(Member, Member.history.model, end, household__village_id=village_id)
    # History versions do not keep updated_at: the version's own date is when it was last saved.
    members = _add(
        versions.aggregate(**shared, members_stale=Count("id", filter=Q(history_date__lt=stale_before))),
        unrecorded.aggregate(**shared, members_stale=Count("id", filter=Q(updated_at__lt=stale_before))),
    )
    by_country = defaultdict(int)
    for rows in (versions, unrecorded):
        for row in (
            rows.filter(migration_status=Member.Status.PMI)
            .values("destination_country")
            .annotate(n=Count("id"))
            .order_by()
        ):
            by_country[row["destination_country"]] += row["n"]
    h_versions, h_unrecorded = _as_of(Household, Household.history.model, end, village_id=village_id)
    households = _add(
        h_versions.aggregate(n=Count("id"), stale=Count("id", filter=Q(history_date__lt=stale_before))),
        h_unrecorded.aggregate(n=Count("id"), stale=Count("id", filter=Q(updated_at__lt=stale_before))),
    )
    return {
        "members": members,
        "households": households,
        "pmi_by_country": [
            [country, n] for country, n in sorted(by_country.items(), key=lambda item: (-item[1], item[0]))
        ],
    }


def _drop_after(counts, village_id, day):
    """ "This year" ends on ``day``: activities, trainings and sessions dated later are not counted."""
    year_start = datetime.date(day.year, 1, 1)
    counts["activities"] = {
        row["kind"]: [row["all_years"], row["n"], row["people"] or 0]
        for row in ServiceActivity.objects.filter(village_id=village_id, date__lte=day)
        .order_by()
        .values("kind")
        .annotate(
            all_years=Count("id"),
            n=Count("id", filter=Q(date__gte=year_start)),
            people=Sum("participant_count", filter=Q(date__gte=year_start)),
        )
    }
    counts["trainings"] = Training.objects.filter(village_id=village_id, start_date__lte=day).aggregate(
        total=Count("id", distinct=True),
        this_year=Count("id", distinct=True, filter=Q(start_date__gte=year_start)),
        people=Count("participants", filter=Q(start_date__gte=year_start)),
    )
    sessions = ParentingSession.objects.filter(village_id=village_id, date__lte=day).aggregate(
        total=Count("id"),
        this_year=Count("id", filter=Q(date__gte=year_start)),
        children=Sum("children_reached", filter=Q(date__gte=year_start)),
    )
    participants = ParentingSession.participants.through.objects.filter(
        parentingsession__village_id=village_id,
        parentingsession__date__gte=year_start,
        parentingsession__date__lte=day,
    ).count()
    counts["sessions"] = {**sessions, "children": sessions["children"] or 0, "participants": participants}


def _labelled(counts, village, today):
    figures = overview_figures(counts)
    members = counts["members"]
    not_recorded = _("not recorded")
    by_sector = {value: members[f"sector_{value}"] for value in [*Member.Sector.values, ""]}
    by_channel = {value: members[f"channel_{value}"] for value in [*Member.Channel.values, ""]}
    households = {
        "households": figures["households"],
        "members": members["members"],
        "cpmi": members["cpmi"],
        "pmi": members["pmi"],
        "returnees": members["returnees"],
        "family": members["family"],
        "returnees_with_business": members["returnees_with_business"],
        "returnees_without_business": members["returnees"] - members["returnees_with_business"],
        "children_of_pmi": members["children_of_pmi"],
        "pmi_by_country": [
            [country_name(country) if country else not_recorded, n] for country, n in counts["pmi_by_country"]
        ],
        "pmi_by_sector": _pairs(by_sector, Member.Sector.choices) + [[not_recorded, by_sector.get("", 0)]],
        "channel": _pairs(by_channel, Member.Channel.choices) + [[not_recorded, by_channel.get("", 0)]],
    }
    activities = counts["activities"]
    pillar_1 = {
        "officers": figures["officers"],
        "officers_trained": figures["officers_trained"],
        "migrants": figures["migrants"],
        "migrants_complete": figures["migrants_complete"],
        "registration_coverage": figures["registration_coverage"],
        "activities_this_year": figures["activities_this_year"],
        "activities_by_kind": [
            [str(label), activities[kind][1] if kind in activities else 0]
            for kind, label in ServiceActivity.Kind.choices
        ],
        "participants_this_year": sum(people for _all, _n, people in activities.values()),
        "activities_total": sum(all_years for all_years, _n, _people in activities.values()),
    }
    stages = counts["stages"]
    pillar_2 = {
        "businesses": figures["businesses"],
        "businesses_by_stage": _pairs(stages, Business.Stage.choices),
        "stage_counts": figures["stage_counts"],
        "trainings_this_year": counts["trainings"]["this_year"],
        "trainings_total": counts["trainings"]["total"],
        "training_participants": counts["trainings"]["people"],
    }
    sessions = counts["sessions"]
    house = counts["learning_house"]
    pillar_3 = {
        "parenting_sessions_this_year": sessions["this_year"],
        "parenting_sessions_total": sessions["total"],
        "children_reached_this_year": sessions["children"],
        "parenting_participants_this_year": sessions["participants"],
        "learning_house_status": house,
        "learning_house_status_label": str(LearningHouse.Status(house).label) if house else "",
    }
    loans = counts["loans"]
    pillar_4 = {
        "cooperatives": figures["cooperatives"],
        "cooperative_legal_status": figures["cooperative_legal_status"],
        "cooperative_members": figures["cooperative_members"],
        "loans": loans["n"],
        "loans_amount": loans["lent"],
        "loans_outstanding": loans["owed"],
        "loans_late": loans["late"],
        "loans_kur": loans["kur"],
    }
    open_by_pillar = counts["problems_open_by_pillar"]
    problems = {
        "open": figures["problems_open"],
        "by_pillar": [[str(label), open_by_pillar.get(str(p), 0)] for p, label in Pillar.choices],
        "open_by_pillar": {str(p): open_by_pillar.get(str(p), 0) for p in PILLARS},
    }
    completeness = {
        "members_missing_required": members["missing_required"],
        "missing_by_field": [
            [str(Member._meta.get_field(name).verbose_name), members[f"missing_{name}"]]
            for name, _condition in MISSING_FIELDS
        ],
        "households_stale": counts["households"]["stale"],
        "members_stale": members["members_stale"],
        "stale_days": STALE_DAYS,
    }
    result = {
        "as_of": today.isoformat(),
        "year": today.year,
        "village": _village_profile(village),
        "households": households,
        "pillars": {"1": pillar_1, "2": pillar_2, "3": pillar_3, "4": pillar_4},
        "problems": problems,
        "coordination": _village_coordination(village, counts["realisations"]),
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


def _village_coordination(village, realisations):
    """``realisations``: {pillar (str): {status: n}} of the village's
    realisations (village_counts)."""
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
    statuses = {p: realisations.get(str(p), {}) for p in PILLARS}
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

# The overview row's keys read from the village's stored figures
# (dashboards.models.VillageFigures), besides the village's own fields.
FIGURE_KEYS = [
    "households",
    "members",
    "cpmi",
    "pmi",
    "returnees",
    "returnees_with_business",
    "children_of_pmi",
    "migrants",
    "migrants_complete",
    "registration_coverage",
    "officers",
    "officers_trained",
    "activities_this_year",
    "businesses",
    "stage_counts",
    "trainings_this_year",
    "parenting_sessions_this_year",
    "children_reached_this_year",
    "learning_house_status",
    "cooperatives",
    "cooperative_legal_status",
    "cooperative_members",
    "loans",
    "loans_late",
    "problems_open",
    "commitments_realised",
]
VILLAGE_KEYS = {
    "code": "area_id",
    "name": "area__name",
    "district": "area__parent__name",
    "regency_code": "area__parent__parent_id",
    "regency": "area__parent__parent__name",
    "province_code": "area__parent__parent__parent_id",
    "province": "area__parent__parent__parent__name",
    "cohort_year": "cohort_year",
    "status": "status",
    "latitude": "latitude",
    "longitude": "longitude",
}
PROGRESS_KEYS = {"1": "progress_1", "2": "progress_2", "3": "progress_3", "4": "progress_4"}
PROGRESS_KEYS["overall"] = "progress_overall"
EMPTY_FIGURES = {
    **{key: 0 for key in FIGURE_KEYS},
    "registration_coverage": None,
    "stage_counts": dict.fromkeys(Business.Stage.values, 0),
    "learning_house_status": "",
    "cooperative_legal_status": "",
}


def overview_values(villages):
    """``villages`` (a Village queryset) with the columns an overview row is
    made of: the village's fields and its stored figures (one LEFT JOIN)."""
    return villages.values(
        *VILLAGE_KEYS.values(),
        *(f"figures__{key}" for key in FIGURE_KEYS),
        *(f"figures__{field}" for field in PROGRESS_KEYS.values()),
    )


def overview_row(values):
    """One overview row (the keys overview_rows documents) from a row of
    overview_values. A village never counted yet shows zeros."""
    row = {key: values[field] for key, field in VILLAGE_KEYS.items()}
    for key in ("district", "regency_code", "regency", "province_code", "province"):
        row[key] = row[key] or ""
    row["status_label"] = str(Village.Status(row["status"]).label)
    for key in ("latitude", "longitude"):
        row[key] = float(row[key]) if row[key] is not None else None
    counted = values["figures__households"] is not None
    for key in FIGURE_KEYS:
        row[key] = values[f"figures__{key}"] if counted else EMPTY_FIGURES[key]
    row["stage_counts"] = {**EMPTY_FIGURES["stage_counts"], **(row["stage_counts"] or {})}
    row["progress"] = {
        key: values[f"figures__{field}"] if counted else 0 for key, field in PROGRESS_KEYS.items()
    }
    return row


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

    Read from the villages' stored figures (dashboards.aggregates) after
    counting the few stale ones again: three queries or so, whatever the
    number of villages and members. ``today``: count every village afresh for
    that date instead (tests, and the drift check)."""
    from dashboards import aggregates

    if today is not None:
        rows = []
        for values in overview_values(villages.order_by("area_id")):
            row = overview_row(values)
            row.update(overview_figures(village_counts(row["code"], today=today)))
            rows.append(row)
        return rows
    aggregates.refresh_some(villages)
    return [overview_row(values) for values in overview_values(villages.order_by("area_id"))]


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
