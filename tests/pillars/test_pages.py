"""The pillar pages as village A's officer uses them: forms are read from the
page with ``form_data`` and posted back the way a browser sends them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pillars import services
from pillars.models import Business, LearningHouse, Loan, Pillar, Problem, Training
from tests.html_forms import form_data
from tests.pillars.conftest import A
from tests.villages.registry_helpers import alerts, errors_next_to_fields


@pytest.fixture
def officer(english, officer_a):
    english.force_login(officer_a)
    return english


def option_labels(response, field):
    """The labels of a <select name=field>'s options, in page order."""
    html = response.content.decode()
    select = html.split(f'name="{field}"', 1)[1].split("</select>", 1)[0]
    return [part.split(">", 1)[1].split("<", 1)[0].strip() for part in select.split("<option")[1:]]


def test_officer_adds_a_business_through_the_form(officer, people):
    data = form_data(officer.get(f"/pilar/{A}/usaha/tambah/"))
    data.update(
        name="Keripik Ikan Bu Nur",
        kind="food",
        products="keripik, kerupuk ikan",
        owner_member=str(people.wife_a.pk),
        stage="starting",
        monthly_turnover="Rp 1.250.000",
        support_packaging="on",
        sells_online="on",
    )

    response = officer.post(f"/pilar/{A}/usaha/tambah/", data)

    assert response.status_code == 302, errors_next_to_fields(response)
    assert response["Location"] == f"/pilar/{A}/usaha/"
    business = Business.objects.get()
    assert (business.village_id, business.owner_member, business.owner_household) == (
        A,
        people.wife_a,
        people.wife_a.household,
    )
    assert business.monthly_turnover == Decimal(1_250_000)
    assert business.support_packaging and business.sells_online and not business.halal_label
    listing = officer.get(response["Location"]).content.decode()
    assert "Keripik Ikan Bu Nur" in listing
    assert "Rp 1.250.000" in listing
    assert "Nur Hayati" in listing


def test_people_to_choose_are_this_villages_members_by_name(officer, people):
    response = officer.get(f"/pilar/{A}/pelatihan/tambah/")

    assert option_labels(response, "participants") == [
        "Nur Cholis · PMI purna (returned)",
        "Nur Hayati · Family member",
    ]


def test_a_participant_from_another_village_is_refused_with_a_clear_message(officer, people):
    data = form_data(officer.get(f"/pilar/{A}/pelatihan/tambah/"))
    data.update(title="Pengemasan", kind="packaging", start_date="2022-03-01")
    data["participants"] = [str(people.returnee_a.pk), str(people.returnee_b.pk)]

    response = officer.post(f"/pilar/{A}/pelatihan/tambah/", data)

    assert response.status_code == 200
    assert errors_next_to_fields(response)["participants"] == [
        f"The chosen person (no. {people.returnee_b.pk}) is not registered in this village."
    ]
    assert "Slamet Riyadi" not in response.content.decode()  # nothing about B's people is revealed
    assert alerts(response) == ["Please correct the errors below; nothing has been saved."]
    assert not Training.objects.exists()


def test_an_end_date_before_the_start_date_is_refused_next_to_the_field(officer, people):
    data = form_data(officer.get(f"/pilar/{A}/pelatihan/tambah/"))
    data.update(title="Pengemasan", kind="packaging", start_date="2022-03-10", end_date="2022-03-01")

    response = officer.post(f"/pilar/{A}/pelatihan/tambah/", data)

    assert response.status_code == 200
    assert errors_next_to_fields(response)["end_date"] == ["The end date cannot be before the start date."]
    assert not Training.objects.exists()


def test_a_negative_loan_amount_is_refused(officer, records):
    data = form_data(officer.get(f"/pilar/{A}/pinjaman/tambah/?koperasi={records.a.cooperative.pk}"))
    assert data["cooperative"] == str(records.a.cooperative.pk)
    data.update(
        borrower=str(records.a.loan.borrower_id),
        amount="-500.000",
        purpose="Bahan baku",
        disbursed_on="2023-01-05",
        status="current",
    )

    response = officer.post(f"/pilar/{A}/pinjaman/tambah/", data)

    assert response.status_code == 200
    assert errors_next_to_fields(response)["amount"] == ["The amount cannot be negative."]
    assert records.a.cooperative.loans.count() == 1


def test_a_loan_is_edited_with_its_amount_in_indonesian_format(officer, records):
    url = f"/pilar/{A}/pinjaman/{records.a.loan.pk}/ubah/"
    data = form_data(officer.get(url))
    assert data["amount"] == "1.250.000"
    data.update(repaid_amount="250.000", status="late")

    response = officer.post(url, data)

    assert response.status_code == 302, errors_next_to_fields(response)
    loan = Loan.objects.get(pk=records.a.loan.pk)
    assert (loan.repaid_amount, loan.status) == (Decimal(250_000), "late")
    listing = officer.get(f"/pilar/{A}/pinjaman/").content.decode()
    assert "Rp 1.250.000" in listing and "Rp 250.000" in listing


