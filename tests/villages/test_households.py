"""The household form (a household with its members in one page) and the
household list (search, filters, counts, pages), as village A's officer
uses them. Forms are read from the page with ``form_data`` and posted back
the way a browser sends them."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.html_forms import form_data
from tests.villages.registry_helpers import (
    CPMI,
    PMI,
    RETURNEE,
    add_member_form,
    alerts,
    errors_next_to_fields,
    fill_member_form,
    form_errors_by_field,
    make_kk,
)
from villages import views
from villages.models import NIK_TAKEN_MESSAGE, Household, Member
from villages.services import household_save

A = "35.24.07.2004"
ADD = f"/desa/{A}/rumah-tangga/tambah/"
LIST = f"/desa/{A}/rumah-tangga/"

KK = "3524070101230005"
MAN = "3524071205900001"  # born 12/05/1990
WOMAN = "3524074310780002"  # born 03/10/1978
GIRL = "3524074708150003"  # born 07/08/2015

HEAD = {
    "nik": MAN,
    "name": "Budi Santoso",
    "sex": "L",
    "birth_date": "1990-05-12",
    "relation": "head",
    "education": "sma",
    "migration_status": "family",
}
WIFE_PMI = {
    "nik": WOMAN,
    "name": "Siti Aminah",
    "sex": "P",
    "birth_date": "1978-10-03",
    "relation": "wife",
    "education": "smp",
    "migration_status": "pmi",
    "destination_country": "HK",
    "sector": "informal",
    "occupation": "PLRT",
    "placement_agency": "PT Sinar Jaya",
    "channel": "procedural",
    "departure_date": "2021-03-01",
}
DAUGHTER = {
    "nik": GIRL,
    "name": "Ayu Lestari",
    "sex": "P",
    "birth_date": "2015-08-07",
    "relation": "child",
    "migration_status": "family",
    "schooling": "in_school",
    "caregiver": "Neneknya (Ibu Sumi)",
}


_blank_add_form = {}


def household_post(client, *members, **household):
    """The add page's form, read as a browser would send it, with the household
    fields and one member form per ``members`` filled in. The blank page is
    read once: it is the same for every test (and slow to render)."""
    if not _blank_add_form:
        response = client.get(ADD)
        assert response.status_code == 200
        _blank_add_form.update(form_data(response))
    data = dict(_blank_add_form)
    data.update({"no_kk": KK, "dusun": "Krajan", "rt": "001", "rw": "002", **household})
    if members:
        fill_member_form(data, 0, **members[0])
        for member in members[1:]:
            add_member_form(data, **member)
    return data


def text(message):
    """A message (a msgid or a lazy translation) as the Indonesian page shows it."""
    with translation.override("id"):
        return translation.gettext(message) if isinstance(message, str) else str(message)


@pytest.fixture
def officer(client, officer_a):
    client.force_login(officer_a)
    return officer_a


def assert_nothing_saved():
    assert not Household.objects.exists()
    assert not Member.objects.exists()


# Creating a household


def test_officer_adds_a_household_with_its_members(client, officer, village_a):
    data = household_post(client, HEAD, WIFE_PMI, DAUGHTER)

    response = client.post(ADD, data)

    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desa/{A}/rumah-tangga/{household.pk}/"
    assert household.village == village_a
    assert (household.no_kk, household.dusun, household.rt, household.rw) == (KK, "Krajan", "001", "002")
    members = {m.nik: m for m in household.members.all()}
    assert set(members) == {MAN, WOMAN, GIRL}
    wife = members[WOMAN]
    assert wife.name == "Siti Aminah"
    assert wife.sex == Member.Sex.FEMALE
    assert wife.birth_date == datetime.date(1978, 10, 3)
    assert wife.relation == Member.Relation.WIFE
    assert wife.migration_status == Member.Status.PMI
    assert (wife.destination_country, wife.sector, wife.occupation) == ("HK", "informal", "PLRT")
    assert wife.placement_agency == "PT Sinar Jaya"
    assert wife.channel == Member.Channel.PROCEDURAL
    assert wife.departure_date == datetime.date(2021, 3, 1)
    assert members[GIRL].caregiver == "Neneknya (Ibu Sumi)"
    assert members[GIRL].schooling == Member.Schooling.IN_SCHOOL


def test_new_household_and_members_record_who_created_them(client, officer):
    client.post(ADD, household_post(client, HEAD, WIFE_PMI))

    assert Household.history.get().history_user == officer
    records = Member.history.all()
    assert len(records) == 2
    assert {(r.history_type, r.history_user) for r in records} == {("+", officer)}


def test_saved_household_page_lists_its_members(client, officer):
    response = client.post(ADD, household_post(client, HEAD, WIFE_PMI), follow=True)

    html = response.content.decode()
    assert "Budi Santoso" in html
    assert "Siti Aminah" in html
    assert KK in html  # the village's own officer sees the whole number


def test_nik_typed_with_spaces_is_stored_as_16_digits(client, officer):
    """identity.clean_id_number removes spaces and dots typed between digit
    groups; the form's 16-character limit must not refuse them first."""
    data = household_post(client, {**HEAD, "nik": "3524 0712 0590 0001"}, no_kk="3524 0701 0123 0005")

    client.post(ADD, data)

    assert Member.objects.get().nik == MAN
    assert Household.objects.get().no_kk == KK


