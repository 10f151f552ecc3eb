"""Two-factor sign-in (desmigratif/two_factor.py): setup, the code after the
password, who must use it, replay, throttling, recovery codes, the
administrator's reset and the demo secret.

These tests sign in through the pages (the password form, then the code),
not with client.force_login, which conftest.py lets skip the second step."""

import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from desmigratif.models import AccountEvent, Role, SecondFactorPolicy
from desmigratif.two_factor import DEMO_TOTP_KEY, RECOVERY_CODE_COUNT
from tests.factories import PASSWORD, UserFactory

SETUP = "/akun/dua-langkah/pasang/"
VERIFY = "/akun/dua-langkah/kode/"

# A walk of the portal's pages, the admin and the account pages included.
WALK = [
    "/",
    "/desa/",
    "/desa/35.24.07.2004/",
    "/dasbor/",
    "/koordinasi/",
    "/laporan/antrean/",
    "/akun/",
    "/akun/sandi/",
    "/admin/",
    "/admin/desmigratif/user/",
    "/ekspor/1/",
]


def sign_in(client, username, password=PASSWORD):
    return client.post("/masuk/", {"username": username, "password": password})


def code_for(device, *, step_offset=0):
    """The code the authenticator app shows now (or ``step_offset`` steps on)."""
    return f"{totp(device.bin_key, step=device.step, drift=step_offset):06d}"


def enter_code(client, code, next_url=""):
    return client.post(VERIFY, {"code": code, "next": next_url})


def with_authenticator(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def redirected_to(response, path):
    return response.status_code == 302 and response.url.split("?")[0] == path


def assert_held_at(client, path):
    for url in WALK:
        response = client.get(url)
        assert redirected_to(response, path), (
            f"{url} answered {response.status_code} instead of leading to {path}"
        )
    post = client.post("/akun/sandi/", {})
    assert redirected_to(post, path)


# Who must use it


@pytest.mark.parametrize("cast", ["ministry_user", "administrator"])
def test_required_roles_are_led_through_setup_and_reach_nothing_else(client, cast, request):
    user = request.getfixturevalue(cast)

    response = sign_in(client, user.username)

    assert redirected_to(client.get(response.url), SETUP)
    assert_held_at(client, SETUP)
    api = client.get("/api/v1/villages/")
    assert api.status_code == 403


@pytest.mark.parametrize("cast", ["province_user", "regency_user"])
def test_province_and_regency_need_setup_only_when_an_administrator_turns_it_on(client, cast, request):
    user = request.getfixturevalue(cast)
    sign_in(client, user.username)
    assert client.get("/desa/").status_code == 200

    with override_settings(OTP_REQUIRED_ROLES={"administrator", "ministry", "province", "regency"}):
        other = Client()
        sign_in(other, user.username)
        assert_held_at(other, SETUP)


@pytest.mark.parametrize("cast", ["province_user", "regency_user"])
def test_administrator_switches_a_regional_role_on_in_the_admin(client, cast, request, administrator):
    user = request.getfixturevalue(cast)
    other_role = {"province_user": "regency", "regency_user": "province"}[cast]
    admin_client = Client()
    admin_client.force_login(administrator)

    policy_page = admin_client.get("/admin/desmigratif/secondfactorpolicy/", follow=True)
    assert policy_page.status_code == 200
    change_url = policy_page.redirect_chain[-1][0]
    saved = admin_client.post(change_url, {user.role: "on"})
    assert saved.status_code == 302

    policy = SecondFactorPolicy.current()
    assert getattr(policy, user.role) and not getattr(policy, other_role)
    assert policy.changed_by == administrator
    sign_in(client, user.username)
    assert_held_at(client, SETUP)
    # The other regional role is untouched by this switch.
    bystander = request.getfixturevalue({"province": "province_user", "regency": "regency_user"}[other_role])
    other = Client()
    sign_in(other, bystander.username)
    assert other.get("/desa/").status_code == 200


def test_only_administrators_open_the_policy(client, ministry_user):
    client.force_login(ministry_user)

    response = client.get("/admin/desmigratif/secondfactorpolicy/1/change/")

    assert response.status_code in (302, 403)
    assert not SecondFactorPolicy.objects.filter(province=True).exists()


def test_officer_without_authenticator_signs_in_with_the_password_only(client, officer_a):
    sign_in(client, "officer_a")

    assert client.get("/desa/").status_code == 200
    assert client.get("/akun/dua-langkah/").status_code == 200


# Setup


def test_setup_shows_a_qr_code_and_the_first_code_turns_it_on_with_ten_recovery_codes(client, ministry_user):
    sign_in(client, "kemnaker")
    page = client.get(SETUP)
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=ministry_user, confirmed=False)

    answer = client.post(SETUP, {"code": code_for(device), "next": "/koordinasi/"})

    assert answer.status_code == 200
    codes = answer.context["codes"]
    assert len(codes) == RECOVERY_CODE_COUNT == 10
    assert all(code.encode() in answer.content for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert AccountEvent.objects.filter(user=ministry_user, action="otp_enabled").exists()
    assert client.get("/koordinasi/").status_code == 200
    assert not redirected_to(client.get("/admin/"), SETUP)
    # Shown once: the manage page tells how many are left, never the codes.
    manage = client.get("/akun/dua-langkah/")
    assert codes[0].encode() not in manage.content


def test_a_wrong_first_code_does_not_turn_it_on(client, ministry_user):
    sign_in(client, "kemnaker")
    client.get(SETUP)

    answer = client.post(SETUP, {"code": "000000"})

    assert answer.status_code == 400
    assert not TOTPDevice.objects.filter(user=ministry_user, confirmed=True).exists()
    assert redirected_to(client.get("/desa/"), SETUP)


def test_setup_then_the_forced_password_change(client, ministry_user):
    type(ministry_user).objects.filter(pk=ministry_user.pk).update(must_change_password=True)
    sign_in(client, "kemnaker")
    assert redirected_to(client.get("/desa/"), SETUP)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=ministry_user, confirmed=False)
    client.post(SETUP, {"code": code_for(device)})

    assert redirected_to(client.get("/desa/"), "/akun/sandi/")


