"""An accepted report is frozen: later changes to the village's records do
not alter its snapshot or its page, and nothing changes it afterwards."""

import datetime
import re

import pytest

from reports import services
from reports.models import ProgressReport
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.reports.conftest import A, narratives, stand_in_indicators, village
from tests.villages.registry_helpers import CPMI
from villages.services import member_mark_departed


def report_body(response):
    """The report itself, without the page's tokens and menus."""
    html = response.content.decode()
    return re.search(r'<div class="report-page">.*</div>\s*</main>', html, re.S).group(0)


@pytest.fixture
def accepted(officer_a, regency_user, ministry_user):
    household = HouseholdFactory(village_id=A)
    cpmi = MemberFactory(household=household, **CPMI)
    report = services.report_submit(village=village(A), user=officer_a, year=2026, quarter=1, **narratives())
    services.report_accept(report=report, user=regency_user)
    services.report_accept(report=report, user=ministry_user)
    report.refresh_from_db()
    return report, cpmi


def test_the_snapshot_is_the_dashboard_indicators_at_submission(accepted):
    report, _cpmi = accepted
    assert report.status == ProgressReport.Status.ACCEPTED
    # Q1 2026 was over when it was submitted: its figures are as of 31 March.
    expected = {**stand_in_indicators(village(A)), "as_of": "2026-03-31"}
    assert report.snapshot == expected
    assert report.snapshot["households"]["cpmi"] == 1


def test_later_data_changes_do_not_alter_an_accepted_report(english, accepted, officer_a):
    report, cpmi = accepted
    snapshot = report.snapshot
    english.force_login(officer_a)
    before = report_body(english.get(f"/laporan/{report.pk}/"))

    # The CPMI leaves (now a PMI) and a new household is registered.
    member_mark_departed(member=cpmi, departure_date=datetime.date(2026, 5, 1), sector="informal")
    HouseholdFactory(village_id=A)
    now = services.take_snapshot(village(A), 2026, 2)
    assert now["households"]["pmi"] == 1  # the live figures did change...
    assert now["households"]["households"] == 2

    report.refresh_from_db()
    assert report.snapshot == snapshot  # ...the report did not
    assert report.snapshot["households"]["cpmi"] == 1
    assert report.snapshot["households"]["households"] == 1
    assert report_body(english.get(f"/laporan/{report.pk}/")) == before


def test_the_snapshot_is_plain_json(monkeypatch, officer_a, villages):
    """Dates and decimals from the indicators are stored as text, so the
    stored report never depends on Python objects."""
    from decimal import Decimal

    import dashboards.indicators

    monkeypatch.setattr(
        dashboards.indicators,
        "village_indicators",
        lambda village: {"as_of": datetime.date(2026, 5, 15), "budget": Decimal("1.5")},
        raising=False,
    )
    report = services.report_submit(village=village(A), user=officer_a, year=2026, quarter=2, **narratives())

    report.refresh_from_db()
    assert report.snapshot == {"as_of": "2026-05-15", "budget": "1.5"}


def test_the_dashboard_indicators_are_what_a_report_keeps(monkeypatch, english, officer_a):
    """With the real dashboards.indicators (not the stand-in): the snapshot is
    exactly village_indicators of the village, and its page shows it."""
    monkeypatch.undo()
    from dashboards.indicators import village_indicators

    household = HouseholdFactory(village_id=A)
    MemberFactory(household=household, **CPMI)
    expected = village_indicators(village(A))

    report = services.report_submit(village=village(A), user=officer_a, year=2026, quarter=2, **narratives())
    report.refresh_from_db()
    english.force_login(officer_a)
    html = english.get(f"/laporan/{report.pk}/").content.decode()

    assert report.snapshot == expected
    assert "Households and members" in html
    assert 'CPMI (preparing to leave)</th><td class="text-end">1</td>' in html
    assert "Progress score (0-100)" in html
