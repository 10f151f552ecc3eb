"""Language, sign-in throttling, session limits, production settings, the
demo data guard and the role/scope rules on users."""

import datetime as dt
import os
import secrets
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from desmigratif.demo import DEMO_PASSWORD
from desmigratif.models import Role, User
from tests.factories import PASSWORD, UserFactory
from villages.models import Village
from villages.services import areas_load

A = "35.24.07.2004"
START = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


# Language


def page_language(response):
    html = response.content.decode()
    start = html.index("<html")
    return html[start : html.index(">", start)]


def test_portal_opens_in_indonesian(client, ministry_user):
    client.force_login(ministry_user)

    response = client.get("/desa/")

    assert 'lang="id"' in page_language(response)
    assert "Desa Desmigratif" in response.content.decode()  # the heading, "Desmigratif villages"


def test_language_switch_shows_english(client, ministry_user):
    client.force_login(ministry_user)

    switch = client.post("/i18n/setlang/", {"language": "en", "next": "/desa/"})
    response = client.get("/desa/")

    assert switch.status_code == 302
    assert 'lang="en"' in page_language(response)
    assert "Desmigratif villages" in response.content.decode()
    assert "Desa Desmigratif" not in response.content.decode()


def test_language_switch_back_to_indonesian(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    client.post("/i18n/setlang/", {"language": "id", "next": "/masuk/"})

    response = client.get("/masuk/")

    assert 'lang="id"' in page_language(response)


def test_browser_language_does_not_override_indonesian(client):
    """Phones set to English still get the portal in Indonesian until the
    user picks English with the switch."""
    response = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert 'lang="id"' in page_language(response)


def test_unknown_language_cookie_falls_back_to_indonesian(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get("/masuk/")

    assert 'lang="id"' in page_language(response)


# Sign-in throttling (django-axes)


def sign_in(client, username, password, address="127.0.0.1"):
    return client.post("/masuk/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, username):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, username, "wrong-password").status_code == 200
    return sign_in(client, username, "wrong-password")


def is_locked_out_page(response):
    return response.status_code == 429 and "registration/locked_out.html" in [
        t.name for t in response.templates
    ]


def test_login_locks_after_the_failure_limit(client, officer_a):
    last = fail_until_locked(client, "officer_a")

    assert is_locked_out_page(last)
    right_password = sign_in(client, "officer_a", PASSWORD)
    assert is_locked_out_page(right_password)
    assert "_auth_user_id" not in client.session


def test_one_failure_fewer_than_the_limit_does_not_lock(client, officer_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "officer_a", "wrong-password")

    response = sign_in(client, "officer_a", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer_a.pk)


def test_lock_out_does_not_stop_another_user_at_the_same_address(client, officer_a, officer_b):
    fail_until_locked(client, "officer_a")

    response = sign_in(client, "officer_b", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer_b.pk)


def test_lock_out_does_not_stop_the_same_user_at_another_address(client, officer_a):
    fail_until_locked(client, "officer_a")

    response = sign_in(client, "officer_a", PASSWORD, address="10.20.30.40")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer_a.pk)


def test_lock_holds_until_the_cool_off_ends(client, officer_a, time_machine):
    time_machine.move_to(START, tick=False)
    fail_until_locked(client, "officer_a")

    time_machine.shift(settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))

    assert is_locked_out_page(sign_in(client, "officer_a", PASSWORD))


def test_locked_user_can_sign_in_after_the_cool_off(client, officer_a, time_machine):
    time_machine.move_to(START, tick=False)
    fail_until_locked(client, "officer_a")

    time_machine.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1))
    response = sign_in(client, "officer_a", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer_a.pk)


