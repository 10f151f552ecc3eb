"""The coverage matrix: village x pillar, which agencies cover what, and the
pillars no one covers. Expectations are worked out by hand from the world
fixture (tests/coordination/conftest.py)."""

import io
import re

import pytest
from openpyxl import load_workbook

from coordination.models import Programme, Realisation
from tests.budgets import REVIEW_COUNT, SESSION_WRITE
from tests.coordination.factories import make_budget_line, make_programme
from tests.export_helpers import content_of, exported
from villages.models import Area, AreaLevel, Village

A, B, C = "35.24.07.2004", "35.24.07.2001", "53.71.01.1001"
URL = "/koordinasi/cakupan/"
EXPORT = "/koordinasi/cakupan.xlsx"

EXPECTED = {
    A: [[], ["Kemendes PDTT"], ["Kemenkes"], []],
    B: [[], [], [], []],
    C: [[], ["Kemendes PDTT"], [], ["BNI"]],
}


def matrix_of(response):
    return {
        row.code: [[short for short, _title in cell] for cell in row.cells]
        for row in response.context["matrix"].rows
    }


def test_matrix_lists_agencies_with_realised_commitments_or_funded_programmes(client, ministry_user, world):
    client.force_login(ministry_user)

    response = client.get(URL)

    assert response.status_code == 200
    assert matrix_of(response) == EXPECTED
    # Pillar I: no one anywhere; II: only B; III: B and C; IV: A and B.
    assert response.context["matrix"].uncovered == [3, 1, 2, 2]


def test_an_agency_covering_by_commitment_and_programme_appears_once_saying_both(
    client, ministry_user, world
):
    """In A, Kemenkes has a realised commitment and a funded programme for pillar III."""
    client.force_login(ministry_user)

    row = next(r for r in client.get(URL).context["matrix"].rows if r.code == A)

    assert row.cells[2] == [("Kemenkes", "both")]
    assert row.cells[1] == [("Kemendes PDTT", "programme")]


def test_in_progress_and_not_started_do_not_count(client, ministry_user, world):
    assert world.r_b.status == Realisation.Status.IN_PROGRESS
    assert world.r_c.status == Realisation.Status.NOT_STARTED
    client.force_login(ministry_user)

    matrix = matrix_of(client.get(URL))

    assert matrix[B][2] == [] and matrix[C][2] == []


def test_a_programme_with_only_planned_money_does_not_count(client, ministry_user, world):
    """ "Planned only" (Kemnaker, pillar I, A and B) has realised 0."""
    client.force_login(ministry_user)

    matrix = matrix_of(client.get(URL))

    assert matrix[A][0] == [] and matrix[B][0] == []


def test_a_programme_counts_once_some_money_is_realised(client, ministry_user, world):
    make_budget_line(programme=world.planned_only, source="apbn", fiscal_year=2020, planned=10, realised=1)
    client.force_login(ministry_user)

    matrix = matrix_of(client.get(URL))

    assert matrix[A][0] == ["Kemnaker"] and matrix[B][0] == ["Kemnaker"]
    assert matrix[C][0] == []


def test_how_an_agency_covers_a_pillar_is_said_in_words(client, ministry_user, world):
    client.force_login(ministry_user)

    html = client.get(URL, {"desa": C}).content.decode()

    assert 'title="MOU commitment realised">BNI</span>' in html
    assert 'title="programme with realised budget">Kemendes PDTT</span>' in html
    assert (
        '<dt class="col-sm-3 col-lg-2">BNI</dt><dd class="col-sm-9 col-lg-4">Bank Negara Indonesia</dd>'
        in html
    )


