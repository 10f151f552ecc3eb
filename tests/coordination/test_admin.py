"""Administrators keep every coordination record in the admin, including the
plan periods and their national priorities."""

import pytest

from coordination.models import BudgetLine, PlanPeriod

MODELS = [
    "planperiod",
    "nationalpriority",
    "agency",
    "mou",
    "commitment",
    "realisation",
    "programme",
    "budgetline",
]


@pytest.mark.parametrize("model", MODELS)
def test_administrator_opens_every_coordination_admin_page(client, administrator, world, model):
    client.force_login(administrator)

    changelist = client.get(f"/admin/coordination/{model}/")
    add = client.get(f"/admin/coordination/{model}/add/")

    assert (changelist.status_code, add.status_code) == (200, 200)


def test_ministry_staff_do_not_use_the_admin(client, ministry_user, world):
    client.force_login(ministry_user)

    response = client.get("/admin/coordination/mou/")

    assert response.status_code == 302


def test_administrator_adds_the_next_plan_period_with_its_priorities(client, administrator, db):
    client.force_login(administrator)

    response = client.post(
        "/admin/coordination/planperiod/add/",
        {
            "name": "RPJMN 2025-2029",
            "start_year": "2025",
            "end_year": "2029",
            "priorities-TOTAL_FORMS": "1",
            "priorities-INITIAL_FORMS": "0",
            "priorities-0-number": "1",
            "priorities-0-title": "Memperkokoh ideologi Pancasila, demokrasi, dan hak asasi manusia",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert PlanPeriod.objects.get(name="RPJMN 2025-2029").priorities.count() == 1


def test_admin_budget_line_asks_to_confirm_a_realised_amount_above_the_plan(client, administrator, world):
    client.force_login(administrator)
    data = {
        "programme": world.dana_desa.pk,
        "source": "csr",
        "fiscal_year": "2019",
        "planned": "1.000.000",
        "realised": "2.000.000",
    }

    refused = client.post("/admin/coordination/budgetline/add/", data)
    confirmed = client.post("/admin/coordination/budgetline/add/", {**data, "confirm_above_plan": "on"})

    assert refused.status_code == 200
    assert "is above the plan" in refused.content.decode()
    assert confirmed.status_code == 302
    assert BudgetLine.objects.get(source="csr").realised == 2_000_000
