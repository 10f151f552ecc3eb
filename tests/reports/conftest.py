"""Fixtures for the progress-report tests: the cast of tests/conftest.py, an
officer of village C, a fixed "today" (15 May 2026: Q2 2026 is the current
quarter, Q3 2026 the future) and reports in every state of the workflow."""

import datetime
import sys
from types import ModuleType, SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.db.models import Count
from django.utils import translation

from desmigratif.models import Role
from reports import services
from reports.models import NARRATIVE_FIELDS
from tests.factories import UserFactory
from villages.models import Member, Village

A = "35.24.07.2004"  # village A, Brengkok, Kabupaten Lamongan, Jawa Timur
B = "35.24.07.2001"  # village B, Lohgung, same regency
C = "53.71.01.1001"  # village C, Namosain, Kota Kupang, Nusa Tenggara Timur

TODAY = datetime.datetime(2026, 5, 15, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=True):
        yield TODAY


def stand_in_indicators(village):
    """A small stand-in for dashboards.indicators.village_indicators, with the
    same layout: the reports app only stores and shows what it returns."""
    members = Member.objects.filter(household__village=village)
    return {
        "as_of": datetime.date.today().isoformat(),
        "village": {"code": village.code, "name": village.area.name, "cohort_year": village.cohort_year},
        "households": {
            "households": village.households.count(),
            "members": members.count(),
            "cpmi": members.filter(migration_status=Member.Status.CPMI).count(),
            "pmi": members.filter(migration_status=Member.Status.PMI).count(),
            "returnees": members.filter(migration_status=Member.Status.RETURNEE).count(),
            "pmi_by_country": [
                [row["destination_country"], row["n"]]
                for row in members.filter(migration_status=Member.Status.PMI)
                .values("destination_country")
                .annotate(n=Count("id"))
                .order_by("destination_country")
            ],
        },
        "pillars": {"1": {"officers": 0, "registration_coverage": None}, "4": {"loans_amount": 1500000}},
        "progress": {"1": 40, "2": 0, "3": 0, "4": 10, "overall": 13},
    }


@pytest.fixture(autouse=True)
def indicators(monkeypatch):
    """The tests do not depend on the dashboards' figures (tested with the
    dashboards): the snapshot comes from the stand-in above."""
    try:
        # Imported before the patch, so its own name for village_indicators stays
        # the real one: imported under the patch, it kept the stand-in for the
        # whole session and the dashboards' tests run after these failed.
        import dashboards.views  # noqa: F401
        from dashboards import indicators as module
    except ImportError:  # not written yet
        module = ModuleType("dashboards.indicators")
        monkeypatch.setitem(sys.modules, "dashboards.indicators", module)
    monkeypatch.setattr(module, "village_indicators", stand_in_indicators, raising=False)
    monkeypatch.setattr(
        module,
        "village_indicators_as_of",
        lambda village, day: {**stand_in_indicators(village), "as_of": day.isoformat()},
        raising=False,
    )
    return module


@pytest.fixture
def english(client):
    """Pages in English: the tests read the source texts, whatever the translators do."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def narratives(tag="first"):
    return {name: f"{tag} narrative for {name}" for name in NARRATIVE_FIELDS}


def submit_post(year=2026, quarter=2, tag="first"):
    return {"year": str(year), "quarter": str(quarter), **narratives(tag)}


def village(code):
    return Village.objects.with_area_path().get(pk=code)


@pytest.fixture
def officer_c(villages):
    return UserFactory(username="officer_c", role=Role.VILLAGE_OFFICER, scope=villages.c.area)


@pytest.fixture
def reports(villages, officer_a, officer_b, officer_c, regency_user, ministry_user):
    """A's reports in every state, and a submitted report of B and of C."""
    a = village(A)

    def submitted(user, v, year, quarter):
        return services.report_submit(village=v, user=user, year=year, quarter=quarter, **narratives())

    a_submitted = submitted(officer_a, a, 2026, 2)
    a_returned = submitted(officer_a, a, 2026, 1)
    services.report_send_back(report=a_returned, user=regency_user, reason="Pillar II figures are missing.")
    a_regency = submitted(officer_a, a, 2025, 4)
    services.report_accept(report=a_regency, user=regency_user)
    a_accepted = submitted(officer_a, a, 2025, 3)
    services.report_accept(report=a_accepted, user=regency_user)
    services.report_accept(report=a_accepted, user=ministry_user)
    b_submitted = submitted(officer_b, village(B), 2026, 2)
    c_submitted = submitted(officer_c, village(C), 2026, 2)
    for report in (a_submitted, a_returned, a_regency, a_accepted, b_submitted, c_submitted):
        report.refresh_from_db()
    return SimpleNamespace(
        a_submitted=a_submitted,
        a_returned=a_returned,
        a_regency=a_regency,
        a_accepted=a_accepted,
        b_submitted=b_submitted,
        c_submitted=c_submitted,
    )


@pytest.fixture(autouse=True)
def english_messages():
    """The tests read the services' messages in English (the UI's second
    language): service calls outside a request use the active language."""
    with translation.override("en"):
        yield