# The code after the password


@pytest.mark.parametrize("cast", ["ministry_user", "administrator", "officer_a"])
def test_a_user_with_an_authenticator_enters_the_code_before_anything(client, cast, request):
    user = request.getfixturevalue(cast)
    device = with_authenticator(user)

    sign_in(client, user.username)
    assert_held_at(client, VERIFY)

    answer = enter_code(client, code_for(device), "/desa/")
    assert redirected_to(answer, "/desa/")
    assert client.get("/desa/").status_code == 200
    if user.is_staff:
        assert client.get("/admin/").status_code == 200


def test_a_code_is_refused_when_replayed_within_its_window(client, ministry_user):
    device = with_authenticator(ministry_user)
    sign_in(client, "kemnaker")
    code = code_for(device)
    assert redirected_to(enter_code(client, code, "/desa/"), "/desa/")
    client.post("/keluar/")

    thief = Client()
    sign_in(thief, "kemnaker")
    replayed = enter_code(thief, code)

    assert replayed.status_code == 400
    assert replayed.context["form"].errors["code"]
    assert redirected_to(thief.get("/desa/"), VERIFY)


def fail_codes(client, count):
    """``count`` wrong codes, each after django-otp's growing wait (1, 2, 4...
    seconds after the last wrong one): a code sent during the wait is not
    checked, nor counted."""
    answers = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(count):
            clock.shift(2**attempt + 1)
            answers.append(enter_code(client, "000000"))
    return answers


def test_wrong_codes_lock_like_wrong_passwords(client, ministry_user):
    device = with_authenticator(ministry_user)
    sign_in(client, "kemnaker")

    *first, last = fail_codes(client, settings.AXES_FAILURE_LIMIT)

    assert [answer.status_code for answer in first] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert last.status_code == 429
    assert "registration/second_factor_locked_out.html" in [t.name for t in last.templates]
    assert "_auth_user_id" not in client.session
    # The lock holds for the password too, and a right code is no way round it.
    again = sign_in(client, "kemnaker")
    assert again.status_code == 429
    assert enter_code(client, code_for(device)).status_code == 302  # signed out: to the sign-in page
    assert "_auth_user_id" not in client.session


def test_a_code_sent_during_the_wait_after_a_wrong_one_is_not_checked(client, ministry_user):
    device = with_authenticator(ministry_user)
    sign_in(client, "kemnaker")
    enter_code(client, "000000")

    during_wait = enter_code(client, code_for(device))

    assert during_wait.status_code == 400
    assert redirected_to(client.get("/desa/"), VERIFY)


def test_after_the_cool_off_the_code_works_again(client, ministry_user):
    device = with_authenticator(ministry_user)
    sign_in(client, "kemnaker")
    fail_codes(client, settings.AXES_FAILURE_LIMIT)

    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME * 1.1, tick=True):
        assert sign_in(client, "kemnaker").status_code == 302
        assert redirected_to(enter_code(client, code_for(device), "/desa/"), "/desa/")


# Recovery codes


def recovery_codes_for(user, codes):
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])


def test_a_recovery_code_signs_in_once_and_is_logged(client, ministry_user):
    with_authenticator(ministry_user)
    recovery_codes_for(ministry_user, ["abcd2345", "efgh6789"])
    sign_in(client, "kemnaker")

    answer = enter_code(client, "ABCD 2345", "/desa/")

    assert redirected_to(answer, "/desa/")
    assert client.get("/desa/").status_code == 200
    event = AccountEvent.objects.get(user=ministry_user, action="recovery_code_used")
    assert "1 left" in event.note
    client.post("/keluar/")

    sign_in(client, "kemnaker")
    assert enter_code(client, "abcd2345").status_code == 400
    assert redirected_to(client.get("/desa/"), VERIFY)


