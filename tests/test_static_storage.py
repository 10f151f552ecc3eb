"""The static files storages (desmigratif.static_storage) give the URLs of
Django's and whitenoise's storages, each worked out once; a file missing from
the manifest is refused every time."""

import json

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage

from desmigratif.static_storage import ManifestStaticStorage, PlainStaticStorage


def test_a_files_url_is_djangos_and_worked_out_once(monkeypatch, settings):
    settings.STATIC_URL = "/static/"
    expected = StaticFilesStorage().url("css/site.css")
    calls = []
    url = StaticFilesStorage.url
    monkeypatch.setattr(StaticFilesStorage, "url", lambda self, name: calls.append(name) or url(self, name))
    storage = PlainStaticStorage()

    assert [storage.url("css/site.css") for _ in range(3)] == [expected] * 3
    assert calls == ["css/site.css"]
    assert storage.url("js/site.js") == "/static/js/site.js"


@pytest.fixture
def manifest_storage(tmp_path, settings):
    settings.DEBUG = False
    settings.STATIC_URL = "/static/"
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1", "hash": "x"})
    )
    return ManifestStaticStorage(location=str(tmp_path))


def test_the_hashed_url_from_the_manifest(manifest_storage):
    assert manifest_storage.url("css/site.css") == "/static/css/site.0123456789ab.css"
    assert manifest_storage.url("css/site.css") == "/static/css/site.0123456789ab.css"


def test_a_file_missing_from_the_manifest_is_refused_every_time(manifest_storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            manifest_storage.url("css/missing.css")
