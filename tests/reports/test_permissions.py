"""Who may open which report page: every URL of the reports app for every
role of the cast (tests/conftest.py).

A number is the expected status; a string is a redirect and where it goes
(LOGIN: the sign-in page). Out of scope: 404 (the report's existence is not
revealed). In scope without the right: 403. A reviewer whose role reviews
but whose turn it is not is sent to the report with a message (302).
"""

from urllib.parse import quote

import pytest

from reports.models import ProgressReport, ReviewEvent
from reports.urls import urlpatterns
from tests.reports.conftest import A, C

NOT_ENROLLED = "35.24.07.2002"
ROLES = [
    "anonymous",
    "officer_a",
    "officer_b",
    "regency_user",
    "province_user",
    "other_province_user",
    "ministry_user",
    "administrator",
]
LOGIN = "login"
ACC = "a_accepted"  # redirected to that report

# fmt: off
PAGES = {
    # url: anonymous, officer_a, officer_b, regency (35.24), province (35), province (53), ministry, admin
    "/laporan/antrean/":                  (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    f"/laporan/desa/{A}/":                (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"/laporan/desa/{C}/":                (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"/laporan/desa/{NOT_ENROLLED}/":     (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/laporan/desa/{A}/kirim/":          (LOGIN, 200, 404, 403, 403, 404, 403, 403),
    f"/laporan/desa/{C}/kirim/":          (LOGIN, 404, 404, 404, 404, 403, 403, 403),
    f"/laporan/desa/{NOT_ENROLLED}/kirim/": (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "/laporan/{a_submitted}/":            (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    "/laporan/{a_returned}/":             (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    "/laporan/{a_regency}/":              (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    "/laporan/{a_accepted}/":             (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    "/laporan/{b_submitted}/":            (LOGIN, 404, 200, 200, 200, 404, 200, 200),
    "/laporan/{c_submitted}/":            (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    "/laporan/999999/":                   (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    # Accepting is a POST only.
    "/laporan/{a_submitted}/terima/":     (LOGIN, 405, 405, 405, 405, 405, 405, 405),
    "/laporan/{a_submitted}/kembalikan/": (LOGIN, 403, 404, 200, 403, 404, "a_submitted", "a_submitted"),
    "/laporan/{a_regency}/kembalikan/":   (LOGIN, 403, 404, "a_regency", 403, 404, 200, 200),
    "/laporan/{a_accepted}/kembalikan/":  (LOGIN, 403, 404, ACC, 403, 404, ACC, ACC),
    "/laporan/{c_submitted}/kembalikan/": (LOGIN, 404, 404, 404, 404, 403, "c_submitted", "c_submitted"),
    "/laporan/999999/kembalikan/":        (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "/laporan/{a_returned}/kirim-ulang/": (LOGIN, 200, 404, 403, 403, 404, 403, 403),
    "/laporan/{a_submitted}/kirim-ulang/": (LOGIN, "a_submitted", 404, 403, 403, 404, 403, 403),
    "/laporan/{a_accepted}/kirim-ulang/": (LOGIN, "a_accepted", 404, 403, 403, 404, 403, 403),
    "/laporan/{c_submitted}/kirim-ulang/": (LOGIN, 404, 404, 404, 404, 403, 403, 403),
    "/laporan/999999/kirim-ulang/":       (LOGIN, 404, 404, 404, 404, 404, 404, 404),
}
# fmt: on

CASES = [
    pytest.param(url, role, expected, id=f"{role}-{url}")
    for url, row in PAGES.items()
    for role, expected in zip(ROLES, row, strict=True)
]


def _ids(reports):
    return {name: report.pk for name, report in vars(reports).items()}


def test_the_table_names_every_url():
    routes = {str(p.pattern) for p in urlpatterns}
    covered = {
        "antrean/",
        "desa/<str:code>/",
        "desa/<str:code>/kirim/",
        "<int:pk>/",
        "<int:pk>/terima/",
        "<int:pk>/kembalikan/",
        "<int:pk>/kirim-ulang/",
    }
    assert routes == covered


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_report_page_access_follows_role_and_scope(client, request, reports, url, role, expected):
    ids = _ids(reports)
    url = url.format(**ids)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/masuk/?next={quote(url, safe='/')}"
    elif isinstance(expected, str):
        assert response.status_code == 302
        assert response["Location"] == "/laporan/{}/".format(ids[expected.strip("")])
    else:
        assert response.status_code == expected


# The actions, posted: only the reviewer whose turn it is changes the report.
# (changed: the status the report has afterwards; None: unchanged.)
# fmt: off
ACTIONS = {
    # (report, action): anonymous, officer_a, officer_b, regency, province, other province, ministry, admin
    ("a_submitted", "terima"):     (LOGIN, 403, 404, "regency_accepted", 403, 404, 302, 302),
    ("a_regency", "terima"):       (LOGIN, 403, 404, 302, 403, 404, "accepted", "accepted"),
    ("a_accepted", "terima"):      (LOGIN, 403, 404, 302, 403, 404, 302, 302),
    ("c_submitted", "terima"):     (LOGIN, 404, 404, 404, 404, 403, 302, 302),
    ("a_submitted", "kembalikan"): (LOGIN, 403, 404, "returned", 403, 404, 302, 302),
    ("a_regency", "kembalikan"):   (LOGIN, 403, 404, 302, 403, 404, "returned", "returned"),
    ("a_accepted", "kembalikan"):  (LOGIN, 403, 404, 302, 403, 404, 302, 302),
    ("a_returned", "kirim-ulang"): (LOGIN, "submitted", 404, 403, 403, 404, 403, 403),
    ("a_accepted", "kirim-ulang"): (LOGIN, 302, 404, 403, 403, 404, 403, 403),
}
# fmt: on

ACTION_CASES = [
    pytest.param(name, action, role, expected, id=f"{role}-{action}-{name}")
    for (name, action), row in ACTIONS.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize(("name", "action", "role", "expected"), ACTION_CASES)
def test_report_actions_follow_role_scope_and_turn(client, request, reports, name, action, role, expected):
    report = getattr(reports, name)
    before = (report.status, report.events.count())
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    data = {"reason": "Please add the loans."} if action == "kembalikan" else {"confirm_read": "1"}
    if action == "kirim-ulang":
        data = {
            name: "corrected"
            for name in (
                "narrative_migration_services",
                "narrative_productive_business",
                "narrative_community_parenting",
                "narrative_cooperative",
            )
        }
    url = f"/laporan/{report.pk}/{action}/"

    response = client.post(url, data)

    report.refresh_from_db()
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/masuk/?next={quote(url, safe='/')}"
    elif isinstance(expected, str):
        assert response.status_code == 302
        assert response["Location"] == f"/laporan/{report.pk}/"
        assert report.status == expected
        assert report.events.count() == before[1] + 1
        return
    else:
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"] == f"/laporan/{report.pk}/"
    assert (report.status, report.events.count()) == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer_a", 200),
        ("officer_b", 404),
        ("regency_user", 403),
        ("province_user", 403),
        ("other_province_user", 404),
        ("ministry_user", 403),
        ("administrator", 403),
    ],
)
def test_only_the_village_officer_submits_a_report(client, request, villages, role, expected):
    from tests.reports.conftest import submit_post

    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/laporan/desa/{A}/kirim/", submit_post())

    if expected == 200:
        assert response.status_code == 302
        assert ProgressReport.objects.get().village_id == A
        assert ReviewEvent.objects.get().action == "submitted"
    else:
        assert response.status_code == expected
        assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("name", "reviewers"),
    [
        ("a_submitted", {"regency_user"}),
        ("a_regency", {"ministry_user", "administrator"}),
        ("a_returned", set()),
        ("a_accepted", set()),
    ],
)
def test_only_the_reviewer_whose_turn_it_is_sees_the_review_buttons(
    client, request, reports, name, reviewers
):
    url = f"/laporan/{getattr(reports, name).pk}/"
    for role in ["officer_a", "regency_user", "province_user", "ministry_user", "administrator"]:
        client.force_login(request.getfixturevalue(role))
        html = client.get(url).content.decode()
        assert ('id="review"' in html) == (role in reviewers), role
        assert ("/kirim-ulang/" in html) == (role == "officer_a" and name == "a_returned"), role


@pytest.mark.parametrize(
    "role", ["regency_user", "province_user", "other_province_user", "ministry_user", "administrator"]
)
def test_only_the_officer_sees_the_submit_button(client, request, villages, role):
    client.force_login(request.getfixturevalue(role))
    code = A if role != "other_province_user" else C

    html = client.get(f"/laporan/desa/{code}/").content.decode()

    assert "/kirim/" not in html
