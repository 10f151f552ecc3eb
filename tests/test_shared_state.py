"""Shared state on Redis (REDIS_URL): the cache every process sees, the API's
rate limit counted once for all processes, the import queue on Redis, and a
portal that keeps working when Redis is down.

These tests use the real Redis at 127.0.0.1:6379 (.ci/run starts it), each run
under its own key prefix and queue name, removed afterwards.
"""

import uuid
from types import SimpleNamespace

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django_q.conf import Conf
from rest_framework.authtoken.models import Token
from rest_framework.throttling import UserRateThrottle

from desmigratif import cache as resilient_cache
from desmigratif.cache import ResilientRedisCache
from surveys.models import ImportJob
from tests.household_factories import HouseholdFactory
from tests.surveys.test_import_pages import csv_bytes, household_rows

REDIS = "redis://127.0.0.1:6379/0"
CLOSED_PORT = "redis://127.0.0.1:1/0"
BACKEND = "desmigratif.cache.ResilientRedisCache"
UPLOAD = "/desa/impor/unggah/"
A = "35.24.07.2004"


@pytest.fixture
def prefix():
    """A key prefix of this test run; its keys are deleted afterwards."""
    value = f"test-{uuid.uuid4().hex}"
    yield value
    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(f"*{value}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def redis_up_again():
    # A test that finds Redis down must not make the next one skip it.
    resilient_cache._down_until.clear()
    yield
    resilient_cache._down_until.clear()


def _backend(location, prefix):
    """A cache client of its own, as a separate process would have."""
    return ResilientRedisCache(location, {"KEY_PREFIX": prefix, "OPTIONS": {"socket_timeout": 0.5}})


@pytest.fixture
def redis_caches(settings, prefix):
    settings.CACHES = {"default": {"BACKEND": BACKEND, "LOCATION": REDIS, "KEY_PREFIX": prefix}}
    return settings


@pytest.fixture
def redis_down(settings, prefix):
    settings.CACHES = {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": CLOSED_PORT,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return settings


# The cache ----------------------------------------------------------------------


def test_two_processes_see_the_same_cached_value(prefix):
    first, second = _backend(REDIS, prefix), _backend(REDIS, prefix)
    first.set("overview", {"households": 12}, 60)
    assert second.get("overview") == {"households": 12}
    second.delete("overview")
    assert first.get("overview") is None


def test_api_rate_limit_is_counted_once_for_every_process(prefix):
    """Two web processes, each with its own cache client: the third request
    of a 3-an-hour limit is refused whichever process answers it."""

    def throttle_of_process():
        class Throttle(UserRateThrottle):
            rate = "3/hour"
            cache = _backend(REDIS, prefix)

        return Throttle()

    process_1, process_2 = throttle_of_process(), throttle_of_process()
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=4242))
    assert process_1.allow_request(request, None)
    assert process_2.allow_request(request, None)
    assert process_1.allow_request(request, None)
    assert not process_2.allow_request(request, None)
    assert not process_1.allow_request(request, None)


# Redis down ---------------------------------------------------------------------


def test_cache_errors_are_misses_when_redis_is_down(prefix, caplog):
    down = _backend(CLOSED_PORT, prefix)
    down.set("x", 1)
    assert down.get("x") is None
    assert down.get("x", "fallback") == "fallback"
    assert down.get_many(["x", "y"]) == {}
    assert down.set_many({"x": 1, "y": 2}) == ["x", "y"]
    assert down.add("x", 1) is False
    assert down.delete("x") is False
    with pytest.raises(ValueError):
        down.incr("x")
    assert "Cache unavailable" in caplog.text


def test_overview_and_village_pages_work_with_redis_down(client, ministry_user, villages, redis_down):
    HouseholdFactory(village=villages.a)
    client.force_login(ministry_user)
    response = client.get("/dasbor/")
    assert response.status_code == 200
    assert response.context["totals"]["households"] == 1
    assert client.get(f"/dasbor/desa/{A}/").status_code == 200


def test_api_answers_with_redis_down(client, ministry_user, redis_down):
    token = Token.objects.create(user=ministry_user)
    response = client.get("/api/v1/villages/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_sign_in_works_with_redis_down(client, officer_a, redis_down):
    officer_a.set_password("a-long-password-123")
    officer_a.save()
    response = client.post("/masuk/", {"username": "officer_a", "password": "a-long-password-123"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


# The import queue on Redis ------------------------------------------------------


@pytest.fixture
def redis_queue(monkeypatch, prefix, settings, tmp_path):
    """The import queue on a Redis broker (django-q2 reads its settings once, at
    import: the test sets them where it reads them), under a queue name of
    this test run so no running worker takes the task."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def use(url):
        monkeypatch.setattr(Conf, "SYNC", False)
        monkeypatch.setattr(Conf, "ORM", None)
        monkeypatch.setattr(Conf, "CLUSTER_NAME", prefix)
        monkeypatch.setattr(Conf, "REDIS", url)
        return f"django_q:{prefix}:q"

    return use


def post_upload(client):
    survey = SimpleUploadedFile("survei.csv", csv_bytes(household_rows()))
    return client.post(UPLOAD, {"kind": "households", "file": survey})


# Committed as in production (no test transaction around the request): the
# task is queued when the upload's transaction commits, inside the request.
@pytest.mark.django_db(transaction=True)
def test_upload_is_queued_on_redis(client, officer_a, redis_queue):
    queue = redis_queue(REDIS)
    client.force_login(officer_a)
    response = post_upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.UPLOADED
    assert redis.Redis.from_url(REDIS).llen(queue) == 1


@pytest.mark.django_db(transaction=True)
def test_upload_with_the_queue_down_is_refused_with_a_message(client, officer_a, redis_queue, settings):
    redis_queue(CLOSED_PORT)
    client.force_login(officer_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = post_upload(client)
    assert response.status_code == 200
    assert "The import queue cannot be reached at the moment" in response.content.decode()
    # Nothing half-done: no job waiting for a task that will never run, no
    # file with NIKs left behind.
    assert not ImportJob.objects.exists()
    assert not any(p.is_file() for p in (settings.MEDIA_ROOT).rglob("*"))


@pytest.mark.django_db(transaction=True)
def test_confirm_with_the_queue_down_keeps_the_checked_import(client, officer_a, redis_queue, settings):
    client.force_login(officer_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    post_upload(client)  # checked at once (the test settings' synchronous queue)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED
    redis_queue(CLOSED_PORT)
    response = client.post(f"/desa/impor/{job.pk}/tulis/", follow=True)
    assert "The import queue cannot be reached at the moment" in response.content.decode()
    job.refresh_from_db()
    # Still checked, with its file: the user confirms again once the queue is back.
    assert job.status == ImportJob.Status.CHECKED
    assert job.confirmed_at is None
    assert job.file


def test_sign_in_lock_out_is_kept_in_the_database_for_every_server(client, officer_a, redis_down):
    """django-axes stores failures with its database handler: a lock-out made
    through one server holds on every other, with or without Redis."""
    from axes.conf import settings as axes_settings
    from axes.models import AccessAttempt

    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    officer_a.set_password("a-long-password-123")
    officer_a.save()
    for _ in range(5):
        client.post("/masuk/", {"username": "officer_a", "password": "wrong-password-000"})
    assert AccessAttempt.objects.get(username="officer_a").failures_since_start == 5
    client.post("/masuk/", {"username": "officer_a", "password": "a-long-password-123"})
    assert "_auth_user_id" not in client.session