def test_new_recovery_codes_replace_the_old_ones(client, ministry_user):
    device = with_authenticator(ministry_user)
    recovery_codes_for(ministry_user, ["abcd2345"])
    sign_in(client, "kemnaker")
    enter_code(client, code_for(device))

    answer = client.post("/akun/dua-langkah/kode-cadangan/")

    assert len(answer.context["codes"]) == RECOVERY_CODE_COUNT
    assert not StaticToken.objects.filter(token="abcd2345").exists()


# Turning it off


def test_an_officer_may_turn_it_off_ministry_staff_may_not(client, officer_a, ministry_user):
    device = with_authenticator(officer_a)
    sign_in(client, "officer_a")
    enter_code(client, code_for(device))
    client.post("/akun/dua-langkah/matikan/")
    assert not TOTPDevice.objects.filter(user=officer_a).exists()
    assert AccountEvent.objects.filter(user=officer_a, action="otp_disabled").exists()

    staff = Client()
    staff_device = with_authenticator(ministry_user)
    sign_in(staff, "kemnaker")
    enter_code(staff, code_for(staff_device))
    assert staff.post("/akun/dua-langkah/matikan/").status_code == 403
    assert TOTPDevice.objects.filter(user=ministry_user).exists()


# The administrator's reset and the admin's own check


def test_an_administrator_resets_a_lost_second_factor_and_it_is_logged(client, administrator, ministry_user):
    with_authenticator(ministry_user)
    recovery_codes_for(ministry_user, ["abcd2345"])
    user_session = Client()
    user_session.force_login(ministry_user)
    client.force_login(administrator)

    response = client.post(
        "/admin/desmigratif/user/",
        {"action": "reset_second_factor", "_selected_action": [ministry_user.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=ministry_user).exists()
    assert not StaticDevice.objects.filter(user=ministry_user).exists()
    event = AccountEvent.objects.get(user=ministry_user, action="otp_reset_by_admin")
    assert event.by == administrator
    # The session on the lost phone ends; the next sign-in sets up a new one.
    assert redirected_to(user_session.get("/desa/"), "/masuk/")
    sign_in(user_session, "kemnaker")
    assert redirected_to(user_session.get("/desa/"), SETUP)


def test_the_admin_needs_a_verified_device_not_just_a_flag(client, administrator):
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200

    TOTPDevice.objects.filter(user=administrator).delete()

    assert client.get("/admin/").status_code == 302


# The demo secret


def demo_user():
    user = UserFactory(username="kemnaker.demo", role=Role.MINISTRY)
    return user, TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY, confirmed=True)


def test_the_demo_secret_is_refused_with_debug_off(client, villages):
    _user, device = demo_user()
    sign_in(client, "kemnaker.demo")

    answer = enter_code(client, code_for(device))

    assert answer.status_code == 400
    assert answer.context["form"].errors["code"]
    assert redirected_to(client.get("/desa/"), VERIFY)


@override_settings(DEBUG=True)
def test_the_demo_secret_works_in_the_demo(client, villages):
    _user, device = demo_user()
    sign_in(client, "kemnaker.demo")

    assert redirected_to(enter_code(client, code_for(device), "/desa/"), "/desa/")


def test_the_verify_page_refuses_an_outside_next_address(client, ministry_user):
    device = with_authenticator(ministry_user)
    sign_in(client, "kemnaker")

    answer = enter_code(client, code_for(device), "https://evil.example/")

    assert answer.status_code == 302
    assert not re.match(r"https?://", answer.url)


def test_the_demo_gives_the_reviewing_roles_the_readme_secret(db, area_folder):
    from desmigratif.demo import demo_load
    from villages.services import areas_load

    areas_load(folder=area_folder)
    with override_settings(DEBUG=True):
        demo_load()

    keys = dict(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", "key"))
    reviewers = ["admin", "kemnaker", "disnaker.jatim", "disnaker.lamongan"]
    assert keys == dict.fromkeys(reviewers, DEMO_TOTP_KEY)


def test_deploy_check_warns_when_ministry_staff_are_excused():
    from desmigratif.two_factor import check_required_roles

    assert check_required_roles(None) == []
    with override_settings(OTP_REQUIRED_ROLES={"administrator"}):
        assert [warning.id for warning in check_required_roles(None)] == ["desmigratif.W001"]


def test_after_the_code_the_user_lands_on_the_page_they_asked_for(client, ministry_user):
    device = with_authenticator(ministry_user)
    sign_in(client, "kemnaker")

    held = client.get("/desa/?cohort=2017&status=active")
    form = client.get(held.url)
    answer = enter_code(client, code_for(device), form.context["next"])

    assert redirected_to(held, VERIFY)
    assert answer.url == "/desa/?cohort=2017&status=active"
