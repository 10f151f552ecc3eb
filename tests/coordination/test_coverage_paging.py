"""The coverage matrix a page at a time: at national scale (3,000 villages)
a page stays under 200 KB of HTML and costs the same queries as at 60
villages; paging, sorting and the filters work together; the export still
has every village."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from coordination.models import Programme
from tests.budgets import REVIEW_COUNT, SESSION_WRITE
from tests.coordination.factories import make_budget_line, make_programme
from tests.many_villages import HTML_BUDGET, NATIONAL_SCALE, enrol_villages, more_villages, regency_officer

URL = "/koordinasi/cakupan/"
EXPORT = "/koordinasi/cakupan.xlsx"
PAGE_SIZE = 50
# Session, user, the drop-downs' villages, the count and the page of
# villages, the page's realised commitments and funded programmes, the
# uncovered pillars of the whole selection.
QUERY_BUDGET = 8 + SESSION_WRITE + REVIEW_COUNT


def row_codes(response):
    return [row.code for row in response.context["matrix"].rows]


def cover_everything(world, codes):
    """Two agencies with a funded programme for every pillar in every
    village: full cells, the heaviest rows the page can have."""
    for agency in (world.c_health.agency, world.c_credit.agency):
        for pillar in (1, 2, 3, 4):
            programme = make_programme(agency=agency, pillar=pillar, name=f"Program {pillar}")
            Programme.villages.through.objects.bulk_create(
                Programme.villages.through(programme_id=programme.pk, village_id=code) for code in codes
            )
            make_budget_line(programme=programme, realised=1)


@pytest.fixture
def many(world):
    """120 more villages in provinces 11 and 12 (60 each, 6 per regency):
    123 with the world's three, three pages."""
    return enrol_villages(120, provinces=2)


def test_a_page_at_national_scale_stays_under_the_html_budget(client, ministry_user, world):
    codes = enrol_villages(NATIONAL_SCALE)
    cover_everything(world, codes)
    client.force_login(ministry_user)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["page"].paginator.count == NATIONAL_SCALE + 3
    assert len(response.context["matrix"].rows) == PAGE_SIZE
    assert all(len(cell) == 2 for row in response.context["matrix"].rows[3:] for cell in row.cells)
    assert len(response.content) < HTML_BUDGET
    # The village drop-down is not a list of the whole country.
    assert response.content.decode().count("<option") < 400


def test_queries_stay_the_same_from_60_to_200_villages(client, ministry_user, world):
    client.force_login(ministry_user)
    client.get(URL)  # the first request after sign-in also writes the session
    counts = []
    for added in (57, 140):
        codes = more_villages(added)
        cover_everything(world, codes)
        world.dana_desa.villages.add(*codes)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page": 2})
        counts.append(len(queries))
        assert response.context["page"].number == 2
        assert len(response.context["matrix"].rows) == min(PAGE_SIZE, 3 + added - PAGE_SIZE)
    assert response.context["page"].paginator.count == 200
    assert counts[0] == counts[1] <= QUERY_BUDGET


def test_page_two_shows_the_next_villages(client, ministry_user, many):
    client.force_login(ministry_user)

    first = row_codes(client.get(URL))
    second = row_codes(client.get(URL, {"page": 2}))

    everything = sorted([*many, "35.24.07.2001", "35.24.07.2004", "53.71.01.1001"])
    assert first == everything[:PAGE_SIZE]
    assert second == everything[PAGE_SIZE : 2 * PAGE_SIZE]


@pytest.mark.parametrize(
    ("page", "shown"), [("abc", 1), ("", 1), ("0", 1), ("-3", 1), ("2", 2), ("999", 3), ("last", 3)]
)
def test_a_page_number_out_of_range_or_not_a_number_shows_a_real_page(
    client, ministry_user, many, page, shown
):
    client.force_login(ministry_user)

    response = client.get(URL, {"page": page})

    assert response.status_code == 200
    assert response.context["page"].number == shown
    assert f"Page {shown} of 3" in response.content.decode()


def test_an_unknown_sort_keeps_the_default_order(client, ministry_user, many):
    client.force_login(ministry_user)

    response = client.get(URL, {"sort": "area__name; DROP TABLE"})

    assert response.status_code == 200
    assert (
        row_codes(response) == sorted([*many, "35.24.07.2001", "35.24.07.2004", "53.71.01.1001"])[:PAGE_SIZE]
    )


def test_sort_and_filter_survive_paging(client, ministry_user, many):
    client.force_login(ministry_user)
    query = {"province": "11", "sort": "-village"}

    first = client.get(URL, query)
    second = client.get(URL, {**query, "page": 2})

    province = [code for code in many if code.startswith("11.")]
    names = [row.name for page in (first, second) for row in page.context["matrix"].rows]
    assert first.context["page"].paginator.count == len(province) == 60
    assert len(names) == 60
    assert names == sorted(names, reverse=True)
    # The page links carry the filter and the sort; the column headers the
    # filter, and start again at page 1.
    html = first.content.decode()
    assert 'href="?province=11&amp;sort=-village&amp;page=2"' in html
    assert 'aria-sort="descending"' in html
    assert 'href="?province=11&amp;sort=village"' in second.content.decode()
    # The export has the filtered villages, all of them.
    export = client.get(EXPORT, {**query, "page": 2})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert sorted(row[4] for row in rows[1:]) == sorted(province)


def test_sort_by_regency(client, ministry_user, many):
    client.force_login(ministry_user)

    rows = client.get(URL, {"sort": "regency"}).context["matrix"].rows

    keys = [(row.regency, row.name) for row in rows]
    assert keys == sorted(keys)


def test_villages_are_offered_one_regency_at_a_time(client, ministry_user, many):
    client.force_login(ministry_user)

    everywhere = client.get(URL).content.decode()
    one_regency = client.get(URL, {"regency": "11.01"}).content.decode()

    village_select = re.compile(r'<select name="desa".*?</select>', re.S)
    assert village_select.search(everywhere).group().count("<option") == 1  # "All"
    assert "Choose a regency first" in everywhere
    assert village_select.search(one_regency).group().count("<option") == 1 + 6


def test_a_regency_office_pages_through_its_own_villages_only(client, many):
    officer = regency_officer("11.01")
    client.force_login(officer)

    response = client.get(URL)

    codes = row_codes(response)
    assert codes == sorted(code for code in many if code.startswith("11.01."))
    assert response.context["page"].paginator.count == 6
    # One regency: its villages are offered at once.
    assert (
        re.search(r'<select name="desa".*?</select>', response.content.decode(), re.S)
        .group()
        .count("<option")
        == 7
    )


def test_uncovered_counts_are_of_the_whole_selection_not_the_page(client, ministry_user, many):
    client.force_login(ministry_user)

    response = client.get(URL, {"page": 3})

    # None of the 120 new villages is covered: every pillar counts them all.
    uncovered = [n for _pillar, n in response.context["pillars"]]
    assert all(n >= 120 for n in uncovered)
    assert "no one in 12" in response.content.decode()
