"""The village list costs the same number of queries for 5 villages as for
60: every row's area path comes with the villages (no query per row)."""

import pytest

from tests.budgets import SESSION_WRITE
from tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from villages.models import Village

# Session, user, the filter drop-downs (province, regency, cohort), the count,
# the status counts and the page of villages.
LIST_QUERY_BUDGET = 10 + SESSION_WRITE


@pytest.mark.parametrize("total", [5, 60])
def test_village_list_queries_do_not_grow_with_villages(
    client, ministry_user, tree, settings, django_assert_max_num_queries, total
):
    settings.PAGE_SIZE = 25
    # Spread the extra villages over several regencies and districts, so a
    # lookup per row would not be hidden by one cached parent.
    districts = [DistrictFactory(parent=RegencyFactory(parent=tree.jatim)) for _ in range(3)]
    for n in range(total - Village.objects.count()):
        VillageFactory(area__parent=districts[n % 3], cohort_year=2016 + n % 4)
    client.force_login(ministry_user)
    client.get("/desa/")  # the first request after sign-in also writes the session

    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = client.get("/desa/")

    assert response.context["page"].paginator.count == total
    assert len(response.context["page"].object_list) == min(total, 25)


def test_village_list_rows_show_the_area_path(client, ministry_user, villages):
    """What the budget protects: the page does show district, regency and province."""
    client.force_login(ministry_user)

    html = client.get("/desa/").content.decode()

    names = ["Brondong", "Kabupaten Lamongan", "Jawa Timur", "Alak", "Kota Kupang", "Nusa Tenggara Timur"]
    for name in names:
        assert f"<td>{name}</td>" in html or f'">{name}</td>' in html
