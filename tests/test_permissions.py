"""Who may open which page. One table, one test: every URL for every role.

A number is the expected status; a string is a redirect and where it goes.
Out of scope is 404 (the village's existence is not revealed); in scope but
without the right to change it is 403.
"""

from urllib.parse import quote

import pytest

from surveys.models import ImportJob
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.villages.registry_helpers import CPMI, PMI
from villages.models import Household, Member

A = "35.24.07.2004"  # village A, Brengkok, Lamongan, Jawa Timur
B = "35.24.07.2001"  # village B, Lohgung, same district
C = "53.71.01.1001"  # village C, Namosain, Kota Kupang, Nusa Tenggara Timur
NOT_ENROLLED = "35.24.07.2002"  # an official village inside A's regency, not in the programme
UNKNOWN = "35.24.07.2999"  # no such area

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

LIST = "/desa/"
# Officers land on their village's dashboard.
DASHBOARD_A = f"/dasbor/desa/{A}/"
DASHBOARD_B = f"/dasbor/desa/{B}/"
EXPORT = "/desa/ekspor/pendataan-rumah-tangga"
LOGIN = "login"  # a redirect to the sign-in page, coming back to the same URL

# fmt: off
PAGES = {
    # url: anonymous, officer_a, officer_b, regency (35.24), province (35), province (53), ministry, admin
    "/":                      (LOGIN, DASHBOARD_A, DASHBOARD_B, LIST, LIST, LIST, LIST, LIST),
    "/desa/":                 (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    f"/desa/{A}/":            (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"/desa/{A}/ubah/":       (LOGIN, 200, 404, 200, 403, 404, 403, 200),
    f"/desa/{C}/":            (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"/desa/{C}/ubah/":       (LOGIN, 404, 404, 404, 404, 403, 403, 200),
    f"/desa/{NOT_ENROLLED}/": (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/desa/{UNKNOWN}/":      (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/desa/{UNKNOWN}/ubah/": (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "/desa/bukan-kode/":      (LOGIN, 404, 404, 404, 404, 404, 404, 404),

    # The household registry. {hh_a}, {cpmi_a}... are filled in from registry_ids.
    f"/desa/{A}/rumah-tangga/":                   (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"/desa/{A}/rumah-tangga/tambah/":            (LOGIN, 200, 404, 200, 403, 404, 403, 200),
    f"/desa/{A}/rumah-tangga/{{hh_a}}/":          (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"/desa/{A}/rumah-tangga/{{hh_a}}/ubah/":     (LOGIN, 200, 404, 200, 403, 404, 403, 200),
    f"/desa/{A}/anggota/{{cpmi_a}}/":             (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"/desa/{A}/anggota/{{cpmi_a}}/berangkat/":   (LOGIN, 200, 404, 200, 403, 404, 403, 200),
    f"/desa/{A}/anggota/{{pmi_a}}/pulang/":       (LOGIN, 200, 404, 200, 403, 404, 403, 200),
    f"/desa/{B}/rumah-tangga/{{hh_b}}/":          (LOGIN, 404, 200, 200, 200, 404, 200, 200),
    f"/desa/{B}/anggota/{{member_b}}/":           (LOGIN, 404, 200, 200, 200, 404, 200, 200),
    f"/desa/{C}/rumah-tangga/":                   (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"/desa/{C}/rumah-tangga/tambah/":            (LOGIN, 404, 404, 404, 404, 403, 403, 200),
    f"/desa/{C}/rumah-tangga/{{hh_c}}/":          (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"/desa/{C}/rumah-tangga/{{hh_c}}/ubah/":     (LOGIN, 404, 404, 404, 404, 403, 403, 200),
    f"/desa/{C}/anggota/{{member_c}}/":           (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"/desa/{C}/anggota/{{member_c}}/berangkat/": (LOGIN, 404, 404, 404, 404, 403, 403, 200),
    f"/desa/{NOT_ENROLLED}/rumah-tangga/":        (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    # Children are fetched through the village in the URL: B's household and
    # member under A's code are not found, even by A's officer and the
    # administrator. (Readers are refused a write page before any lookup.)
    f"/desa/{A}/rumah-tangga/{{hh_b}}/":          (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/desa/{A}/rumah-tangga/{{hh_b}}/ubah/":     (LOGIN, 404, 404, 404, 403, 404, 403, 404),
    f"/desa/{A}/anggota/{{member_b}}/":           (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/desa/{A}/anggota/{{member_b}}/berangkat/": (LOGIN, 404, 404, 404, 403, 404, 403, 404),
    f"/desa/{A}/anggota/{{member_b}}/pulang/":    (LOGIN, 404, 404, 404, 403, 404, 403, 404),
    f"/desa/{A}/rumah-tangga/999999/":            (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    # Offline entry (offline/): the village's own officer only; the other roles have no offline mode.
    f"/desa/{A}/luring/":                         (LOGIN, 200, 404, 403, 403, 404, 403, 403),
    f"/desa/{C}/luring/":                         (LOGIN, 404, 404, 404, 404, 403, 403, 403),
    f"/desa/{A}/anggota/999999/":                 (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "/desa/anggota/kemungkinan-ganda/":           (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    # Exports: of one village (?desa=) only in scope; without it, the user's whole scope.
    f"{EXPORT}.csv?desa={A}":                     (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"{EXPORT}.xlsx?desa={A}":                    (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"{EXPORT}.csv?desa={C}":                     (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"{EXPORT}.xlsx?desa={C}":                    (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"{EXPORT}.csv?desa={NOT_ENROLLED}":          (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"{EXPORT}.csv":                              (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    f"{EXPORT}.xlsx":                             (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    f"{EXPORT}.pdf?desa={A}":                     (404, 404, 404, 404, 404, 404, 404, 404),

    # Imports: for the roles that write village records; a job only for its
    # uploader (and administrators). {job_a} is officer_a's.
    "/desa/impor/":                               (LOGIN, 200, 200, 200, 403, 403, 403, 200),
    "/desa/impor/unggah/":                        (LOGIN, 200, 200, 200, 403, 403, 403, 200),
    "/desa/impor/{job_a}/":                       (LOGIN, 200, 404, 404, 404, 404, 404, 200),
    "/desa/impor/{job_a}/status.json":            (LOGIN, 200, 404, 404, 404, 404, 404, 200),
    "/desa/impor/999999/":                        (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "/desa/impor/templat/pendataan-rumah-tangga.xlsx": (LOGIN, 200, 200, 200, 200, 200, 200, 200),
}
# fmt: on

CASES = [
    pytest.param(url, role, expected, id=f"{role}-{url}")
    for url, row in PAGES.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.fixture
def registry_ids(villages, officer_a):
    """A household in each village, with a CPMI and a PMI in A's."""
    household_a = HouseholdFactory(village=villages.a)
    household_b = HouseholdFactory(village=villages.b)
    household_c = HouseholdFactory(village=villages.c)
    return {
        "hh_a": household_a.pk,
        "cpmi_a": MemberFactory(household=household_a, **CPMI).pk,
        "pmi_a": MemberFactory(household=household_a, relation="wife", sex="P", **PMI).pk,
        "hh_b": household_b.pk,
        "member_b": MemberFactory(household=household_b, **CPMI).pk,
        "hh_c": household_c.pk,
        "member_c": MemberFactory(household=household_c, **PMI).pk,
        "job_a": ImportJob.objects.create(
            user=officer_a,
            kind="households",
            original_name="a.csv",
            status=ImportJob.Status.CHECKED,
            report={"kind": "households", "errors": []},
        ).pk,
    }


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_page_access_follows_role_and_scope(client, villages, request, url, role, expected):
    if "{" in url:
        url = url.format(**request.getfixturevalue("registry_ids"))
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    if expected == LOGIN:
        expected = f"/masuk/?next={quote(url, safe='/')}"
    if isinstance(expected, str):
        assert response.status_code == 302
        assert response["Location"] == expected
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ["province_user", "ministry_user"])
def test_read_only_roles_cannot_save_a_profile_in_scope(client, request, village_a, role):
    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/desa/{A}/ubah/", profile_post(notes="changed by a reader"))

    assert response.status_code == 403
    village_a.refresh_from_db()
    assert village_a.notes == ""


@pytest.mark.parametrize("role", ["officer_b", "other_province_user"])
def test_users_out_of_scope_cannot_save_a_profile(client, request, village_a, role):
    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/desa/{A}/ubah/", profile_post(notes="changed from outside"))

    assert response.status_code == 404
    village_a.refresh_from_db()
    assert village_a.notes == ""


def test_officer_can_save_own_village_profile(client, officer_a, village_a):
    """The counterpart of the two tests above: the same POST works for a writer."""
    client.force_login(officer_a)

    response = client.post(f"/desa/{A}/ubah/", profile_post(notes="changed by the officer"))

    assert response.status_code == 302
    village_a.refresh_from_db()
    assert village_a.notes == "changed by the officer"


def profile_post(**fields):
    return {"partners-TOTAL_FORMS": "0", "partners-INITIAL_FORMS": "0", **fields}


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("officer_a", [A]),
        ("officer_b", [B]),
        ("regency_user", [A, B]),
        ("province_user", [A, B]),
        ("other_province_user", [C]),
        ("ministry_user", [A, B, C]),
        ("administrator", [A, B, C]),
    ],
)
def test_village_list_shows_only_villages_in_scope(client, request, enrolled_codes, role, visible):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/desa/")

    assert sorted(enrolled_codes(response)) == sorted(visible)
    html = response.content.decode()
    for code in {A, B, C} - set(visible):
        assert code not in html


# The household registry's write pages refuse a POST as they refuse a GET.


def household_post(no_kk):
    return {
        "no_kk": no_kk,
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-0-nik": "3524071205900001",
        "members-0-name": "Budi Santoso",
        "members-0-sex": "L",
        "members-0-birth_date": "1990-05-12",
        "members-0-relation": "head",
        "members-0-migration_status": "family",
    }


@pytest.mark.parametrize(
    ("role", "expected"), [("province_user", 403), ("ministry_user", 403), ("officer_b", 404)]
)
def test_users_who_may_not_write_cannot_add_a_household(client, request, villages, role, expected):
    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/desa/{A}/rumah-tangga/tambah/", household_post("3524070101230005"))

    assert response.status_code == expected
    assert not Household.objects.exists()
    assert not Member.objects.exists()


def test_officer_can_add_a_household_with_the_same_post(client, officer_a):
    """The counterpart of the test above: the same POST works for a writer."""
    client.force_login(officer_a)

    response = client.post(f"/desa/{A}/rumah-tangga/tambah/", household_post("3524070101230005"))

    assert response.status_code == 302
    assert Household.objects.get().village_id == A


@pytest.mark.parametrize(
    ("role", "expected"), [("province_user", 403), ("officer_b", 404), ("officer_a", 404)]
)
def test_household_of_village_b_cannot_be_changed_through_village_a(
    client, request, villages, role, expected
):
    """A's officer edits only A's households, even with B's household id in A's URL."""
    household = HouseholdFactory(village=villages.b, no_kk="3524070202020202")
    MemberFactory(household=household, name="Sri Wahyuni")
    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/desa/{A}/rumah-tangga/{household.pk}/ubah/", household_post("3524070101230005"))

    assert response.status_code == expected
    household.refresh_from_db()
    assert household.no_kk == "3524070202020202"
    assert household.members.get().name == "Sri Wahyuni"
