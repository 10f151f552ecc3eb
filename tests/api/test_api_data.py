"""What the endpoints answer: the figures of dashboards.indicators, filtered
and paged."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from dashboards.indicators import overview_rows, village_indicators
from tests.factories import VillageAreaFactory, VillageFactory
from villages.models import Village

A = "35.24.07.2004"
B = "35.24.07.2001"
C = "53.71.01.1001"
LIST = "/api/v1/villages/"


def _as_json(data):
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _codes(response):
    return [row["code"] for row in response.json()["results"]]


def test_list_rows_are_the_overview_rows_of_the_scope(villages, api_client_for):
    rows = api_client_for("regency_user").get(LIST).json()["results"]

    expected = {row["code"]: row for row in overview_rows(Village.objects.filter(pk__in=[A, B]))}
    assert rows == [_as_json(expected[A]), _as_json(expected[B])]


def test_detail_is_the_village_indicators(villages, api_client_for):
    data = api_client_for("officer_a").get(f"{LIST}{A}/").json()

    village = Village.objects.with_area_path().get(pk=A)
    assert data == _as_json(village_indicators(village))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [A, B, C]),
        ({"province": "35"}, [A, B]),
        ({"province": "53"}, [C]),
        ({"regency": "35.24"}, [A, B]),
        ({"regency": "53.71"}, [C]),
        ({"cohort": "2017"}, [A]),
        ({"cohort": "2018"}, [B, C]),
        ({"cohort": "2018", "province": "35"}, [B]),
        ({"status": "graduated"}, [C]),
        ({"status": "active"}, [A, B]),
        ({"province": "11"}, []),
    ],
)
def test_filters(villages, api_client_for, query, expected):
    Village.objects.filter(pk=C).update(status=Village.Status.GRADUATED)

    response = api_client_for("ministry_user").get(LIST, query)

    assert response.status_code == 200
    assert _codes(response) == expected


@pytest.mark.parametrize("query", [{"status": "closed"}, {"cohort": "soon"}, {"province": "35.24.07"}])
def test_bad_filter_value_is_refused_with_the_reason(villages, api_client_for, query):
    response = api_client_for("ministry_user").get(LIST, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_list_is_paged(villages, api_client_for):
    client = api_client_for("ministry_user")

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 3
    assert [row["code"] for row in first["results"]] == [A, B]
    assert [row["code"] for row in second["results"]] == [C]
    assert second["next"] is None


def test_page_past_the_end_is_not_found(villages, api_client_for):
    response = api_client_for("ministry_user").get(LIST, {"page": 9})

    assert response.status_code == 404


def test_list_queries_do_not_grow_with_the_villages(tree, api_client_for, django_assert_max_num_queries):
    client = api_client_for("ministry_user")
    for number in range(40):
        area = VillageAreaFactory(
            code=f"35.24.07.{3000 + number}", name=f"Desa {number:02}", parent=tree.brondong
        )
        VillageFactory(area=area, cohort_year=2019)

    with django_assert_max_num_queries(20):
        response = client.get(LIST, {"page_size": 50})

    assert response.json()["count"] == 43  # A, B, C and the 40 new ones
