"""Who may open which coordination page: every new URL for every role.

A number is the expected status; LOGIN is a redirect to the sign-in page.
Agencies, MOUs, commitments, programmes and budgets are read by every
signed-in user and changed only by ministry staff and administrators (403
for the others). Realisations are per village: outside the user's scope 404
(the record's existence is not revealed), inside it without the right to
change 403.
"""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.models import MOU, Agency, BudgetLine, Commitment, Programme, Realisation
from tests.coordination.factories import PDF_BYTES

A = "35.24.07.2004"  # village A, Brengkok, Lamongan, Jawa Timur
B = "35.24.07.2001"  # village B, Lohgung, same district
C = "53.71.01.1001"  # village C, Namosain, Kota Kupang, Nusa Tenggara Timur
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
READ = (LOGIN, 200, 200, 200, 200, 200, 200, 200)
WRITE = (LOGIN, 403, 403, 403, 403, 403, 200, 200)
IN_A = (LOGIN, 200, 404, 200, 200, 404, 200, 200)  # scoped read of village A
IN_C = (LOGIN, 404, 404, 404, 404, 200, 200, 200)  # scoped read of village C
WRITE_A = (LOGIN, 403, 404, 403, 403, 404, 200, 200)  # write for village A: 404 outside, 403 inside
WRITE_C = (LOGIN, 404, 404, 404, 404, 403, 200, 200)
NOWHERE = (LOGIN, 404, 404, 404, 404, 404, 404, 404)
K = "/koordinasi"

# fmt: off
PAGES = {
    f"{K}/":                                      READ,
    f"{K}/cakupan/":                              READ,
    f"{K}/cakupan.xlsx":                          READ,
    f"{K}/cakupan/?province=35":                  READ,  # a filter outside the scope shows nothing of it
    f"{K}/cakupan/?desa={A}":                     IN_A,
    f"{K}/cakupan.xlsx?desa={A}":                 IN_A,
    f"{K}/cakupan/?desa={C}":                     IN_C,
    f"{K}/cakupan.xlsx?desa={C}":                 IN_C,
    f"{K}/cakupan/?desa={NOT_ENROLLED}":          NOWHERE,
    f"{K}/instansi/":                             READ,
    f"{K}/instansi/tambah/":                      WRITE,
    f"{K}/instansi/{{agency}}/ubah/":             WRITE,
    f"{K}/instansi/999999/ubah/":                 (LOGIN, 403, 403, 403, 403, 403, 404, 404),
    f"{K}/mou/":                                  READ,
    f"{K}/mou/tambah/":                           WRITE,
    f"{K}/mou/{{mou}}/":                          READ,
    f"{K}/mou/{{mou}}/ubah/":                     WRITE,
    f"{K}/mou/{{mou}}/dokumen/":                  READ,
    f"{K}/mou/{{bare_mou}}/dokumen/":             NOWHERE,  # no document uploaded
    f"{K}/mou/999999/":                           NOWHERE,
    f"{K}/mou/{{mou}}/komitmen/tambah/":          WRITE,
    f"{K}/komitmen/{{commitment}}/ubah/":         WRITE,
    f"{K}/komitmen/{{commitment}}/realisasi/tambah/":          WRITE,
    f"{K}/komitmen/{{other}}/realisasi/tambah/?desa={A}":      WRITE_A,
    f"{K}/komitmen/{{other}}/realisasi/tambah/?desa={C}":      WRITE_C,
    f"{K}/komitmen/{{other}}/realisasi/tambah/?desa={NOT_ENROLLED}": NOWHERE,
    f"{K}/komitmen/999999/realisasi/tambah/":     NOWHERE,
    f"{K}/realisasi/":                            READ,
    f"{K}/realisasi/?desa={A}":                   IN_A,
    f"{K}/realisasi/?desa={C}":                   IN_C,
    f"{K}/realisasi/{{r_a}}/":                    IN_A,
    f"{K}/realisasi/{{r_a}}/ubah/":               WRITE_A,
    f"{K}/realisasi/{{r_c}}/":                    IN_C,
    f"{K}/realisasi/{{r_c}}/ubah/":               WRITE_C,
    f"{K}/realisasi/999999/":                     NOWHERE,
    f"{K}/program/":                              READ,
    f"{K}/program/tambah/":                       WRITE,
    f"{K}/program/{{programme}}/":                READ,
    f"{K}/program/{{programme}}/ubah/":           WRITE,
    f"{K}/program/{{programme}}/anggaran/tambah/": WRITE,
    f"{K}/anggaran/{{budget_line}}/ubah/":        WRITE,
    f"{K}/program/999999/":                       NOWHERE,
}
# fmt: on

