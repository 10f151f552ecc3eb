"""The demo households that load_demo adds to the demo villages."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from villages.demo import DEMO_TODAY, DEMO_VILLAGES, demo_households
from villages.models import Household, Member
from villages.services import areas_load

DEMO_CODES = {spec["code"] for spec in DEMO_VILLAGES}
GENGGELANG = "52.08.02.2003"
JAMBENENGGANG = "32.02.34.2005"


@pytest.fixture
def demo_loaded(db, area_folder, settings):
    areas_load(folder=area_folder)
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())


@pytest.fixture
def members(demo_loaded):
    return list(Member.objects.select_related("household__village"))


def _adult_on(born, day, years):
    return day >= born.replace(year=born.year + years, day=min(born.day, 28))


def test_the_plan_is_the_same_on_every_call():
    assert demo_households() == demo_households()


def test_every_demo_village_has_8_to_15_households_of_2_to_6_members(demo_loaded):
    households = Counter(Household.objects.values_list("village_id", flat=True))

    assert set(households) == DEMO_CODES
    assert all(8 <= n <= 15 for n in households.values()), households
    for household in Household.objects.all():
        assert 2 <= household.members.count() <= 6, household


def test_every_household_and_member_passes_full_clean(members):
    for household in Household.objects.all():
        household.full_clean()
    for member in members:
        member.full_clean()


def test_each_household_has_exactly_one_head(demo_loaded):
    heads = Counter(
        Member.objects.filter(relation=Member.Relation.HEAD).values_list("household_id", flat=True)
    )

    assert set(heads) == set(Household.objects.values_list("pk", flat=True))
    assert set(heads.values()) == {1}


def test_the_mix_has_every_status_sector_and_channel(members):
    statuses = Counter(m.migration_status for m in members)
    countries = {m.destination_country for m in members if m.migration_status == Member.Status.PMI}
    abroad = [m for m in members if m.migration_status == Member.Status.PMI]
    returnees = [m for m in members if m.migration_status == Member.Status.RETURNEE]

    assert set(statuses) == set(Member.Status.values)
    assert len(countries) >= 4
    assert {"MY", "TW", "HK", "SA", "KR"} <= countries
    assert {m.sector for m in abroad} == set(Member.Sector.values)
    assert {m.channel for m in abroad} == set(Member.Channel.values)
    assert {Member.Business.HAS, Member.Business.WANTS} <= {m.business_status for m in returnees}
    assert any(m.training_wishes for m in returnees)
    for code in DEMO_CODES:
        in_village = {m.migration_status for m in members if m.household.village_id == code}
        assert in_village == set(Member.Status.values), code


def test_niks_follow_district_birth_date_and_sex_and_are_unique(members):
    for member in members:
        district = member.household.village_id.replace(".", "")[:6]
        day = member.birth_date.day + (40 if member.sex == Member.Sex.FEMALE else 0)
        assert member.nik == f"{district}{day:02d}{member.birth_date:%m%y}{member.nik[12:]}"
        assert member.nik[12:] != "0000"
    assert len({m.nik for m in members}) == len(members)


def test_family_card_numbers_start_with_the_district_code(demo_loaded):
    for household in Household.objects.all():
        assert len(household.no_kk) == 16 and household.no_kk.isdigit()
        assert household.no_kk.startswith(household.village_id.replace(".", "")[:6])


def test_dates_are_in_the_past_and_workers_left_as_adults(members):
    for member in members:
        assert member.birth_date < DEMO_TODAY <= datetime.date.today()
        if member.departure_date:
            assert member.departure_date < DEMO_TODAY
            assert _adult_on(member.birth_date, member.departure_date, 18), member
        if member.migration_status == Member.Status.RETURNEE:
            assert member.departure_date < member.return_date < DEMO_TODAY, member
        if member.migration_status in (Member.Status.CPMI, Member.Status.PMI, Member.Status.RETURNEE):
            assert _adult_on(member.birth_date, DEMO_TODAY, 18), member


def test_children_of_workers_abroad_have_schooling_and_a_caregiver(members):
    cared_for = [m for m in members if m.caregiver]

    assert cared_for
    assert all(m.schooling and m.relation in ("child", "grandchild") for m in cared_for)
    assert {"ayah", "ibu", "nenek"} <= {m.caregiver for m in cared_for}


def test_genggelang_fathers_raise_the_children_while_mothers_work_abroad(members):
    in_genggelang = [m for m in members if m.household.village_id == GENGGELANG]

    assert "ayah" in {m.caregiver for m in in_genggelang}
    for code in (GENGGELANG, JAMBENENGGANG):
        domestic = [
            m
            for m in members
            if m.household.village_id == code
            and m.migration_status == Member.Status.PMI
            and m.sex == Member.Sex.FEMALE
            and m.occupation.startswith("PLRT")
        ]
        assert domestic, code
        assert all(m.sector == Member.Sector.INFORMAL for m in domestic)


def test_households_are_saved_with_history_and_no_user(demo_loaded):
    household = Household.objects.first()

    assert household.history.count() == 1
    assert household.history.get().history_user is None
    assert Member.history.count() == Member.objects.count()


def test_a_second_run_creates_nothing_new(demo_loaded):
    counts = (Household.objects.count(), Member.objects.count(), Member.history.count())

    call_command("load_demo", stdout=StringIO())

    assert (Household.objects.count(), Member.objects.count(), Member.history.count()) == counts


def test_only_a_missing_demo_household_is_created_again(demo_loaded):
    household = Household.objects.order_by("no_kk").first()
    no_kk, members = household.no_kk, household.members.count()
    household.delete()
    counts = (Household.objects.count(), Member.objects.count())

    call_command("load_demo", stdout=StringIO())

    assert Household.objects.count() == counts[0] + 1
    assert Member.objects.count() == counts[1] + members
    assert Household.objects.get(no_kk=no_kk).members.count() == members
