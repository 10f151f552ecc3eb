"""Destination country in the household form: every ISO 3166 country, the
usual PMI destinations first, named in the UI language, from one list the
page renders once (a <datalist>) that every member row's input uses; the
server reads a name in Indonesian or English or an ISO code and refuses
anything else."""

import re

import pytest
from django.conf import settings
from django.utils import translation
from django_countries import countries

from tests.household_factories import HouseholdFactory, MemberFactory
from tests.html_forms import form_data
from tests.villages.registry_helpers import CPMI, PMI, errors_next_to_fields
from tests.villages.test_households import ADD, HEAD, WIFE_PMI, household_post
from villages.countries import INDONESIAN_NAMES, country_name, parse_country
from villages.models import Household, Member

A = "35.24.07.2004"
USUAL_DESTINATIONS_ID = ["Malaysia", "Taiwan", "Hong Kong", "Arab Saudi", "Singapura", "Korea Selatan"]


@pytest.fixture
def officer(client, officer_a):
    client.force_login(officer_a)
    return officer_a


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def datalists(html):
    return re.findall(r'<datalist id="([^"]+)">(.*?)</datalist>', html, re.S)


def country_options(html):
    [(list_id, options)] = datalists(html)
    assert list_id == "country-names"
    return re.findall(r'<option value="([^"]*)">', options)


def edit_url(household):
    return f"/desa/{A}/rumah-tangga/{household.pk}/ubah/"


@pytest.fixture
def household_with_egypt(village_a):
    household = HouseholdFactory(village=village_a)
    MemberFactory(household=household, name="Budi Santoso")
    MemberFactory(household=household, name="Siti Aminah", sex="P", relation="wife", **PMI)
    MemberFactory(
        household=household,
        name="Dewi Lestari",
        sex="P",
        relation="child",
        **{**CPMI, "destination_country": "EG"},
    )
    return household


def test_household_form_offers_every_country_once_usual_destinations_first(
    client, officer, household_with_egypt
):
    html = client.get(edit_url(household_with_egypt)).content.decode()

    names = country_options(html)
    assert len(names) == len(set(names)) == len(countries)
    assert names[: len(USUAL_DESTINATIONS_ID)] == USUAL_DESTINATIONS_ID
    assert names[len(INDONESIAN_NAMES)] == "Afganistan"  # then the others by name
    assert {"Mesir", "Prancis", "Kenya"} <= set(names)
    assert "Egypt" not in names
    # Every member row (3 members, the blank one, the copy for "add member") names the list.
    inputs = re.findall(r'<input [^>]*name="members-[\w_]+-destination_country"[^>]*>', html)
    assert len(inputs) == 5
    assert all('list="country-names"' in tag for tag in inputs)
    assert not re.search(r'<select [^>]*name="members-[\w_]+-destination_country"', html)


def test_household_form_names_countries_in_english_when_the_ui_is_english(
    client, officer, household_with_egypt
):
    html = english(client).get(edit_url(household_with_egypt)).content.decode()

    names = country_options(html)
    assert names[:3] == ["Malaysia", "Taiwan", "Hong Kong"]
    assert {"Egypt", "Saudi Arabia", "South Korea"} <= set(names)
    assert "Mesir" not in names
    data = form_data(english(client).get(edit_url(household_with_egypt)))
    assert "Egypt" in {data[f"members-{i}-destination_country"] for i in range(3)}


def test_a_country_outside_the_usual_list_shows_by_name_and_is_kept_on_save(
    client, officer, household_with_egypt
):
    url = edit_url(household_with_egypt)
    dewi = household_with_egypt.members.get(name="Dewi Lestari")
    records = dewi.history.count()
    data = form_data(client.get(url))
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-name") and v == "Dewi Lestari")
    assert data[f"members-{index}-destination_country"] == "Mesir"
    data["address"] = "Jl. Baru No. 1"

    assert client.post(url, data).status_code == 302

    dewi.refresh_from_db()
    assert dewi.destination_country == "EG"
    assert dewi.history.count() == records  # the member was not changed


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Mesir", "EG"), ("Egypt", "EG"), ("eg", "EG"), ("  prancis ", "FR"), ("cote d'ivoire", "CI")],
)
def test_officer_registers_a_worker_bound_for_any_country(client, officer, typed, code):
    response = client.post(ADD, household_post(client, HEAD, {**WIFE_PMI, "destination_country": typed}))

    assert response.status_code == 302
    assert Member.objects.get(name="Siti Aminah").destination_country == code


@pytest.mark.parametrize("typed", ["Narnia", "XX", "Malaysia Timur"])
def test_unknown_country_is_refused_next_to_the_field_and_nothing_is_saved(client, officer, typed):
    response = client.post(ADD, household_post(client, HEAD, {**WIFE_PMI, "destination_country": typed}))

    assert response.status_code == 200
    messages = errors_next_to_fields(response)["members-1-destination_country"]
    assert messages[0].startswith(f"Negara “{typed}” tidak dikenal.")
    assert form_data(response)["members-1-destination_country"] == typed  # kept as typed, to correct
    assert not Household.objects.exists()
    assert not Member.objects.exists()


def test_every_country_has_a_name_in_each_language_that_reads_back_as_its_code():
    """The form and the survey export write these names; the form and the
    import read them back."""
    assert (country_name("EG", "id"), country_name("EG", "en")) == ("Mesir", "Egypt")
    for language in ("id", "en"):
        with translation.override(language):
            for code, _name in countries:
                name = country_name(code, language)
                assert parse_country(name) == code, (code, name)
                assert parse_country(name.upper()) == code, (code, name)
