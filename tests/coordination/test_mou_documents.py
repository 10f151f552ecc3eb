"""A replaced or removed MOU document, and the document of a deleted MOU, is
deleted from the storage (issue 9: no orphan files)."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.models import MOU
from tests.coordination.factories import PDF_BYTES, make_mou
from tests.coordination.test_pages import mou_edit_post


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_replaced_or_removed_mou_document_leaves_no_file_behind(
    client, ministry_user, agencies, django_capture_on_commit_callbacks
):
    mou = make_mou(
        parties=[agencies.kemnaker, agencies.bni], document=SimpleUploadedFile("first.pdf", PDF_BYTES)
    )
    first = mou.document.path
    client.force_login(ministry_user)
    url = f"/koordinasi/mou/{mou.pk}/ubah/"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, mou_edit_post(mou, notes="kept"))
    assert os.path.exists(first)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, mou_edit_post(mou, document=SimpleUploadedFile("second.pdf", PDF_BYTES + b"2")))
    mou.refresh_from_db()
    second = mou.document.path
    assert not os.path.exists(first)
    assert os.path.exists(second)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, mou_edit_post(mou, remove_document="on"))
    assert not os.path.exists(second)


def test_deleting_an_mou_in_the_admin_deletes_its_document(
    client, administrator, agencies, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    mou = make_mou(
        parties=[agencies.kemnaker, agencies.bni], document=SimpleUploadedFile("signed.pdf", PDF_BYTES)
    )
    stored = mou.document.path

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/coordination/mou/{mou.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not MOU.objects.filter(pk=mou.pk).exists()
    assert not os.path.exists(stored)
