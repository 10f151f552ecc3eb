"""Reads for the pillar pages: querysets with what the templates show already
joined, prefetched or annotated, so no template loop runs a query."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from pillars.models import (
    Business,
    LearningHouse,
    Loan,
    ParentingSession,
    Pillar,
    Problem,
    ProblemFollowUp,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from villages.models import Member

# How many recent records each overview panel lists.
RECENT = 3
RUPIAH = DecimalField(max_digits=15, decimal_places=0)
NO_RUPIAH = Value(Decimal(0), output_field=RUPIAH)


def village_members(*, village):
    """The people a form may choose: this village's members only, by name,
    with no more columns than the option labels need."""
    return (
        Member.objects.filter(household__village=village)
        .only("id", "name", "migration_status", "household_id")
        .order_by("name", "id")
    )


def _head_name(household_field="pk"):
    return Subquery(
        Member.objects.filter(household=OuterRef(household_field), relation=Member.Relation.HEAD)
        .order_by("id")
        .values("name")[:1]
    )


def village_households(*, village):
    """This village's households, each with its head's name (for labels; No. KK
    is not shown in choices, as not every user may see it)."""
    return village.households.annotate(head_name=_head_name()).order_by("head_name", "dusun", "id")


def _members_prefetch(name):
    return Prefetch(name, queryset=Member.objects.only("id", "name").order_by("name", "id"))


# Pillar I


def officer_list(*, village):
    return village.service_officers.all()


def activity_list(*, village, kind=""):
    activities = village.service_activities.all()
    if kind:
        activities = activities.filter(kind=kind)
    return activities.prefetch_related(
        _members_prefetch("participants"),
        Prefetch("officers", queryset=ServiceOfficer.objects.only("id", "name").order_by("name")),
    )


# Pillar II


def business_list(*, village, stage="", kind=""):
    businesses = village.businesses.all()
    if stage:
        businesses = businesses.filter(stage=stage)
    if kind:
        businesses = businesses.filter(kind=kind)
    return businesses.select_related("owner_member").annotate(
        household_head_name=_head_name("owner_household_id")
    )


def training_list(*, village):
    return village.trainings.prefetch_related(_members_prefetch("participants"))


def trainings_for_member(*, member):
    """The trainings a person took part in, newest first (member page)."""
    return Training.objects.filter(participants=member).order_by("-start_date", "-id")


# Pillar III


def parenting_list(*, village):
    return village.parenting_sessions.prefetch_related(_members_prefetch("participants"))


def learning_house_of(*, village):
    return LearningHouse.objects.filter(village=village).first()


# Pillar IV


def _loan_totals(cooperative_field="pk"):
    """Subqueries: a cooperative's number of loans and amount still owed."""
    loans = Loan.objects.filter(cooperative=OuterRef(cooperative_field)).order_by().values("cooperative")
    return {
        "loan_count": Coalesce(Subquery(loans.annotate(n=Count("id")).values("n")), 0),
        "outstanding": Coalesce(
            Subquery(
                loans.exclude(status=Loan.Status.WRITTEN_OFF)
                .annotate(owed=Sum(F("amount") - F("repaid_amount"), output_field=RUPIAH))
                .values("owed")
            ),
            NO_RUPIAH,
        ),
    }


def cooperative_list(*, village):
    return village.cooperatives.annotate(member_count=Count("members"), **_loan_totals()).order_by(
        "name", "id"
    )


def loans_of(*, village):
    """Every loan of the village's cooperatives: what a loan is fetched through."""
    return Loan.objects.filter(cooperative__village=village)


def loan_list(*, village, status="", cooperative=None):
    loans = loans_of(village=village)
    if status:
        loans = loans.filter(status=status)
    if cooperative:
        loans = loans.filter(cooperative=cooperative)
    return loans.select_related("cooperative", "borrower", "business")


# Problems


def problem_list(*, village, pillar=None, status=""):
    problems = village.problems.all()
    if pillar:
        problems = problems.filter(pillar=pillar)
    if status == "unsolved":
        problems = problems.open()
    elif status:
        problems = problems.filter(status=status)
    return problems.annotate(follow_up_count=Count("follow_ups")).order_by("pillar", "-raised_on", "-id")


def problem_detail(*, village, pk):
    """One problem of the village with its follow-ups and their authors; None if not found."""
    return (
        village.problems.select_related("created_by")
        .prefetch_related(
            Prefetch(
                "follow_ups", queryset=ProblemFollowUp.objects.select_related("author").order_by("date", "id")
            )
        )
        .filter(pk=pk)
        .first()
    )


