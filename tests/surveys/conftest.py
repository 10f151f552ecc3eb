"""The import tests share the registry tests' fixtures."""

from tests.villages.conftest import media_root, officer  # noqa: F401