def test_trying_the_right_password_during_the_lock_does_not_extend_it(client, officer_a, time_machine):
    """The lock-out page promises AXES_COOLOFF_TIME from the last wrong
    password; an officer who tries again with the right password a minute
    early must not be locked out for another full cool-off."""
    time_machine.move_to(START, tick=False)
    fail_until_locked(client, "officer_a")
    time_machine.shift(settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    assert is_locked_out_page(sign_in(client, "officer_a", PASSWORD))

    time_machine.shift(dt.timedelta(minutes=2))
    response = sign_in(client, "officer_a", PASSWORD)

    assert response.status_code == 302


def test_successful_sign_in_resets_the_failure_count(client, officer_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "officer_a", "wrong-password")
    assert sign_in(client, "officer_a", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "officer_a", "wrong-password")
    response = sign_in(client, "officer_a", PASSWORD)

    assert response.status_code == 302


# Session limits (desmigratif.middleware.SessionLimitsMiddleware)


def assert_signed_out_to_login(client, response, path="/desa/"):
    assert response.status_code == 302
    assert response["Location"] == f"/masuk/?next={path}"
    assert "_auth_user_id" not in client.session


@pytest.fixture
def signed_in_officer(client, officer_a, time_machine):
    time_machine.move_to(START, tick=False)
    client.force_login(officer_a)
    assert client.get("/desa/").status_code == 200
    return officer_a


def test_session_survives_29_minutes_idle(client, signed_in_officer, time_machine):
    time_machine.shift(dt.timedelta(minutes=29))

    assert client.get("/desa/").status_code == 200


def test_session_ends_after_30_minutes_idle(client, signed_in_officer, time_machine):
    time_machine.shift(dt.timedelta(minutes=31))

    response = client.get("/desa/")

    assert_signed_out_to_login(client, response)
    assert client.get("/desa/")["Location"].startswith("/masuk/")


def test_idle_time_counts_from_the_last_request(client, signed_in_officer, time_machine):
    for _ in range(4):  # 2 hours of activity, a request every 25 minutes
        time_machine.shift(dt.timedelta(minutes=25))
        assert client.get("/desa/").status_code == 200


def test_session_ends_after_8_hours_even_when_active(client, signed_in_officer, time_machine):
    elapsed = dt.timedelta(0)
    while elapsed < dt.timedelta(hours=7, minutes=40):
        time_machine.shift(dt.timedelta(minutes=20))
        elapsed += dt.timedelta(minutes=20)
        assert client.get("/desa/").status_code == 200, f"signed out after {elapsed}"
    time_machine.shift(dt.timedelta(minutes=19))  # 7 h 59 min
    assert client.get("/desa/").status_code == 200

    time_machine.shift(dt.timedelta(minutes=2))  # 8 h 01 min
    response = client.get("/desa/")

    assert_signed_out_to_login(client, response)


def test_ended_session_says_why_on_the_sign_in_page(client, signed_in_officer, time_machine):
    time_machine.shift(dt.timedelta(minutes=31))

    response = client.get("/desa/", follow=True)

    assert response.redirect_chain == [("/masuk/?next=/desa/", 302)]
    assert [m.level for m in response.context["messages"]] == [message_levels.INFO]


# Production settings


def test_deploy_check_passes_with_production_environment(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
        and not key.startswith(("SECURE_", "SESSION_", "CSRF_"))
        # The browser tests allow sync ORM calls beside Playwright for the run.
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="portal.example.go.id",
        DJANGO_SETTINGS_MODULE="desmigratif.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert len(env["SECRET_KEY"]) == 60

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="0", ALLOWED_HOSTS="portal.example.go.id", DJANGO_SETTINGS_MODULE="desmigratif.settings")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


# Demo data


def test_load_demo_refuses_without_debug(db, area_folder, settings):
    areas_load(folder=area_folder)
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo", stdout=StringIO())

    assert not User.objects.exists()
    assert not Village.objects.exists()


DEMO_CAST = {
    "petugas.brengkok": (Role.VILLAGE_OFFICER, "35.24.07.2004"),
    "petugas.megonten": (Role.VILLAGE_OFFICER, "33.21.14.2014"),
    "disnaker.lamongan": (Role.REGENCY, "35.24"),
    "disnaker.jatim": (Role.PROVINCE, "35"),
    "kemnaker": (Role.MINISTRY, None),
    "admin": (Role.ADMINISTRATOR, None),
}


@pytest.fixture
def demo_loaded(db, area_folder, settings):
    areas_load(folder=area_folder)
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())