# Errors are shown next to their fields


def test_every_error_is_shown_next_to_its_field(client, officer):
    data = household_post(
        client,
        {**HEAD, "nik": "35240712059O0001"},
        {**WIFE_PMI, "birth_date": "1978-10-04", "destination_country": "", "sector": ""},
        no_kk="352407010123",
    )

    response = client.post(ADD, data)

    assert response.status_code == 200
    expected = form_errors_by_field(response)
    assert set(expected) == {
        "no_kk",
        "members-0-nik",
        "members-1-birth_date",
        "members-1-destination_country",
        "members-1-sector",
    }
    assert errors_next_to_fields(response) == expected
    assert_nothing_saved()


def test_refused_form_says_nothing_was_saved(client, officer):
    response = client.post(ADD, household_post(client, {**HEAD, "nik": "123"}))

    assert text("Please correct the errors below; nothing has been saved.") in alerts(response)


def test_refused_form_keeps_what_was_typed(client, officer):
    response = client.post(ADD, household_post(client, {**HEAD, "nik": "123"}, dusun="Karangrejo"))

    again = form_data(response)
    assert again["dusun"] == "Karangrejo"
    assert again["members-0-name"] == "Budi Santoso"
    assert again["members-0-nik"] == "123"


@pytest.mark.parametrize(
    ("member", "field"),
    [
        ({**HEAD, "birth_date": "1990-02-30"}, "birth_date"),  # no 30 February
        ({**HEAD, "birth_date": "1990-13-12"}, "birth_date"),
        ({**HEAD, "nik": "3524073205900001"}, "nik"),  # day 32 in the NIK
        ({**HEAD, "nik": "3524071213900001"}, "nik"),  # month 13 in the NIK
        ({**HEAD, "nik": "3524073102900001"}, "nik"),  # 31 February in the NIK
        ({**HEAD, "nik": "3524071205900000"}, "nik"),  # serial 0000
        ({**HEAD, "nik": "3.52407E+15"}, "nik"),
        ({**HEAD, "nik": "3524071205900001.0"}, "nik"),
        ({**HEAD, "birth_date": "1990-05-13"}, "birth_date"),  # the NIK says 12/05/1990
        ({**HEAD, "sex": "P"}, "sex"),  # a man's NIK
        ({**WIFE_PMI, "sex": "L"}, "sex"),  # a woman's NIK
        ({**WIFE_PMI, "departure_date": "2999-01-01"}, "departure_date"),
        ({**WIFE_PMI, "departure_date": "1970-01-01"}, "departure_date"),  # before she was born
        (
            {**WIFE_PMI, "migration_status": "returnee", "return_date": "2020-01-01"},  # left 2021
            "return_date",
        ),
        ({**WIFE_PMI, "migration_status": "returnee", "return_date": "2999-01-01"}, "return_date"),
        ({**HEAD, "birth_date": "2999-05-12", "nik": "3524071205990001"}, "birth_date"),
    ],
)
def test_member_with_wrong_data_is_refused_on_that_field(client, officer, member, field):
    response = client.post(ADD, household_post(client, member))

    assert response.status_code == 200
    member_form = response.context["members"].forms[0]
    assert field in member_form.errors
    assert errors_next_to_fields(response)[f"members-0-{field}"] == member_form.errors[field]
    assert_nothing_saved()


