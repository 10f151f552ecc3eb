"""desmigratif/sessions.py saves an existing session with one UPDATE: the same
row, the same values and the same failures as Django's database sessions,
inside a transaction (a test's) and outside one (a real request's)."""

import datetime as dt

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from desmigratif.sessions import SessionStore

START = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


def stored(key):
    return SessionStore().decode(Session.objects.get(session_key=key).session_data)


@pytest.mark.parametrize("in_transaction", [True, False], ids=["in a transaction", "autocommit"])
def test_a_request_a_minute_on_stores_its_time_and_the_session_expiry(
    in_transaction, request, client, officer_a, time_machine
):
    request.getfixturevalue("db" if in_transaction else "transactional_db")
    time_machine.move_to(START, tick=False)
    client.force_login(officer_a)
    key = client.session.session_key
    assert client.get("/desa/").status_code == 200
    time_machine.shift(dt.timedelta(seconds=61))

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desa/").status_code == 200

    assert stored(key)["last_seen_at"] == (START + dt.timedelta(seconds=61)).timestamp()
    assert stored(key)["_auth_user_id"] == str(officer_a.pk)
    row = Session.objects.get(session_key=key)
    assert row.expire_date == START + dt.timedelta(
        seconds=61
    ) + client.session.get_expiry_age() * dt.timedelta(seconds=1)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len([sql for sql in updates if "django_session" in sql]) == 1


def test_a_session_deleted_during_the_request_is_not_written_again(client, officer_a):
    """Signed out elsewhere while this request ran: Django answers 400
    (SessionInterrupted) rather than bring the session back."""
    client.force_login(officer_a)
    key = client.session.session_key
    store = SessionStore(key)
    store["last_seen_at"] = 1.0
    Session.objects.filter(session_key=key).delete()

    with pytest.raises(UpdateError):
        store.save()

    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_a_new_session_and_a_new_key_are_created_as_django_creates_them():
    store = SessionStore()
    store["x"] = 1
    store.save()
    assert stored(store.session_key) == {"x": 1}
    old = store.session_key
    store.cycle_key()
    store["x"] = 2
    store.save()
    assert stored(store.session_key) == {"x": 2}
    assert not Session.objects.filter(session_key=old).exists()


@pytest.mark.django_db
def test_a_session_loads_its_data_and_an_expired_or_unknown_one_loads_empty(time_machine):
    time_machine.move_to(START, tick=False)
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(60)
    store.save()
    key = store.session_key

    assert SessionStore(key).load()["x"] == 1
    assert SessionStore("nosuchsessionkey12345").load() == {}

    time_machine.shift(dt.timedelta(seconds=61))
    expired = SessionStore(key)
    assert expired.load() == {}
    # As Django's: an expired key is never written again; saving makes a new one.
    expired["y"] = 2
    expired.save()
    assert expired.session_key != key
    assert stored(expired.session_key)["y"] == 2
