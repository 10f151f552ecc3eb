"""Fixtures of the import tests (pages, limits, retention, runs-once)."""

import pytest

from tests.surveys.import_helpers import english


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def officer(client, officer_a):
    client.force_login(officer_a)
    return english(client)
