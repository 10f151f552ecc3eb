"""Two people, one record (issue 9, part 4): a save based on a form opened
before someone else's save is refused and says what is different; two saves
of the same new NIK at the same moment give the duplicate-NIK message, not a
500; a household form sent twice creates one household.

The forms are read from the pages (tests/html_forms.py), so the hidden
version and token fields travel as a browser sends them."""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation

from desmigratif.concurrency import EditConflict, claim_version
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.html_forms import form_data
from tests.villages.registry_helpers import CPMI, fill_member_form
from villages import views
from villages.models import NIK_TAKEN_MESSAGE, Household, Member, Village
from villages.services import household_save, member_mark_departed

A = "35.24.07.2004"
ADD = f"/desa/{A}/rumah-tangga/tambah/"
with translation.override("en"):
    NIK_TAKEN = str(NIK_TAKEN_MESSAGE).split(":")[0]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def officer_client(officer_a):
    client = english(Client())
    client.force_login(officer_a)
    return client


@pytest.fixture
def regency_client(regency_user):
    client = english(Client())
    client.force_login(regency_user)
    return client


@pytest.fixture
def household(village_a):
    household = HouseholdFactory(village=village_a, no_kk="3524070101230005", dusun="Krajan", rt="001")
    MemberFactory(household=household, name="Budi Santoso", nik="3524071205900001")
    MemberFactory(
        household=household,
        name="Siti Aminah",
        nik="3524074310780002",
        sex="P",
        birth_date=datetime.date(1978, 10, 3),
        relation="wife",
        **CPMI,
    )
    return household


def edit_url(household):
    return f"/desa/{A}/rumah-tangga/{household.pk}/ubah/"


def member_index(data, name):
    return next(k.split("-")[1] for k, v in data.items() if k.endswith("-name") and v == name)


def page_text(response):
    return response.content.decode()


# The household form


def test_regency_saving_an_older_household_form_is_refused_and_the_officers_edits_stay(
    officer_client, regency_client, household
):
    url = edit_url(household)
    officer_form = form_data(officer_client.get(url))
    regency_form = form_data(regency_client.get(url))
    assert regency_form["version"] == officer_form["version"]

    officer_form["dusun"] = "Sumberejo"
    officer_form[f"members-{member_index(officer_form, 'Budi Santoso')}-name"] = "Budi Santoso Wijaya"
    assert officer_client.post(url, officer_form).status_code == 302

    regency_form["rt"] = "007"
    response = regency_client.post(url, regency_form)

    assert response.status_code == 200
    text = page_text(response)
    assert "was saved by someone else after you opened this form, so nothing has been saved" in text
    assert "Sumberejo" in text  # the saved hamlet, named in the message
    assert "Budi Santoso Wijaya" in text  # the member whose values are different
    household.refresh_from_db()
    assert (household.dusun, household.rt) == ("Sumberejo", "001")
    assert household.members.filter(name="Budi Santoso Wijaya").exists()


def test_refused_household_form_keeps_the_input_and_a_second_save_goes_through(
    officer_client, regency_client, household
):
    url = edit_url(household)
    regency_form = form_data(regency_client.get(url))
    officer_form = form_data(officer_client.get(url))
    officer_form["dusun"] = "Sumberejo"
    officer_client.post(url, officer_form)

    regency_form["rt"] = "007"
    refused = regency_client.post(url, regency_form)
    again = form_data(refused)

    assert again["rt"] == "007"  # what the regency typed is still there
    assert int(again["version"]) == Household.objects.get(pk=household.pk).version
    assert regency_client.post(url, again).status_code == 302  # a deliberate second save
    household.refresh_from_db()
    assert household.rt == "007"


def test_household_form_names_members_added_and_removed_since_it_was_opened(
    officer_client, regency_client, household
):
    url = edit_url(household)
    regency_form = form_data(regency_client.get(url))
    officer_form = form_data(officer_client.get(url))
    officer_form[f"members-{member_index(officer_form, 'Siti Aminah')}-DELETE"] = "on"
    fill_member_form(
        officer_form,
        2,
        nik=nik_for(datetime.date(2015, 8, 7), "P", 3),
        name="Ayu Lestari",
        sex="P",
        birth_date="2015-08-07",
        relation="child",
        migration_status="family",
    )
    assert officer_client.post(url, officer_form).status_code == 302

    response = regency_client.post(url, regency_form)

    text = page_text(response)
    assert "members added: Ayu Lestari" in text
    assert "members removed: Siti Aminah" in text
    assert set(household.members.values_list("name", flat=True)) == {"Budi Santoso", "Ayu Lestari"}