def test_nik_damaged_by_a_spreadsheet_is_explained(client, officer):
    response = client.post(ADD, household_post(client, {**HEAD, "nik": "3.52407E+15"}))

    [message] = errors_next_to_fields(response)["members-0-nik"]
    assert "Format the column as Text" in message or "Teks" in message


def test_family_card_number_with_letters_is_refused(client, officer):
    response = client.post(ADD, household_post(client, HEAD, no_kk="35240701O1230005"))

    assert "no_kk" in response.context["form"].errors
    assert "no_kk" in errors_next_to_fields(response)
    assert_nothing_saved()


def test_one_invalid_member_saves_nothing(client, officer):
    data = household_post(client, HEAD, DAUGHTER, {**WIFE_PMI, "departure_date": "2999-01-01"})

    response = client.post(ADD, data)

    assert response.status_code == 200
    assert [bool(f.errors) for f in response.context["members"].forms] == [False, False, True]
    assert_nothing_saved()


def test_household_with_two_heads_is_refused(client, officer):
    data = household_post(client, HEAD, {**WIFE_PMI, "relation": "head"})

    response = client.post(ADD, data)

    assert response.status_code == 200
    message = text("A household has one head of the family only.")
    assert list(response.context["members"].non_form_errors()) == [message]
    assert message in alerts(response)
    assert_nothing_saved()


def test_household_without_members_is_refused(client, officer):
    data = household_post(client)  # the empty member form is left empty

    response = client.post(ADD, data)

    assert response.status_code == 200
    message = text("A household needs at least one member.")
    assert list(response.context["members"].non_form_errors()) == [message]
    assert message in alerts(response)
    assert_nothing_saved()


def test_same_nik_twice_in_one_household_is_refused(client, officer):
    data = household_post(client, HEAD, {**DAUGHTER, "nik": MAN, "sex": "L", "birth_date": "1990-05-12"})

    response = client.post(ADD, data)

    assert response.status_code == 200
    members = response.context["members"]
    assert members.non_form_errors() or members.forms[1].errors
    # more than the general "please correct the errors below"
    assert len(alerts(response)) > 1 or "members-1-nik" in errors_next_to_fields(response)
    assert_nothing_saved()


def test_same_nik_twice_says_it_is_entered_twice(client, officer):
    """BaseMemberFormSet.clean has a message for this, next to the second NIK;
    Django's generic "correct the duplicate data for nik" must not replace it."""
    data = household_post(client, HEAD, {**DAUGHTER, "nik": MAN, "sex": "L", "birth_date": "1990-05-12"})

    response = client.post(ADD, data)

    message = text("This NIK is entered twice in this household.")
    assert errors_next_to_fields(response).get("members-1-nik") == [message]


@pytest.fixture
def registered_in_village_b(village_b):
    """Sri Wahyuni, registered in village B (Lohgung) with the NIK of A's new head."""
    return MemberFactory(
        household=HouseholdFactory(village=village_b, no_kk="3524070909090909"),
        name="Sri Wahyuni",
        nik=MAN,
    )


def test_nik_registered_in_another_village_is_refused_as_already_registered(
    client, officer, registered_in_village_b
):
    response = client.post(ADD, household_post(client, {**HEAD, "name": "Budi Santoso"}))

    assert response.status_code == 200
    assert errors_next_to_fields(response)["members-0-nik"] == [text(NIK_TAKEN_MESSAGE)]
    assert Household.objects.count() == 1
    assert Member.objects.get(nik=MAN).name == "Sri Wahyuni"


