"""The administrator keeps every pillar record in the admin, with the same
rule as the pages: people are of the record's own village."""

import pytest

from pillars.models import Training
from tests.pillars.conftest import A

MODELS = [
    "serviceofficer",
    "serviceactivity",
    "business",
    "training",
    "parentingsession",
    "learninghouse",
    "cooperative",
    "loan",
    "problem",
    "problemfollowup",
]


@pytest.mark.parametrize("model", MODELS)
def test_administrator_lists_searches_and_opens_every_pillar_record(client, administrator, records, model):
    client.force_login(administrator)

    listing = client.get(f"/admin/pillars/{model}/", {"q": "a"})
    add = client.get(f"/admin/pillars/{model}/add/")

    assert listing.status_code == 200
    assert add.status_code == 200


def test_the_admin_refuses_a_participant_from_another_village(english, administrator, people, villages):
    english.force_login(administrator)

    response = english.post(
        "/admin/pillars/training/add/",
        {
            "village": A,
            "title": "Pengemasan",
            "kind": "packaging",
            "start_date": "2022-03-01",
            "participants": [people.returnee_a.pk, people.returnee_b.pk],
        },
    )

    assert response.status_code == 200
    assert "Slamet Riyadi is not registered in this village." in response.content.decode()
    assert not Training.objects.exists()


@pytest.mark.parametrize("role", ["officer_a", "ministry_user"])
def test_portal_users_cannot_open_the_pillar_admin(client, request, records, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/admin/pillars/problem/")

    assert response.status_code == 302
