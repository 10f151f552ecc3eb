"""The idle limit: a session ends SESSION_IDLE_TIMEOUT after the last request,
never earlier and at most one SESSION_ACTIVITY_STEP (a minute) later. The
session stores the time of a request only when the stored one is a step old,
so most requests write nothing."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from desmigratif.sessions import SessionStore
from tests.test_security import START, assert_signed_out_to_login

IDLE = dt.timedelta(minutes=30)
STEP = dt.timedelta(seconds=60)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def signed_in(client, officer_a, time_machine, settings):
    settings.SESSION_IDLE_TIMEOUT = IDLE
    settings.SESSION_ACTIVITY_STEP = STEP
    time_machine.move_to(START, tick=False)
    client.force_login(officer_a)
    assert client.get("/desa/").status_code == 200  # activity at t=0, stored


def session_writes(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desa/").status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
    ]


def stored_last_seen(client):
    row = Session.objects.get(session_key=client.session.session_key)
    return SessionStore().decode(row.session_data)["last_seen_at"]


def test_session_lasts_the_full_idle_time_after_the_last_request(client, signed_in, time_machine):
    time_machine.shift(IDLE - SECOND)  # t = 29:59
    assert client.get("/desa/").status_code == 200

    time_machine.shift(IDLE)  # t = 59:59, exactly 30:00 after the last request

    assert client.get("/desa/").status_code == 200


def test_a_request_within_a_minute_of_the_stored_one_writes_nothing(client, signed_in, time_machine):
    time_machine.shift(59 * SECOND)

    assert session_writes(client) == []
    assert stored_last_seen(client) == START.timestamp()

    time_machine.shift(SECOND)  # a minute after the stored time
    assert len(session_writes(client)) == 1
    assert stored_last_seen(client) == (START + STEP).timestamp()


def test_a_request_not_stored_still_counts_as_activity(client, signed_in, time_machine):
    """The request at 0:59 is not stored (the stored time is 0:00), yet the
    session lasts the full idle time after it: an officer working quickly is
    never signed out early."""
    time_machine.shift(59 * SECOND)  # t = 0:59
    assert client.get("/desa/").status_code == 200

    time_machine.shift(IDLE)  # t = 30:59, exactly 30:00 after the last request

    assert client.get("/desa/").status_code == 200


def test_session_ends_at_most_a_minute_after_the_idle_time(client, signed_in, time_machine):
    time_machine.shift(30 * SECOND)  # t = 0:30, not stored
    assert client.get("/desa/").status_code == 200

    # 30:30 after the last request, a minute past the idle time after the stored one.
    time_machine.shift(IDLE + 30 * SECOND)
    response = client.get("/desa/")

    assert_signed_out_to_login(client, response)


def test_session_after_a_stored_request_ends_at_most_a_minute_past_the_idle_time(
    client, signed_in, time_machine
):
    time_machine.shift(STEP)  # t = 1:00, stored
    assert client.get("/desa/").status_code == 200

    time_machine.shift(IDLE + STEP)  # the stored time is the last request's: a minute late at most
    response = client.get("/desa/")

    assert_signed_out_to_login(client, response)