def test_load_demo_creates_one_user_per_role_with_scope(demo_loaded):
    users = {u.username: (u.role, u.scope_id) for u in User.objects.all()}

    assert users == DEMO_CAST
    for user in User.objects.all():
        user.full_clean()  # every role has a scope of the right level
        assert user.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="kemnaker").is_staff


def test_load_demo_enrols_the_demo_villages(demo_loaded):
    assert set(Village.objects.values_list("area_id", flat=True)) == {
        "35.24.07.2004",
        "33.21.14.2014",
        "32.02.34.2005",
        "53.71.01.1001",
        "53.71.02.1004",
        "52.08.02.2003",
    }
    assert Village.objects.get(area_id=A).partners.count() == 3


def test_load_demo_twice_creates_nothing_new(demo_loaded, settings):
    users, villages = User.objects.count(), Village.objects.count()
    partners = sum(v.partners.count() for v in Village.objects.all())

    call_command("load_demo", stdout=StringIO())

    assert (User.objects.count(), Village.objects.count()) == (users, villages)
    assert sum(v.partners.count() for v in Village.objects.all()) == partners


def test_demo_officer_signs_in_and_lands_on_brengkok(client, demo_loaded):
    response = client.post(
        "/masuk/", {"username": "petugas.brengkok", "password": DEMO_PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1] == (f"/dasbor/desa/{A}/", 302)
    assert response.context["village"].area.name == "Brengkok"


# Roles and scopes on users


@pytest.mark.parametrize(
    ("role", "scope_fixture"),
    [
        (Role.VILLAGE_OFFICER, "brondong"),  # a district, not a village
        (Role.VILLAGE_OFFICER, "lamongan"),
        (Role.VILLAGE_OFFICER, None),
        (Role.REGENCY, "jatim"),  # a province, not a regency
        (Role.REGENCY, "brengkok"),
        (Role.REGENCY, None),
        (Role.PROVINCE, "lamongan"),  # a regency, not a province
        (Role.PROVINCE, None),
        (Role.MINISTRY, "jatim"),  # the whole country: no scope
        (Role.MINISTRY, "brengkok"),
        (Role.ADMINISTRATOR, "lamongan"),
    ],
)
def test_user_with_scope_of_the_wrong_level_is_rejected(tree, role, scope_fixture):
    scope = getattr(tree, scope_fixture) if scope_fixture else None
    user = User(username="someone", role=role, scope=scope)
    user.set_password(PASSWORD)

    with pytest.raises(ValidationError) as error:
        user.full_clean()

    assert list(error.value.message_dict) == ["scope"]


@pytest.mark.parametrize(
    ("role", "scope_fixture"),
    [
        (Role.VILLAGE_OFFICER, "brengkok"),
        (Role.REGENCY, "lamongan"),
        (Role.PROVINCE, "jatim"),
        (Role.MINISTRY, None),
        (Role.ADMINISTRATOR, None),
    ],
)
def test_user_with_scope_of_the_right_level_is_accepted(tree, role, scope_fixture):
    scope = getattr(tree, scope_fixture) if scope_fixture else None
    user = User(username="someone", role=role, scope=scope)
    user.set_password(PASSWORD)

    user.full_clean()


def test_database_refuses_a_regional_user_without_scope(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=Role.REGENCY, scope=None)


def test_superuser_sees_the_whole_country_whatever_the_role(client, villages, tree):
    superuser = UserFactory(role=Role.VILLAGE_OFFICER, scope=tree.brengkok, is_superuser=True)
    client.force_login(superuser)

    assert client.get("/desa/53.71.01.1001/").status_code == 200


def test_deactivated_user_is_signed_out(client, officer_a):
    client.force_login(officer_a)
    officer_a.is_active = False
    officer_a.save()

    response = client.get("/desa/")

    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")
