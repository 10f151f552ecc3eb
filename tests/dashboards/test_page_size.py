"""The overview and the map at national scale (3,000 villages): a page of
rows, never every village, so the HTML stays small and the queries the same
in number as with five villages; the map's points travel as compact JSON."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboards.aggregates import refresh_stale
from dashboards.models import VillageFigures
from villages.models import Area, AreaLevel, Village

NATIONAL = 3000
MAX_PAGE_BYTES = 200_000


def enrol_counted(tree, n):
    """n villages with long names and counted figures, written in bulk."""
    areas = [
        Area(
            code=f"35.24.07.{3000 + i}",
            name=f"Desa Sumber Rejo Kulon Wetan {i}",
            level=AreaLevel.VILLAGE,
            parent=tree.brondong,
        )
        for i in range(n)
    ]
    Area.objects.bulk_create(areas)
    Village.objects.bulk_create(
        [
            Village(area=area, cohort_year=2019, latitude=-7 + i / 10_000, longitude=112 + i / 10_000)
            for i, area in enumerate(areas)
        ]
    )
    today, now = timezone.localdate(), timezone.now()
    VillageFigures.objects.bulk_create(
        [
            VillageFigures(
                village_id=area.code,
                changes=1,
                computed_changes=1,
                computed_on=today,
                computed_at=now,
                households=1000 + i,
                members=4000 + i,
                pmi=300 + i % 97,
                returnees=100 + i % 13,
                registration_coverage=55.5,
                progress_1=i % 100,
                progress_overall=(i * 7) % 100,
            )
            for i, area in enumerate(areas)
        ]
    )


def page(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize(
    "url", ["/dasbor/", "/dasbor/?sort=-overall&page=7", "/dasbor/peta/", "/dasbor/peta/?page=2"]
)
def test_national_pages_stay_small_with_flat_queries(client, tree, ministry_user, url, settings):
    # The session stores its time at the first request only (once an hour), so
    # the compared requests do not differ by a session write.
    settings.SESSION_ACTIVITY_STEP = datetime.timedelta(hours=1)
    client.force_login(ministry_user)
    enrol_counted(tree, 2)
    refresh_stale()  # the three fixture villages: counted, as the job leaves them
    page(client, url)
    small, small_queries = page(client, url)

    VillageFigures.objects.filter(village__area__code__startswith="35.24.07.3").delete()
    Village.objects.filter(area__code__startswith="35.24.07.3").delete()
    Area.objects.filter(code__startswith="35.24.07.3").delete()
    enrol_counted(tree, NATIONAL)
    large, large_queries = page(client, url)

    assert len(large.content) < MAX_PAGE_BYTES
    assert large_queries == small_queries
    assert len(large.context["rows"]) == 50
    # What grows with the villages is the row count, never a page.
    assert len(large.content) < len(small.content) + 50 * 1500


def test_last_page_by_name_shows_the_final_villages(client, tree, ministry_user):
    enrol_counted(tree, NATIONAL)
    client.force_login(ministry_user)

    response = client.get("/dasbor/?page=last")

    page = response.context["page"]
    assert page.number == page.paginator.num_pages > 1
    assert len(response.context["rows"]) == (NATIONAL + 3) % 50 or 50


def test_overview_totals_cover_every_page(client, tree, ministry_user):
    enrol_counted(tree, NATIONAL)
    client.force_login(ministry_user)

    response = client.get("/dasbor/?sort=-households")

    totals = response.context["totals"]
    assert totals["villages"] == NATIONAL + 3
    assert totals["households"] == sum(1000 + i for i in range(NATIONAL))
    assert response.context["rows"][0]["households"] == 1000 + NATIONAL - 1
    assert response.context["page"].paginator.num_pages == 61


def test_map_points_are_compact_json_for_every_located_village(client, tree, ministry_user):
    enrol_counted(tree, NATIONAL)
    client.force_login(ministry_user)

    response = client.get("/dasbor/peta/titik.json")

    points = response.json()["points"]
    assert len(points) == NATIONAL  # the three fixture villages have no location
    assert points[1] == [
        "35.24.07.3001",
        "Desa Sumber Rejo Kulon Wetan 1",
        "Kabupaten Lamongan",
        -6.9999,
        112.0001,
        7,
    ]
    assert len(response.content) / NATIONAL < 120  # bytes per village, with long names


def test_bad_sort_and_page_fall_back(client, tree, ministry_user):
    enrol_counted(tree, 120)
    client.force_login(ministry_user)

    for url in (
        "/dasbor/?sort=figures__detail",
        "/dasbor/?page=abc",
        "/dasbor/?page=999",
        "/dasbor/peta/?page=-1",
    ):
        assert client.get(url).status_code == 200