def problem_history(*, problem):
    return problem.history.select_related("history_user").order_by("-history_date", "-history_id")


# The overview


@dataclass
class PillarOverview:
    officers: int = 0
    officers_trained: int = 0
    activity_counts: list = field(default_factory=list)  # (kind, label, count)
    activity_participants: int = 0
    recent_activities: list = field(default_factory=list)
    business_stages: list = field(default_factory=list)  # (stage, label, count)
    businesses: int = 0
    business_support: dict = field(default_factory=dict)
    trainings: int = 0
    training_participants: int = 0
    recent_trainings: list = field(default_factory=list)
    parenting_sessions: int = 0
    parenting_participants: int = 0
    children_reached: int = 0
    recent_sessions: list = field(default_factory=list)
    learning_house: LearningHouse | None = None
    cooperatives: list = field(default_factory=list)
    loans: dict = field(default_factory=dict)
    problem_table: list = field(default_factory=list)  # (pillar, label, {status: count}, open)
    problems_open: int = 0
    open_problems: list = field(default_factory=list)


def pillar_overview(*, village):
    """Everything the overview page shows, in a fixed number of queries
    (one or two per panel), whatever the number of records."""
    overview = PillarOverview()

    officers = village.service_officers.filter(active=True).aggregate(
        n=Count("id"), trained=Count("id", filter=Q(trained=True))
    )
    overview.officers, overview.officers_trained = officers["n"], officers["trained"]

    by_kind = {
        row["kind"]: row["n"]
        for row in village.service_activities.order_by().values("kind").annotate(n=Count("id"))
    }
    overview.activity_counts = [(k, label, by_kind.get(k, 0)) for k, label in ServiceActivity.Kind.choices]
    overview.activity_participants = village.service_activities.aggregate(
        n=Coalesce(Sum("participant_count"), 0)
    )["n"]
    overview.recent_activities = list(village.service_activities.all()[:RECENT])

    business = village.businesses.aggregate(
        n=Count("id"),
        **{stage: Count("id", filter=Q(stage=stage)) for stage in Business.Stage.values},
        **{name: Count("id", filter=Q(**{name: True})) for name in ("support_packaging", "sells_online")},
        labelled=Count("id", filter=Q(halal_label=True) | Q(bpom_label=True)),
    )
    overview.businesses = business["n"]
    overview.business_stages = [(s, label, business[s]) for s, label in Business.Stage.choices]
    overview.business_support = {
        "packaging": business["support_packaging"],
        "online": business["sells_online"],
        "labelled": business["labelled"],
    }

    trainings = village.trainings.aggregate(n=Count("id", distinct=True), people=Count("participants"))
    overview.trainings, overview.training_participants = trainings["n"], trainings["people"]
    overview.recent_trainings = list(village.trainings.annotate(people=Count("participants"))[:RECENT])

    sessions = village.parenting_sessions.aggregate(
        n=Count("id"), children=Coalesce(Sum("children_reached"), 0)
    )
    overview.parenting_sessions, overview.children_reached = sessions["n"], sessions["children"]
    overview.parenting_participants = ParentingSession.participants.through.objects.filter(
        parentingsession__village=village
    ).count()
    overview.recent_sessions = list(
        village.parenting_sessions.annotate(people=Count("participants"))[:RECENT]
    )

    overview.learning_house = learning_house_of(village=village)

    overview.cooperatives = list(cooperative_list(village=village))
    loans = loans_of(village=village).aggregate(
        n=Count("id"),
        lent=Coalesce(Sum("amount"), NO_RUPIAH),
        outstanding=Coalesce(
            Sum(
                F("amount") - F("repaid_amount"),
                filter=~Q(status=Loan.Status.WRITTEN_OFF),
                output_field=RUPIAH,
            ),
            NO_RUPIAH,
        ),
        late=Count("id", filter=Q(status=Loan.Status.LATE)),
        kur=Count("id", filter=Q(scheme=Loan.Scheme.KUR)),
    )
    overview.loans = loans

    counts = {}
    for row in village.problems.order_by().values("pillar", "status").annotate(n=Count("id")):
        counts.setdefault(row["pillar"], {})[row["status"]] = row["n"]
    for pillar, label in Pillar.choices:
        by_status = counts.get(pillar, {})
        open_count = sum(by_status.get(s, 0) for s in Problem.OPEN_STATUSES)
        overview.problem_table.append(
            (pillar, label, [by_status.get(s, 0) for s in Problem.Status.values], open_count)
        )
        overview.problems_open += open_count
    overview.open_problems = list(village.problems.open().order_by("-raised_on", "-id")[:5])
    return overview
