"""The review workflow tells people what to do: e-mail notices on each step
(retried when the mail server is down), the reviewer's landing page and menu
count, the officer's banners, the confirmation before the freezing
acceptance, and a late report's figures as of its quarter's last day."""

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from django_q.models import Schedule

from dashboards.indicators import village_indicators_as_of
from reports import notices, services
from reports.models import ProgressReport
from reports.snapshot import snapshot_sections
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.reports.conftest import A, narratives, village
from tests.villages.registry_helpers import CPMI
from villages.services import member_mark_departed


@pytest.fixture
def addresses(officer_a, regency_user, ministry_user):
    for user in (officer_a, regency_user, ministry_user):
        user.email = f"{user.username}@example.go.id"
        user.save()


def submit(officer, quarter=2):
    return services.report_submit(
        village=village(A), user=officer, year=2026, quarter=quarter, **narratives()
    )


def test_each_step_mails_whose_turn_it_is_with_a_link_and_no_personal_data(
    addresses, officer_a, regency_user, ministry_user, django_capture_on_commit_callbacks
):
    household = HouseholdFactory(village_id=A)
    member = MemberFactory(household=household, name="Siti Nur Aini", **CPMI)
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(officer_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_send_back(report=report, user=regency_user, reason=f"NIK {member.nik} salah")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_resubmit(report=report, user=officer_a, **narratives("second"))
    with django_capture_on_commit_callbacks(execute=True):
        services.report_accept(report=report, user=regency_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_accept(report=report, user=ministry_user)

    assert [m.to for m in mail.outbox] == [
        ["disnaker_lamongan@example.go.id"],  # submitted
        ["officer_a@example.go.id"],  # sent back
        ["disnaker_lamongan@example.go.id"],  # resubmitted
        ["kemnaker@example.go.id"],  # waiting for the ministry
        ["officer_a@example.go.id"],  # accepted
    ]
    link = f"http://127.0.0.1:8000/laporan/{report.pk}/"
    for message in mail.outbox:
        assert link in message.body
        assert "Brengkok" in message.subject
        assert "II 2026" in message.subject  # "Triwulan II 2026" in the portal's language
        for personal in (member.nik, member.name, household.no_kk, "salah"):
            assert personal not in message.subject + message.body


def test_nobody_without_an_address_is_mailed(officer_a, regency_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(officer_a)
    assert mail.outbox == []


def test_mail_server_down_the_step_stands_the_failure_is_logged_and_retried(
    addresses, officer_a, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.reports.failing_mail.Backend"
    with (
        caplog.at_level(logging.WARNING, logger="reports.notices"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = submit(officer_a)

    assert ProgressReport.objects.get(pk=report.pk).status == ProgressReport.Status.SUBMITTED
    assert "retried in 5 minutes" in caplog.text
    retry = Schedule.objects.get(func=notices.DELIVER)
    assert retry.next_run > datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=4)

    # The next try, with the server back, sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notice, attempt = eval(retry.args)  # noqa: S307 (django-q stores the arguments as a literal)
    assert notices.deliver_notice(notice, attempt) is True
    assert mail.outbox[0].to == ["disnaker_lamongan@example.go.id"]


@pytest.mark.django_db
def test_a_notice_is_given_up_after_the_last_try(settings, caplog):
    settings.EMAIL_BACKEND = "tests.reports.failing_mail.Backend"
    notice = {"to": "x@example.go.id", "user": 1, "report": 1, "subject": "s", "body": "b"}
    with caplog.at_level(logging.ERROR, logger="reports.notices"):
        assert notices.deliver_notice(notice, len(notices.NOTICE_RETRY_MINUTES) + 1) is False
    assert "given up" in caplog.text
    assert not Schedule.objects.filter(func=notices.DELIVER).exists()


def test_reviewers_land_on_their_queue_and_the_menu_counts_it(client, reports, regency_user, officer_a):
    client.force_login(regency_user)
    response = client.get("/")
    assert response["Location"] == "/laporan/antrean/"
    html = client.get("/desa/").content.decode()
    # A's submitted report and B's (C is in another regency).
    assert 'id="reports-waiting">2<' in html

    ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED).update(
        status=ProgressReport.Status.REGENCY_ACCEPTED
    )
    assert client.get("/")["Location"] == "/desa/"  # nothing waits: the village list
    assert "reports-waiting" not in client.get("/desa/").content.decode()

    client.force_login(officer_a)
    assert "reports-waiting" not in client.get("/desa/").content.decode()


def test_officer_sees_a_sent_back_report_and_a_due_report(english, reports, officer_a, officer_b):
    english.force_login(officer_a)
    html = english.get(f"/dasbor/desa/{A}/").content.decode()
    assert "Report Quarter I 2026 was sent back:" in html
    assert "Pillar II figures are missing." in html
    assert f"/laporan/{reports.a_returned.pk}/kirim-ulang/" in html
    assert 'data-report-banner="due"' not in html  # Q1 2026 exists (sent back)

    # Village B has no Q1 2026 report: due since 1 April.
    english.force_login(officer_b)
    html = english.get("/dasbor/desa/35.24.07.2001/").content.decode()
    assert "The progress report for Quarter I 2026 is due" in html
    assert "/laporan/desa/35.24.07.2001/kirim/?year=2026&amp;quarter=1" in html
    assert 'data-report-banner="returned"' not in html


def test_reviewers_see_no_banner(english, reports, regency_user):
    english.force_login(regency_user)
    assert "data-report-banner" not in english.get(f"/dasbor/desa/{A}/").content.decode()


def test_the_dashboard_explains_the_score(english, villages, officer_a):
    english.force_login(officer_a)
    html = english.get(f"/dasbor/desa/{A}/").content.decode()
    assert 'id="score-help"' in html
    assert "12 earn all 30" in html
    assert "README" not in html


def test_accepting_for_good_asks_for_confirmation(english, reports, ministry_user):
    english.force_login(ministry_user)
    url = f"/laporan/{reports.a_regency.pk}/"
    html = english.get(url).content.decode()
    assert 'name="confirm_read"' in html
    # The decision comes after the report's content.
    assert html.index("Narrative per pillar") < html.index('id="h-review"')
    assert html.index('id="h-indicators"') < html.index('id="h-review"')

    response = english.post(f"{url}terima/", follow=True)
    assert "Tick" in response.content.decode()
    reports.a_regency.refresh_from_db()
    assert reports.a_regency.status == ProgressReport.Status.REGENCY_ACCEPTED
    assert reports.a_regency.accepted_at is None

    english.post(f"{url}terima/", {"confirm_read": "1"})
    reports.a_regency.refresh_from_db()
    assert reports.a_regency.status == ProgressReport.Status.ACCEPTED


def test_a_late_report_shows_the_figures_as_of_its_quarter_end(
    monkeypatch, indicators, english, officer_a, regency_user
):
    monkeypatch.setattr(indicators, "village_indicators_as_of", village_indicators_as_of)
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC), tick=False):
        household = HouseholdFactory(village_id=A)
        cpmi = MemberFactory(household=household, **CPMI)
    # After the quarter: the CPMI leaves and another household is registered.
    with time_machine.travel(datetime.datetime(2026, 4, 20, 9, tzinfo=datetime.UTC), tick=False):
        member_mark_departed(member=cpmi, departure_date=datetime.date(2026, 4, 20), sector="informal")
        HouseholdFactory(village_id=A)

    report = submit(officer_a, quarter=1)  # on 15 May

    assert report.snapshot["as_of"] == "2026-03-31"
    assert report.snapshot["households"]["households"] == 1
    assert report.snapshot["households"]["cpmi"] == 1
    assert report.snapshot["households"]["pmi"] == 0
    english.force_login(officer_a)
    html = english.get(f"/laporan/{report.pk}/").content.decode()
    assert "31 Mar 2026" in html and "15 May 2026" in html  # as of, and submitted separately


def test_snapshot_labels_follow_the_reader(monkeypatch, indicators, officer_a, villages):
    monkeypatch.setattr(indicators, "village_indicators_as_of", village_indicators_as_of)
    report = submit(officer_a, quarter=1)
    with translation.override("id"):
        indonesian = str([s.rows for s in snapshot_sections(report.snapshot)])
    with translation.override("en"):
        english = str([s.rows for s in snapshot_sections(report.snapshot)])
    assert "('Status', 'aktif')" in indonesian
    assert "('Status', 'active')" in english and "aktif" not in english


def test_stored_codes_and_source_labels_are_shown_in_the_readers_language():
    snapshot = {
        "households": {"pmi_by_country": [["Saudi Arabia", 2]], "pmi_by_sector": [["not recorded", 1]]},
        "pillars": {"4": {"cooperative_legal_status": "registered"}},
    }

    def shown():
        return str([(s.rows, [t.rows for t in s.tables]) for s in snapshot_sections(snapshot)])

    with translation.override("en"):
        english = shown()
    with translation.override("id"):
        indonesian = shown()
    assert "Legal entity (badan hukum)" in english and "registered" not in english
    assert "Sudah berbadan hukum" in indonesian and "registered" not in indonesian
    assert "Saudi Arabia" in english
    assert "Arab Saudi" in indonesian
    assert "not recorded" in english and "not recorded" not in indonesian
