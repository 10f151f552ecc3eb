"""The report pages run a fixed number of queries, whatever the number of
reports and history steps (no N+1)."""

import pytest

from reports import services
from tests.reports.conftest import A, narratives, village


@pytest.fixture
def many_reports(officer_a, regency_user):
    """Eight quarters of village A, each submitted, sent back, resubmitted."""
    a = village(A)
    for year in (2024, 2025):
        for quarter in (1, 2, 3, 4):
            report = services.report_submit(
                village=a, user=officer_a, year=year, quarter=quarter, **narratives()
            )
            services.report_send_back(report=report, user=regency_user, reason="more detail")
            services.report_resubmit(report=report, user=officer_a, **narratives("second"))


@pytest.mark.parametrize("role", ["officer_a", "regency_user"])
def test_village_reports_page_has_a_query_budget(
    client, request, many_reports, django_assert_max_num_queries, role
):
    client.force_login(request.getfixturevalue(role))
    with django_assert_max_num_queries(12):
        response = client.get(f"/laporan/desa/{A}/")
    assert len(response.context["reports"]) == 8


def test_queue_has_a_query_budget(client, regency_user, many_reports, django_assert_max_num_queries):
    client.force_login(regency_user)
    with django_assert_max_num_queries(10):
        response = client.get("/laporan/antrean/")
    assert len(response.context["reports"]) == 8


def test_report_page_has_a_query_budget(client, regency_user, many_reports, django_assert_max_num_queries):
    report = village(A).progress_reports.first()
    client.force_login(regency_user)
    with django_assert_max_num_queries(10):
        response = client.get(f"/laporan/{report.pk}/")
    assert len(response.context["events"]) == 3
