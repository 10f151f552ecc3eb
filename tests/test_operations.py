"""What operators rely on: the health checks a load balancer probes, one log
line per request without personal data, and the queue status command."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.utils import timezone
from django_q.models import Failure, OrmQ

from desmigratif import health
from surveys.models import ImportJob

NIK = "3524074101900001"


@pytest.fixture
def migrations_unchecked(monkeypatch):
    # The positive answer is remembered per process; each test starts afresh.
    monkeypatch.setattr(health, "_migrations_applied", False)


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)


@pytest.fixture
def migration_pending(monkeypatch, migrations_unchecked):
    pending = [(Migration("0099_new_columns", "villages"), False)]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets, clean_start=False: pending)


# /healthz


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_ok_while_the_database_is_down(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 200


# /readyz


@pytest.mark.django_db
def test_readyz_answers_ok_when_database_cache_queue_and_migrations_are_ready(client, migrations_unchecked):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_down_and_logs_why(client, database_down, caplog):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"unavailable"
    assert "readiness check database failed" in caplog.text
    assert "Connection refused" in caplog.text


@pytest.mark.django_db
def test_readyz_answers_503_while_a_migration_is_not_applied(client, migration_pending, caplog):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"unavailable"
    assert "villages.0099_new_columns" in caplog.text


def test_readyz_tells_anonymous_callers_nothing_but_administrators_which_check_failed(
    client, administrator, migration_pending
):
    anonymous = client.get("/readyz")
    client.force_login(administrator)
    signed_in = client.get("/readyz")

    assert anonymous.content == b"unavailable"
    assert signed_in.status_code == 503
    report = signed_in.json()
    assert report["status"] == "unavailable"
    assert report["checks"]["database"] == "ok"
    assert "villages.0099_new_columns" in report["checks"]["migrations"]


def test_readyz_details_are_for_administrators_only(client, ministry_user, migration_pending):
    client.force_login(ministry_user)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"unavailable"


@pytest.mark.django_db
def test_readyz_stays_ok_when_only_the_replica_is_down(client, monkeypatch, migrations_unchecked, caplog):
    """Reads fall back to the primary; a 503 would take every app server out of
    the load balancer at once."""

    def replica_down():
        raise OperationalError("replica: timeout expired")

    monkeypatch.setattr(
        health, "readiness_checks", lambda: [("database", lambda: None), ("replica", replica_down)]
    )

    response = client.get("/readyz")

    assert response.status_code == 200
    assert "readiness check replica failed" in caplog.text


def test_readyz_stays_ok_when_the_cache_is_down_and_tells_administrators(
    client, administrator, monkeypatch, migrations_unchecked, caplog
):
    """Pages work from the database while Redis is down: the servers stay in."""

    def cache_down():
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(health, "check_cache", cache_down)

    anonymous = client.get("/readyz")
    client.force_login(administrator)
    report = client.get("/readyz").json()

    assert anonymous.status_code == 200
    assert anonymous.content == b"ok"
    assert report["status"] == "degraded"
    assert "Connection refused" in report["checks"]["cache"]
    assert report["checks"]["database"] == "ok"
    assert "readiness check cache failed" in caplog.text


@pytest.mark.django_db
def test_health_checks_answer_over_plain_http_while_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    page = client.get("/masuk/")
    assert page.status_code == 301
    assert page["Location"].startswith("https://")


# Request log


def test_request_log_line_has_status_and_duration_but_never_the_search_text(
    client, officer_a, village_a, caplog
):
    client.force_login(officer_a)

    with caplog.at_level(logging.INFO, logger="desmigratif.requests"):
        response = client.get(f"/desa/{village_a.code}/rumah-tangga/", {"q": NIK})

    assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "desmigratif.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert f"method=GET path=/desa/{village_a.code}/rumah-tangga/ status=200 duration_ms=" in line
    assert f"user={officer_a.pk}" in line
    assert "client=127.0.0.1" in line
    assert NIK not in line
    assert "q=" not in line
    assert officer_a.username not in line


@pytest.mark.django_db
def test_request_log_records_the_client_behind_the_proxy(client, settings, caplog):
    """The same address django-axes locks (AXES_PROXY_COUNT=1 behind nginx)."""
    settings.TRUSTED_PROXY_COUNT = 1

    with caplog.at_level(logging.INFO, logger="desmigratif.requests"):
        client.get("/masuk/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.2")

    line = next(r.getMessage() for r in caplog.records if r.name == "desmigratif.requests")
    assert "client=203.0.113.7" in line


# queue_status


def test_queue_status_shows_queue_depth_last_imports_and_failed_tasks(officer_a):
    OrmQ.objects.create(key="desmigratif", payload="x", lock=timezone.now() - timedelta(minutes=1))
    for name in ("a.csv", "b.csv"):
        ImportJob.objects.create(user=officer_a, kind="households", original_name=name, status="failed")
    now = timezone.now()
    Failure.objects.create(
        id="f" * 32, name="import-check", func="surveys.import_jobs.check_job", started=now, stopped=now,
        success=False, result="Timeout: the worker was stopped",
    )
    Failure.objects.create(
        id="e" * 32, name="old", func="surveys.import_jobs.old_job", started=now - timedelta(days=3),
        stopped=now - timedelta(days=3), success=False, result="long ago",
    )
    out = StringIO()

    call_command("queue_status", stdout=out)

    text = out.getvalue()
    assert "1" in text.splitlines()[0]
    assert text.count("kind=households") == 2
    assert "surveys.import_jobs.check_job" in text
    assert "Timeout: the worker was stopped" in text
    assert "old_job" not in text
