"""Merging duplicates (issue 13, section 3): from the possible-duplicates
page a village's officer, or the regency office, merges two member records
or two households, choosing field by field; links move to the survivor, the
other record's history stays readable, the merge is in the history with who
and why. Near matches (same date of birth, a similar name) are offered too."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dashboards import aggregates
from dashboards.aggregates import refresh_stale
from dashboards.models import VillageFigures
from desmigratif.concurrency import claim_version
from pillars.models import Business, Loan, Training
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.html_forms import form_data
from tests.pillars.conftest import make_records
from tests.villages.registry_helpers import PMI
from villages.merging import MergeRefused, member_merge
from villages.models import Household, IdNumberAccess, Member, Merge

A = "35.24.07.2004"
B = "35.24.07.2001"
C = "53.71.01.1001"
DUPLICATES = "/desa/anggota/kemungkinan-ganda/"
BORN = datetime.date(1983, 11, 2)


def merge_members_url(kept, other):
    return f"{DUPLICATES}gabung-anggota/{kept.pk}/{other.pk}/"


def merge_households_url(kept, other):
    return f"{DUPLICATES}gabung-rumah-tangga/{kept.pk}/{other.pk}/"


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def family(village, no_kk, *people):
    """A household with its people: (name, sex, born, serial, extra fields)."""
    household = HouseholdFactory(village=village, no_kk=no_kk, address="")
    district = village.code.replace(".", "")[:6]
    members = []
    for index, (name, sex, born, serial, extra) in enumerate(people):
        relation = "head" if index == 0 else ("wife" if sex == "P" else "child")
        members.append(
            MemberFactory(
                household=household,
                name=name,
                sex=sex,
                birth_date=born,
                nik=nik_for(born, sex, serial, district),
                relation=extra.pop("relation", relation),
                **extra,
            )
        )
    return household, members


@pytest.fixture
def twice(villages):
    """Siti Aminah entered twice in village A, in two households: once as a
    family member, once as a PMI with her work abroad."""
    first, (budi, siti) = family(
        villages.a,
        "3524070101230001",
        ("Budi Santoso", "L", datetime.date(1979, 3, 14), 11, {}),
        ("Siti Aminah", "P", BORN, 12, {}),
    )
    second, (budi_again, siti_again) = family(
        villages.a,
        "3524070101230002",
        ("BUDI SANTOSA", "L", datetime.date(1979, 3, 14), 21, {}),
        ("Siti Aminah", "P", BORN, 22, {**PMI}),
    )
    second.address = "Jl. Raya Brengkok 7"
    second.save()
    return first, second, budi, siti, budi_again, siti_again


def values(pk):
    return Member.objects.filter(pk=pk).values().first()


def post_merge(client, url, **changes):
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def test_officer_merges_two_member_records_field_by_field(client, english, officer_a, village_a, twice):
    _first, _second, _budi, siti, _budi_again, siti_again = twice
    links = make_records(village_a, siti_again)
    links.training.participants.add(siti)  # in it under both records: listed once after
    IdNumberAccess.objects.create(user=officer_a, reason="member_page", village=village_a, member=siti_again)
    client.force_login(officer_a)

    response = post_merge(
        client,
        merge_members_url(siti, siti_again),
        take_nik="other",
        take_migration_status="other",
        take_destination_country="other",
        take_sector="other",
        take_occupation="other",
        take_channel="other",
        take_departure_date="other",
        reason="Entered twice at the 2019 survey",
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == f"/desa/{A}/anggota/{siti.pk}/"
    merged = Member.objects.get(pk=siti.pk)
    assert merged.nik == siti_again.nik  # the other's NIK, freed by the merge
    assert (merged.migration_status, merged.destination_country) == ("pmi", "HK")
    assert merged.household_id == siti.household_id
    assert not Member.objects.filter(pk=siti_again.pk).exists()
    # The links moved to the survivor.
    assert list(Training.objects.get(pk=links.training.pk).participants.all()) == [merged]
    assert Business.objects.get(pk=links.business.pk).owner_member == merged
    latest = links.business.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (officer_a, "merged")
    assert Loan.objects.get(pk=links.loan.pk).borrower == merged
    assert list(links.cooperative.members.all()) == [merged]
    assert IdNumberAccess.objects.filter(member=merged).count() == 1
    # The merge is recorded with who and why.
    merge = Merge.objects.get()
    assert (merge.user, merge.reason, merge.member) == (officer_a, "Entered twice at the 2019 survey", merged)
    assert merge.choices["nik"] == "other" and merge.choices["name"] == "kept"

    page = client.get(response["Location"]).content.decode()
    assert "merged with the record of Siti Aminah" in page
    assert "Entered twice at the 2019 survey" in page
    assert (officer_a.get_full_name() or officer_a.username) in page
    detail_url = f"/desa/{A}/gabungan/{merge.pk}/"
    assert detail_url in page
    detail = client.get(detail_url)
    assert detail.status_code == 200
    text = detail.content.decode()
    # The other record's history stays readable: created, then removed by the merge.
    assert [entry["record"].history_type for entry in detail.context["history"]] == ["-", "+"]
    assert "PMI (working abroad)" in text and "Hong Kong" in text
    assert siti_again.nik in text  # the village's own officer sees its numbers in full


def test_household_entered_twice_is_merged_with_its_members(client, english, officer_a, village_a, twice):
    first, second, budi, siti, budi_again, siti_again = twice
    business = make_records(village_a, budi_again).business
    business.owner_household = second
    business.save()
    client.force_login(officer_a)
    url = merge_households_url(first, second)

    page = client.get(url)
    # Each member of the other household is offered as the kept one's with a similar name and birth date.
    assert page.context["form"][f"same_{budi_again.pk}"].initial == budi.pk
    assert page.context["form"][f"same_{siti_again.pk}"].initial == siti.pk
    response = post_merge(client, url, take_address="other", reason="Same family card entered twice")

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert not Household.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert first.address == "Jl. Raya Brengkok 7"
    assert first.no_kk == "3524070101230001"
    # Budi and Siti merged into the kept household's records (their values kept).
    assert sorted(first.members.values_list("pk", flat=True)) == sorted([budi.pk, siti.pk])
    assert Member.objects.get(pk=siti.pk).migration_status == "family"
    business.refresh_from_db()
    assert (business.owner_household, business.owner_member) == (first, Member.objects.get(pk=budi.pk))
    assert Merge.objects.filter(kind="household", household=first, user=officer_a).count() == 1
    assert Merge.objects.filter(kind="member").count() == 2
    household_page = client.get(response["Location"]).content.decode()
    assert "merged with household 3524070101230002" in household_page
    assert "Same family card entered twice" in household_page


def test_a_household_merge_moves_the_other_members(client, officer_a, village_a, twice):
    first, second, budi, siti, budi_again, siti_again = twice
    client.force_login(officer_a)

    response = post_merge(
        client,
        merge_households_url(first, second),
        reason="Moved in",
        **{f"same_{budi_again.pk}": str(budi.pk), f"same_{siti_again.pk}": ""},
    )

    assert response.status_code == 302
    assert Member.objects.get(pk=siti_again.pk).household_id == first.pk
    assert not Member.objects.filter(pk=budi_again.pk).exists()


def test_merge_marks_the_villages_figures_stale(client, officer_a, regency_user, villages, twice):
    _first, _second, _budi, siti, *_ = twice
    _household, (other,) = family(villages.b, "3524070101230009", ("Siti Aminah", "P", BORN, 31, {}))
    refresh_stale()
    client.force_login(regency_user)

    response = post_merge(client, merge_members_url(siti, other), reason="Moved from Lohgung")

    # Her household in B had her only: she cannot leave it empty.
    assert response.status_code == 200
    assert Member.objects.filter(pk=other.pk).exists()
    MemberFactory(
        household=other.household,
        name="Anak",
        birth_date=datetime.date(2010, 1, 1),
        nik=nik_for(datetime.date(2010, 1, 1), "L", 33),
        relation="child",
    )
    refresh_stale()

    response = post_merge(client, merge_members_url(siti, other), reason="Moved from Lohgung")

    assert response.status_code == 302
    stale = set(VillageFigures.objects.filter(aggregates.stale()).values_list("pk", flat=True))
    assert {A, B} <= stale


def test_another_villages_officer_gets_404_and_nothing_changes(
    client, officer_b, village_a, village_b, twice
):
    _first, _second, _budi, siti, _budi_again, siti_again = twice
    _household, (in_b, _child) = family(
        village_b,
        "3524070101230011",
        ("Siti Aminah", "P", BORN, 41, {}),
        ("Anak", "L", datetime.date(2010, 1, 1), 42, {}),
    )
    client.force_login(officer_b)

    assert client.get(merge_members_url(siti, siti_again)).status_code == 404
    assert client.post(merge_members_url(in_b, siti), {"reason": "x"}).status_code == 404
    assert (
        client.post(merge_households_url(siti.household, siti_again.household), {"reason": "x"}).status_code
        == 404
    )
    assert Member.objects.filter(pk__in=[siti.pk, siti_again.pk, in_b.pk]).count() == 3
    assert not Merge.objects.exists()


def test_regency_office_merges_within_its_regency_and_not_outside(client, regency_user, villages, twice):
    _first, _second, _budi, siti, *_ = twice
    _household, (in_b, _child) = family(
        villages.b,
        "3524070101230011",
        ("Siti Aminah", "P", BORN, 41, {}),
        ("Anak", "L", datetime.date(2010, 1, 1), 42, {}),
    )
    _household, (in_c, _child_c) = family(
        villages.c,
        "5371010101230012",
        ("Siti Aminah", "P", BORN, 51, {}),
        ("Anak", "L", datetime.date(2010, 1, 1), 52, {}),
    )
    client.force_login(regency_user)

    assert client.get(merge_members_url(siti, in_c)).status_code == 404
    assert client.post(merge_members_url(siti, in_c), {"reason": "x"}).status_code == 404
    assert Member.objects.filter(pk=in_c.pk).exists()

    response = post_merge(client, merge_members_url(siti, in_b), reason="Registered in both villages")

    assert response.status_code == 302
    assert not Member.objects.filter(pk=in_b.pk).exists()
    assert Merge.objects.get().other_village_id == B


def test_read_only_roles_cannot_merge(client, province_user, ministry_user, twice):
    _first, _second, _budi, siti, _budi_again, siti_again = twice
    for user in (province_user, ministry_user):
        client.force_login(user)
        assert client.get(merge_members_url(siti, siti_again)).status_code == 403
        assert client.post(merge_members_url(siti, siti_again), {"reason": "x"}).status_code == 403
        assert "gabung-anggota" not in client.get(DUPLICATES).content.decode()
    assert Member.objects.filter(pk=siti_again.pk).exists()


def test_merge_service_refuses_villages_the_user_may_not_both_write(officer_a, villages, twice):
    _first, _second, _budi, siti, *_ = twice
    _household, (in_b, _child) = family(
        villages.b,
        "3524070101230011",
        ("Siti Aminah", "P", BORN, 41, {}),
        ("Anak", "L", datetime.date(2010, 1, 1), 42, {}),
    )
    versions = dict(Household.objects.values_list("pk", "version"))

    # In English whatever language an earlier test's request left active.
    with translation.override("en"), pytest.raises(MergeRefused, match="only of villages you may change"):
        member_merge(
            user=officer_a,
            survivor=siti,
            other=in_b,
            choices={},
            reason="x",
            survivor_version=versions[siti.household_id],
            other_version=versions[in_b.household_id],
        )

    assert Member.objects.filter(pk=in_b.pk).exists()
    assert dict(Household.objects.values_list("pk", "version")) == versions
    assert not Merge.objects.exists()


def test_merge_of_records_changed_since_the_page_was_opened_is_refused(client, english, officer_a, twice):
    _first, _second, _budi, siti, _budi_again, siti_again = twice
    client.force_login(officer_a)
    url = merge_members_url(siti, siti_again)
    data = form_data(client.get(url))
    data.update(take_nik="other", reason="Entered twice")
    claim_version(Household, siti_again.household_id)  # someone saved her household meanwhile
    before = [values(siti.pk), values(siti_again.pk)]

    response = client.post(url, data, follow=True)

    assert "changed after you opened this page, so nothing has been merged" in response.content.decode()
    assert [values(siti.pk), values(siti_again.pk)] == before
    assert not Merge.objects.exists()
    # The page shown again carries the versions as they are now: merging again works.
    assert post_merge(client, url, reason="Entered twice").status_code == 302


def test_merge_that_breaks_a_rule_says_so_and_changes_nothing(client, english, officer_a, twice):
    _first, _second, _budi, siti, _budi_again, siti_again = twice
    client.force_login(officer_a)
    before = [values(siti.pk), values(siti_again.pk)]

    no_reason = post_merge(client, merge_members_url(siti, siti_again), reason="  ")
    # A PMI without the country she works in.
    no_country = post_merge(
        client,
        merge_members_url(siti, siti_again),
        take_migration_status="other",
        take_destination_country="kept",
        reason="Entered twice",
    )

    assert no_reason.status_code == 200 and no_reason.context["form"].errors["reason"]
    assert no_country.status_code == 200
    assert "Choose the destination country." in no_country.content.decode()
    assert [values(siti.pk), values(siti_again.pk)] == before
    assert not Merge.objects.exists()


def test_regency_staff_see_masked_numbers_on_the_merge_pages(client, regency_user, villages, twice):
    first, second, _budi, siti, _budi_again, siti_again = twice
    client.force_login(regency_user)

    for url in (merge_members_url(siti, siti_again), merge_households_url(first, second)):
        html = client.get(url).content.decode()
        for number in (siti.nik, siti_again.nik, first.no_kk, second.no_kk):
            assert number not in html and number[12:] not in html
        assert "352407••••••••••" in html

    post_merge(client, merge_members_url(siti, siti_again), take_nik="other", reason="Twice")
    merge = Merge.objects.get()
    for url in (f"/desa/{A}/anggota/{siti.pk}/", f"/desa/{A}/gabungan/{merge.pk}/"):
        html = client.get(url).content.decode()
        assert siti.nik not in html and siti_again.nik not in html
        assert siti.nik[12:] not in html and siti_again.nik[12:] not in html


# Near matches


def candidates(response):
    found = {frozenset(m.name for m in group) for group in response.context["groups"]}
    found |= {frozenset((pair["kept"].name, pair["other"].name)) for pair in response.context["near"]}
    return found


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Siti Nurhayati", "Siti Nur Hayati"),
        ("Muhammad Rizki", "Muhamad Rizki"),
        ("Moh. Rizki", "Muhammad Rizki"),
        ("Moch. Yusuf", "Muhamad Yusup"),
        ("M. Arifin", "Muhammad Arifin"),
        ("Muhammad Rizky", "Muhamad Rizki"),
    ],
)
def test_near_matches_are_candidates(client, officer_a, village_a, one, other):
    family(village_a, "3524070101230021", (one, "L", BORN, 61, {}))
    family(village_a, "3524070101230022", (other, "L", BORN, 62, {}))
    client.force_login(officer_a)

    assert frozenset({one, other}) in candidates(client.get(DUPLICATES))


@pytest.mark.parametrize(
    ("one", "other", "born"),
    [
        ("Siti Aminah", "Siti Aisyah", BORN),
        ("Budi Santoso", "Dewi Lestari", BORN),
        ("Moh. Rizki", "Muhammad Rizki", datetime.date(1984, 11, 2)),  # born another day
    ],
)
def test_different_people_are_not_candidates(client, officer_a, village_a, one, other, born):
    family(village_a, "3524070101230021", (one, "L", BORN, 61, {}))
    family(village_a, "3524070101230022", (other, "L", born, 62, {}))
    client.force_login(officer_a)

    assert candidates(client.get(DUPLICATES)) == set()


def test_near_matches_are_read_in_birth_date_pages(client, officer_a, village_a):
    for n in range(6):
        born = BORN + datetime.timedelta(days=n)
        family(village_a, f"35240701012300{30 + 2 * n}", (f"Moh. Warga {n}", "L", born, 70 + 2 * n, {}))
        family(village_a, f"35240701012300{31 + 2 * n}", (f"Muhammad Warga {n}", "L", born, 71 + 2 * n, {}))
    client.force_login(officer_a)
    from villages import selectors

    first, next_date = selectors.near_duplicates(user=officer_a, rows=5)
    rest, end = selectors.near_duplicates(user=officer_a, born_from=next_date, rows=100)

    assert len(first) == 2 and next_date == BORN + datetime.timedelta(days=2)
    assert len(rest) == 4 and end is None
    page = client.get(DUPLICATES, {"dari": next_date.isoformat()})
    assert len(page.context["near"]) == 4


def test_duplicates_page_queries_do_not_grow_with_near_matches(
    client, regency_user, village_a, village_b, django_assert_max_num_queries
):
    def add_pairs(start, count):
        for n in range(start, start + count):
            born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n)
            family(village_a, f"3524070101{n:06d}", (f"Moh. Warga {n}", "L", born, 2 * n + 1, {}))
            family(village_b, f"3524070102{n:06d}", (f"Muhammad Warga {n}", "L", born, 2 * n + 2, {}))
            family(village_b, f"3524070103{n:06d}", (f"MUHAMAD  WARGA {n}", "L", born, 2 * n + 3000, {}))

    client.force_login(regency_user)
    add_pairs(0, 2)
    with CaptureQueriesContext(connection) as few:
        response = client.get(DUPLICATES)
    assert len(response.context["near"]) == 4 and len(response.context["groups"]) == 2
    add_pairs(2, 18)

    with django_assert_max_num_queries(len(few)):
        response = client.get(DUPLICATES)
    assert len(response.context["near"]) == 40 and len(response.context["groups"]) == 20
