"""The dashboard pages: who may open them, what they show, empty villages,
the .xlsx export, and query budgets that stay flat from 5 to 500 villages."""

import io
import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from dashboards.aggregates import refresh_stale
from dashboards.indicators import village_counts
from dashboards.models import VillageFigures
from desmigratif.models import Role
from tests.budgets import REVIEW_COUNT
from tests.factories import UserFactory
from villages.models import Area, AreaLevel, Village

A = "35.24.07.2004"
B = "35.24.07.2001"
C = "53.71.01.1001"
NOT_ENROLLED = "35.24.07.2002"
UNKNOWN = "35.24.07.2999"
LOGIN = "login"
ROLES = [
    "anonymous",
    "officer_a",
    "officer_b",
    "regency_user",
    "province_user",
    "other_province_user",
    "ministry_user",
    "administrator",
]

# fmt: off
PAGES = {
    # url: anonymous, officer_a, officer_b, regency (35.24), province (35), province (53), ministry, admin
    "/dasbor/":                         (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "/dasbor/?sort=-overall&status=active": (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "/dasbor/ekspor.xlsx":              (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "/dasbor/peta/":                    (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    f"/dasbor/desa/{A}/":               (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"/dasbor/desa/{B}/":               (LOGIN, 404, 200, 200, 200, 404, 200, 200),
    f"/dasbor/desa/{C}/":               (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"/dasbor/desa/{NOT_ENROLLED}/":    (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/dasbor/desa/{UNKNOWN}/":         (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "/dasbor/desa/bukan-kode/":         (LOGIN, 404, 404, 404, 404, 404, 404, 404),
}
# fmt: on

CASES = [
    pytest.param(url, role, expected, id=f"{role}-{url}")
    for url, row in PAGES.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_dashboard_access_follows_role_and_scope(client, villages, request, url, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/masuk/?next={quote(url, safe='/')}"
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("officer_a", [A]),
        ("officer_b", [B]),
        ("regency_user", [B, A]),
        ("province_user", [B, A]),
        ("other_province_user", [C]),
        ("ministry_user", [B, A, C]),
        ("administrator", [B, A, C]),
    ],
)
@pytest.mark.parametrize("url", ["/dasbor/", "/dasbor/peta/"])
def test_overview_and_map_list_only_villages_in_scope(client, request, role, visible, url):
    client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    assert sorted(row["code"] for row in response.context["rows"]) == sorted(visible)
    for code in {A, B, C} - set(visible):
        assert f"/dasbor/desa/{code}/" not in response.content.decode()


@pytest.mark.parametrize(("role", "visible"), [("officer_a", [A]), ("other_province_user", [C])])
def test_export_lists_only_villages_in_scope(client, request, role, visible):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/dasbor/ekspor.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == visible


def test_export_holds_the_indicators_and_filters(english, known, ministry_user):
    english.force_login(ministry_user)

    response = english.get("/dasbor/ekspor.xlsx?province=35&sort=-households")

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Code", "Village", "District")
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_code) == [A, B]  # Jawa Timur only, most households first
    a = by_code[A]
    assert (a["Households"], a["PMI"], a["Returnees"], a["Businesses"], a["Open problems"]) == (2, 1, 2, 4, 2)
    assert (a["Registration coverage (%)"], a["Progress overall"], a["Progress pillar IV"]) == (50, 70, 90)


def test_overview_sorts_on_whitelisted_columns_only(client, known, ministry_user):
    client.force_login(ministry_user)

    by_households = client.get("/dasbor/?sort=-households").context["rows"]
    unknown = client.get("/dasbor/?sort=area__name;drop").context["rows"]

    assert [row["code"] for row in by_households][0] == A
    assert [row["code"] for row in unknown] == [B, A, C]


def test_overview_filters_and_totals(english, known, ministry_user):
    english.force_login(ministry_user)

    response = english.get("/dasbor/?regency=35.24&cohort_year=2017")

    assert [row["code"] for row in response.context["rows"]] == [A]
    assert response.context["totals"]["households"] == 2
    assert "Total" in response.content.decode()


def test_village_dashboard_shows_the_figures(english, known, officer_a):
    english.force_login(officer_a)

    response = english.get(f"/dasbor/desa/{A}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["data"]["progress"]["overall"] == 70
    assert 'role="img"' in html
    assert "Tidak ada internet" in html  # an open problem
    assert "Rp 1.500.000" in html  # budget planned
    assert "Kemnaker" in html


def test_empty_village_shows_empty_states(english, village_c, ministry_user):
    english.force_login(ministry_user)

    response = english.get(f"/dasbor/desa/{C}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "No households registered yet." in html
    assert "No cooperative recorded yet." in html
    assert "empty-state" in html


def test_overview_with_no_villages_in_scope(client, tree, villages):
    user = UserFactory(username="officer_labuhan", role=Role.VILLAGE_OFFICER, scope=tree.labuhan)
    client.force_login(user)

    for url in ("/dasbor/", "/dasbor/peta/", "/dasbor/ekspor.xlsx"):
        assert client.get(url).status_code == 200


def test_map_draws_from_compact_json_points(client, known, ministry_user):
    """The page carries no points (they would make it megabytes at 3,000
    villages): the map script fetches them as JSON from data-points-url."""
    Village.objects.filter(pk=A).update(latitude="-6.87", longitude="112.29")
    client.force_login(ministry_user)

    response = client.get("/dasbor/peta/?province=35")
    points = client.get(response.context["points_url"]).json()["points"]

    html = response.content.decode()
    assert 'data-points-url="/dasbor/peta/titik.json?province=35"' in html
    assert 'id="village-points"' not in html
    assert [(p[0], p[5]) for p in points] == [(A, 70)]
    assert points[0][3:5] == [-6.87, 112.29]
    assert "geo/indonesia.geojson" in html
    assert "vendor/leaflet/leaflet.js" in html
    assert response.context["without_location"] == 1  # B; C is outside the filter


def test_officer_lands_on_the_village_dashboard(client, officer_a):
    client.force_login(officer_a)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"/dasbor/desa/{A}/"


# Query budgets ------------------------------------------------------------------


def enrol_many(tree, n):
    """n more villages in Brondong, written in bulk, with their (empty)
    figures already counted, as the job leaves them."""
    areas = [
        Area(code=f"35.24.07.{3000 + i}", name=f"Desa {i}", level=AreaLevel.VILLAGE, parent=tree.brondong)
        for i in range(n)
    ]
    Area.objects.bulk_create(areas)
    Village.objects.bulk_create(
        [
            Village(area=area, cohort_year=2019, latitude=-7, longitude=112 + i / 1000)
            for i, area in enumerate(areas)
        ]
    )
    counts = village_counts(areas[0].code) if areas else None
    VillageFigures.objects.bulk_create(
        [
            VillageFigures(
                village_id=area.code,
                changes=1,
                computed_changes=1,
                computed_on=timezone.localdate(),
                computed_at=timezone.now(),
                detail=counts,
            )
            for area in areas
        ]
    )


# The figures are read from the stored aggregates (dashboards.aggregates): the
# budgets are those of a page whose figures are current (the job keeps them so).
VILLAGE_DASHBOARD_QUERIES = (
    12  # 10 today: the village, its stored figures, MOU reach and programmes, the session
    + REVIEW_COUNT  # the reviewer's menu count
)
OVERVIEW_QUERIES = (
    14  # 9-12 today: stale check, count, page, totals, as-of, the filter choices, the session
    + REVIEW_COUNT
)


@pytest.mark.parametrize("extra", [2, 497])
def test_village_dashboard_query_budget(
    client, known, tree, ministry_user, django_assert_max_num_queries, extra
):
    enrol_many(tree, extra)
    refresh_stale()
    client.force_login(ministry_user)

    with django_assert_max_num_queries(VILLAGE_DASHBOARD_QUERIES):
        response = client.get(f"/dasbor/desa/{A}/")

    assert response.status_code == 200


@pytest.mark.parametrize("extra", [2, 497])
@pytest.mark.parametrize("url", ["/dasbor/", "/dasbor/peta/", "/dasbor/peta/titik.json"])
def test_overview_query_budget(client, known, tree, ministry_user, django_assert_max_num_queries, extra, url):
    enrol_many(tree, extra)
    refresh_stale()
    client.force_login(ministry_user)

    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    if url == "/dasbor/":
        assert len(response.context["rows"]) == min(3 + extra, 50)
        assert response.context["totals"]["villages"] == 3 + extra


def test_chart_lengths_are_not_localised(client, known, officer_a):
    """In Indonesian a float renders as "86,7", which is no SVG length."""
    client.force_login(officer_a)

    html = client.get(f"/dasbor/desa/{A}/").content.decode()

    assert '<rect x="0" y="16"' in html
    assert not re.search(r'(width|x|y)="[0-9.]*,', html)


def test_large_overview_pages_and_totals_agree_with_the_village_figures(client, known, tree, ministry_user):
    enrol_many(tree, 97)
    client.force_login(ministry_user)

    first = client.get("/dasbor/?sort=-households")
    last = client.get("/dasbor/?sort=-households&page=2")

    rows = {row["code"]: row for row in first.context["rows"]}
    assert len(rows) == 50
    assert len(last.context["rows"]) == 50
    assert first.context["totals"]["villages"] == 100
    assert first.context["totals"]["households"] == 3  # A 2, B 1: every page, not just this one
    assert (rows[A]["households"], rows[A]["pmi"], rows[A]["migrants_complete"]) == (2, 1, 2)
    assert rows[A]["progress"]["overall"] == 70
    assert "page=2" in first.content.decode()