def test_a_member_status_change_makes_an_open_household_form_stale(officer_client, household):
    url = edit_url(household)
    data = form_data(officer_client.get(url))
    siti = household.members.get(name="Siti Aminah")
    member_mark_departed(member=siti, departure_date=datetime.date(2024, 1, 5), sector="informal")

    data["dusun"] = "Sumberejo"
    response = officer_client.post(url, data)

    assert "nothing has been saved" in page_text(response)
    assert Household.objects.get(pk=household.pk).dusun == "Krajan"
    siti.refresh_from_db()
    assert siti.migration_status == Member.Status.PMI


def test_household_service_without_a_version_still_moves_it_on(household):
    """Imports, the admin and commands pass no version: not checked, but the
    version moves on so forms opened before them notice."""
    before = household.version
    household.dusun = "Sumberejo"
    household_save(household=household, members=[])
    assert Household.objects.get(pk=household.pk).version == before + 1
    with pytest.raises(EditConflict):
        household_save(household=household, members=[], version=before)


# Member status changes


def test_status_change_from_an_older_form_is_refused(officer_client, regency_client, village_a):
    household = HouseholdFactory(village=village_a)
    worker = MemberFactory(household=household, name="Rina", sex="P", **CPMI)
    url = f"/desa/{A}/anggota/{worker.pk}/berangkat/"
    regency_form = form_data(regency_client.get(url))
    officer_form = form_data(officer_client.get(url))
    officer_form.update(departure_date="2024-02-01", sector="formal")
    assert officer_client.post(url, officer_form).status_code == 302

    regency_form.update(departure_date="2024-03-09", sector="informal")
    response = regency_client.post(url, regency_form)

    text = page_text(response)
    assert "nothing has been saved" in text
    assert "PMI (working abroad)" in text  # the status as saved now
    worker.refresh_from_db()
    assert (worker.departure_date, worker.sector) == (datetime.date(2024, 2, 1), "formal")


# The village profile


def test_village_profile_from_an_older_form_is_refused(officer_client, regency_client, village_a):
    url = f"/desa/{A}/ubah/"
    regency_form = form_data(regency_client.get(url))
    officer_form = form_data(officer_client.get(url))
    officer_form["markets"] = "3"
    assert officer_client.post(url, officer_form).status_code == 302

    regency_form["tourism_sites"] = "2"
    response = regency_client.post(url, regency_form)

    text = page_text(response)
    assert "nothing has been saved" in text
    assert "Number of markets: “3”" in text
    assert "Leading products" not in text.split("Your entries")[0]
    village = Village.objects.get(pk=A)
    assert (village.markets, village.tourism_sites) == (3, None)
    again = form_data(response)
    assert again["tourism_sites"] == "2"
    assert regency_client.post(url, again).status_code == 302
    assert Village.objects.get(pk=A).tourism_sites == 2


# The same new NIK saved twice at the same moment


def test_nik_taken_between_the_check_and_the_insert_is_the_duplicate_message(
    officer_client, village_b, monkeypatch
):
    """The database's unique index, not the form's check, refuses the NIK (as
    when two saves race): the page shows the usual message, no 500."""
    nik = "3524071205900001"
    MemberFactory(household=HouseholdFactory(village=village_b), nik=nik, name="Sri Wahyuni")
    monkeypatch.setattr(Member, "validate_unique", lambda self, exclude=None: None)
    monkeypatch.setattr("villages.forms.MemberForm.validate_unique", lambda self: None)
    data = form_data(officer_client.get(ADD))
    data.update(no_kk="3524070101230005", dusun="Krajan")
    fill_member_form(
        data,
        0,
        nik=nik,
        name="Budi",
        sex="L",
        birth_date="1990-05-12",
        relation="head",
        migration_status="family",
    )

    response = officer_client.post(ADD, data)

    assert response.status_code == 200
    text = page_text(response)
    assert NIK_TAKEN in text
    assert "Sri Wahyuni" not in text and "Lohgung" not in text
    assert not Household.objects.filter(village_id=A).exists()


