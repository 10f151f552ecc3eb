"""The pillar overview and the record lists cost the same number of queries
for 5 records of each kind as for 50: people come with one prefetch, counts
and sums are annotations or aggregates, never a query per row."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pillars.models import (
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    ParentingSession,
    Problem,
    ProblemFollowUp,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from tests.budgets import SESSION_WRITE
from tests.household_factories import nik_for
from tests.pillars.conftest import A
from tests.villages.registry_helpers import make_kk
from villages.models import Household, Member

# Session, user, the village with its area path, then the panels: officers (1),
# activities (3), businesses (1), trainings (2), parenting (3), learning house
# (1), cooperatives (1), loans (1), problems (2).
OVERVIEW_BUDGET = 18 + SESSION_WRITE
# Session, user, the village, the paginator's count, the page, and at most two
# prefetches (participants and officers) or a filter form's choices.
LIST_BUDGET = 7 + SESSION_WRITE
LIST_PAGES = [
    "petugas/",
    "layanan/",
    "usaha/",
    "pelatihan/",
    "parenting/",
    "koperasi/",
    "pinjaman/",
    "masalah/",
]

DAY = datetime.date(2022, 3, 1)


def fill_pillars(village, n, officer, start=0):
    """``n`` more records of every kind in ``village`` (numbered from ``start``),
    each with three people, in bulk."""
    Household.objects.bulk_create(Household(village=village, no_kk=make_kk(start + k)) for k in range(n))
    households = list(Household.objects.filter(village=village).order_by("pk"))[start:]
    Member.objects.bulk_create(
        Member(
            household=household,
            nik=nik_for(datetime.date(1980, 1, 1), "L", start + k + 1),
            name=f"Warga {start + k}",
            sex="L",
            birth_date=datetime.date(1980, 1, 1),
            relation="head",
            migration_status="family",
        )
        for k, household in enumerate(households)
    )
    members = list(Member.objects.filter(household__village=village).order_by("pk"))[start:]

    def people(k):
        return [members[(k + j) % len(members)] for j in range(3)]

    officers = ServiceOfficer.objects.bulk_create(
        ServiceOfficer(village=village, name=f"Petugas {start + k}", trained=k % 2 == 0) for k in range(n)
    )
    activities = ServiceActivity.objects.bulk_create(
        ServiceActivity(
            village=village, kind="information", date=DAY, topic=f"Topik {start + k}", participant_count=3
        )
        for k in range(n)
    )
    businesses = Business.objects.bulk_create(
        Business(
            village=village,
            name=f"Usaha {start + k}",
            kind="food",
            stage=Business.Stage.values[k % 3],
            owner_member=members[k],
            owner_household=households[k],
            support_packaging=k % 2 == 0,
        )
        for k in range(n)
    )
    trainings = Training.objects.bulk_create(
        Training(village=village, title=f"Pelatihan {start + k}", kind="packaging", start_date=DAY)
        for k in range(n)
    )
    sessions = ParentingSession.objects.bulk_create(
        ParentingSession(
            village=village, date=DAY, topic=f"Sesi {start + k}", facilitator="PKK", children_reached=2
        )
        for k in range(n)
    )
    cooperatives = Cooperative.objects.bulk_create(
        Cooperative(village=village, name=f"Koperasi {start + k}", kind="cooperative") for k in range(n)
    )
    Loan.objects.bulk_create(
        Loan(
            cooperative=cooperatives[k],
            borrower=members[k],
            business=businesses[k],
            amount=Decimal(1_000_000),
            repaid_amount=Decimal(250_000),
            purpose="Alat",
            disbursed_on=DAY,
            status=("current", "late", "written_off")[k % 3],
        )
        for k in range(n)
    )
    problems = Problem.objects.bulk_create(
        Problem(village=village, pillar=1 + k % 4, title=f"Masalah {start + k}", raised_on=DAY)
        for k in range(n)
    )
    ProblemFollowUp.objects.bulk_create(
        ProblemFollowUp(problem=problem, date=DAY, author=officer, text="Dibahas") for problem in problems
    )
    LearningHouse.objects.get_or_create(village=village, defaults={"status": "stalled"})
    for k in range(n):
        activities[k].participants.set(people(k))
        activities[k].officers.set(officers[k : k + 2])
        trainings[k].participants.set(people(k))
        sessions[k].participants.set(people(k))
        cooperatives[k].members.set(people(k))


def queries_for(client, url, **params):
    client.get(url, params)  # the first request after sign-in also writes the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("path", ["", *LIST_PAGES])
def test_pages_cost_the_same_for_5_and_50_records(client, officer_a, village_a, settings, path):
    settings.PAGE_SIZE = 100  # every record on one page: a query per row would show
    client.force_login(officer_a)
    url = f"/pilar/{A}/{path}"

    fill_pillars(village_a, 5, officer_a)
    few, _ = queries_for(client, url)
    fill_pillars(village_a, 45, officer_a, start=5)
    many, response = queries_for(client, url)

    assert few == many <= (OVERVIEW_BUDGET if path == "" else LIST_BUDGET)
    html = response.content.decode()
    if path == "":
        overview = response.context["overview"]
        assert (overview.businesses, overview.training_participants, len(overview.cooperatives)) == (
            50,
            150,
            50,
        )
        assert "Koperasi 49" in html  # every cooperative row is shown with its counts
    else:
        assert len(response.context["page"].object_list) == 50