CASES = [
    pytest.param(url, role, expected, id=f"{role}-{url}")
    for url, row in PAGES.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.fixture
def ids(villages, media_root):
    kemnaker = Agency.objects.create(
        short_name="Kemnaker", name="Kementerian Ketenagakerjaan", kind="ministry"
    )
    kemenkes = Agency.objects.create(short_name="Kemenkes", name="Kementerian Kesehatan", kind="ministry")
    mou = MOU(number="1/2018", title="Kesehatan", signed_on="2018-01-01", covers_pillar_3=True)
    mou.document = SimpleUploadedFile("mou.pdf", PDF_BYTES)
    mou.save()
    mou.parties.set([kemnaker, kemenkes])
    bare = MOU.objects.create(
        number="2/2018", title="Tanpa dokumen", signed_on="2018-01-01", covers_pillar_3=True
    )
    commitment = Commitment.objects.create(mou=mou, agency=kemenkes, pillar=3, description="Posyandu")
    other = Commitment.objects.create(mou=mou, agency=kemnaker, pillar=3, description="Pelatihan")
    programme = Programme.objects.create(agency=kemenkes, name="Posyandu", pillar=3, start_date="2018-01-01")
    programme.villages.set([villages.a, villages.c])
    line = BudgetLine.objects.create(
        programme=programme, source="apbn", fiscal_year=2019, planned=10, realised=5
    )
    realised = {"status": "realised", "status_date": "2019-01-01"}
    return {
        "agency": kemnaker.pk,
        "mou": mou.pk,
        "bare_mou": bare.pk,
        "commitment": commitment.pk,
        "other": other.pk,
        "r_a": Realisation.objects.create(commitment=commitment, village=villages.a, **realised).pk,
        "r_c": Realisation.objects.create(commitment=commitment, village=villages.c, **realised).pk,
        "programme": programme.pk,
        "budget_line": line.pk,
    }


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_coordination_page_access_follows_role_and_scope(client, request, ids, url, role, expected):
    url = url.format(**ids)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/masuk/?next={quote(url, safe='/')}"
    else:
        assert response.status_code == expected


# Writes are refused for a POST as for a GET, and nothing changes.

POSTS = {
    "agency": ("/koordinasi/instansi/tambah/", {"name": "X", "short_name": "X", "kind": "ngo"}),
    "mou": (
        "/koordinasi/mou/tambah/",
        {"number": "9/2019", "title": "X", "pillars": ["3"], "signed_on": "2019-01-01"},
    ),
    "programme": (
        "/koordinasi/program/tambah/",
        {"name": "X", "pillar": "3", "start_date": "2019-01-01"},
    ),
}


@pytest.mark.parametrize("role", ["officer_a", "regency_user", "province_user", "other_province_user"])
@pytest.mark.parametrize("kind", sorted(POSTS))
def test_readers_cannot_create_programme_level_records(client, request, ids, role, kind):
    url, data = POSTS[kind]
    counts = (Agency.objects.count(), MOU.objects.count(), Programme.objects.count())
    client.force_login(request.getfixturevalue(role))

    response = client.post(url, data)

    assert response.status_code == 403
    assert (Agency.objects.count(), MOU.objects.count(), Programme.objects.count()) == counts


@pytest.mark.parametrize(
    ("role", "expected"), [("officer_a", 403), ("regency_user", 403), ("officer_b", 404)]
)
def test_realisation_of_village_a_cannot_be_changed_by_others(client, request, ids, role, expected):
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        f"/koordinasi/realisasi/{ids['r_a']}/ubah/", {"status": "not_started", "evidence": "changed"}
    )

    assert response.status_code == expected
    assert Realisation.objects.get(pk=ids["r_a"]).status == "realised"


@pytest.mark.parametrize(
    ("role", "expected"), [("officer_a", 403), ("officer_b", 404), ("other_province_user", 404)]
)
def test_realisation_cannot_be_recorded_by_readers(client, request, ids, role, expected):
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        f"/koordinasi/komitmen/{ids['other']}/realisasi/tambah/?desa={A}",
        {"village": A, "status": "realised", "status_date": "2019-05-01"},
    )

    assert response.status_code == expected
    assert not Realisation.objects.filter(commitment_id=ids["other"]).exists()


def test_the_same_post_records_a_realisation_for_ministry_staff(client, ministry_user, ids):
    """The counterpart of the test above: the same POST works for a writer."""
    client.force_login(ministry_user)

    response = client.post(
        f"/koordinasi/komitmen/{ids['other']}/realisasi/tambah/?desa={A}",
        {"village": A, "status": "realised", "status_date": "2019-05-01"},
    )

    assert response.status_code == 302
    assert Realisation.objects.get(commitment_id=ids["other"]).village_id == A


def test_nav_link_to_coordination_for_every_signed_in_user(client, officer_a):
    client.force_login(officer_a)

    html = client.get("/koordinasi/").content.decode()

    assert '<a class="nav-link" href="/koordinasi/">Coordination</a>' in html
