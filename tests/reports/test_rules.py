"""The rules of the workflow, in the services (whatever calls them) and as
the pages show them: one report per quarter, no future quarter, reviewers
only in their scope and at their turn, a reason to send back, accepted
reports frozen."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reports import services
from reports.models import ProgressReport, ReviewEvent
from tests.reports.conftest import A, narratives, submit_post, village


def test_a_second_report_for_the_same_quarter_is_refused_with_a_link(english, reports, officer_a):
    english.force_login(officer_a)

    response = english.post(f"/laporan/desa/{A}/kirim/", submit_post(2026, 2, tag="again"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "A report for Q2 2026 already exists: open it." in html
    assert f'href="/laporan/{reports.a_submitted.pk}/"' in html
    assert ProgressReport.objects.filter(village_id=A, year=2026, quarter=2).count() == 1
    reports.a_submitted.refresh_from_db()
    assert reports.a_submitted.narrative_cooperative.startswith("first")


def test_the_service_refuses_a_second_report_too(reports, officer_a):
    with pytest.raises(ValidationError) as error:
        services.report_submit(village=village(A), user=officer_a, year=2025, quarter=3, **narratives())

    assert error.value.message_dict == {"quarter": ["A report for Q3 2025 already exists: open it."]}


def test_a_quarter_that_has_not_started_is_refused(english, officer_a):
    english.force_login(officer_a)

    response = english.post(f"/laporan/desa/{A}/kirim/", submit_post(2026, 3))

    assert response.status_code == 200
    assert "Q3 2026 has not started yet." in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_every_pillar_needs_a_narrative(english, officer_a):
    english.force_login(officer_a)

    response = english.post(
        f"/laporan/desa/{A}/kirim/", {**submit_post(), "narrative_community_parenting": "   "}
    )

    assert response.status_code == 200
    assert not ProgressReport.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            village=village(A),
            user=officer_a,
            year=2026,
            quarter=2,
            **{**narratives(), "narrative_cooperative": ""},
        )
    assert list(error.value.message_dict) == ["narrative_cooperative"]


def test_an_officer_cannot_submit_for_another_village(officer_b, villages):
    with pytest.raises(PermissionDenied):
        services.report_submit(village=village(A), user=officer_b, year=2026, quarter=2, **narratives())
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("role", ["officer_a", "province_user", "other_province_user", "officer_b"])
def test_the_service_refuses_reviewers_without_the_right_or_out_of_scope(request, reports, role):
    user = request.getfixturevalue(role)
    for action in (
        lambda: services.report_accept(report=reports.a_submitted, user=user),
        lambda: services.report_send_back(report=reports.a_submitted, user=user, reason="no"),
    ):
        with pytest.raises(PermissionDenied):
            action()
    reports.a_submitted.refresh_from_db()
    assert reports.a_submitted.status == ProgressReport.Status.SUBMITTED


def test_a_regency_office_cannot_review_another_regency(reports, tree):
    from desmigratif.models import Role
    from tests.factories import UserFactory

    kupang = UserFactory(role=Role.REGENCY, scope=tree.kupang)

    with pytest.raises(PermissionDenied):
        services.report_accept(report=reports.a_submitted, user=kupang)
    services.report_accept(report=reports.c_submitted, user=kupang)  # its own village: fine
    reports.c_submitted.refresh_from_db()
    assert reports.c_submitted.status == ProgressReport.Status.REGENCY_ACCEPTED


def test_each_reviewer_acts_only_at_their_turn(reports, regency_user, ministry_user, administrator):
    with pytest.raises(ValidationError, match="not waiting for your review"):
        services.report_accept(report=reports.a_submitted, user=ministry_user)
    with pytest.raises(ValidationError, match="not waiting for your review"):
        services.report_accept(report=reports.a_submitted, user=administrator)
    with pytest.raises(ValidationError, match="not waiting for your review"):
        services.report_send_back(report=reports.a_regency, user=regency_user, reason="late")
    with pytest.raises(ValidationError, match="not waiting for your review"):
        services.report_accept(report=reports.a_returned, user=regency_user)


def test_sending_back_without_a_reason_is_refused_next_to_the_field(english, reports, regency_user):
    english.force_login(regency_user)

    response = english.post(f"/laporan/{reports.a_submitted.pk}/kembalikan/", {"reason": ""})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_reason"' in html
    assert "is-invalid" in html
    assert "Say why the report is sent back: the officer needs to know." in html
    reports.a_submitted.refresh_from_db()
    assert reports.a_submitted.status == ProgressReport.Status.SUBMITTED
    with pytest.raises(ValidationError) as error:
        services.report_send_back(report=reports.a_submitted, user=regency_user, reason="   ")
    assert list(error.value.message_dict) == ["reason"]


def test_the_history_keeps_the_reason(reports):
    event = reports.a_returned.events.get(action=ReviewEvent.Action.SENT_BACK)
    assert event.reason == "Pillar II figures are missing."


@pytest.mark.parametrize("who", ["regency_user", "ministry_user", "administrator"])
def test_an_accepted_report_cannot_be_reviewed_again(request, reports, who):
    user = request.getfixturevalue(who)
    with pytest.raises(ValidationError, match="frozen"):
        services.report_accept(report=reports.a_accepted, user=user)
    with pytest.raises(ValidationError, match="frozen"):
        services.report_send_back(report=reports.a_accepted, user=user, reason="reopen")
    reports.a_accepted.refresh_from_db()
    assert reports.a_accepted.status == ProgressReport.Status.ACCEPTED
    assert reports.a_accepted.events.count() == 3


def test_an_accepted_report_cannot_be_resubmitted(english, reports, officer_a):
    with pytest.raises(ValidationError, match="frozen"):
        services.report_resubmit(report=reports.a_accepted, user=officer_a, **narratives("changed"))
    english.force_login(officer_a)

    response = english.post(
        f"/laporan/{reports.a_accepted.pk}/kirim-ulang/", narratives("changed"), follow=True
    )

    assert "Only a report that was sent back can be resubmitted." in response.content.decode()
    reports.a_accepted.refresh_from_db()
    assert reports.a_accepted.narrative_cooperative.startswith("first")


def test_only_a_returned_report_is_resubmitted(reports, officer_a):
    with pytest.raises(ValidationError, match="Only a report that was sent back"):
        services.report_resubmit(report=reports.a_submitted, user=officer_a, **narratives("changed"))


def test_a_wrong_turn_on_the_page_says_why(english, reports, ministry_user):
    english.force_login(ministry_user)

    response = english.post(f"/laporan/{reports.a_submitted.pk}/terima/", follow=True)

    assert "This report is not waiting for your review" in response.content.decode()
    reports.a_submitted.refresh_from_db()
    assert reports.a_submitted.status == ProgressReport.Status.SUBMITTED


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer_a", [("a_returned", "returned")]),
        ("officer_b", []),
        ("regency_user", [("a_submitted", "submitted"), ("b_submitted", "submitted")]),
        ("province_user", []),
        ("other_province_user", []),
        ("ministry_user", [("a_regency", "regency_accepted")]),
        ("administrator", [("a_regency", "regency_accepted")]),
    ],
)
def test_the_queue_holds_what_waits_for_the_viewer(client, request, reports, role, expected):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/laporan/antrean/")

    shown = sorted((r.pk, r.status) for r in response.context["reports"])
    assert shown == sorted((getattr(reports, name).pk, status) for name, status in expected)
    html = response.content.decode()
    for name, report in vars(reports).items():
        if name not in dict(expected):
            assert f'href="/laporan/{report.pk}/"' not in html
