"""Possible duplicates through the maintained match key, and the registry's
searches at scale: a complete NIK or No. KK is an exact lookup, names are
searched through trigram indexes on PostgreSQL.

The match key (villages.matching) is kept on every write path: the
household form, the admin, a survey import (small, and on PostgreSQL one
of 1,000 rows and more written with COPY), and a plain save()."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import imports
from tests.budgets import REVIEW_COUNT, SESSION_WRITE
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.html_forms import form_data
from tests.surveys.import_helpers import family_row, many_rows, run_import, write_file
from tests.villages.test_households import ADD, HEAD, household_post
from villages.matching import match_key, normalise_name
from villages.models import Member

A = "35.24.07.2004"
DUPLICATES = "/desa/anggota/kemungkinan-ganda/"
BORN = datetime.date(1978, 10, 3)


def person(village, name, serial, *, born=BORN, sex="P", district="352407"):
    return MemberFactory(
        household__village=village,
        name=name,
        sex=sex,
        birth_date=born,
        nik=nik_for(born, sex, serial, district),
    )


def groups_listed(response):
    return {frozenset(member.name for member in group) for group in response.context["groups"]}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Siti Aminah", "SITI  AMINAH"),
        ("Siti Nur Aini", "Siti Nuraini."),
        ("Soekarno", "Sukarno"),
        ("Djoko Tjahjono", "Joko Cahjono"),
        ("Muhammad Chairul", "Muhamad Khairul"),
        ("Nyoman Sukadana", "Nyomán Sukadana"),
    ],
)
def test_spellings_of_one_name_share_a_match_key(one, other):
    assert normalise_name(one) == normalise_name(other)
    assert match_key(one, BORN) == match_key(other, BORN)


def test_other_names_and_other_birth_dates_do_not_match():
    assert match_key("Siti Aminah", BORN) != match_key("Siti Aminah", datetime.date(1978, 10, 4))
    assert match_key("Siti Aminah", BORN) != match_key("Sri Aminah", BORN)


def test_ministry_finds_duplicates_across_villages_despite_spelling(
    client, ministry_user, village_a, village_b, village_c
):
    person(village_a, "Siti Nur Aini", 11)
    person(village_c, "SITI  NURAINI", 12, district="537101")
    person(village_b, "Soekarno Hadi", 21, sex="L")
    person(village_c, "Sukarno Hadi", 22, sex="L", district="537101")
    person(village_b, "Sumiati", 31)  # alone: not listed
    client.force_login(ministry_user)

    response = client.get(DUPLICATES)

    assert response.status_code == 200
    assert groups_listed(response) == {
        frozenset({"Siti Nur Aini", "SITI NURAINI"}),
        frozenset({"Soekarno Hadi", "Sukarno Hadi"}),
    }


def test_ministry_still_sees_masked_numbers_on_the_duplicates_page(
    client, ministry_user, village_a, village_c
):
    first = person(village_a, "Siti Aminah", 11)
    second = person(village_c, "siti aminah", 12, district="537101")
    client.force_login(ministry_user)

    html = client.get(DUPLICATES).content.decode()

    assert first.nik not in html and second.nik not in html
    assert "352407••••••••••" in html and "537101••••••••••" in html


def test_duplicates_page_costs_the_same_queries_for_2_and_40_groups(
    client, ministry_user, village_a, village_b, django_assert_max_num_queries
):
    def add_pairs(start, count):
        for n in range(start, start + count):
            born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n)
            person(village_a, f"Warga {n}", 2 * n + 1, born=born)
            person(village_b, f"WARGA  {n}", 2 * n + 2, born=born)

    client.force_login(ministry_user)
    add_pairs(0, 2)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(DUPLICATES).context["groups"]) == 2
    add_pairs(2, 38)

    # Session, user, the shared keys, the members of those keys with their
    # villages, the members read for near matches (one birth date page).
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(DUPLICATES).context["groups"]) == 40
    assert len(few) <= 5 + SESSION_WRITE + REVIEW_COUNT


# The match key on every write path


def key_of(nik):
    return Member.objects.values_list("match_key", flat=True).get(nik=nik)


def test_household_form_stores_the_match_key(client, officer_a, village_a):
    client.force_login(officer_a)

    response = client.post(ADD, household_post(client, {**HEAD, "name": "Budi  Santoso"}))

    assert response.status_code == 302
    assert key_of(HEAD["nik"]) == "budisantoso 1990-05-12"


def test_plain_save_keeps_the_match_key(village_a):
    member = person(village_a, "Siti Aminah", 11)
    assert key_of(member.nik) == f"sitiaminah {BORN}"

    member.name = "Soekarni"
    member.save(update_fields=["name"])

    assert key_of(member.nik) == f"sukarni {BORN}"


def test_admin_change_of_a_name_updates_the_match_key(client, administrator, village_a):
    member = person(village_a, "Siti Aminah", 11)
    client.force_login(administrator)
    url = f"/admin/villages/member/{member.pk}/change/"
    data = form_data(client.get(url))
    data["name"] = "Dewi Lestari"

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert key_of(member.nik) == f"dewilestari {BORN}"


@pytest.fixture
def write_import(tmp_path, officer_a):
    def run(rows, name="survey"):
        report = run_import("households", write_file(tmp_path, rows, name=name), user=officer_a, write=True)
        assert report.ok, report.errors
        return report

    return run


def test_import_stores_and_updates_the_match_key(village_a, write_import):
    kk = "3524070101230005"
    nik = nik_for(BORN, "P", 7)
    write_import([family_row(kk, nik, "Siti  Aminah", "P", BORN.strftime("%d/%m/%Y"))])
    assert key_of(nik) == f"sitiaminah {BORN}"

    write_import([family_row(kk, nik, "Siti Aminah Soepardi", "P", BORN.strftime("%d/%m/%Y"))], name="again")

    assert key_of(nik) == f"sitiaminahsupardi {BORN}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_large_import_written_with_copy_stores_the_match_key(village_a, write_import, monkeypatch):
    copies = []
    create = imports.HistoryCopier.create
    monkeypatch.setattr(
        imports.HistoryCopier,
        "create",
        lambda self, objs, model: copies.append(model) or create(self, objs, model),
    )
    rows = many_rows(1000)

    write_import(rows)

    assert Member in copies
    stored = dict(Member.objects.values_list("name", "match_key"))
    assert len(stored) == 1000
    assert stored["Warga 1"] == "warga 1985-07-21"
    assert all(key == match_key(name, datetime.date(1985, 7, 21)) for name, key in stored.items())


# Searches


NIK = "3524074310780011"


@pytest.fixture
def registry(village_a, village_b):
    household = HouseholdFactory(village=village_a, no_kk="3524070101230005")
    MemberFactory(household=household, name="Siti Aminah", sex="P", birth_date=BORN, nik=NIK)
    MemberFactory(household=household, name="Budi Santoso", nik=nik_for(datetime.date(1990, 5, 12), "L", 12))
    other = HouseholdFactory(village=village_b, no_kk="3524070101230006")
    MemberFactory(household=other, name="Sri Aminah", sex="P", birth_date=BORN, nik=nik_for(BORN, "P", 13))
    return household


def changelist_rows(response):
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("typed", [NIK, "3524 0743 1078 0011", "3524.0743.1078.0011"])
def test_admin_household_search_by_nik_is_an_exact_lookup(client, administrator, registry, typed):
    client.force_login(administrator)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/villages/household/", {"q": typed})

    assert changelist_rows(response) == [registry]
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert f"%{NIK}%" not in sql and "LIKE" not in sql.upper()


def test_admin_household_search_by_no_kk_and_by_name(client, administrator, registry):
    client.force_login(administrator)

    by_kk = client.get("/admin/villages/household/", {"q": "3524070101230005"})
    by_name = client.get("/admin/villages/household/", {"q": "aminah"})

    assert changelist_rows(by_kk) == [registry]
    assert {h.no_kk for h in changelist_rows(by_name)} == {"3524070101230005", "3524070101230006"}


def test_admin_member_search_by_nik_no_kk_and_part_of_a_name(client, administrator, registry):
    client.force_login(administrator)

    def names(q):
        return sorted(m.name for m in changelist_rows(client.get("/admin/villages/member/", {"q": q})))

    assert names(NIK) == ["Siti Aminah"]
    assert names("3524070101230005") == ["Budi Santoso", "Siti Aminah"]
    assert names("  AMINAH ") == ["Siti Aminah", "Sri Aminah"]
    assert names("352407") == ["Budi Santoso", "Siti Aminah", "Sri Aminah"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_name_search_can_use_the_trigram_index(administrator, registry):
    from villages.admin import MemberAdmin

    queryset = Member.objects.filter(MemberAdmin.search_name(None, "aminah")).order_by()
    with connection.cursor() as cursor:
        # With three rows a scan is cheaper; forbid scans to see the index is usable.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")

    assert "villages_member_name_trgm" in plan
