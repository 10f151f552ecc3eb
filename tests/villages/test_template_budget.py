"""The officer's busiest pages render a bounded number of templates: each
template render costs CPU (bench/officer_pages.py), and the household form
once rendered ~2,000 for a household of four (crispy-forms' templates for
every field, Django's for every input and every <option>). The member rows
are written out in templates/villages/_member_form.html, fields through
templates/_field.html and widgets in Python (desmigratif/form_renderer.py);
list rows are worked out in the view, so the list renders no template per row."""

import datetime
import re

import pytest
from django.urls import reverse

from tests.budgets import SESSION_WRITE
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.html_forms import form_data
from tests.villages.registry_helpers import PMI, RETURNEE
from tests.villages.test_registry_query_budget import fill_village
from villages.identity import mask_id_number
from villages.models import Household, Member

A = "35.24.07.2004"

# base.html, the page, the area path, the edit guard, the household's 5 fields,
# the formset's management form (Django's form and error list templates: 3).
FORM_FIXED_TEMPLATES = 12
# The row template, its errors box, 18 fields and the delete box (saved members).
TEMPLATES_PER_MEMBER_ROW = 21
# base.html, the page, the area path, the village tabs, 5 search fields, the pager.
LIST_TEMPLATES = 10
# Session, user, the village, the household, its members, the pillars' menu flag
# and the NIK district names (the fields' own look-ups).
FORM_QUERY_BUDGET = 6 + SESSION_WRITE
# Saving a household of four with its address changed: session, user, village,
# household, its No. KK unique, its members; the NIKs of every row unique in one
# query (villages.forms.BaseMemberFormSet; Django's formset asked twice per
# member: its id and its NIK); the save (version, village, No. KK, the update
# and its history, the village's figures, the head and member checks, 4
# savepoints); the NIK district names. No query per CheckConstraint (4 a
# member, 1 a household, each twice: form and service): 49 before.
SAVE_QUERY_BUDGET = 6 + 1 + 12 + 2 + SESSION_WRITE


def household_of_four(village):
    household = HouseholdFactory(village=village)
    born = datetime.date(1980, 3, 4)
    MemberFactory(household=household, name="Budi Santoso", birth_date=born)
    MemberFactory(household=household, name="Siti Aminah", sex="P", relation="wife", birth_date=born, **PMI)
    MemberFactory(
        household=household,
        name="Agus Salim",
        relation="child",
        birth_date=datetime.date(2001, 1, 2),
        **RETURNEE,
    )
    MemberFactory(household=household, name="Dewi Lestari", sex="P", relation="child", birth_date=born)
    return household


def test_household_form_of_four_members_renders_a_bounded_number_of_templates(
    client, officer_a, village_a, django_assert_max_num_queries
):
    household = household_of_four(village_a)
    url = reverse("villages:household_edit", kwargs={"code": A, "pk": household.pk})
    client.force_login(officer_a)
    client.get(url)

    with django_assert_max_num_queries(FORM_QUERY_BUDGET):
        response = client.get(url)

    rows = 4 + 1 + 1  # the members, the extra blank one, the empty copy for "add member"
    assert len(response.templates) <= FORM_FIXED_TEMPLATES + rows * TEMPLATES_PER_MEMBER_ROW
    # What the budget must not cost: every member's fields, labelled, with their values.
    html = response.content.decode()
    for index, member in enumerate(household.members.order_by("pk")):
        prefix = f"members-{index}-"
        assert f'<label for="id_{prefix}nik" class="form-label requiredField">' in html
        assert f'name="{prefix}nik" value="{member.nik}"' in html
        assert f'name="{prefix}name" value="{member.name}"' in html
        assert re.search(
            rf'name="{prefix}migration_status"[^>]*>.*?value="{member.migration_status}" selected', html, re.S
        )
        assert f'id="id_{prefix}DELETE"' in html
    assert 'name="members-1-destination_country" value="Hong Kong" list="country-names"' in html
    assert html.count('<datalist id="country-names">') == 1
    assert 'name="members-__prefix__-nik"' in html


def test_member_rows_show_their_errors_next_to_the_fields(client, officer_a, village_a):
    household = household_of_four(village_a)
    url = reverse("villages:household_edit", kwargs={"code": A, "pk": household.pk})
    client.force_login(officer_a)
    data = form_data(client.get(url))
    data["members-0-name"] = ""

    response = client.post(url, data)

    html = response.content.decode()
    assert response.status_code == 200
    # The error beside the field, named by the input for screen readers.
    assert 'aria-describedby="id_members-0-name_error"' in html
    assert re.search(
        r'<div id="id_members-0-name_error" class="invalid-feedback">\s*'
        r'<span id="error_1_id_members-0-name">',
        html,
    )
    assert 'class="textinput form-control is-invalid" aria-invalid="true"' in html


@pytest.mark.parametrize("households", [5, 60])
def test_household_list_renders_no_template_per_row(client, officer_a, village_a, settings, households):
    settings.PAGE_SIZE = 50
    fill_village(village_a, households)
    client.force_login(officer_a)

    response = client.get(f"/desa/{A}/rumah-tangga/")

    assert len(response.templates) <= LIST_TEMPLATES
    html = response.content.decode()
    shown = Household.objects.filter(village=village_a).order_by("-updated_at", "pk")[:50]
    assert len(shown) == min(households, 50)
    for household in shown:
        assert f'href="/desa/{A}/rumah-tangga/{household.pk}/">{household.no_kk}</a>' in html
        for member in household.members.all():
            assert f'<a href="/desa/{A}/anggota/{member.pk}/">{member.name}</a>' in html


def test_household_list_rows_keep_numbers_masked_and_statuses_translated(client, regency_user, village_a):
    household = household_of_four(village_a)
    client.force_login(regency_user)

    html = client.get(f"/desa/{A}/rumah-tangga/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert household.no_kk not in html
    assert f">{mask_id_number(household.no_kk)}</a>" in html
    pmi = Member.objects.get(name="Siti Aminah")
    assert f'<a href="/desa/{A}/anggota/{pmi.pk}/">Siti Aminah</a>' in html
    # Indonesian by default, whatever the browser says; the country in Indonesian too.
    assert "PMI (sedang bekerja di luar negeri) · Hong Kong" in html
    assert "PMI purna (sudah pulang) · Malaysia" in html


def test_saving_the_household_form_asks_the_database_nothing_per_constraint(
    client, officer_a, village_a, django_assert_max_num_queries
):
    household = household_of_four(village_a)
    url = reverse("villages:household_edit", kwargs={"code": A, "pk": household.pk})
    client.force_login(officer_a)
    data = form_data(client.get(url))
    data["address"] = "Jl. Baru No. 1"

    with django_assert_max_num_queries(SAVE_QUERY_BUDGET) as queries:
        response = client.post(url, data)

    assert response.status_code == 302
    assert Household.objects.get(pk=household.pk).address == "Jl. Baru No. 1"
    assert not [q for q in queries.captured_queries if '"_check"' in q["sql"]]
