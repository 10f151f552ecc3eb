"""A NUL character in an address or a parameter gets 404 or 400, never a 500:
PostgreSQL refuses NUL in text, and no real link or form holds one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from villages.models import Household

A = "35.24.07.2004"


@pytest.mark.parametrize(
    "path",
    [
        f"/desa/{A}%00/",
        "/desa/33.21.14.2014%00/",
        f"/desa/{A}%00/rumah-tangga/",
        f"/dasbor/desa/{A}%00/",
        "/admin/villages/area/35%00/change/",
    ],
)
def test_address_with_a_nul_byte_is_not_found(client, administrator, path):
    client.force_login(administrator)

    response = client.get(path)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"/desa/{A}/rumah-tangga/", {"q": "ab\x00c"}),
        (f"/desa/{A}/rumah-tangga/", {"status\x00": "pmi"}),
        ("/desa/", {"q": "\x00"}),
        ("/admin/villages/household/", {"q": "35\x00"}),
    ],
)
def test_parameter_with_a_nul_byte_is_a_bad_request(client, administrator, path, params):
    client.force_login(administrator)

    response = client.get(path, params)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_form_field_with_a_nul_byte_is_refused_and_nothing_is_written(client, officer_a):
    client.force_login(officer_a)

    response = client.post(
        f"/desa/{A}/rumah-tangga/tambah/",
        {"no_kk": "3524070101010001", "dusun": "Kra\x00jan", "members-TOTAL_FORMS": "0"},
    )

    assert response.status_code == 400
    assert not Household.objects.exists()


def test_sign_in_with_a_nul_byte_is_a_bad_request(client, officer_a):
    response = client.post("/masuk/", {"username": "officer_a\x00", "password": "x"})

    assert response.status_code == 400


def test_file_uploads_may_hold_nul_bytes(client, officer_a):
    """The import upload reads its own body (size limit first); a binary
    file full of NUL bytes is judged by the upload checks, not refused here."""
    client.force_login(officer_a)
    upload = SimpleUploadedFile("survei.xlsx", b"PK\x03\x04" + b"\x00" * 64)

    response = client.post("/desa/impor/unggah/", {"kind": "households", "file": upload})

    assert response.status_code == 200  # the form again, with the file's problem next to it


def test_api_parameter_with_a_nul_byte_is_a_bad_request_in_json(client, ministry_user):
    response = client.get("/api/v1/villages/", {"province": "3\x005"})

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
