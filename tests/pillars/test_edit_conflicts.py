"""Problems edited by two people, and create forms sent twice (issue 9, part 4).
Forms are read from the pages, so the hidden version and token travel along."""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from pillars import services
from pillars.models import Pillar, Problem, ProblemFollowUp, ServiceOfficer
from tests.html_forms import form_data

A = "35.24.07.2004"
PROBLEM_ADD = f"/pilar/{A}/masalah/tambah/"


def signed_in(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def officer_client(officer_a):
    return signed_in(officer_a)


@pytest.fixture
def regency_client(regency_user):
    return signed_in(regency_user)


@pytest.fixture
def problem(village_a):
    return services.problem_create(
        village=village_a,
        pillar=Pillar.MIGRATION_SERVICES,
        title="Internet belum terpasang",
        raised_on=datetime.date(2020, 9, 15),
    )


def new_problem_form(client):
    data = form_data(client.get(PROBLEM_ADD))
    data.update(pillar="3", title="Belum ada fasilitator parenting", raised_on="2020-09-15")
    return data


# Editing a problem


def test_regency_saving_an_older_problem_form_is_refused_and_the_officers_edit_stays(
    officer_client, regency_client, problem
):
    url = f"/pilar/{A}/masalah/{problem.pk}/ubah/"
    regency_form = form_data(regency_client.get(url))
    officer_form = form_data(officer_client.get(url))
    officer_form["proposed_solution"] = "Pasang jaringan lewat BUMDes."
    assert officer_client.post(url, officer_form).status_code == 302

    regency_form["responsible_agency"] = "Kemenkominfo"
    response = regency_client.post(url, regency_form)

    text = response.content.decode()
    assert response.status_code == 200
    assert "This problem was saved by someone else after you opened this form" in text
    assert "Proposed solution: “Pasang jaringan lewat BUMDes.”" in text
    problem.refresh_from_db()
    assert (problem.proposed_solution, problem.responsible_agency) == ("Pasang jaringan lewat BUMDes.", "")
    again = form_data(response)
    assert again["responsible_agency"] == "Kemenkominfo"
    assert regency_client.post(url, again).status_code == 302
    problem.refresh_from_db()
    assert problem.responsible_agency == "Kemenkominfo"


def test_a_follow_up_changing_the_status_makes_an_open_problem_form_stale(officer_client, problem):
    url = f"/pilar/{A}/masalah/{problem.pk}/ubah/"
    data = form_data(officer_client.get(url))
    services.problem_add_follow_up(problem=problem, text="Selesai.", new_status="solved")

    data["title"] = "Internet mati"
    response = officer_client.post(url, data)

    assert "Status: “Solved”" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).title == "Internet belum terpasang"


def test_a_status_change_from_an_older_follow_up_form_is_refused(officer_client, regency_client, problem):
    page = f"/pilar/{A}/masalah/{problem.pk}/"
    url = f"/pilar/{A}/masalah/{problem.pk}/tindak-lanjut/"
    regency_form = form_data(regency_client.get(page))
    officer_form = form_data(officer_client.get(page))
    officer_form.update(text="Sudah dipasang.", new_status="solved")
    assert officer_client.post(url, officer_form).status_code == 302

    regency_form.update(text="Dibatalkan.", new_status="dropped")
    response = regency_client.post(url, regency_form)

    assert "Status: “Solved”" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == "solved"
    assert list(problem.follow_ups.values_list("text", flat=True)) == ["Sudah dipasang."]


# Create forms sent twice


def test_problem_form_sent_twice_creates_one_problem(officer_client, village_a):
    data = new_problem_form(officer_client)

    first = officer_client.post(PROBLEM_ADD, data)
    second = officer_client.post(PROBLEM_ADD, data)

    assert Problem.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/pilar/{A}/masalah/{Problem.objects.get().pk}/"
    assert "The problem has been saved." in officer_client.get(second["Location"]).content.decode()


def test_follow_up_sent_twice_is_recorded_once(officer_client, problem):
    data = form_data(officer_client.get(f"/pilar/{A}/masalah/{problem.pk}/"))
    data.update(text="Rapat dengan Diskominfo.")
    url = f"/pilar/{A}/masalah/{problem.pk}/tindak-lanjut/"

    first = officer_client.post(url, data)
    second = officer_client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert ProblemFollowUp.objects.filter(problem=problem).count() == 1


def test_pillar_record_form_sent_twice_creates_one_record(officer_client, village_a):
    url = f"/pilar/{A}/petugas/tambah/"
    data = form_data(officer_client.get(url))
    data.update(name="Sri Wahyuni", position="Kasi Pelayanan")

    officer_client.post(url, data)
    second = officer_client.post(url, data)

    assert second.status_code == 302
    assert ServiceOfficer.objects.filter(village=village_a).count() == 1


def test_two_problem_forms_opened_separately_create_two_problems(officer_client, village_a):
    officer_client.post(PROBLEM_ADD, new_problem_form(officer_client))
    officer_client.post(PROBLEM_ADD, new_problem_form(officer_client))
    assert Problem.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_problem_form_sent_twice_at_the_same_moment_creates_one_problem(officer_a, village_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs two connections writing at once: PostgreSQL (SQLite writes one at a time)")
    clients = [signed_in(officer_a), signed_in(officer_a)]
    data = new_problem_form(clients[0])
    for attempt in range(4):
        data["form_token"] = new_problem_form(clients[0])["form_token"]
        barrier = threading.Barrier(2)
        answers = [None, None]

        def send(i, answers=answers, barrier=barrier):
            try:
                barrier.wait(timeout=20)
                answers[i] = clients[i].post(PROBLEM_ADD, data)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [a.status_code for a in answers] == [302, 302], attempt
        assert answers[0]["Location"] == answers[1]["Location"]
        assert Problem.objects.count() == attempt + 1
