"""Sign-in locks behind a reverse proxy: the lock is on username + the real
client's address (desmigratif.net.client_ip), read from X-Forwarded-For only
as far as our own proxies wrote it."""

import pytest
from django.conf import settings
from django.test import RequestFactory

from desmigratif.net import client_ip
from tests.factories import PASSWORD
from tests.test_security import is_locked_out_page

PROXY = "10.0.0.2"  # the reverse proxy, as Django sees it (REMOTE_ADDR)
CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"


def sign_in_via(client, forwarded_for, password, username="officer_a", remote=PROXY):
    return client.post(
        "/masuk/",
        {"username": username, "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def fail_five_times(client, forwarded_for, **kwargs):
    responses = [
        sign_in_via(client, forwarded_for, "wrong-password", **kwargs)
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    return responses[-1]


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_behind_a_proxy_failures_lock_the_username_from_that_client_only(client, officer_a, one_proxy):
    assert is_locked_out_page(fail_five_times(client, CLIENT_A))
    assert is_locked_out_page(sign_in_via(client, CLIENT_A, PASSWORD))

    response = sign_in_via(client, CLIENT_B, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer_a.pk)


def test_behind_a_proxy_a_forged_forwarded_address_does_not_move_the_lock(client, officer_a, one_proxy):
    """An attacker sends X-Forwarded-For: <B's address>; the proxy appends the
    attacker's own. The lock lands on the attacker, B can still sign in."""
    assert is_locked_out_page(fail_five_times(client, f"{CLIENT_B}, {CLIENT_A}"))

    response = sign_in_via(client, CLIENT_B, PASSWORD)

    assert response.status_code == 302


def test_without_a_proxy_the_forwarded_header_is_ignored(client, officer_a, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # Each failure claims another address: all count against the real one.
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in_via(client, f"192.0.2.{n + 1}", "wrong-password", remote=CLIENT_A)
    last = sign_in_via(client, "192.0.2.99", "wrong-password", remote=CLIENT_A)

    assert is_locked_out_page(last)
    # Another real client is not locked, whatever it claims.
    assert sign_in_via(client, CLIENT_A, PASSWORD, remote=CLIENT_B).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, CLIENT_A, "192.0.2.1", CLIENT_A),
        (1, PROXY, CLIENT_A, CLIENT_A),
        (1, PROXY, f"192.0.2.1, {CLIENT_A}", CLIENT_A),
        (2, PROXY, f"192.0.2.1, {CLIENT_A}, 10.0.0.3", CLIENT_A),
        (1, PROXY, "", PROXY),  # not through the proxy after all
        (2, PROXY, CLIENT_A, PROXY),  # fewer entries than proxies
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_address_rules(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