def test_officer_adds_a_problem_and_a_follow_up(officer, officer_a, villages):
    data = form_data(officer.get(f"/pilar/{A}/masalah/tambah/?pilar=3"))
    assert data["pillar"] == "3"
    data.update(
        title="Belum ada fasilitator parenting",
        description="Belum ada tenaga khusus community parenting.",
        proposed_solution="Melatih kader PKK sebagai fasilitator.",
        responsible_agency="Kemen PPPA; Disnaker Kabupaten Lamongan",
        raised_on="2020-09-15",
    )

    response = officer.post(f"/pilar/{A}/masalah/tambah/", data)

    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pilar/{A}/masalah/{problem.pk}/"
    assert (problem.pillar, problem.status, problem.created_by) == (
        Pillar.COMMUNITY_PARENTING,
        "open",
        officer_a,
    )

    page = officer.get(response["Location"])
    follow_up = form_data(page)
    assert follow_up["date"] == timezone.localdate().isoformat()  # today unless changed
    follow_up.update(text="Dua kader PKK ikut pelatihan fasilitator.", new_status="in_progress")
    response = officer.post(f"/pilar/{A}/masalah/{problem.pk}/tindak-lanjut/", follow_up)

    assert response.status_code == 302
    assert response["Location"] == f"/pilar/{A}/masalah/{problem.pk}/"
    problem.refresh_from_db()
    assert problem.status == "in_progress"
    entry = problem.follow_ups.get()
    assert (entry.author, entry.date, entry.new_status) == (officer_a, timezone.localdate(), "in_progress")
    html = officer.get(response["Location"]).content.decode()
    assert "Dua kader PKK ikut pelatihan fasilitator." in html
    assert officer_a.get_full_name() in html
    assert "In progress" in html


def test_a_follow_up_without_text_is_refused(officer, records):
    url = f"/pilar/{A}/masalah/{records.a.problem.pk}/tindak-lanjut/"
    data = form_data(officer.get(url))

    response = officer.post(url, {**data, "text": "", "new_status": "solved"})

    assert response.status_code == 200
    assert "text" in errors_next_to_fields(response)
    assert Problem.objects.get(pk=records.a.problem.pk).status == "open"


def test_the_member_page_shows_the_members_trainings(officer, villages, people, records):
    services.training_create(
        village=villages.a,
        title="Pemasaran online",
        kind=Training.Kind.MARKETING,
        organiser="Disnaker Kabupaten Lamongan",
        start_date=datetime.date(2023, 9, 5),
        participants=[people.returnee_a],
    )

    html = officer.get(f"/desa/{A}/anggota/{people.returnee_a.pk}/").content.decode()

    assert "Trainings (pillar II)" in html
    assert "Pemasaran online" in html and "5 Sep 2023" in html
    assert records.a.training.title in html
    assert records.b.training.title not in html
    other = officer.get(f"/desa/{A}/anggota/{people.wife_a.pk}/").content.decode()
    assert "No training recorded." in other


def test_the_learning_house_form_keeps_ownership_and_size_in_the_village_profile(officer, villages):
    data = form_data(officer.get(f"/pilar/{A}/rumah-belajar/ubah/"))
    data.update(
        status="stalled",
        ownership="owned",
        area_m2="70",
        renovation_partner="Bank BNI",
        renovation_progress="0",
        progress_note="Menunggu RAB",
    )

    response = officer.post(f"/pilar/{A}/rumah-belajar/ubah/", data)

    assert response.status_code == 302, errors_next_to_fields(response)
    house = LearningHouse.objects.get(village=villages.a)
    assert (house.status, house.renovation_partner) == ("stalled", "Bank BNI")
    villages.a.refresh_from_db()
    assert (villages.a.learning_house, villages.a.learning_house_area_m2) == ("owned", Decimal(70))
    overview = officer.get(f"/pilar/{A}/").content.decode()
    assert "Renovation stalled" in overview and "Bank BNI" in overview


def test_the_village_tabs_lead_to_the_pillars_and_the_problems(officer, villages):
    html = officer.get(f"/desa/{A}/").content.decode()

    assert f'href="/pilar/{A}/"' in html
    assert f'href="/pilar/{A}/masalah/"' in html


def test_the_problem_list_filters_by_pillar_and_status(officer, records, villages):
    services.problem_create(village=villages.a, pillar=Pillar.COOPERATIVE, title="Pembinaan koperasi kurang")

    by_pillar = officer.get(f"/pilar/{A}/masalah/", {"pillar": "4"})
    unsolved = officer.get(f"/pilar/{A}/masalah/", {"status": "unsolved"})
    solved = officer.get(f"/pilar/{A}/masalah/", {"status": "solved"})

    assert [p.title for p in by_pillar.context["page"].object_list] == ["Pembinaan koperasi kurang"]
    assert len(unsolved.context["page"].object_list) == 2
    assert len(solved.context["page"].object_list) == 0


def test_the_business_list_filters_by_stage(officer, villages, people, records):
    services.business_create(
        village=villages.a,
        name="Mebel Jati",
        kind="furniture",
        stage="growing",
        owner_member=people.returnee_a,
    )

    response = officer.get(f"/pilar/{A}/usaha/", {"stage": "growing"})

    assert [b.name for b in response.context["page"].object_list] == ["Mebel Jati"]


def test_the_overview_shows_every_pillar_and_the_open_problems(officer, records):
    html = officer.get(f"/pilar/{A}/").content.decode()

    for heading in ("I · Migration services", "II · Productive business", "III · Community parenting"):
        assert heading in html
    assert "IV · Desmigratif cooperative" in html
    assert records.a.problem.title in html
    assert "Rp 1.250.000" in html  # still owed on the cooperative's loan
    assert records.b.cooperative.name not in html
    assert f"/pilar/{A}/usaha/tambah/" in html
