"""The pillar records and problems that load_demo adds to the demo villages."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from pillars.demo import DEMO_PILLARS, pillars_load_demo
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
from villages.demo import DEMO_VILLAGES
from villages.services import areas_load

DEMO_CODES = {spec["code"] for spec in DEMO_VILLAGES}
BRENGKOK = "35.24.07.2004"
NAMOSAIN = "53.71.01.1001"
RECORD_MODELS = [
    ServiceOfficer,
    ServiceActivity,
    Business,
    Training,
    ParentingSession,
    LearningHouse,
    Cooperative,
    Loan,
    Problem,
    ProblemFollowUp,
]


@pytest.fixture
def demo_loaded(db, area_folder, settings):
    areas_load(folder=area_folder)
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())


def test_every_demo_village_has_pillar_records_and_problems():
    assert set(DEMO_PILLARS) == DEMO_CODES


def test_each_demo_village_gets_records_of_all_four_pillars_and_the_papers_problems(demo_loaded):
    for model in (
        ServiceOfficer,
        ServiceActivity,
        Business,
        Training,
        ParentingSession,
        LearningHouse,
        Problem,
    ):
        assert set(model.objects.values_list("village_id", flat=True)) == DEMO_CODES, model
    assert set(Cooperative.objects.values_list("village_id", flat=True)) == DEMO_CODES
    assert Problem.objects.filter(source__startswith="Kajian evaluasi").count() == Problem.objects.count()
    assert set(Problem.objects.values_list("pillar", flat=True)) == {1, 2, 3, 4}
    assert set(Problem.objects.values_list("status", flat=True)) == set(Problem.Status.values)
    assert Problem.objects.exclude(proposed_solution="").count() == Problem.objects.count()


def test_the_papers_findings_are_in_their_villages(demo_loaded):
    brengkok = Problem.objects.filter(village_id=BRENGKOK).values_list("title", flat=True)
    assert "Internet belum terpasang di pusat layanan migrasi" in brengkok
    assert "Warga menolak pendataan dan meminta imbalan" in brengkok
    assert "Petugas layanan migrasi belum memahami tugasnya" in brengkok

    stages = Counter(Business.objects.filter(village_id=BRENGKOK).values_list("stage", flat=True))
    kinds = set(Business.objects.filter(village_id=BRENGKOK).values_list("kind", flat=True))
    assert kinds == {"food", "furniture"}
    assert stages["starting"] > stages["growing"] + stages["established"]  # mostly not growing

    house = LearningHouse.objects.get(village_id=NAMOSAIN)
    assert (house.status, house.renovation_partner, house.renovation_progress) == ("stalled", "Bank BNI", 0)
    stalled = Problem.objects.get(village_id=NAMOSAIN, title="Renovasi rumah belajar oleh BNI terhenti")
    assert "RAB" in stalled.description
    assert stalled.is_open


def test_trainings_have_returnees_of_their_own_village(demo_loaded):
    for training in Training.objects.prefetch_related("participants__household"):
        people = list(training.participants.all())
        assert people, training
        assert {p.household.village_id for p in people} == {training.village_id}
    assert Training.objects.filter(participants__migration_status="returnee").exists()


def test_every_demo_record_passes_full_clean_and_follow_ups_have_authors(demo_loaded):
    for model in RECORD_MODELS:
        for record in model.objects.all():
            record.full_clean()
    assert not ProblemFollowUp.objects.filter(author__isnull=True).exists()
    brengkok_steps = ProblemFollowUp.objects.filter(problem__village_id=BRENGKOK)
    assert set(brengkok_steps.values_list("author__username", flat=True)) == {"petugas.brengkok"}


def test_a_second_run_creates_nothing(demo_loaded):
    counts = [model.objects.count() for model in RECORD_MODELS]

    created = pillars_load_demo()

    assert set(created.values()) == {0}
    assert [model.objects.count() for model in RECORD_MODELS] == counts
