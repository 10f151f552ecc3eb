"""Who may open which pillar page: every URL of the pillars app for every role
of the cast (tests/conftest.py), as tests/test_permissions.py does for the
village pages.

A number is the expected status; LOGIN is a redirect to the sign-in page.
Out of scope: 404 (the village's existence is not revealed). In scope without
the right to change village records (province, ministry): 403 on write pages.
A record of village B under village A's code is not found (404) for everyone
who may read A, because records are fetched through the village in the URL;
readers are refused a write page (403) before any lookup.
"""

import re
from urllib.parse import quote

import pytest

from pillars.models import Business, Problem, ProblemFollowUp, Training
from pillars.urls import urlpatterns
from tests.pillars.conftest import A, C

NOT_ENROLLED = "35.24.07.2002"  # an official village in A's regency, not in the programme
UNKNOWN = "35.24.07.2999"

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

# Every page under /pilar/<code>/: its path, read or write. {officer} etc. are
# the village's own records (the ``records`` fixture).
READ, WRITE = "read", "write"
PAGES = [
    ("", READ),
    ("petugas/", READ),
    ("petugas/tambah/", WRITE),
    ("petugas/{officer}/ubah/", WRITE),
    ("layanan/", READ),
    ("layanan/tambah/", WRITE),
    ("layanan/{activity}/ubah/", WRITE),
    ("usaha/", READ),
    ("usaha/tambah/", WRITE),
    ("usaha/{business}/ubah/", WRITE),
    ("pelatihan/", READ),
    ("pelatihan/tambah/", WRITE),
    ("pelatihan/{training}/ubah/", WRITE),
    ("parenting/", READ),
    ("parenting/tambah/", WRITE),
    ("parenting/{session}/ubah/", WRITE),
    ("rumah-belajar/ubah/", WRITE),
    ("koperasi/", READ),
    ("koperasi/tambah/", WRITE),
    ("koperasi/{cooperative}/ubah/", WRITE),
    ("pinjaman/", READ),
    ("pinjaman/tambah/", WRITE),
    ("pinjaman/{loan}/ubah/", WRITE),
    ("masalah/", READ),
    ("masalah/tambah/", WRITE),
    ("masalah/{problem}/", READ),
    ("masalah/{problem}/ubah/", WRITE),
    ("masalah/{problem}/tindak-lanjut/", WRITE),
]

# fmt: off
EXPECTED = {
    # which village's code, whose records, page kind: anonymous, officer_a, officer_b, regency (35.24),
    #                                                 province (35), province (53), ministry, admin
    (A, "a", READ):  (LOGIN, 200, 404, 200, 200, 404, 200, 200),
    (A, "a", WRITE): (LOGIN, 200, 404, 200, 403, 404, 403, 200),
    (C, "c", READ):  (LOGIN, 404, 404, 404, 404, 200, 200, 200),
    (C, "c", WRITE): (LOGIN, 404, 404, 404, 404, 403, 403, 200),
    # B's records through A's code: not found, even for A's officer and the administrator.
    (A, "b", READ):  (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    (A, "b", WRITE): (LOGIN, 404, 404, 404, 403, 404, 403, 404),
}
# fmt: on


def _cases():
    for (code, owner, kind), row in EXPECTED.items():
        for path, page_kind in PAGES:
            if page_kind != kind:
                continue
            if code == A and owner != "a" and "{" not in path:
                continue  # pages without a record are already covered by (A, "a")
            for role, expected in zip(ROLES, row, strict=True):
                yield pytest.param(
                    code, owner, path, role, expected, id=f"{role}-{code}-{owner}-{path or 'overview'}"
                )
    for code in (NOT_ENROLLED, UNKNOWN):
        for path in ("", "usaha/", "usaha/tambah/", "masalah/"):
            for role in ROLES:
                expected = LOGIN if role == "anonymous" else 404
                yield pytest.param(code, "a", path, role, expected, id=f"{role}-{code}-{path or 'overview'}")


CASES = list(_cases())


def _ids(records, owner):
    village_records = getattr(records, owner)
    return {name: obj.pk for name, obj in vars(village_records).items()}


@pytest.mark.parametrize(("code", "owner", "path", "role", "expected"), CASES)
def test_pillar_page_access_follows_role_and_scope(
    client, request, records, code, owner, path, role, expected
):
    url = f"/pilar/{code}/{path.format(**_ids(records, owner))}"
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/masuk/?next={quote(url, safe='/')}"
    else:
        assert response.status_code == expected


def test_every_pillar_url_is_in_the_table():
    routes = {str(pattern.pattern).removeprefix("<str:code>/") for pattern in urlpatterns}

    assert routes == {re.sub(r"\{\w+\}", "<int:pk>", path) for path, _kind in PAGES}


# Writes refuse a POST as they refuse a GET, and save nothing.


def business_post(owner):
    return {"name": "Keripik Tempe", "kind": "food", "stage": "starting", "owner_member": owner.pk}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("province_user", 403), ("ministry_user", 403), ("officer_b", 404), ("anonymous", 302)],
)
def test_users_who_may_not_write_cannot_add_a_business(client, request, people, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.post(f"/pilar/{A}/usaha/tambah/", business_post(people.returnee_a))

    assert response.status_code == expected
    assert not Business.objects.exists()


@pytest.mark.parametrize("role", ["officer_a", "regency_user", "administrator"])
def test_writers_in_scope_can_add_a_business_with_the_same_post(client, request, people, role):
    client.force_login(request.getfixturevalue(role))

    response = client.post(f"/pilar/{A}/usaha/tambah/", business_post(people.returnee_a))

    assert response.status_code == 302
    assert Business.objects.get().village_id == A


@pytest.mark.parametrize(
    ("role", "expected"),
    [("province_user", 403), ("officer_b", 404), ("officer_a", 404), ("administrator", 404)],
)
def test_a_record_of_village_b_cannot_be_changed_through_village_a(client, request, records, role, expected):
    client.force_login(request.getfixturevalue(role))
    training = records.b.training

    response = client.post(
        f"/pilar/{A}/pelatihan/{training.pk}/ubah/",
        {"title": "Changed", "kind": "other", "start_date": "2022-03-01"},
    )

    assert response.status_code == expected
    assert Training.objects.get(pk=training.pk).title == training.title


@pytest.mark.parametrize(
    ("role", "expected"),
    [("province_user", 403), ("ministry_user", 403), ("officer_b", 404), ("other_province_user", 404)],
)
def test_readers_and_outsiders_cannot_add_a_follow_up(client, request, records, role, expected):
    client.force_login(request.getfixturevalue(role))
    problem = records.a.problem

    response = client.post(
        f"/pilar/{A}/masalah/{problem.pk}/tindak-lanjut/",
        {"date": "2024-01-10", "text": "Dicoba", "new_status": "solved"},
    )

    assert response.status_code == expected
    assert not ProblemFollowUp.objects.exists()
    assert Problem.objects.get(pk=problem.pk).status == Problem.Status.OPEN


@pytest.mark.parametrize("role", ["province_user", "ministry_user"])
def test_readers_see_no_add_or_edit_buttons(client, request, records, role):
    client.force_login(request.getfixturevalue(role))

    html = client.get(f"/pilar/{A}/").content.decode() + client.get(f"/pilar/{A}/usaha/").content.decode()

    assert "/tambah/" not in html
    assert "/ubah/" not in html