def test_already_registered_error_reveals_nothing_of_the_other_record(
    client, officer, registered_in_village_b
):
    response = client.post(ADD, household_post(client, {**HEAD, "name": "Budi Santoso"}))

    html = response.content.decode()
    other = registered_in_village_b
    for secret in [
        other.name,
        other.household.village.area.name,  # Lohgung
        other.household.village.code,
        other.household.no_kk,
        "••••••••0909",  # the old mask's serial
        other.nik[:6] + "••••",  # today's mask
        f"/rumah-tangga/{other.household.pk}/",
        f"/anggota/{other.pk}/",
    ]:
        assert secret not in html


def test_nik_registered_elsewhere_while_the_form_is_saved_is_shown_not_a_crash(
    client, officer, village_b, monkeypatch
):
    """The form checked the NIK, then another officer registered it before the
    service saved: the service's refusal must reach the page as an error."""
    real_household_save = views.household_save

    def someone_else_was_faster(**kwargs):
        MemberFactory(household=HouseholdFactory(village=village_b), nik=MAN, name="Sri Wahyuni")
        return real_household_save(**kwargs)

    monkeypatch.setattr(views, "household_save", someone_else_was_faster)

    response = client.post(ADD, household_post(client, HEAD))

    assert response.status_code == 200
    assert text(NIK_TAKEN_MESSAGE) in response.content.decode()
    assert "Sri Wahyuni" not in response.content.decode()
    assert not Household.objects.filter(village_id=A).exists()


def test_family_card_number_already_registered_is_refused(client, officer, village_b):
    HouseholdFactory(village=village_b, no_kk=KK)

    response = client.post(ADD, household_post(client, HEAD))

    assert errors_next_to_fields(response)["no_kk"] == [
        text("This family card number is already registered.")
    ]
    assert not Member.objects.exists()


def test_nik_from_an_unknown_district_is_saved_with_a_warning(client, officer):
    nik = "3599011205900001"  # district 35.99.01 is not in the area table

    response = client.post(ADD, household_post(client, {**HEAD, "nik": nik}), follow=True)

    assert Member.objects.get().nik == nik
    [warning] = alerts(response, "warning")
    assert "35.99.01" in warning
    # which member it is about: the officer of the village sees the full number
    assert warning.startswith(f"{HEAD['name']} ({nik}):")


def test_family_card_number_ending_in_0000_is_saved_with_a_warning(client, officer):
    """Not refused (no rule forbids it), but the officer is asked to check it."""
    response = client.post(ADD, household_post(client, HEAD, no_kk="3524070101230000"), follow=True)

    assert Household.objects.get().no_kk == "3524070101230000"
    [warning] = alerts(response, "warning")
    assert "0000" in warning
    assert text("The household has been saved.") in alerts(response, "success")


def test_nik_from_a_known_district_gives_no_warning(client, officer):
    response = client.post(ADD, household_post(client, HEAD, WIFE_PMI), follow=True)

    assert Member.objects.count() == 2
    assert alerts(response, "warning") == []
    assert text("The household has been saved.") in alerts(response, "success")


# Fields that only apply to some statuses


ABROAD_FIELDS = {
    "destination_country": "MY",
    "sector": "formal",
    "occupation": "Operator pabrik",
    "placement_agency": "PT Bina Karya",
    "channel": "non_procedural",
    "departure_date": "2019-01-02",
    "return_date": "2020-01-02",
    "business_status": "wants",
    "training_wishes": "Menjahit",
}


def test_family_member_posted_with_migration_fields_has_them_cleared(client, officer):
    client.post(ADD, household_post(client, {**HEAD, **ABROAD_FIELDS}))

    member = Member.objects.get()
    assert member.migration_status == Member.Status.FAMILY
    for field in ABROAD_FIELDS:
        assert getattr(member, field) in ("", None), field


