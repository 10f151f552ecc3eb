import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The throttle counts requests in the cache; each test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client_for(request):
    """An API client sending the token of one of the cast (a fixture name),
    or none for "anonymous"."""

    def make(role):
        client = APIClient()
        if role != "anonymous":
            user = request.getfixturevalue(role)
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture(autouse=True)
def english_messages():
    """API answers are read in English here (Indonesian is the default)."""
    with translation.override("en"):
        yield