def _new_household_form(client, kk, nik):
    data = form_data(client.get(ADD))
    data.update(no_kk=kk, dusun="Krajan")
    fill_member_form(
        data,
        0,
        nik=nik,
        name="Budi",
        sex="L",
        birth_date="1990-05-12",
        relation="head",
        migration_status="family",
    )
    return data


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_the_same_new_nik_give_one_member_and_the_message(
    officers_of_a, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs two connections writing at once: PostgreSQL (SQLite writes one at a time)")
    real_save = views.household_save
    state = {}

    def save_together(**kwargs):
        # Both requests passed the form's NIK check; now both insert at once.
        state["barrier"].wait(timeout=20)
        return real_save(**kwargs)

    monkeypatch.setattr(views, "household_save", save_together)
    for attempt in range(8):
        nik = nik_for(datetime.date(1990, 5, 12), "L", 100 + attempt)
        forms = [
            _new_household_form(client, f"352407010123{10 + 2 * attempt + i:04d}", nik)
            for i, client in enumerate(officers_of_a)
        ]
        state["barrier"] = threading.Barrier(2)
        answers = [None, None]

        def send(i, answers=answers, forms=forms):
            try:
                answers[i] = officers_of_a[i].post(ADD, forms[i])
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        codes = sorted(answer.status_code for answer in answers)
        assert codes == [200, 302], f"attempt {attempt}: {codes}"
        refused = next(answer for answer in answers if answer.status_code == 200)
        assert NIK_TAKEN in page_text(refused)
        assert Member.objects.filter(nik=nik).count() == 1


@pytest.fixture
def officers_of_a(officer_a):
    clients = []
    for _ in range(2):
        client = english(Client())
        client.force_login(officer_a)
        clients.append(client)
    return clients


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_household_version_let_one_win(household):
    if connection.vendor != "postgresql":
        pytest.skip("needs two connections writing at once: PostgreSQL (SQLite writes one at a time)")
    from django.db import transaction

    seen = household.version
    barrier = threading.Barrier(2)
    outcomes = []

    def save():
        try:
            barrier.wait(timeout=20)
            with transaction.atomic():
                claim_version(Household, household.pk, seen)
            outcomes.append("saved")
        except EditConflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "saved"]
    assert Household.objects.get(pk=household.pk).version == seen + 1


# A household form sent twice


def test_household_form_sent_twice_creates_one_household(officer_client, village_a):
    data = _new_household_form(officer_client, "3524070101230005", "3524071205900001")

    first = officer_client.post(ADD, data)
    second = officer_client.post(ADD, data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Household.objects.filter(village_id=A).count() == 1
    followed = officer_client.get(second["Location"])
    assert "The household has been saved." in page_text(followed)


def test_two_new_household_forms_create_two_households(officer_client, village_a):
    first = _new_household_form(officer_client, "3524070101230005", "3524071205900001")
    second = _new_household_form(
        officer_client, "3524070101230006", nik_for(datetime.date(1990, 5, 12), "L", 7)
    )
    assert first["form_token"] != second["form_token"]

    officer_client.post(ADD, first)
    officer_client.post(ADD, second)

    assert Household.objects.filter(village_id=A).count() == 2


def test_household_form_refused_for_an_error_can_be_sent_again_with_its_token(officer_client, village_a):
    data = _new_household_form(officer_client, "3524070101230005", "3524071205900001")
    data["members-0-birth_date"] = ""
    refused = officer_client.post(ADD, data)
    assert refused.status_code == 200

    again = form_data(refused)
    assert again["form_token"] == data["form_token"]
    again["members-0-birth_date"] = "1990-05-12"
    assert officer_client.post(ADD, again).status_code == 302
    assert Household.objects.filter(village_id=A).count() == 1


# Imports move the versions on


def test_an_imported_correction_makes_an_open_household_form_stale(officer_a, officer_client, tmp_path):
    from tests.surveys.import_helpers import KK_1, run_import, survey_rows, write_file

    run_import("households", write_file(tmp_path, survey_rows(), name="first"), user=officer_a, write=True)
    household = Household.objects.get(no_kk=KK_1)
    url = edit_url(household)
    data = form_data(officer_client.get(url))
    rows = survey_rows()
    rows[1]["nama"] = "Siti Aminah Rahayu"  # a member of KK_1: the household itself is unchanged

    run_import("households", write_file(tmp_path, rows, name="corrected"), user=officer_a, write=True)

    assert Household.objects.get(pk=household.pk).version == household.version + 1
    data["dusun"] = "Sumberejo"
    response = officer_client.post(url, data)
    assert "nothing has been saved" in page_text(response)
    assert "Siti Aminah Rahayu" in page_text(response)


def test_an_imported_profile_makes_an_open_profile_form_stale(officer_client, village_a, tmp_path):
    from tests.surveys.import_helpers import run_import, write_file
    from tests.surveys.test_imports import profile_row

    url = f"/desa/{A}/ubah/"
    data = form_data(officer_client.get(url))
    run_import("village-profile", write_file(tmp_path, [profile_row(A)]), write=True)

    response = officer_client.post(url, data)

    assert "nothing has been saved" in page_text(response)
