"""The demo coordination records that load_demo adds to the demo villages."""

from io import StringIO

import pytest
from django.core.management import call_command

from coordination.demo import coordination_load_demo
from coordination.models import MOU, Agency, BudgetLine, Realisation
from desmigratif.models import User
from villages.services import areas_load

BRENGKOK, NAMOSAIN, NAIMATA, GENGGELANG = "35.24.07.2004", "53.71.01.1001", "53.71.02.1004", "52.08.02.2003"


@pytest.fixture
def demo_loaded(db, area_folder, settings):
    areas_load(folder=area_folder)
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())


def test_demo_has_the_agencies_the_paper_names(demo_loaded):
    names = set(Agency.objects.values_list("short_name", flat=True))

    assert {"Kemnaker", "Kemendes PDTT", "Kemenkes", "Kemenkop UKM", "BNI", "BRI", "Bank NTT"} <= names
    assert set(Agency.objects.values_list("kind", flat=True)) == set(Agency.Kind.values) - {"private"}


def test_demo_mous_of_kemnaker_are_realised_in_some_villages_and_not_others(demo_loaded):
    partners = {
        mou.number: {p.short_name for p in mou.parties.all()} - {"Kemnaker"} for mou in MOU.objects.all()
    }
    assert sorted(partners.values(), key=sorted) == sorted(
        [{"Kemenkes"}, {"Kemendes PDTT"}, {"Kemenkop UKM"}, {"BNI"}], key=sorted
    )
    for mou in MOU.objects.all():
        statuses = set(Realisation.objects.filter(commitment__mou=mou).values_list("status", flat=True))
        assert "realised" in statuses
        assert statuses - {"realised"}, f"{mou.number} is realised everywhere"
    # The paper: BNI's learning-house renovation stalled in Namosain.
    renovation = Realisation.objects.get(
        commitment__agency__short_name="BNI", commitment__pillar=3, village=NAMOSAIN
    )
    assert renovation.status == "in_progress"


def test_demo_budgets_come_from_several_sources_and_years(demo_loaded):
    assert BudgetLine.objects.values("source").distinct().count() >= 6
    assert BudgetLine.objects.values("fiscal_year").distinct().count() >= 4


def test_demo_coverage_has_covered_and_uncovered_pillars(client, demo_loaded):
    client.force_login(User.objects.get(username="kemnaker"))

    rows = {row.code: row.cells for row in client.get("/koordinasi/cakupan/").context["matrix"].rows}

    assert len(rows) == 6
    assert [short for short, _title in rows[GENGGELANG][3]] == ["BNI"]
    assert rows[NAIMATA][1] == []  # no one for productive business in Naimata
    assert rows[NAMOSAIN][2] == []  # the stalled renovation covers nothing yet


def test_demo_twice_creates_nothing_new(demo_loaded):
    assert set(coordination_load_demo().values()) == {0}
