"""The admin shows reports and their history; it does not add, delete or
review them, and an accepted report is read-only there too."""

from reports.models import ProgressReport


def test_admin_lists_reports(client, administrator, reports):
    client.force_login(administrator)

    response = client.get("/admin/reports/progressreport/")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 6


def test_accepted_report_is_read_only_in_the_admin(client, administrator, reports):
    client.force_login(administrator)
    url = f"/admin/reports/progressreport/{reports.a_accepted.pk}/change/"

    response = client.get(url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content

    response = client.post(url, {"narrative_cooperative": "changed in the admin"})

    assert response.status_code == 403
    reports.a_accepted.refresh_from_db()
    assert reports.a_accepted.narrative_cooperative.startswith("first")


def test_a_narrative_may_be_fixed_before_acceptance_but_not_the_status(client, administrator, reports):
    client.force_login(administrator)
    url = f"/admin/reports/progressreport/{reports.a_submitted.pk}/change/"
    report = reports.a_submitted
    data = {
        "narrative_migration_services": report.narrative_migration_services,
        "narrative_productive_business": report.narrative_productive_business,
        "narrative_community_parenting": report.narrative_community_parenting,
        "narrative_cooperative": "typo fixed",
        "status": "accepted",
        "events-TOTAL_FORMS": "1",
        "events-INITIAL_FORMS": "1",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
        "events-0-id": str(report.events.get().pk),
        "events-0-report": str(report.pk),
    }

    response = client.post(url, data)

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative_cooperative == "typo fixed"
    assert report.status == ProgressReport.Status.SUBMITTED


def test_no_report_is_added_or_deleted_in_the_admin(client, administrator, reports):
    client.force_login(administrator)

    assert client.get("/admin/reports/progressreport/add/").status_code == 403
    url = f"/admin/reports/progressreport/{reports.a_submitted.pk}/delete/"
    assert client.get(url).status_code == 403
    assert client.get("/admin/reports/reviewevent/").status_code == 200
