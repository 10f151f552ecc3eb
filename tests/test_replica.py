"""The read replica (desmigratif/db_router.py): the read-only pages read from
it, everything else from the primary; a browser that has just posted reads
its own write from the primary; a replica that refuses connections is skipped.

The test settings define "replica" as a second connection to the test
database (TEST MIRROR of default), so which connection answered shows where
a page read from. Mirrors see only committed rows: these tests use
transactional_db.
"""

import time

import pytest
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from desmigratif import db_router
from villages.models import Village

A = "35.24.07.2004"
pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture(autouse=True)
def replica_on(settings):
    settings.REPLICA_READS = True
    db_router._state.update(unhealthy_until=0.0, lag_checked_at=0.0)
    yield
    db_router._state.update(unhealthy_until=0.0, lag_checked_at=0.0)


def village_reads(queries):
    return [q["sql"] for q in queries if '"villages_village"' in q["sql"]]


def get_and_capture(client, url, **extra):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(url, **extra)
    return response, primary, replica


def test_village_dashboard_reads_from_the_replica(client, officer_a):
    client.force_login(officer_a)
    response, primary, replica = get_and_capture(client, f"/dasbor/desa/{A}/")
    assert response.status_code == 200
    assert village_reads(replica.captured_queries)
    assert not village_reads(primary.captured_queries)


def test_overview_and_coverage_read_from_the_replica(client, ministry_user):
    client.force_login(ministry_user)
    for url in ("/dasbor/", "/dasbor/peta/", "/koordinasi/cakupan/"):
        response, primary, replica = get_and_capture(client, url)
        assert response.status_code == 200, url
        assert village_reads(replica.captured_queries), url
        assert not village_reads(primary.captured_queries), url


def test_api_reads_from_the_replica(client, ministry_user):
    token = Token.objects.create(user=ministry_user)
    response, primary, replica = get_and_capture(
        client, "/api/v1/villages/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert village_reads(replica.captured_queries)
    # The token (and its user) are read where they are written.
    assert any('"authtoken_token"' in q["sql"] for q in primary.captured_queries)


def test_household_list_reads_from_the_primary(client, officer_a):
    client.force_login(officer_a)
    response, primary, replica = get_and_capture(client, f"/desa/{A}/rumah-tangga/")
    assert response.status_code == 200
    assert village_reads(primary.captured_queries)
    assert replica.captured_queries == []


def test_page_right_after_a_post_reads_from_the_primary(client, officer_a):
    client.force_login(officer_a)
    posted = client.post("/i18n/setlang/", {"language": "en", "next": f"/dasbor/desa/{A}/"})
    assert posted.cookies[db_router.PIN_COOKIE]["max-age"] == 10
    response, primary, replica = get_and_capture(client, f"/dasbor/desa/{A}/")
    assert response.status_code == 200
    assert village_reads(primary.captured_queries)
    assert replica.captured_queries == []


def test_replica_that_refuses_connections_falls_back_to_the_primary(client, officer_a, monkeypatch):
    replica = connections["replica"]
    attempts = []

    def refuse():
        attempts.append(1)
        # What Django raises when the driver cannot connect.
        raise OperationalError("connection to server failed: Connection refused")

    # (Closing the connection first would not do: Django keeps an in-memory
    # SQLite test database open.)
    monkeypatch.setattr(replica, "ensure_connection", refuse)
    client.force_login(officer_a)
    for _ in range(2):
        with CaptureQueriesContext(connections["default"]) as primary:
            response = client.get(f"/dasbor/desa/{A}/")
        assert response.status_code == 200
        assert village_reads(primary.captured_queries)
    # Marked unhealthy after the first refusal: the second page did not try again.
    assert len(attempts) == 1


def test_kept_open_connection_to_a_stopped_replica_falls_back_to_the_primary(client, officer_a, monkeypatch):
    """A worker keeps its replica connection open between requests
    (DB_CONN_MAX_AGE). When the replica stops, that connection still looks
    open until it is used: the router must test it (CONN_HEALTH_CHECKS) before
    choosing the replica, or the view's first query meets the dead connection,
    fails to reconnect outside the router's fallback and answers 500 (seen in
    the loopback run)."""
    replica = connections["replica"]
    replica.ensure_connection()
    kept = replica.connection

    def refuse():
        raise OperationalError("connection to server failed: Connection refused")

    def drop():
        # What close() leaves behind; the real one would destroy SQLite's
        # in-memory test database, which the mirror shares.
        replica.connection = None

    monkeypatch.setattr(replica, "health_check_enabled", True)
    monkeypatch.setattr(replica, "health_check_done", False)
    monkeypatch.setattr(replica, "is_usable", lambda: False)  # the server behind it has stopped
    monkeypatch.setattr(replica, "close", drop)
    monkeypatch.setattr(replica, "connect", refuse)
    # The lag was measured a moment ago (every LAG_CHECK_SECONDS): no query of
    # the router's own would meet the dead connection first.
    db_router._state["lag_checked_at"] = time.monotonic()
    client.force_login(officer_a)
    try:
        with CaptureQueriesContext(connections["default"]) as primary:
            response = client.get(f"/dasbor/desa/{A}/")
    finally:
        replica.connection = kept
    assert response.status_code == 200
    assert village_reads(primary.captured_queries)
    assert db_router._state["unhealthy_until"] > 0


def test_without_a_replica_every_read_is_on_the_primary(client, officer_a, settings):
    settings.REPLICA_READS = False
    client.force_login(officer_a)
    response, primary, replica = get_and_capture(client, f"/dasbor/desa/{A}/")
    assert response.status_code == 200
    assert village_reads(primary.captured_queries)
    assert replica.captured_queries == []


def test_reads_inside_a_transaction_and_writes_go_to_the_primary(villages):
    router = db_router.ReplicaRouter()
    token = db_router._use_replica.set(True)
    try:
        assert router.db_for_read(Village) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Village) is None
        assert router.db_for_write(Village) == "default"
        # Users and sessions are written on every sign-in: always the primary.
        from desmigratif.models import User

        assert router.db_for_read(User) is None
    finally:
        db_router._use_replica.reset(token)


def test_lagging_replica_is_not_read(monkeypatch, settings, villages):
    """On PostgreSQL the lag is measured; a replica further behind than
    REPLICA_MAX_LAG_SECONDS is skipped."""
    if connections["replica"].vendor != "postgresql":
        pytest.skip("replication lag is measured on PostgreSQL only")
    settings.REPLICA_MAX_LAG_SECONDS = 30
    monkeypatch.setattr(db_router, "LAG_SQL", "SELECT 120")
    assert db_router.replica_healthy() is False
    monkeypatch.setattr(db_router, "LAG_SQL", "SELECT NULL")
    db_router._state.update(unhealthy_until=0.0, lag_checked_at=0.0)
    assert db_router.replica_healthy() is True


def test_replica_is_never_migrated():
    assert db_router.ReplicaRouter().allow_migrate("replica", "villages") is False
    assert db_router.ReplicaRouter().allow_migrate("default", "villages") is True
