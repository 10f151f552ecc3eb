"""The administrator enrols a village by picking it from the official areas."""

import pytest

from desmigratif.models import User

AUTOCOMPLETE = "/admin/autocomplete/"


def search_areas(client, term, model_name="village", field_name="area", app_label="villages"):
    response = client.get(
        AUTOCOMPLETE,
        {"term": term, "app_label": app_label, "model_name": model_name, "field_name": field_name},
    )
    assert response.status_code == 200
    return response.json()["results"]


def test_enrolment_autocomplete_offers_villages_not_yet_enrolled_with_their_district(
    client, administrator, tree
):
    client.force_login(administrator)

    results = search_areas(client, "a")

    # Brengkok and Lohgung (enrolled) and the districts/regencies are not offered.
    assert results == [
        {"id": "35.24.07.2002", "text": "Labuhan, Brondong, Kabupaten Lamongan (35.24.07.2002)"}
    ]


def test_user_scope_autocomplete_offers_every_level(client, administrator, tree):
    client.force_login(administrator)

    codes = {
        r["id"]
        for r in search_areas(
            client, "Lamongan", model_name="user", field_name="scope", app_label="desmigratif"
        )
    }

    assert codes == {"35.24"}


@pytest.mark.parametrize("role", ["officer_a", "ministry_user"])
def test_portal_users_cannot_use_the_admin_autocomplete(client, request, role, tree):
    client.force_login(request.getfixturevalue(role))

    response = client.get(
        AUTOCOMPLETE, {"term": "a", "app_label": "villages", "model_name": "village", "field_name": "area"}
    )

    assert response.status_code in (302, 403)


def test_administrator_enrols_a_village_in_the_admin(client, administrator, tree):
    client.force_login(administrator)

    response = client.post(
        "/admin/villages/village/add/",
        {
            "area": "35.24.07.2002",
            "cohort_year": "2020",
            "status": "active",
            "leading_products": "ikan asin; terasi",
            "partners-TOTAL_FORMS": "0",
            "partners-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    village = tree.labuhan.desmigratif
    assert village.cohort_year == 2020
    assert village.leading_products == ["ikan asin", "terasi"]


def test_enrolment_before_the_programme_began_is_refused(client, administrator, tree):
    client.force_login(administrator)

    response = client.post(
        "/admin/villages/village/add/",
        {
            "area": "35.24.07.2002",
            "cohort_year": "2015",
            "status": "active",
            "partners-TOTAL_FORMS": "0",
            "partners-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "2016" in response.content.decode()
    assert not hasattr(tree.labuhan, "desmigratif") or tree.labuhan.desmigratif is None


def add_user(client, *, role, scope):
    password = "Labuhan-aman-2026"
    return client.post(
        "/admin/desmigratif/user/add/",
        {
            "username": "baru",
            "password1": password,
            "password2": password,
            "usable_password": "true",
            "role": role,
            "scope": scope,
        },
    )


@pytest.mark.parametrize(
    ("role", "scope", "staff"),
    [("village_officer", "35.24.07.2002", False), ("regency", "35.24", False), ("administrator", "", True)],
)
def test_administrator_creates_users_whose_admin_access_follows_the_role(
    client, administrator, tree, role, scope, staff
):
    client.force_login(administrator)

    response = add_user(client, role=role, scope=scope)

    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="baru")
    assert (user.role, user.scope_id or "", user.is_staff, user.is_superuser) == (role, scope, staff, staff)


def test_officer_scope_must_be_a_village(client, administrator, tree):
    client.force_login(administrator)

    response = add_user(client, role="village_officer", scope="35.24")

    assert response.status_code == 200
    assert not User.objects.filter(username="baru").exists()
    assert "desa" in response.context["adminform"].form.errors["scope"][0]
