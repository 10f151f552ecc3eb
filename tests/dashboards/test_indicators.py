"""Indicators against figures worked out by hand from tests/dashboards/conftest.py."""

import json

import pytest

from dashboards.indicators import overview_rows, overview_totals, progress_scores, village_indicators
from villages.countries import country_name
from villages.models import Village

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(known):
    village = Village.objects.with_area_path().get(pk=known.village.pk)
    return village_indicators(village)


def test_household_figures(data):
    hh = data["households"]
    assert (hh["households"], hh["members"]) == (2, 6)
    assert (hh["cpmi"], hh["pmi"], hh["returnees"], hh["family"]) == (1, 1, 2, 2)
    assert (hh["returnees_with_business"], hh["returnees_without_business"]) == (1, 1)
    assert hh["children_of_pmi"] == 1
    assert hh["pmi_by_country"] == [[country_name("HK"), 1]]
    assert [n for _label, n in hh["pmi_by_sector"]] == [0, 1, 0]  # formal, informal, not recorded
    assert [n for _label, n in hh["channel"]] == [2, 0, 0]  # procedural, non-procedural, not recorded


def test_pillar_figures(data):
    p1, p2, p3, p4 = (data["pillars"][key] for key in "1234")
    assert (p1["officers"], p1["officers_trained"]) == (2, 1)
    assert (p1["migrants"], p1["migrants_complete"], p1["registration_coverage"]) == (4, 2, 50.0)
    assert (p1["activities_this_year"], p1["participants_this_year"], p1["activities_total"]) == (3, 17, 4)
    assert [n for _label, n in p1["activities_by_kind"]] == [2, 1, 0, 0]
    assert p2["businesses"] == 4
    assert [n for _label, n in p2["businesses_by_stage"]] == [1, 2, 1]
    assert (p2["trainings_this_year"], p2["trainings_total"], p2["training_participants"]) == (1, 2, 2)
    assert (p3["parenting_sessions_this_year"], p3["parenting_sessions_total"]) == (2, 3)
    assert (p3["children_reached_this_year"], p3["parenting_participants_this_year"]) == (8, 1)
    assert p3["learning_house_status"] == "in_use"
    assert (p4["cooperatives"], p4["cooperative_legal_status"], p4["cooperative_members"]) == (
        1,
        "registered",
        2,
    )
    assert (p4["loans"], p4["loans_amount"], p4["loans_outstanding"]) == (3, 1_800_000, 1_300_000)
    assert (p4["loans_late"], p4["loans_kur"]) == (1, 1)


def test_problems_coordination_and_completeness(data):
    assert data["problems"]["open"] == 2
    assert [n for _label, n in data["problems"]["by_pillar"]] == [1, 1, 0, 0]
    co = data["coordination"]
    # Applicable: the national MOU's two commitments and Lamongan's; not NTT's.
    assert (co["commitments_applicable"], co["commitments_realised"], co["commitments_in_progress"]) == (
        3,
        1,
        1,
    )
    assert [row[1:] for row in co["by_pillar"]] == [[1, 1], [0, 1], [0, 1], [0, 0]]
    assert [names for _label, names in co["agencies_by_pillar"]] == [["Kemnaker"], ["BRI"], [], []]
    assert [row[1:] for row in co["budget_by_source"]] == [[1_000_000, 400_000], [500_000, 0]]
    assert (co["budget_planned"], co["budget_realised"]) == (1_500_000, 400_000)
    cp = data["completeness"]
    assert (
        cp["members_missing_required"] == 2
    )  # the CPMI without education, a returnee without the business answer
    assert [n for _label, n in cp["missing_by_field"]] == [1, 0, 0, 0, 1]
    assert (cp["households_stale"], cp["members_stale"]) == (1, 3)


def test_progress_scores_by_hand(data):
    # I: trained officer 30 + 3/12 activities x 30 = 7.5 + 2/4 complete x 40 = 20 -> 57.5 -> 58
    # II: stages (1/3 + 2 x 2/3 + 1) / 4 x 40 = 26.7 + 1/2 trainings x 30 = 15 + 1/2 returnees x 30 = 15 -> 57
    # III: learning house in use 30 + 2/6 sessions x 40 = 13.3 + children 8/1 (capped) x 30 -> 73
    # IV: legal entity 30 + 2 members / 2 households x 40 + 2/3 loans not late x 30 = 20 -> 90
    assert data["progress"] == {"1": 58, "2": 57, "3": 73, "4": 90, "overall": 70}


def test_indicators_are_json_and_survive_a_round_trip(data):
    assert json.loads(json.dumps(data)) == data


def test_overview_rows_agree_with_the_village_figures(known, data):
    rows = {row["code"]: row for row in overview_rows(Village.objects.all())}
    row = rows[known.village.code]
    assert row["progress"] == data["progress"]
    assert (row["households"], row["pmi"], row["returnees"], row["businesses"]) == (2, 1, 2, 4)
    assert (row["problems_open"], row["commitments_realised"], row["registration_coverage"]) == (2, 1, 50.0)
    other = rows["35.24.07.2001"]
    assert (other["households"], other["pmi"], other["businesses"], other["problems_open"]) == (1, 1, 1, 1)
    assert rows["53.71.01.1001"]["households"] == 0


def test_overview_totals(known):
    rows = overview_rows(Village.objects.all())
    totals = overview_totals(rows)
    assert (totals["villages"], totals["households"], totals["pmi"], totals["problems_open"]) == (3, 3, 2, 3)


def test_empty_village_scores_zero(villages):
    village = Village.objects.with_area_path().get(pk=villages.c.pk)
    data = village_indicators(village)
    assert data["households"]["households"] == 0
    assert data["pillars"]["1"]["registration_coverage"] is None
    assert data["progress"] == {"1": 0, "2": 0, "3": 0, "4": 0, "overall": 0}


def test_progress_score_without_returnees_counts_any_business():
    row = {
        "officers": 1,
        "officers_trained": 0,
        "activities_this_year": 24,
        "migrants": 0,
        "migrants_complete": 0,
        "stage_counts": {"established": 2},
        "returnees": 0,
        "returnees_with_business": 0,
        "trainings_this_year": 0,
        "learning_house_status": "",
        "parenting_sessions_this_year": 0,
        "children_reached_this_year": 4,
        "children_of_pmi": 0,
        "cooperative_legal_status": "in_process",
        "cooperative_members": 0,
        "households": 0,
        "loans": 0,
        "loans_late": 0,
    }
    assert progress_scores(row) == {1: 45, 2: 70, 3: 30, 4: 20, "overall": 41}
