"""Fixtures for the pillar tests: people in villages A, B and C (tests/conftest.py)
and one record of every pillar type in each village."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings

from pillars import services
from pillars.models import Business, Cooperative, Pillar, ServiceActivity, Training
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.villages.registry_helpers import RETURNEE

A = "35.24.07.2004"  # village A, Brengkok
B = "35.24.07.2001"  # village B, Lohgung
C = "53.71.01.1001"  # village C, Namosain


@pytest.fixture
def english(client):
    """Pages in English: the tests read the source texts, whatever the translators do."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _household(village, no_kk, *people):
    household = HouseholdFactory(village=village, no_kk=no_kk)
    return [MemberFactory(household=household, **fields) for fields in people]


@pytest.fixture
def people(villages):
    """A returnee and his wife in A, a returnee in B, one in C."""
    returnee_a, wife_a = _household(
        villages.a,
        "3524070000000101",
        {"name": "Nur Cholis", **RETURNEE},
        {"name": "Nur Hayati", "relation": "wife", "sex": "P", "birth_date": datetime.date(1985, 3, 4)},
    )
    (returnee_b,) = _household(villages.b, "3524070000000201", {"name": "Slamet Riyadi", **RETURNEE})
    (returnee_c,) = _household(
        villages.c, "5371010000000301", {"name": "Oktovina Ndun", **RETURNEE, "sex": "P"}
    )
    return SimpleNamespace(returnee_a=returnee_a, wife_a=wife_a, returnee_b=returnee_b, returnee_c=returnee_c)


def make_records(village, person):
    """One record of each pillar type in ``village``, with ``person`` in it."""
    day = datetime.date(2022, 3, 1)
    officer = services.service_officer_create(village=village, name=f"Petugas {village.area.name}")
    activity = services.service_activity_create(
        village=village,
        kind=ServiceActivity.Kind.INFORMATION,
        date=day,
        topic="Migrasi aman",
        participant_count=10,
        participants=[person],
        officers=[officer],
    )
    business = services.business_create(
        village=village, name=f"Usaha {person.name}", owner_member=person, kind=Business.Kind.FOOD
    )
    training = services.training_create(
        village=village,
        title=f"Pelatihan kemasan {village.area.name}",
        kind=Training.Kind.PACKAGING,
        start_date=day,
        participants=[person],
    )
    session = services.parenting_session_create(
        village=village, date=day, topic="Pola asuh", facilitator="Kader PKK", participants=[person]
    )
    cooperative = services.cooperative_create(
        village=village,
        name=f"Koperasi {village.area.name}",
        kind=Cooperative.Kind.COOPERATIVE,
        members=[person],
    )
    loan = services.loan_create(
        village=village,
        cooperative=cooperative,
        borrower=person,
        amount=Decimal(1_250_000),
        purpose="Alat produksi",
        disbursed_on=day,
    )
    problem = services.problem_create(
        village=village,
        pillar=Pillar.MIGRATION_SERVICES,
        title="Internet belum terpasang",
        raised_on=datetime.date(2020, 9, 15),
    )
    return SimpleNamespace(
        officer=officer,
        activity=activity,
        business=business,
        training=training,
        session=session,
        cooperative=cooperative,
        loan=loan,
        problem=problem,
    )


@pytest.fixture
def records(villages, people):
    return SimpleNamespace(
        a=make_records(villages.a, people.returnee_a),
        b=make_records(villages.b, people.returnee_b),
        c=make_records(villages.c, people.returnee_c),
    )