def test_cpmi_keeps_only_the_fields_of_a_cpmi(client, officer):
    client.post(ADD, household_post(client, {**HEAD, **ABROAD_FIELDS, "migration_status": "cpmi"}))

    member = Member.objects.get()
    assert member.destination_country == "MY"
    assert member.occupation == "Operator pabrik"
    assert member.placement_agency == "PT Bina Karya"
    assert member.channel == "non_procedural"
    assert member.sector == ""  # known once the worker has left
    assert member.departure_date is None
    assert member.return_date is None
    assert member.business_status == ""
    assert member.training_wishes == ""


def test_returnee_may_have_no_destination_country(client, officer):
    member = {**HEAD, **ABROAD_FIELDS, "migration_status": "returnee", "destination_country": ""}

    response = client.post(ADD, household_post(client, member))

    assert response.status_code == 302
    assert Member.objects.get().destination_country == ""


def test_returnee_keeps_every_migration_field(client, officer):
    client.post(ADD, household_post(client, {**HEAD, **ABROAD_FIELDS, "migration_status": "returnee"}))

    member = Member.objects.get()
    assert member.return_date == datetime.date(2020, 1, 2)
    assert member.business_status == "wants"
    assert member.training_wishes == "Menjahit"


@pytest.mark.parametrize(
    ("status", "missing", "error_field"),
    [
        ("cpmi", "destination_country", "destination_country"),
        ("pmi", "destination_country", "destination_country"),
        ("pmi", "sector", "sector"),
        ("returnee", "return_date", "return_date"),
    ],
)
def test_status_needs_its_fields(client, officer, status, missing, error_field):
    member = {**HEAD, **ABROAD_FIELDS, "migration_status": status, missing: ""}

    response = client.post(ADD, household_post(client, member))

    assert error_field in response.context["members"].forms[0].errors
    assert f"members-0-{error_field}" in errors_next_to_fields(response)
    assert_nothing_saved()


def test_status_change_in_the_form_clears_the_old_status_fields(client, officer, village_a):
    returnee = MemberFactory(
        household__village=village_a, **RETURNEE, business_status="has", training_wishes="Kuliner"
    )
    url = f"/desa/{A}/rumah-tangga/{returnee.household.pk}/ubah/"
    data = form_data(client.get(url))
    fill_member_form(data, 0, migration_status="family")

    response = client.post(url, data)

    assert response.status_code == 302
    returnee.refresh_from_db()
    assert returnee.migration_status == Member.Status.FAMILY
    assert returnee.destination_country == returnee.sector == returnee.business_status == ""
    assert returnee.departure_date is None
    assert returnee.return_date is None
    # ... and the history still has them
    assert returnee.history.earliest().business_status == "has"


# Editing a household


@pytest.fixture
def household_a(village_a):
    household = HouseholdFactory(village=village_a, no_kk=KK)
    MemberFactory(household=household, name="Budi Santoso", nik=MAN)
    MemberFactory(
        household=household,
        name="Siti Aminah",
        nik=WOMAN,
        sex="P",
        birth_date=datetime.date(1978, 10, 3),
        relation="wife",
        **CPMI,
    )
    return household


def edit_url(household):
    return f"/desa/{household.village.code}/rumah-tangga/{household.pk}/ubah/"


def test_edit_form_shows_the_household_as_saved(client, officer, household_a):
    data = form_data(client.get(edit_url(household_a)))

    assert data["no_kk"] == KK
    assert data["members-TOTAL_FORMS"] == "3"  # two members and one empty form
    assert data["members-INITIAL_FORMS"] == "2"
    assert {data["members-0-nik"], data["members-1-nik"]} == {MAN, WOMAN}
    assert data["members-1-birth_date"] == "1978-10-03"
    assert data["members-1-destination_country"] == "Taiwan"  # the name, in the UI language


@pytest.fixture
def girl_in_village_b(village_b):
    return MemberFactory(
        household=HouseholdFactory(village=village_b, no_kk="3524070909090909"),
        name="Ayu Wulandari",
        nik=GIRL,
        sex="P",
        birth_date=datetime.date(2015, 8, 7),
    )


