"""A small village with known figures (village A), for hand-computed indicators."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from coordination.models import BudgetLine, Realisation
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
from tests.coordination.factories import (
    AgencyFactory,
    make_budget_line,
    make_commitment,
    make_mou,
    make_programme,
    make_realisation,
)
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.villages.registry_helpers import CPMI, PMI, RETURNEE
from villages.models import Household, Member


@pytest.fixture
def known(villages):
    """Village A with two households, every pillar and coordination records.
    The figures each test expects are worked out by hand in test_indicators.py."""
    a, b = villages.a, villages.b
    today = timezone.localdate()
    this_year = datetime.date(today.year, 1, 1)
    last_year = datetime.date(today.year - 1, 6, 1)

    h1 = HouseholdFactory(village=a)
    pmi = MemberFactory(household=h1, name="Siti", sex="P", education="sma", relation="head", **PMI)
    wife = MemberFactory(
        household=h1,
        name="Wati",
        sex="P",
        relation="wife",
        education="sd",
        birth_date=datetime.date(1960, 1, 2),
    )
    child = MemberFactory(
        household=h1, name="Budi", relation="child", education="sd", birth_date=datetime.date(2015, 2, 3)
    )
    h2 = HouseholdFactory(village=a)
    cpmi = MemberFactory(household=h2, name="Rina", sex="P", relation="head", education="", **CPMI)
    returnee = MemberFactory(
        household=h2, name="Joko", relation="husband", education="smp", business_status="has", **RETURNEE
    )
    returnee_2 = MemberFactory(
        household=h2,
        name="Agus",
        relation="other_family",
        education="sma",
        birth_date=datetime.date(1980, 1, 1),
        **RETURNEE,
    )
    # Household 2 and its members were last touched two years ago.
    old = timezone.now() - datetime.timedelta(days=800)
    Household.objects.filter(pk=h2.pk).update(updated_at=old)
    Member.objects.filter(household=h2).update(updated_at=old)
    # Village B: must not count for A.
    MemberFactory(household=HouseholdFactory(village=b), **PMI)

    # Pillar I
    ServiceOfficer.objects.create(village=a, name="Petugas 1", trained=True, trained_on=last_year)
    ServiceOfficer.objects.create(village=a, name="Petugas 2")
    ServiceOfficer.objects.create(village=a, name="Petugas lama", trained=True, active=False)
    ServiceOfficer.objects.create(village=b, name="Petugas B", trained=True)
    for kind, people in (("information", 10), ("information", 5), ("consultation", 2)):
        ServiceActivity.objects.create(
            village=a, kind=kind, date=this_year, topic="t", participant_count=people
        )
    ServiceActivity.objects.create(
        village=a, kind="documents", date=last_year, topic="t", participant_count=9
    )
    # Pillar II
    for stage in ("starting", "growing", "growing", "established"):
        Business.objects.create(village=a, name=f"Usaha {stage}", kind="food", stage=stage)
    Business.objects.create(village=b, name="Usaha B", kind="food", stage="established")
    training = Training.objects.create(village=a, title="Kemasan", kind="packaging", start_date=this_year)
    training.participants.set([pmi, returnee])
    old_training = Training.objects.create(village=a, title="Dulu", kind="finance", start_date=last_year)
    old_training.participants.set([wife])
    # Pillar III
    session = ParentingSession.objects.create(
        village=a, date=this_year, topic="Pola asuh", children_reached=5
    )
    session.participants.set([wife])
    ParentingSession.objects.create(village=a, date=this_year, topic="Gizi", children_reached=3)
    ParentingSession.objects.create(village=a, date=last_year, topic="Dulu", children_reached=10)
    LearningHouse.objects.create(village=a, status="in_use")
    # Pillar IV
    cooperative = Cooperative.objects.create(
        village=a, name="Koperasi Desmigratif", kind="cooperative", legal_status="registered"
    )
    cooperative.members.set([returnee, wife])
    Loan.objects.create(
        cooperative=cooperative,
        borrower=returnee,
        scheme="kur",
        amount=Decimal(1_000_000),
        repaid_amount=Decimal(200_000),
        purpose="modal",
        disbursed_on=last_year,
        status="current",
    )
    Loan.objects.create(
        cooperative=cooperative,
        borrower=wife,
        amount=Decimal(500_000),
        purpose="modal",
        disbursed_on=last_year,
        status="late",
    )
    Loan.objects.create(
        cooperative=cooperative,
        borrower=wife,
        amount=Decimal(300_000),
        repaid_amount=Decimal(300_000),
        purpose="modal",
        disbursed_on=last_year,
        status="repaid",
    )
    # Problems
    Problem.objects.create(village=a, pillar=1, title="Tidak ada internet", status="open")
    Problem.objects.create(village=a, pillar=2, title="Tidak ada kemasan", status="in_progress")
    Problem.objects.create(
        village=a, pillar=2, title="Selesai", status="solved", raised_on=last_year, resolved_on=last_year
    )
    Problem.objects.create(village=b, pillar=3, title="B", status="open")
    # Coordination
    kemnaker = AgencyFactory(short_name="Kemnaker", name="Kementerian Ketenagakerjaan")
    bri = AgencyFactory(short_name="BRI", name="Bank Rakyat Indonesia", kind="bank")
    national = make_mou(number="MOU/1", parties=[kemnaker, bri], pillars=[1, 2])
    ntt = make_mou(number="MOU/NTT", parties=[kemnaker, bri], pillars=[4], reach=["53"])
    lamongan = make_mou(number="MOU/LMG", parties=[kemnaker, bri], pillars=[3], reach=["35.24"])
    desk = make_commitment(mou=national, agency=kemnaker, pillar=1)
    credit = make_commitment(mou=national, agency=bri, pillar=2)
    make_commitment(mou=ntt, agency=bri, pillar=4)
    make_commitment(mou=lamongan, agency=kemnaker, pillar=3)
    make_realisation(commitment=desk, village=a, status=Realisation.Status.REALISED)
    make_realisation(commitment=credit, village=a, status=Realisation.Status.IN_PROGRESS)
    make_realisation(commitment=desk, village=b, status=Realisation.Status.REALISED)
    programme = make_programme(agency=bri, pillar=2, villages=[a], start_date=datetime.date(2019, 1, 1))
    make_budget_line(programme=programme, source=BudgetLine.Source.APBN, planned=1_000_000, realised=400_000)
    make_budget_line(programme=programme, source=BudgetLine.Source.DANA_DESA, planned=500_000, realised=0)
    other = make_programme(agency=kemnaker, pillar=4, villages=[b], start_date=datetime.date(2019, 1, 1))
    make_budget_line(programme=other, planned=9_999, realised=9_999)
    return SimpleNamespace(
        village=a, pmi=pmi, child=child, cpmi=cpmi, returnee=returnee, returnee_2=returnee_2
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The overview caches national registry figures: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
