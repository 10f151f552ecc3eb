"""A review acts on the report the reviewer read (issue 9, part 4): accepting
or sending back a report that changed since the page was opened is refused
and says how it changed; a report form sent twice submits one report."""

import pytest
from django.conf import settings
from django.test import Client

from desmigratif.models import Role
from reports import services
from reports.models import ProgressReport, ReviewEvent
from tests.factories import UserFactory
from tests.html_forms import form_data
from tests.reports.conftest import A, narratives, submit_post


def signed_in(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def second_regency_user(tree, villages):
    return UserFactory(username="disnaker_lamongan_2", role=Role.REGENCY, scope=tree.lamongan)


@pytest.fixture
def changed_under_the_reviewer(reports, officer_a, regency_user, second_regency_user):
    """The regency reviewer opens the submitted report; meanwhile a colleague
    sends it back and the officer resubmits it with new narratives."""
    report = reports.a_submitted
    reviewer = signed_in(regency_user)
    page = reviewer.get(f"/laporan/{report.pk}/")
    accept_form, send_back_form = form_data(page, -2), form_data(page, -1)
    services.report_send_back(report=report, user=second_regency_user, reason="Pillar IV is empty.")
    services.report_resubmit(report=report, user=officer_a, **narratives("corrected"))
    return report, reviewer, accept_form, send_back_form


def test_accepting_a_report_changed_since_it_was_read_is_refused(changed_under_the_reviewer):
    report, reviewer, accept_form, _send_back = changed_under_the_reviewer

    response = reviewer.post(f"/laporan/{report.pk}/terima/", accept_form, follow=True)

    text = response.content.decode()
    assert "This report was saved by someone else after you opened this form" in text
    assert "Status: “Waiting for the regency office”" in text
    assert "last step: corrected and resubmitted" in text
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    assert not report.events.filter(action=ReviewEvent.Action.ACCEPTED_BY_REGENCY).exists()

    # The page now shows the corrected report; accepting it from there works.
    assert "corrected narrative" in text
    response = reviewer.post(f"/laporan/{report.pk}/terima/", form_data(response, -2))
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.REGENCY_ACCEPTED


def test_sending_back_a_report_changed_since_it_was_read_is_refused_and_keeps_the_reason(
    changed_under_the_reviewer,
):
    report, reviewer, _accept, send_back_form = changed_under_the_reviewer
    send_back_form["reason"] = "Pillar II figures are missing."

    response = reviewer.post(f"/laporan/{report.pk}/kembalikan/", send_back_form)

    assert response.status_code == 200
    assert "nothing has been saved" in response.content.decode()
    assert form_data(response, -1)["reason"] == "Pillar II figures are missing."
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED


def test_report_form_sent_twice_submits_one_report(english, officer_a, villages):
    english.force_login(officer_a)
    url = f"/laporan/desa/{A}/kirim/"
    data = {**form_data(english.get(url)), **submit_post()}

    first = english.post(url, data)
    second = english.post(url, data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert ProgressReport.objects.filter(village_id=A).count() == 1
