"""The review queue at national scale: thousands of reports waiting for the
ministry come a page at a time, under 200 KB of HTML and with the same
queries at 60 and at 200 reports; paging, sorting and the area filter work
together, and a regency office pages through its own villages only."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import ProgressReport
from tests.many_villages import HTML_BUDGET, NATIONAL_SCALE, enrol_villages, more_villages, regency_officer

URL = "/laporan/antrean/"
PAGE_SIZE = 25
LONG_TEXT = "Kegiatan berjalan sesuai rencana; rincian di lampiran. " * 40


@pytest.fixture(autouse=True)
def page_size(settings):
    settings.PAGE_SIZE = PAGE_SIZE


def waiting(codes, user, status=ProgressReport.Status.REGENCY_ACCEPTED):
    """One report per village for Q4 2025, the n-th submitted n minutes after
    the first, with long narratives and a large snapshot (neither belongs in
    the queue)."""
    start = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    snapshot = {"pillars": {str(n): {"figure": "x" * 200} for n in range(40)}}
    return ProgressReport.objects.bulk_create(
        ProgressReport(
            village_id=code,
            year=2025,
            quarter=4,
            status=status,
            narrative_migration_services=LONG_TEXT,
            narrative_productive_business=LONG_TEXT,
            narrative_community_parenting=LONG_TEXT,
            narrative_cooperative=LONG_TEXT,
            snapshot=snapshot,
            snapshot_taken_at=start,
            submitted_by=user,
            submitted_at=start + datetime.timedelta(minutes=n),
        )
        for n, code in enumerate(codes)
    )


@pytest.fixture
def many(villages, officer_a):
    """120 reports waiting for the ministry, from provinces 11 and 12 (60
    each, 6 per regency), submitted in code order."""
    codes = enrol_villages(120, provinces=2)
    waiting(codes, officer_a)
    return codes


def listed(response):
    return [report.village_id for report in response.context["page"].object_list]


def test_a_page_at_national_scale_stays_under_the_html_budget(client, ministry_user, officer_a):
    waiting(enrol_villages(NATIONAL_SCALE), officer_a)
    client.force_login(ministry_user)

    for query in ({}, {"sort": "village", "page": "last"}, {"province": "11"}):
        response = client.get(URL, query)
        assert response.status_code == 200
        assert len(response.content) < HTML_BUDGET
    assert response.context["page"].paginator.count == 120


def test_queries_stay_the_same_from_60_to_200_reports(client, ministry_user, officer_a):
    client.force_login(ministry_user)
    client.get(URL)  # the first request after sign-in also writes the session
    counts = []
    for added in (60, 140):
        waiting(more_villages(added), officer_a)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page": 2, "sort": "village"})
        counts.append(len(queries))
        assert len(response.context["page"].object_list) == PAGE_SIZE
    assert response.context["page"].paginator.count == 200
    assert counts[0] == counts[1]


def test_the_queue_does_not_load_narratives_or_snapshots(client, ministry_user, many):
    client.force_login(ministry_user)

    with CaptureQueriesContext(connection) as queries:
        client.get(URL)

    reads = [q["sql"] for q in queries.captured_queries if 'FROM "reports_progressreport"' in q["sql"]]
    assert any('"submitted_at"' in sql for sql in reads)  # the page itself
    for sql in reads:
        assert "narrative_cooperative" not in sql and '"snapshot"' not in sql


def test_page_two_shows_the_next_reports_oldest_first(client, ministry_user, many):
    client.force_login(ministry_user)

    first = listed(client.get(URL))
    second = listed(client.get(URL, {"page": 2}))

    assert first == many[:PAGE_SIZE]
    assert second == many[PAGE_SIZE : 2 * PAGE_SIZE]


@pytest.mark.parametrize(("page", "shown"), [("x", 1), ("0", 1), ("-2", 1), ("3", 3), ("77", 5), ("last", 5)])
def test_a_page_number_out_of_range_or_not_a_number_shows_a_real_page(
    client, ministry_user, many, page, shown
):
    client.force_login(ministry_user)

    response = client.get(URL, {"page": page})

    assert response.status_code == 200
    assert response.context["page"].number == shown
    assert len(listed(response)) == (PAGE_SIZE if shown < 5 else 20)


def test_an_unknown_sort_or_area_is_ignored(client, ministry_user, many):
    client.force_login(ministry_user)

    response = client.get(URL, {"sort": "-snapshot", "province": "99; --"})

    assert response.status_code == 200
    assert listed(response) == many[:PAGE_SIZE]


def test_sort_and_filter_survive_paging(client, ministry_user, many):
    client.force_login(ministry_user)
    query = {"province": "12", "sort": "-submitted"}

    pages = [client.get(URL, {**query, "page": n}) for n in (1, 2, 3)]

    province = [code for code in many if code.startswith("12.")]
    assert [code for page in pages for code in listed(page)] == province[::-1]
    html = pages[0].content.decode()
    assert 'href="?province=12&amp;sort=-submitted&amp;page=2"' in html
    assert 'aria-sort="descending"' in html
    assert 'href="?province=12&amp;sort=submitted"' in pages[1].content.decode()
    assert '<input type="hidden" name="sort" value="-submitted">' in html


def test_sort_by_village_name(client, ministry_user, many):
    client.force_login(ministry_user)

    names = [
        report.village.area.name
        for n in (1, 2, 3, 4, 5)
        for report in client.get(URL, {"sort": "village", "page": n}).context["page"].object_list
    ]

    assert len(names) == 120
    assert names == sorted(names)


def test_the_area_filter_offers_only_areas_with_reports_waiting(client, ministry_user, many):
    client.force_login(ministry_user)

    html = client.get(URL, {"province": "11"}).content.decode()

    provinces = re.search(r'<select name="province".*?</select>', html, re.S).group()
    regencies = re.search(r'<select name="regency".*?</select>', html, re.S).group()
    assert provinces.count("<option") == 1 + 2  # "All", 11 and 12
    assert regencies.count("<option") == 1 + 10  # the regencies of province 11


def test_a_regency_office_pages_through_its_own_villages_only(client, officer_a, many):
    own = [code for code in many if code.startswith("11.01.")]
    ProgressReport.objects.filter(village_id__in=own).update(status=ProgressReport.Status.SUBMITTED)
    client.force_login(regency_officer("11.01"))

    response = client.get(URL, {"province": "12"})

    assert listed(response) == own
    assert "12.01" not in response.content.decode()
    # Reports from one regency: no area filter to show.
    assert '<select name="province"' not in response.content.decode()
