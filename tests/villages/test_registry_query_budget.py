"""The household list and the member page cost the same number of queries
for a village of 10 households as for one of 1,000: members come with their
households (one prefetch), the status counts are one grouped query, and the
member page's history comes with its users."""

import datetime

import pytest

from tests.budgets import SESSION_WRITE
from tests.household_factories import nik_for
from tests.villages.registry_helpers import make_kk
from villages.models import Household, Member

A = "35.24.07.2004"

# Session, user, the village with its area path, the paginator's count, the
# page of households, their members (one prefetch), the status counts.
HOUSEHOLD_LIST_BUDGET = 7 + SESSION_WRITE
# Session, user, the village, the member with its household, the full-NIK
# access log (one insert), the history with its users.
MEMBER_PAGE_BUDGET = 7 + SESSION_WRITE  # +1: the member's trainings (pillars_tags)

STATUS_FIELDS = [
    {"migration_status": "family"},
    {"migration_status": "cpmi", "destination_country": "TW", "channel": "procedural"},
    {
        "migration_status": "pmi",
        "destination_country": "HK",
        "sector": "informal",
        "channel": "procedural",
        "departure_date": datetime.date(2020, 1, 1),
    },
    {
        "migration_status": "returnee",
        "destination_country": "MY",
        "sector": "formal",
        "departure_date": datetime.date(2015, 1, 1),
        "return_date": datetime.date(2019, 1, 1),
    },
]


def fill_village(village, households):
    """``households`` households of two members each, written in bulk."""
    Household.objects.bulk_create(
        Household(village=village, no_kk=make_kk(n), dusun=f"Dusun {n % 7}", rt=f"{n % 20:03d}")
        for n in range(households)
    )
    born = datetime.date(1980, 1, 1)
    members = []
    for n, household in enumerate(Household.objects.filter(village=village).order_by("pk")):
        for k, relation in enumerate(["head", "wife"]):
            sex = "L" if k == 0 else "P"
            members.append(
                Member(
                    household=household,
                    nik=nik_for(born, sex, n + 1),
                    name=f"Warga {n} {k}",
                    sex=sex,
                    birth_date=born,
                    relation=relation,
                    **STATUS_FIELDS[(n + k) % len(STATUS_FIELDS)],
                )
            )
    Member.objects.bulk_create(members, batch_size=1000)


def change_member(member, users, times):
    """``times`` saved changes, each by the next user (so each history entry has its own user)."""
    for n in range(times):
        member.occupation = f"Pekerjaan {n}"
        member._history_user = users[n % len(users)]
        member.save()


@pytest.mark.parametrize(
    ("households", "page_size", "params"),
    [
        (10, 25, {}),
        (1000, 25, {}),
        (1000, 100, {}),
        (1000, 25, {"q": "Warga", "status": "pmi", "country": "HK", "sector": "informal"}),
    ],
)
def test_household_list_queries_do_not_grow_with_households(
    client, officer_a, village_a, settings, django_assert_max_num_queries, households, page_size, params
):
    settings.PAGE_SIZE = page_size
    fill_village(village_a, households)
    client.force_login(officer_a)
    client.get(f"/desa/{A}/rumah-tangga/")  # the first request after sign-in also writes the session

    with django_assert_max_num_queries(HOUSEHOLD_LIST_BUDGET):
        response = client.get(f"/desa/{A}/rumah-tangga/", params)

    page = response.context["page"]
    if not params:
        assert page.paginator.count == households
    else:  # every other household has a PMI (in Hong Kong, informal sector)
        assert page.paginator.count == households // 2
    assert len(page.object_list) == min(page.paginator.count, page_size)
    # what the budget protects: every row shows its members and their status
    html = response.content.decode()
    for household in page.object_list:
        for member in household.members.all():
            assert member.name in html


@pytest.mark.parametrize(("households", "changes"), [(10, 1), (1000, 20)])
def test_member_page_queries_do_not_grow_with_households_or_history(
    client,
    officer_a,
    regency_user,
    administrator,
    village_a,
    django_assert_max_num_queries,
    households,
    changes,
):
    fill_village(village_a, households)
    member = Member.objects.filter(household__village=village_a).order_by("pk").first()
    change_member(member, [officer_a, regency_user, administrator], changes)
    url = f"/desa/{A}/anggota/{member.pk}/"
    client.force_login(officer_a)
    client.get(url)

    with django_assert_max_num_queries(MEMBER_PAGE_BUDGET):
        response = client.get(url)

    assert len(response.context["history"]) == changes  # bulk_create wrote no "created" entry
    html = response.content.decode()
    assert regency_user.get_full_name() in html or changes == 1
    assert officer_a.get_full_name() in html
