"""The idle limit is exact: SESSION_IDLE_TIMEOUT after the last request, to the
second, however close together the requests before it came."""

import datetime as dt

import pytest

from tests.test_security import START, assert_signed_out_to_login

IDLE = dt.timedelta(minutes=30)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def signed_in(client, officer_a, time_machine, settings):
    settings.SESSION_IDLE_TIMEOUT = IDLE
    time_machine.move_to(START, tick=False)
    client.force_login(officer_a)
    assert client.get("/desa/").status_code == 200  # activity at t=0


def test_session_lasts_the_full_idle_time_after_the_last_request(client, signed_in, time_machine):
    time_machine.shift(IDLE - SECOND)  # t = 29:59
    assert client.get("/desa/").status_code == 200

    time_machine.shift(IDLE)  # t = 59:59, exactly 30:00 after the last request

    assert client.get("/desa/").status_code == 200


def test_a_request_seconds_after_another_still_counts_as_activity(client, signed_in, time_machine):
    """Requests close together (here 59 s) each move the idle window on:
    an officer working quickly is not signed out early."""
    time_machine.shift(59 * SECOND)  # t = 0:59
    assert client.get("/desa/").status_code == 200

    time_machine.shift(IDLE - SECOND)  # t = 30:58, 29:59 after the last request

    assert client.get("/desa/").status_code == 200


def test_session_ends_one_second_past_the_idle_time(client, signed_in, time_machine):
    time_machine.shift(59 * SECOND)
    assert client.get("/desa/").status_code == 200

    time_machine.shift(IDLE + SECOND)  # 30:01 without a request
    response = client.get("/desa/")

    assert_signed_out_to_login(client, response)
