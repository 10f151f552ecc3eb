"""Tokens: a missing, unknown or revoked one is refused with 401 and a clear
message; the portal's session cookie is not an API credential."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from dashboards.api import INACTIVE_USER_MESSAGE

A = "35.24.07.2004"
URLS = ["/api/v1/villages/", f"/api/v1/villages/{A}/"]


def _message(text):
    """The message as the API says it: in Indonesian unless the client chose English."""
    with translation.override("id"):
        return str(text)


@pytest.mark.parametrize("url", URLS)
def test_token_of_a_deactivated_user_is_refused_with_a_clear_message(officer_a, url):
    token = Token.objects.create(user=officer_a)
    officer_a.is_active = False
    officer_a.save(update_fields=["is_active"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get(url)

    assert response.status_code == 401
    assert response.json() == {"detail": _message(INACTIVE_USER_MESSAGE)}
    assert response["WWW-Authenticate"] == "Token"
    assert A not in response.content.decode()


def test_deactivated_user_message_tells_what_to_do():
    assert "deactivated" in str(INACTIVE_USER_MESSAGE)
    assert "administrator" in str(INACTIVE_USER_MESSAGE)


def test_token_works_again_when_the_user_is_reactivated(officer_a):
    token = Token.objects.create(user=officer_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    officer_a.is_active = False
    officer_a.save(update_fields=["is_active"])
    assert client.get(URLS[0]).status_code == 401

    officer_a.is_active = True
    officer_a.save(update_fields=["is_active"])

    assert client.get(URLS[0]).status_code == 200


@pytest.mark.parametrize("url", URLS)
def test_unknown_token_is_refused(villages, url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("url", URLS)
def test_request_without_token_is_refused(villages, url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("url", URLS)
def test_portal_session_is_not_an_api_credential(officer_a, client, url):
    client.force_login(officer_a)

    response = client.get(url)

    assert response.status_code == 401


def test_a_deleted_token_is_refused(officer_a):
    token = Token.objects.create(user=officer_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    token.delete()

    assert client.get(URLS[0]).status_code == 401


def test_requests_above_the_rate_are_throttled(officer_a, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/hour"})
    token = Token.objects.create(user=officer_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    statuses = [client.get(URLS[0]).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_administrator_makes_a_token_in_the_admin(administrator, officer_a, client):
    client.force_login(administrator)

    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": officer_a.pk})

    assert response.status_code == 302
    assert Token.objects.filter(user=officer_a).exists()


def test_drf_create_token_command_makes_a_token(officer_a):
    call_command("drf_create_token", "officer_a", stdout=io.StringIO())

    assert Token.objects.filter(user=officer_a).exists()