def test_a_nik_registered_elsewhere_is_refused_on_its_own_row_only(
    client, officer, household_a, girl_in_village_b
):
    """The NIKs of every row are checked in one query (villages.forms.BaseMemberFormSet):
    the household's own members keep theirs, the new row's taken NIK is refused."""
    url = edit_url(household_a)
    data = form_data(client.get(url))
    fill_member_form(data, 2, **DAUGHTER)

    response = client.post(url, data)

    assert response.status_code == 200
    errors = errors_next_to_fields(response)
    assert errors["members-2-nik"] == [text(NIK_TAKEN_MESSAGE)]
    assert "members-0-nik" not in errors
    assert "members-1-nik" not in errors
    assert household_a.members.count() == 2


def test_a_member_of_another_household_cannot_be_posted_as_a_row(
    client, officer, household_a, girl_in_village_b
):
    url = edit_url(household_a)
    data = form_data(client.get(url))
    data["members-1-id"] = str(girl_in_village_b.pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert not response.context["members"].forms[1].is_valid()
    girl_in_village_b.refresh_from_db()
    assert girl_in_village_b.household.village_id != A
    assert girl_in_village_b.name == "Ayu Wulandari"
    assert sorted(household_a.members.values_list("nik", flat=True)) == sorted([MAN, WOMAN])


def test_officer_edits_a_member_through_the_household_form(client, officer, household_a):
    url = edit_url(household_a)
    data = form_data(client.get(url))
    fill_member_form(data, 0, name="Budi Santoso Wijaya", education="s1")

    response = client.post(url, data)

    assert response.status_code == 302
    budi = household_a.members.get(nik=MAN)
    assert budi.name == "Budi Santoso Wijaya"
    assert budi.education == Member.Education.S1
    latest = budi.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == officer


def test_officer_adds_and_removes_members_in_the_edit_form(client, officer, household_a):
    url = edit_url(household_a)
    data = form_data(client.get(url))
    fill_member_form(data, 2, **DAUGHTER)  # the empty form on the page
    data["members-1-DELETE"] = "on"  # Siti moved out

    response = client.post(url, data)

    assert response.status_code == 302
    assert set(household_a.members.values_list("nik", flat=True)) == {MAN, GIRL}
    assert Member.history.filter(nik=WOMAN, history_type="-").get().history_user == officer


def test_removing_every_member_is_refused(client, officer, household_a):
    url = edit_url(household_a)
    data = form_data(client.get(url))
    data["members-0-DELETE"] = "on"
    data["members-1-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 200
    assert text("A household needs at least one member.") in alerts(response)
    assert household_a.members.count() == 2


def test_edit_keeps_the_household_in_its_village(client, officer, household_a, village_b):
    url = edit_url(household_a)
    data = form_data(client.get(url))
    data["village"] = village_b.code  # not a field of the form: ignored

    client.post(url, data)

    household_a.refresh_from_db()
    assert household_a.village_id == A


# The service behind the form


def test_household_save_is_all_or_nothing(village_a):
    """A member the service refuses undoes the household and the members saved before it."""
    good = Member(
        nik=MAN,
        name="Budi",
        sex="L",
        birth_date=datetime.date(1990, 5, 12),
        relation="head",
        migration_status="family",
    )
    bad = Member(
        nik=WOMAN,
        name="Siti",
        sex="P",
        birth_date=datetime.date(1978, 10, 3),
        relation="wife",
        migration_status="pmi",
    )  # a PMI without destination or sector

    with pytest.raises(ValidationError) as error:
        household_save(household=Household(village=village_a, no_kk=KK), members=[good, bad])

    assert {"destination_country", "sector"} <= set(error.value.message_dict)
    assert_nothing_saved()


def test_household_save_refuses_a_household_without_members(village_a):
    with pytest.raises(ValidationError):
        household_save(household=Household(village=village_a, no_kk=KK), members=[])

    assert not Household.objects.exists()


# The household list


@pytest.fixture
def registry(village_a, village_b):
    """Four households in village A and one in B."""
    born = datetime.date(1985, 1, 20)

    def member(household, name, sex="L", **fields):
        return MemberFactory(household=household, name=name, sex=sex, birth_date=born, **fields)

    hh = {}
    hh["pmi_hk"] = HouseholdFactory(village=village_a, no_kk=make_kk(11))
    member(hh["pmi_hk"], "Slamet Riyadi")
    member(hh["pmi_hk"], "Nur Hidayah", sex="P", relation="wife", **PMI)
    hh["pmi_my_formal"] = HouseholdFactory(village=village_a, no_kk=make_kk(12))
    member(
        hh["pmi_my_formal"],
        "Agus Salim",
        **{**PMI, "destination_country": "MY", "sector": "formal", "channel": "non_procedural"},
    )
    hh["cpmi_tw"] = HouseholdFactory(village=village_a, no_kk=make_kk(13))
    member(hh["cpmi_tw"], "Dewi Sartika", sex="P", **CPMI)
    member(hh["cpmi_tw"], "Rina Sartika", sex="P", relation="child", **{**CPMI, "destination_country": "KR"})
    hh["returnee"] = HouseholdFactory(village=village_a, no_kk=make_kk(14))
    member(hh["returnee"], "Joko Susilo", **RETURNEE)
    member(hh["returnee"], "Ani Susilo", sex="P", relation="wife")
    hh["b"] = HouseholdFactory(village=village_b, no_kk=make_kk(21))
    member(hh["b"], "Slamet Widodo", **PMI)
    return hh


def listed(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return {household.pk for household in response.context["page"].object_list}


def ids(registry, *names):
    return {registry[name].pk for name in names}


def test_list_shows_the_village_households_only(client, officer, registry):
    assert listed(client) == ids(registry, "pmi_hk", "pmi_my_formal", "cpmi_tw", "returnee")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Slamet", ["pmi_hk"]),  # not Slamet Widodo of village B
        ("slamet riyadi", ["pmi_hk"]),
        ("  SARTIKA ", ["cpmi_tw"]),
        ("hidayah", ["pmi_hk"]),  # any member, not only the head
        ("Susilo", ["returnee"]),
        ("Widodo", []),
        ("Nobody", []),
    ],
)
def test_search_by_member_name(client, officer, registry, q, expected):
    assert listed(client, q=q) == ids(registry, *expected)


def test_search_by_nik(client, officer, registry):
    wife = registry["pmi_hk"].members.get(name="Nur Hidayah")
    spaced = f"{wife.nik[:4]} {wife.nik[4:8]} {wife.nik[8:12]} {wife.nik[12:]}"

    assert listed(client, q=wife.nik) == ids(registry, "pmi_hk")
    assert listed(client, q=spaced) == ids(registry, "pmi_hk")


def test_search_by_nik_of_another_village_finds_nothing(client, officer, registry):
    other = registry["b"].members.get()

    assert listed(client, q=other.nik) == set()


def test_search_by_family_card_number(client, officer, registry):
    assert listed(client, q=make_kk(13)) == ids(registry, "cpmi_tw")
    assert listed(client, q=make_kk(21)) == set()  # village B's


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "pmi"}, ["pmi_hk", "pmi_my_formal"]),
        ({"status": "cpmi"}, ["cpmi_tw"]),
        ({"status": "returnee"}, ["returnee"]),
        ({"status": "family"}, ["pmi_hk", "returnee"]),
        ({"country": "HK"}, ["pmi_hk"]),
        ({"country": "KR"}, ["cpmi_tw"]),
        ({"country": "TW"}, ["cpmi_tw"]),
        ({"sector": "formal"}, ["pmi_my_formal", "returnee"]),
        ({"sector": "informal"}, ["pmi_hk"]),
        ({"channel": "non_procedural"}, ["pmi_my_formal"]),
        ({"channel": "procedural"}, ["pmi_hk", "cpmi_tw"]),
        ({"status": "pmi", "country": "MY"}, ["pmi_my_formal"]),
        ({"status": "pmi", "sector": "formal"}, ["pmi_my_formal"]),
        ({"status": "cpmi", "country": "HK"}, []),  # one member must match all filters
        ({"q": "Slamet", "status": "pmi"}, ["pmi_hk"]),
    ],
)
def test_list_filters(client, officer, registry, params, expected):
    assert listed(client, **params) == ids(registry, *expected)


