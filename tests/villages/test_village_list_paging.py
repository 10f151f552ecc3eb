"""The village list at national scale: a page stays under 200 KB of HTML at
3,000 villages and costs the same queries at 60 and at 200 villages;
paging, sorting and the filters (province, regency, search) work together,
and every office sees its own villages only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.many_villages import HTML_BUDGET, NATIONAL_SCALE, enrol_villages, more_villages, regency_officer

URL = "/desa/"
PAGE_SIZE = 25


@pytest.fixture(autouse=True)
def page_size(settings):
    settings.PAGE_SIZE = PAGE_SIZE


@pytest.fixture
def many(villages):
    """120 more villages in provinces 11 and 12 (60 each, 6 per regency)."""
    return enrol_villages(120, provinces=2)


def listed(response):
    return [village.code for village in response.context["page"].object_list]


def test_a_page_at_national_scale_stays_under_the_html_budget(client, ministry_user):
    enrol_villages(NATIONAL_SCALE)
    client.force_login(ministry_user)

    for query in ({}, {"sort": "-regency", "page": "last"}, {"province": "11"}):
        response = client.get(URL, query)
        assert response.status_code == 200
        assert len(response.content) < HTML_BUDGET


def test_queries_stay_the_same_from_60_to_200_villages(client, ministry_user):
    client.force_login(ministry_user)
    client.get(URL)  # the first request after sign-in also writes the session
    counts = []
    for added in (57, 140):
        more_villages(added)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page": 2, "sort": "regency"})
        counts.append(len(queries))
        assert len(response.context["page"].object_list) == PAGE_SIZE
    assert response.context["page"].paginator.count == 200
    assert counts[0] == counts[1]


def test_page_two_shows_the_next_villages(client, ministry_user, many):
    client.force_login(ministry_user)

    first = listed(client.get(URL, {"sort": "code"}))
    second = listed(client.get(URL, {"sort": "code", "page": 2}))

    everything = sorted([*many, "35.24.07.2001", "35.24.07.2004", "53.71.01.1001"])
    assert first == everything[:PAGE_SIZE]
    assert second == everything[PAGE_SIZE : 2 * PAGE_SIZE]


@pytest.mark.parametrize(
    ("page", "shown"), [("abc", 1), ("0", 1), ("-1", 1), ("2", 2), ("99", 5), ("last", 5)]
)
def test_a_page_number_out_of_range_or_not_a_number_shows_a_real_page(
    client, ministry_user, many, page, shown
):
    client.force_login(ministry_user)

    response = client.get(URL, {"page": page})

    assert response.status_code == 200
    assert response.context["page"].number == shown
    # "Page 2 of 5" in the page's language.
    current = re.search(
        r'aria-current="page"><span class="page-link">\s*(.*?)\s*</span>', response.content.decode()
    )
    assert re.fullmatch(rf"\w+ {shown} \w+ 5", current.group(1))
    assert len(response.context["page"].object_list) == (PAGE_SIZE if shown < 5 else 23)


@pytest.mark.parametrize("sort", ["nonsense", "-", "area__name", "-password"])
def test_an_unknown_sort_keeps_the_default_order_by_name(client, ministry_user, many, sort):
    client.force_login(ministry_user)

    response = client.get(URL, {"sort": sort})

    assert response.status_code == 200
    names = [village.area.name for village in response.context["page"].object_list]
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("code", lambda v: v.code),
        ("-code", lambda v: v.code),
        ("regency", lambda v: (v.area.parent.parent.name, v.area.name)),
        ("cohort", lambda v: (v.cohort_year, v.area.name)),
        ("-village", lambda v: v.area.name),
    ],
)
def test_sorting_by_a_column(client, ministry_user, many, sort, key):
    client.force_login(ministry_user)

    pages = [client.get(URL, {"sort": sort, "page": n}).context["page"].object_list for n in (1, 2, 3, 4, 5)]

    rows = [key(village) for page in pages for village in page]
    assert len(rows) == 123
    assert rows == sorted(rows, reverse=sort.startswith("-"))


def test_sort_and_filter_survive_paging(client, ministry_user, many):
    client.force_login(ministry_user)
    query = {"province": "11", "sort": "-code"}

    first = client.get(URL, query)
    second = client.get(URL, {**query, "page": 2})
    third = client.get(URL, {**query, "page": 3})

    province = sorted((code for code in many if code.startswith("11.")), reverse=True)
    assert listed(first) + listed(second) + listed(third) == province
    html = first.content.decode()
    assert 'href="?province=11&amp;sort=-code&amp;page=2"' in html
    assert 'aria-sort="descending"' in html
    # Headers keep the filter and start again at page 1; the filter form keeps the sort.
    assert 'href="?province=11&amp;sort=code"' in second.content.decode()
    assert '<input type="hidden" name="sort" value="-code">' in html


def test_search_survives_paging(client, ministry_user, many):
    client.force_login(ministry_user)

    response = client.get(URL, {"q": "Sukamaju Wetan 00", "sort": "-village", "page": 2})

    # "Desa Sukamaju Wetan 0000" to "0099": 100 villages, 4 pages.
    assert response.context["page"].paginator.count == 100
    names = [village.area.name for village in response.context["page"].object_list]
    assert names == [f"Desa Sukamaju Wetan {n:04d}" for n in range(74, 49, -1)]


def test_a_regency_office_pages_through_its_own_villages_only(client, many):
    client.force_login(regency_officer("11.01"))

    response = client.get(URL, {"sort": "code", "province": "12"})

    # The other province is not a choice for them: the filter is ignored.
    assert listed(response) == sorted(code for code in many if code.startswith("11.01."))
    assert "12.01" not in response.content.decode()
