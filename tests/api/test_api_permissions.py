"""Who may read which API endpoint. One table, one test: every endpoint for
every role, as tests/test_permissions.py does for the pages.

Without a token (or with a bad one): 401. Out of scope: 404 (the village's
existence is not revealed). The schema is public: it holds no data.
"""

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

LIST = "/api/v1/villages/"
SCHEMA = "/api/v1/schema/"

# fmt: off
ENDPOINTS = {
    # url: anonymous, officer_a, officer_b, regency (35.24), province (35), province (53), ministry, admin
    LIST:                             (401, 200, 200, 200, 200, 200, 200, 200),
    f"{LIST}?province=35":            (401, 200, 200, 200, 200, 200, 200, 200),
    f"{LIST}{A}/":                    (401, 200, 404, 200, 200, 404, 200, 200),
    f"{LIST}{B}/":                    (401, 404, 200, 200, 200, 404, 200, 200),
    f"{LIST}{C}/":                    (401, 404, 404, 404, 404, 200, 200, 200),
    f"{LIST}{NOT_ENROLLED}/":         (401, 404, 404, 404, 404, 404, 404, 404),
    f"{LIST}{UNKNOWN}/":              (401, 404, 404, 404, 404, 404, 404, 404),
    f"{LIST}bukan-kode/":             (401, 404, 404, 404, 404, 404, 404, 404),
    SCHEMA:                           (200, 200, 200, 200, 200, 200, 200, 200),
    f"{SCHEMA}?format=json":          (200, 200, 200, 200, 200, 200, 200, 200),
}

# The villages each role finds in the list, in list order (by village name:
# Brengkok, Lohgung, Namosain).
LISTED = {
    "officer_a":           [A],
    "officer_b":           [B],
    "regency_user":        [A, B],
    "province_user":       [A, B],
    "other_province_user": [C],
    "ministry_user":       [A, B, C],
    "administrator":       [A, B, C],
}
# fmt: on

CASES = [(url, role, expected[i]) for url, expected in ENDPOINTS.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_endpoint_answers_each_role_as_the_rules_say(villages, api_client_for, url, role, expected):
    response = api_client_for(role).get(url)

    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("role", list(LISTED))
def test_village_list_holds_only_the_villages_in_scope(villages, api_client_for, role):
    response = api_client_for(role).get(LIST)

    body = response.json()
    assert [row["code"] for row in body["results"]] == LISTED[role]
    assert body["count"] == len(LISTED[role])


@pytest.mark.parametrize("role", list(LISTED))
def test_filters_narrow_the_scope_and_never_widen_it(villages, api_client_for, role):
    client = api_client_for(role)

    in_53 = client.get(LIST, {"province": "53"}).json()["results"]
    in_lamongan = client.get(LIST, {"regency": "35.24"}).json()["results"]

    assert [row["code"] for row in in_53] == [code for code in LISTED[role] if code == C]
    assert [row["code"] for row in in_lamongan] == [code for code in LISTED[role] if code != C]


@pytest.mark.parametrize(
    ("role", "code"),
    [(role, code) for role, codes in LISTED.items() for code in (A, B, C) if code in codes],
)
def test_village_detail_in_scope_gives_that_village(villages, api_client_for, role, code):
    response = api_client_for(role).get(f"{LIST}{code}/")

    assert response.status_code == 200
    assert response.json()["village"]["code"] == code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [LIST, f"{LIST}{A}/"])
def test_api_is_read_only(villages, api_client_for, role, method, url):
    response = getattr(api_client_for(role), method)(url, {}, format="json")

    # Without a token the request is refused before the method is looked at.
    assert response.status_code == (401 if role == "anonymous" else 405)


def test_officer_a_cannot_open_village_c(villages, api_client_for):
    response = api_client_for("officer_a").get(f"{LIST}{C}/")

    assert response.status_code == 404
    assert C not in response.content.decode()