def test_status_counts_at_the_top_count_the_village_members(client, officer, registry):
    response = client.get(LIST)

    counts = {status: n for status, _label, n in response.context["status_counts"]}
    assert counts == {"cpmi": 2, "pmi": 2, "returnee": 1, "family": 2}


def test_status_counts_are_shown_with_their_labels(client, officer, registry):
    html = client.get(LIST).content.decode()

    for status, count in [("cpmi", 2), ("pmi", 2), ("returnee", 1), ("family", 2)]:
        label = text(Member.Status(status).label)
        assert (
            f'<div class="fs-4 fw-semibold">{count}</div><div class="small text-body-secondary">{label}</div>'
            in html
        )


def test_status_counts_do_not_change_with_the_filters(client, officer, registry):
    response = client.get(LIST, {"status": "cpmi"})

    counts = {status: n for status, _label, n in response.context["status_counts"]}
    assert counts["pmi"] == 2


def test_list_is_paginated(client, officer, village_a, settings):
    settings.PAGE_SIZE = 5
    for n in range(12):
        MemberFactory(household__village=village_a, household__no_kk=make_kk(100 + n))

    first = client.get(LIST)
    last = client.get(LIST, {"page": 3})

    assert first.context["page"].paginator.count == 12
    assert len(first.context["page"].object_list) == 5
    assert len(last.context["page"].object_list) == 2
    seen = set()
    for page in (1, 2, 3):
        seen |= {h.pk for h in client.get(LIST, {"page": page}).context["page"].object_list}
    assert len(seen) == 12


