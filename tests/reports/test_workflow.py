"""The review workflow, step by step, through the pages, with each role:
the officer submits, the regency office accepts, the ministry sends back
with a reason, the officer reads it, corrects and resubmits, both reviewers
accept, and the report is frozen."""

import datetime
from pathlib import Path

from django.conf import settings

from reports.models import ProgressReport
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.reports.conftest import A, narratives, submit_post
from tests.villages.registry_helpers import CPMI


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_report_goes_through_both_reviews_with_a_correction(
    english, officer_a, regency_user, province_user, ministry_user
):
    client = english
    HouseholdFactory(village_id=A)

    # 1. The officer sees this quarter's button and submits the report.
    client.force_login(officer_a)
    html = page(client, f"/laporan/desa/{A}/")
    assert "Submit this quarter's report (Q2 2026)" in html
    response = client.post(f"/laporan/desa/{A}/kirim/", submit_post())
    report = ProgressReport.objects.get()
    assert response["Location"] == f"/laporan/{report.pk}/"
    assert report.status == ProgressReport.Status.SUBMITTED
    assert report.snapshot["households"]["households"] == 1
    html = page(client, f"/laporan/{report.pk}/")
    assert "Waiting for the regency office" in html
    assert "first narrative for narrative_cooperative" in html
    assert "Your review" not in html
    html = page(client, f"/laporan/desa/{A}/")
    assert "Submit this quarter" not in html  # already sent
    assert "Submit a report for an earlier quarter" in html

    # 2. The regency office finds it in its queue and accepts it.
    client.force_login(regency_user)
    assert f"/laporan/{report.pk}/" in page(client, "/laporan/antrean/")
    html = page(client, f"/laporan/{report.pk}/")
    assert "Accept and pass on to the ministry" in html
    response = client.post(f"/laporan/{report.pk}/terima/", follow=True)
    assert "passed on to the ministry" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.REGENCY_ACCEPTED
    assert f"/laporan/{report.pk}/" not in page(client, "/laporan/antrean/")

    # The province office reads it but reviews nothing.
    client.force_login(province_user)
    html = page(client, f"/laporan/{report.pk}/")
    assert "Your review" not in html
    assert "Nothing is waiting for you." in page(client, "/laporan/antrean/")

    # 3. The ministry sends it back: first without a reason (refused), then with one.
    client.force_login(ministry_user)
    assert f"/laporan/{report.pk}/" in page(client, "/laporan/antrean/")
    response = client.post(f"/laporan/{report.pk}/kembalikan/", {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the report is sent back" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.REGENCY_ACCEPTED
    response = client.post(f"/laporan/{report.pk}/kembalikan/", {"reason": "Pillar IV: add the KUR loans."})
    assert response["Location"] == f"/laporan/{report.pk}/"
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED

    # 4. The officer sees the reason in the queue's report, corrects and resubmits.
    client.force_login(officer_a)
    assert f"/laporan/{report.pk}/" in page(client, "/laporan/antrean/")
    html = page(client, f"/laporan/{report.pk}/")
    assert "Pillar IV: add the KUR loans." in html
    assert "Correct and resubmit" in html
    assert "Pillar IV: add the KUR loans." in page(client, f"/laporan/{report.pk}/kirim-ulang/")
    HouseholdFactory(village_id=A)  # data recorded since: the snapshot is retaken
    response = client.post(f"/laporan/{report.pk}/kirim-ulang/", narratives("second"))
    assert response["Location"] == f"/laporan/{report.pk}/"
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    assert report.narrative_cooperative == "second narrative for narrative_cooperative"
    assert report.snapshot["households"]["households"] == 2

    # 5. Both reviews again; the ministry's acceptance freezes it.
    client.force_login(regency_user)
    client.post(f"/laporan/{report.pk}/terima/")
    client.force_login(ministry_user)
    # Accepting freezes the report: the reviewer ticks "I have read…" (reports/test_notices_and_banners.py).
    response = client.post(f"/laporan/{report.pk}/terima/", {"confirm_read": "1"}, follow=True)
    assert "it is now frozen" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.ACCEPTED
    assert report.accepted_at is not None
    assert [e.action for e in report.events.all()] == [
        "submitted",
        "accepted_by_regency",
        "sent_back",
        "resubmitted",
        "accepted_by_regency",
        "accepted_by_ministry",
    ]
    assert report.events.get(action="sent_back").actor == ministry_user

    # The village's list shows it accepted, with its six steps.
    client.force_login(officer_a)
    html = page(client, f"/laporan/desa/{A}/")
    assert "Accepted" in html
    assert "6 steps" in html
    assert "Pillar IV: add the KUR loans." in html
    html = page(client, f"/laporan/{report.pk}/")
    assert "this report is frozen" in html
    assert "Correct and resubmit" not in html


def test_the_regency_office_sends_back_and_the_officer_sees_why(
    english, officer_a, regency_user, ministry_user
):
    english.force_login(officer_a)
    english.post(f"/laporan/desa/{A}/kirim/", submit_post())
    report = ProgressReport.objects.get()

    english.force_login(regency_user)
    response = english.post(f"/laporan/{report.pk}/kembalikan/", {"reason": "No narrative on parenting."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED

    # Not for the ministry: nothing waits for it.
    english.force_login(ministry_user)
    assert f"/laporan/{report.pk}/" not in page(english, "/laporan/antrean/")

    english.force_login(officer_a)
    html = page(english, f"/laporan/{report.pk}/")
    assert "Sent back with this reason:" in html
    assert "No narrative on parenting." in html
    assert "Sent back to the village" in html


def test_snapshot_shows_the_indicators_as_tables(english, officer_a):
    household = HouseholdFactory(village_id=A)
    MemberFactory(household=household, **CPMI)
    MemberFactory(
        household=household,
        relation="wife",
        sex="P",
        migration_status="pmi",
        destination_country="HK",
        sector="informal",
        occupation="PLRT",
        channel="procedural",
        departure_date=datetime.date(2021, 3, 1),
    )
    english.force_login(officer_a)
    english.post(f"/laporan/desa/{A}/kirim/", submit_post())
    report = ProgressReport.objects.get()

    html = page(english, f"/laporan/{report.pk}/")

    assert "Households and members" in html
    assert (
        '<th scope="row" class="fw-normal">CPMI (preparing to leave)</th><td class="text-end">1</td>' in html
    )
    assert "PMI by destination country" in html
    assert "<td>HK</td><td>1</td>" in html
    assert "I · Migration services" in html
    assert "Loans, amount (Rp)" in html
    assert "1,500,000" in html
    assert "Progress score (0-100)" in html


def test_the_report_page_carries_its_a4_print_rules(client, reports, officer_a):
    client.force_login(officer_a)

    html = client.get(f"/laporan/{reports.a_accepted.pk}/").content.decode()

    assert 'href="/static/css/print.css" media="print"' in html
    # In a file, not a <style> block: the Content-Security-Policy allows no inline style.
    assert 'href="/static/css/report-print.css" media="print"' in html
    print_rules = (Path(settings.BASE_DIR) / "static" / "css" / "report-print.css").read_text()
    assert "thead { display: table-header-group; }" in print_rules
    # The buttons sit in a block hidden from print.
    assert 'class="report-actions' in html