def test_empty_cells_are_marked_no_one_in_words(client, ministry_user, world):
    client.force_login(ministry_user)

    html = client.get(URL).content.decode()

    row_b = re.search(r"<tr>\s*<th scope=\"row\"[^>]*><a href=\"/desa/35.24.07.2001/\">.*?</tr>", html, re.S)
    assert row_b is not None
    assert row_b.group().count("no one") == 4
    assert "no one in 3 villages" in html


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("officer_a", [A]),
        ("officer_b", [B]),
        ("regency_user", [A, B]),
        ("province_user", [A, B]),
        ("other_province_user", [C]),
        ("ministry_user", [A, B, C]),
        ("administrator", [A, B, C]),
    ],
)
def test_matrix_shows_only_villages_in_the_users_scope(client, request, world, role, visible):
    client.force_login(request.getfixturevalue(role))

    response = client.get(URL)

    assert sorted(matrix_of(response)) == sorted(visible)
    html = response.content.decode()
    for code in {A, B, C} - set(visible):
        assert code not in html


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"province": "35"}, [A, B]),
        ({"province": "53"}, [C]),
        ({"regency": "35.24"}, [A, B]),
        ({"desa": B}, [B]),
        ({"province": "35", "regency": "35.24", "desa": A}, [A]),
    ],
)
def test_matrix_for_one_village_a_regency_or_a_province(client, ministry_user, world, query, codes):
    client.force_login(ministry_user)

    matrix = matrix_of(client.get(URL, query))

    assert sorted(matrix) == sorted(codes)
    for code in codes:
        assert matrix[code] == EXPECTED[code]


def test_filter_outside_the_scope_shows_nothing_of_it(client, officer_a, world):
    client.force_login(officer_a)

    response = client.get(URL, {"province": "53"})

    # The province is not among A's officer's choices: the filter is ignored,
    # and only their own village shows.
    assert sorted(matrix_of(response)) == [A]