def test_pagination_links_keep_the_search(client, officer, village_a, settings):
    settings.PAGE_SIZE = 2
    for n in range(5):
        MemberFactory(household__village=village_a, household__no_kk=make_kk(200 + n), name=f"Sutrisno {n}")

    html = client.get(LIST, {"q": "Sutrisno"}).content.decode()

    assert "?q=Sutrisno&amp;page=2" in html


def test_list_shows_each_members_status_and_destination(client, officer, registry):
    html = client.get(LIST).content.decode()

    assert f"{text(Member.Status.PMI.label)} · Hong Kong" in html
    assert f"{text(Member.Status.PMI.label)} · Malaysia" in html


def test_list_shows_each_households_hamlet_and_rt_rw_escaped(client, officer, village_a):
    HouseholdFactory(village=village_a, dusun="Krajan <Timur>", rt="001", rw="002")
    HouseholdFactory(village=village_a, dusun="Sumber", rt="", rw="")
    HouseholdFactory(village=village_a, dusun="", rt="003", rw="")

    cells = re.findall(
        r'<td class="row-meta">([^<]*(?:<(?!/td>)[^<]*)*)</td>', client.get(LIST).content.decode()
    )

    assert {cell for cell in cells if "font-monospace" not in cell} == {
        "Krajan &lt;Timur&gt;, RT 001/RW 002",
        "Sumber, ",
        "RT 003",
    }


def test_member_birth_date_mismatch_is_refused_by_the_model_too(village_a):
    """The admin and imports call full_clean: the NIK rules hold there as well."""
    household = HouseholdFactory(village=village_a)
    member = Member(
        household=household,
        nik=MAN,
        name="Budi",
        sex="P",
        birth_date=datetime.date(1990, 5, 13),
        relation="head",
        migration_status="family",
    )

    with pytest.raises(ValidationError) as error:
        member.full_clean()

    assert {"sex", "birth_date"} <= set(error.value.message_dict)


def test_factory_niks_follow_the_issue_examples():
    assert nik_for(datetime.date(1990, 5, 12), "L", 1) == MAN
    assert nik_for(datetime.date(1978, 10, 3), "P", 2) == WOMAN
