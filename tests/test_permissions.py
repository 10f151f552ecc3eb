"""Who may open which page. One table, one test: every URL for every role.

A number is the expected status; a string is a redirect and where it goes.
Out of scope is 404 (the village's existence is not revealed); in scope but
without the right to change it is 403.
"""

from urllib.parse import quote

import pytest

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
LOGIN = "login"  # a redirect to the sign-in page, coming back to the same URL

# fmt: off
PAGES = {
    # url: anonymous, officer_a, officer_b, regency (35.24), province (35), province (53), ministry, admin
    "/":                      (LOGIN, f"/desa/{A}/", f"/desa/{B}/", LIST, LIST, LIST, LIST, LIST),
    "/desa/":                 (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    f"/desa/{A}/":            (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    f"/desa/{A}/ubah/":       (LOGIN, 200, 404, 200, 403, 404, 403, 200),
    f"/desa/{C}/":            (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    f"/desa/{C}/ubah/":       (LOGIN, 404, 404, 404, 404, 403, 403, 200),
    f"/desa/{NOT_ENROLLED}/": (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/desa/{UNKNOWN}/":      (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    f"/desa/{UNKNOWN}/ubah/": (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "/desa/bukan-kode/":      (LOGIN, 404, 404, 404, 404, 404, 404, 404),
}
# fmt: on

CASES = [
    pytest.param(url, role, expected, id=f"{role}-{url}")
    for url, row in PAGES.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_page_access_follows_role_and_scope(client, villages, request, url, role, expected):
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