def test_export_has_the_same_matrix(client, ministry_user, world, django_capture_on_commit_callbacks):
    client.force_login(ministry_user)

    # The whole country: prepared as a job (desmigratif.exports).
    response = exported(client, EXPORT, capture=django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(content_of(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("Province", "Regency / city", "District", "Village", "Code")
    assert header[5].startswith("I ·") and header[8].startswith("IV ·")
    by_code = {row[4]: row for row in rows[1:]}
    assert set(by_code) == {A, B, C}
    assert by_code[A][3:] == ("Brengkok", A, "(no one)", "Kemendes PDTT", "Kemenkes", "(no one)")
    assert by_code[C][:3] == ("Nusa Tenggara Timur", "Kota Kupang", "Alak")
    assert by_code[C][5:] == ("(no one)", "Kemendes PDTT", "(no one)", "BNI")


def test_export_follows_the_scope_and_filters(client, regency_user, world):
    client.force_login(regency_user)

    response = client.get(EXPORT, {"desa": A})

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[4] for row in rows[1:]] == [A]


def test_export_keeps_formula_looking_agency_names_as_text(
    client, ministry_user, world, agencies, django_capture_on_commit_callbacks
):
    agencies.kemendes.short_name = '=HYPERLINK("http://x")'
    agencies.kemendes.save()
    client.force_login(ministry_user)

    response = exported(client, EXPORT, capture=django_capture_on_commit_callbacks)

    sheet = load_workbook(io.BytesIO(content_of(response))).active
    cell = next(c for row in sheet.iter_rows() for c in row if str(c.value or "").startswith("=HYPERLINK"))
    assert cell.data_type == "s"


# Query budget -------------------------------------------------------------------------------

# Session, user, the villages for the filter drop-downs, the count and the
# page of villages, the page's realised commitments and funded programmes,
# the uncovered pillars of the whole selection; a reviewer's waiting reports (menu).
COVERAGE_QUERY_BUDGET = 8 + SESSION_WRITE + REVIEW_COUNT


def enrol_many(tree, total):
    """Bulk-create enrolled villages up to ``total`` over several districts,
    regencies and provinces."""
    existing = Village.objects.count()
    areas, villages = [], []
    provinces = [("36", "Banten"), ("51", "Bali")]
    for code, name in provinces:
        areas.append(Area(code=code, name=name, level=AreaLevel.PROVINCE))
        for r in range(1, 3):
            areas.append(
                Area(code=f"{code}.{r:02d}", name=f"Kab {code}.{r}", level=AreaLevel.REGENCY, parent_id=code)
            )
            for d in range(1, 4):
                areas.append(
                    Area(
                        code=f"{code}.{r:02d}.{d:02d}",
                        name=f"Kec {code}.{r}.{d}",
                        level=AreaLevel.DISTRICT,
                        parent_id=f"{code}.{r:02d}",
                    )
                )
    districts = [a.code for a in areas if a.level == AreaLevel.DISTRICT]
    for n in range(total - existing):
        district = districts[n % len(districts)]
        code = f"{district}.{2001 + n:04d}"
        areas.append(Area(code=code, name=f"Desa {n}", level=AreaLevel.VILLAGE, parent_id=district))
        villages.append(Village(area_id=code, cohort_year=2017 + n % 3))
    Area.objects.bulk_create(areas)
    Village.objects.bulk_create(villages)
    return [v.area_id for v in villages]


@pytest.mark.parametrize("total", [5, 500])
def test_coverage_queries_do_not_grow_with_villages(
    client, ministry_user, tree, world, django_assert_max_num_queries, total
):
    codes = enrol_many(tree, total)
    # Every new village is covered somehow, so the cells are full.
    Realisation.objects.bulk_create(
        Realisation(commitment=world.c_health, village_id=code, status="realised", status_date="2019-01-01")
        for code in codes[::2]
    )
    world.dana_desa.villages.add(*codes)
    extra = make_programme(agency=world.c_credit.agency, pillar=4, name="KUR")
    extra.villages.add(*codes[1::3])
    make_budget_line(programme=extra, realised=5)
    client.force_login(ministry_user)
    client.get(URL)  # the first request after sign-in also writes the session

    with django_assert_max_num_queries(COVERAGE_QUERY_BUDGET):
        response = client.get(URL)

    assert response.context["page"].paginator.count == total
    assert len(response.context["matrix"].rows) == min(total, 50)
    with django_assert_max_num_queries(COVERAGE_QUERY_BUDGET):
        client.get(EXPORT)


def test_query_budget_counts_programmes_too(
    client, ministry_user, tree, world, django_assert_max_num_queries
):
    """What the budget protects: with many programmes the cells still fill
    from the one query."""
    for n in range(20):
        programme = make_programme(
            agency=world.c_health.agency, pillar=n % 4 + 1, villages=[world.r_a.village]
        )
        make_budget_line(programme=programme, realised=1)
    client.force_login(ministry_user)
    client.get(URL)

    with django_assert_max_num_queries(COVERAGE_QUERY_BUDGET):
        response = client.get(URL, {"desa": A})

    assert matrix_of(response)[A] == [["Kemenkes"], ["Kemendes PDTT", "Kemenkes"], ["Kemenkes"], ["Kemenkes"]]
    assert Programme.objects.count() == 23


# The other pages with a row per village or realisation: no query per row either.

LIST_QUERY_BUDGETS = {
    # session, user, the MOU, its parties, reach and commitments, the
    # realisation counts, the village count and page, the page's realisations
    "/koordinasi/mou/{mou}/": 10 + SESSION_WRITE + REVIEW_COUNT,
    # session, user, the filter drop-downs (MOU, agency), the count, the page
    "/koordinasi/realisasi/": 6 + SESSION_WRITE + REVIEW_COUNT,
    # session, user, the years, the filter drop-downs (agency, priority), the count, the page
    "/koordinasi/program/": 7 + SESSION_WRITE + REVIEW_COUNT,
    # session, user, the programme, its partners and budget lines, its villages in scope and their count
    "/koordinasi/program/{programme}/": 7 + SESSION_WRITE + REVIEW_COUNT,
}


@pytest.mark.parametrize("url", sorted(LIST_QUERY_BUDGETS))
@pytest.mark.parametrize("total", [5, 60])
def test_list_pages_queries_do_not_grow_with_rows(
    client, ministry_user, tree, world, django_assert_max_num_queries, settings, url, total
):
    settings.PAGE_SIZE = 100
    codes = enrol_many(tree, total)
    Realisation.objects.bulk_create(
        Realisation(commitment=commitment, village_id=code, status="in_progress", status_date="2019-01-01")
        for code in codes
        for commitment in (world.c_health, world.c_desk)
    )
    world.dana_desa.villages.add(*codes)
    for n in range(total // 5):
        make_programme(agency=world.c_health.agency, pillar=n % 4 + 1, villages=[world.r_a.village])
    budget = LIST_QUERY_BUDGETS[url]
    url = url.format(mou=world.national.pk, programme=world.dana_desa.pk)
    client.force_login(ministry_user)
    client.get(url)

    with django_assert_max_num_queries(budget):
        response = client.get(url)

    assert response.status_code == 200
