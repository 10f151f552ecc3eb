"""Accounts people run themselves (issue #12, section 1): changing the
password, the change forced after an administrator set it, reset by e-mail
and by a link an administrator issues, the sign-out page, the user's own
sign-ins and sessions, and the account log behind them."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from desmigratif.accounts import admin_reset_token
from desmigratif.models import AccountEvent, UserSession
from tests.factories import PASSWORD

Action = AccountEvent.Action
NEW_PASSWORD = "kopi-tubruk-lamongan-77"
START = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in_client(username, password=PASSWORD, user_agent="Browser"):
    client = Client(HTTP_USER_AGENT=user_agent)
    response = sign_in(client, username, password)
    assert response.status_code == 302, "sign-in failed"
    return client


def change_password(client, old=PASSWORD, new=NEW_PASSWORD, new2=None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new2 or new},
    )


def is_signed_in(client):
    return client.get(reverse("account")).status_code == 200


def events(user, action):
    return AccountEvent.objects.filter(user=user, action=action)


# The sign-in page -----------------------------------------------------------


def test_wrong_password_message_reads_right_in_indonesian(client, officer_a):
    response = sign_in(client, "officer_a", "salah-sandi-sekali")

    text = response.content.decode()
    assert "Nama pengguna atau kata sandi salah" in text
    assert "nama pengguna nama pengguna" not in text


def test_wrong_password_message_reads_right_in_english(client, officer_a):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = sign_in(client, "officer_a", "wrong-password-here")

    assert "The username or password is not correct" in response.content.decode()


def test_admin_sign_in_error_reads_right_in_indonesian(client, officer_a):
    credentials = {"username": "officer_a", "password": "salah-sandi-sekali"}
    response = client.post(reverse("admin:login"), credentials)

    text = response.content.decode()
    assert "Nama pengguna atau kata sandi salah" in text
    assert "nama pengguna nama pengguna" not in text


def test_sign_in_page_links_to_the_reset(client, db):
    response = client.get(reverse("login"))

    assert reverse("password_reset") in response.content.decode()


def test_locked_out_page_points_to_the_reset(client, officer_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "officer_a", "wrong-password-here")

    assert response.status_code == 429
    text = response.content.decode()
    assert reverse("password_reset") in text
    assert "mintalah administrator untuk membuatkan" not in text
    assert "ask your administrator to set a new one" not in text


# Signing out -------------------------------------------------------------------


def test_get_sign_out_shows_a_button_and_signs_nobody_out(client, officer_a):
    client.force_login(officer_a)

    response = client.get(reverse("logout"))

    assert response.status_code == 200
    assert re.search(r'<form method="post" action="/keluar/">', response.content.decode())
    assert is_signed_in(client)


def test_sign_out_button_signs_out(client, officer_a):
    client.force_login(officer_a)

    client.post(reverse("logout"))

    assert not is_signed_in(client)


def test_get_sign_out_when_signed_out_leads_to_sign_in(client, db):
    response = client.get(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")


def test_user_menu_offers_account_and_password_change(client, officer_a):
    client.force_login(officer_a)

    text = client.get(reverse("account")).content.decode()

    assert f'href="{reverse("password_change")}"' in text
    assert "Ganti kata sandi" in text


# Changing the password -----------------------------------------------------------


def test_change_password_sets_it_logs_it_and_keeps_this_browser(officer_a):
    client = signed_in_client("officer_a")

    response = change_password(client)

    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.check_password(NEW_PASSWORD)
    assert is_signed_in(client)
    event = events(officer_a, Action.PASSWORD_CHANGED).get()
    assert event.by is None
    assert event.ip_address == "127.0.0.1"


def test_change_password_ends_the_other_sessions(officer_a, officer_b):
    phone = signed_in_client("officer_a", user_agent="Phone")
    office = signed_in_client("officer_a", user_agent="Office PC")
    other_user = signed_in_client("officer_b")

    change_password(office)

    assert is_signed_in(office)
    assert not is_signed_in(phone)
    assert is_signed_in(other_user)
    assert UserSession.objects.filter(user=officer_a).count() == 1
    # Gone from the database, not only refused at the next request.
    assert Session.objects.count() == 2


@pytest.mark.parametrize(
    "old, new, new2",
    [
        ("wrong-old-password", NEW_PASSWORD, NEW_PASSWORD),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x"),
        (PASSWORD, "short", "short"),
        (PASSWORD, "1234567890123", "1234567890123"),
        (PASSWORD, "officer_a_1", "officer_a_1"),
    ],
)
def test_change_password_refuses_bad_input(officer_a, old, new, new2):
    client = signed_in_client("officer_a")

    response = change_password(client, old, new, new2)

    assert response.status_code == 200
    assert response.context["form"].errors
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)
    assert not events(officer_a, Action.PASSWORD_CHANGED).exists()


def test_change_password_needs_sign_in(client, db):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# A password set by an administrator ------------------------------------------------


@pytest.fixture
def forced(officer_a):
    officer_a.must_change_password = True
    officer_a.save(update_fields=["must_change_password"])
    return officer_a


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/desa/",
        "/desa/35.24.07.2004/",
        "/dasbor/",
        "/akun/",
        "/admin/",
        "/laporan/",
        "/sandi/lupa/",
        "/api/v1/villages/",
    ],
)
def test_forced_change_blocks_every_other_url(forced, url):
    client = signed_in_client("officer_a")

    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, url
        assert response.url == reverse("password_change"), url


def test_sign_in_with_an_admin_set_password_leads_to_the_change(forced, client):
    response = sign_in(client, "officer_a", follow=True)

    assert response.redirect_chain[-1][0] == reverse("password_change")
    assert "Kata sandi Anda ditetapkan oleh administrator" in response.content.decode()


def test_forced_change_allows_sign_out_and_language(forced):
    client = signed_in_client("officer_a")

    assert client.get(reverse("logout")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.get(reverse("password_change")).status_code == 200
    assert client.get("/static/js/site.js").status_code == 200
    client.post(reverse("logout"))
    assert not is_signed_in(client)


def test_forced_change_ends_once_the_password_changed(forced):
    client = signed_in_client("officer_a")

    change_password(client)

    forced.refresh_from_db()
    assert not forced.must_change_password
    assert client.get(reverse("villages:list")).status_code == 200


def test_admin_creating_a_user_makes_them_change_the_password(client, administrator, tree):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:desmigratif_user_add"),
        {
            "username": "petugas.baru",
            "password1": "sandi-dari-admin-123",
            "password2": "sandi-dari-admin-123",
            "role": "village_officer",
            "scope": tree.brengkok.pk,
        },
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    user = type(administrator).objects.get(username="petugas.baru")
    assert user.must_change_password
    event = events(user, Action.PASSWORD_SET_BY_ADMIN).get()
    assert event.by == administrator


def test_admin_setting_a_password_forces_a_change_and_ends_sessions(client, administrator, officer_a):
    phone = signed_in_client("officer_a")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[officer_a.pk]),
        {"password1": "sandi-dari-admin-123", "password2": "sandi-dari-admin-123", "usable_password": "true"},
    )

    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.must_change_password
    assert officer_a.check_password("sandi-dari-admin-123")
    assert not is_signed_in(phone)
    assert events(officer_a, Action.PASSWORD_SET_BY_ADMIN).get().by == administrator


def test_admin_own_change_password_link_is_the_portal_page(client, administrator):
    client.force_login(administrator)

    response = client.get("/admin/password_change/")

    assert response.status_code == 302
    assert response.url == reverse("password_change")


# Reset by e-mail --------------------------------------------------------------


@pytest.fixture
def with_mail(officer_a):
    officer_a.email = "petugas@example.org"
    officer_a.save(update_fields=["email"])
    return officer_a


def ask_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def reset_link(message):
    return re.search(r"https?://[^/\s]+(/sandi/atur/\S+/)", message.body).group(1)


def test_reset_by_mail_sends_a_link_that_sets_the_password(client, with_mail):
    response = ask_reset(client, "Petugas@example.org")

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["petugas@example.org"]
    assert "officer_a" in mail.outbox[0].body
    link = reset_link(mail.outbox[0])

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    with_mail.refresh_from_db()
    assert with_mail.check_password(NEW_PASSWORD)
    assert events(with_mail, Action.RESET_MAIL_SENT).count() == 1
    assert events(with_mail, Action.PASSWORD_RESET_BY_MAIL).count() == 1


def test_reset_page_answers_the_same_for_unknown_addresses(client, with_mail):
    known = ask_reset(client, "petugas@example.org")
    unknown = ask_reset(client, "nobody@example.org")

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(mail.outbox) == 1
    done_known = client.get(known.url).content
    done_unknown = client.get(unknown.url).content
    assert re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", done_known) == re.sub(
        rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", done_unknown
    )


def test_reset_request_does_not_look_up_the_account(client, with_mail, django_assert_num_queries, settings):
    """The request only queues the job: no query whose time depends on
    whether the account exists (no timing oracle)."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    queued = []
    import desmigratif.accounts as accounts

    original = accounts.async_task
    accounts.async_task = lambda *args, **kwargs: queued.append((args, kwargs))
    try:
        for email in ("petugas@example.org", "nobody@example.org"):
            with django_assert_num_queries(0):
                ask_reset(client, email)
    finally:
        accounts.async_task = original
    assert [args[1] for args, _kwargs in queued] == ["petugas@example.org", "nobody@example.org"]
    assert mail.outbox == []


def test_reset_link_used_twice_changes_nothing_the_second_time(client, with_mail):
    ask_reset(client, "petugas@example.org")
    link = reset_link(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client()
    response = again.get(link, follow=True)

    assert response.context["validlink"] is False
    assert "sudah dipakai, kedaluwarsa" in response.content.decode()
    response = again.post(link, {"new_password1": "another-pass-9876", "new_password2": "another-pass-9876"})
    with_mail.refresh_from_db()
    assert with_mail.check_password(NEW_PASSWORD)
    assert events(with_mail, Action.PASSWORD_RESET_BY_MAIL).count() == 1


def test_expired_mail_link_changes_nothing(client, with_mail, time_machine):
    time_machine.move_to(START, tick=False)
    ask_reset(client, "petugas@example.org")
    link = reset_link(mail.outbox[0])

    time_machine.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))
    response = client.get(link, follow=True)

    assert response.context["validlink"] is False


def test_mail_link_of_a_deactivated_user_changes_nothing(client, with_mail):
    ask_reset(client, "petugas@example.org")
    link = reset_link(mail.outbox[0])
    type(with_mail).objects.filter(pk=with_mail.pk).update(is_active=False)

    response = client.get(link, follow=True)

    assert response.context["validlink"] is False
    with_mail.refresh_from_db()
    assert with_mail.check_password(PASSWORD)


def test_deactivated_user_gets_no_mail(client, with_mail):
    type(with_mail).objects.filter(pk=with_mail.pk).update(is_active=False)

    ask_reset(client, "petugas@example.org")

    assert mail.outbox == []


def test_reset_by_mail_ends_sessions_and_the_forced_change(client, with_mail):
    phone = signed_in_client("officer_a")
    type(with_mail).objects.filter(pk=with_mail.pk).update(must_change_password=True)
    ask_reset(client, "petugas@example.org")
    form_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]

    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert not is_signed_in(phone)
    with_mail.refresh_from_db()
    assert not with_mail.must_change_password


def test_reset_lifts_a_lock_out(client, with_mail):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "officer_a", "wrong-password-here")
    ask_reset(client, "petugas@example.org")
    form_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert sign_in(client, "officer_a", NEW_PASSWORD).status_code == 302


# Reset link issued by an administrator ----------------------------------------------


def issue_link(client, administrator, user):
    client.force_login(administrator)
    response = client.post(reverse("admin:desmigratif_user_reset_link", args=[user.pk]))
    assert response.status_code == 200
    return re.search(r'value="https?://[^/"]+(/sandi/tautan/[^"]+)"', response.content.decode()).group(1)


def use_link(link, password=NEW_PASSWORD):
    client = Client()
    page = client.get(link, follow=True)
    if not page.context["validlink"]:
        return page
    return client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def test_user_change_page_offers_the_reset_link(client, administrator, officer_a):
    client.force_login(administrator)

    response = client.get(reverse("admin:desmigratif_user_change", args=[officer_a.pk]))

    assert reverse("admin:desmigratif_user_reset_link", args=[officer_a.pk]) in response.content.decode()


def test_admin_link_sets_the_password_once_and_is_logged(client, administrator, officer_a):
    link = issue_link(client, administrator, officer_a)

    response = use_link(link)

    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.check_password(NEW_PASSWORD)
    issued = events(officer_a, Action.RESET_LINK_ISSUED).get()
    assert issued.by == administrator
    assert events(officer_a, Action.RESET_LINK_USED).count() == 1
    again = use_link(link, "another-pass-9876")
    assert again.context["validlink"] is False
    officer_a.refresh_from_db()
    assert officer_a.check_password(NEW_PASSWORD)


def test_admin_link_page_is_not_cached(client, administrator, officer_a):
    client.force_login(administrator)

    response = client.post(reverse("admin:desmigratif_user_reset_link", args=[officer_a.pk]))

    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_admin_link_is_valid_24_hours_exactly(client, administrator, officer_a, time_machine):
    time_machine.move_to(START, tick=False)
    link = issue_link(client, administrator, officer_a)

    time_machine.shift(dt.timedelta(hours=24, seconds=-1))
    assert Client().get(link, follow=True).context["validlink"]
    time_machine.shift(dt.timedelta(seconds=2))
    assert use_link(link).context["validlink"] is False
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_admin_link_of_a_deactivated_user_changes_nothing(client, administrator, officer_a):
    link = issue_link(client, administrator, officer_a)
    type(officer_a).objects.filter(pk=officer_a.pk).update(is_active=False)

    assert use_link(link).context["validlink"] is False
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_admin_link_is_refused_for_a_deactivated_user(client, administrator, officer_a):
    type(officer_a).objects.filter(pk=officer_a.pk).update(is_active=False)
    client.force_login(administrator)

    response = client.post(reverse("admin:desmigratif_user_reset_link", args=[officer_a.pk]))

    assert response.status_code == 302
    assert not events(officer_a, Action.RESET_LINK_ISSUED).exists()


def test_admin_link_and_mail_link_are_not_interchangeable(client, administrator, with_mail):
    link = issue_link(client, administrator, with_mail)

    assert use_link(link.replace("/sandi/tautan/", "/sandi/atur/")).context["validlink"] is False
    assert admin_reset_token.check_token(with_mail, "bad-token") is False


def test_only_administrators_issue_links(client, ministry_user, officer_a):
    client.force_login(ministry_user)

    response = client.post(reverse("admin:desmigratif_user_reset_link", args=[officer_a.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not events(officer_a, Action.RESET_LINK_ISSUED).exists()


def test_admin_link_needs_a_post(client, administrator, officer_a):
    client.force_login(administrator)

    response = client.get(reverse("admin:desmigratif_user_reset_link", args=[officer_a.pk]))

    assert response.status_code == 405


# Own sign-ins and sessions ----------------------------------------------------------


def test_sign_in_is_recorded_with_address_and_device(officer_a):
    signed_in_client("officer_a", user_agent="Mozilla/5.0 (Linux; Android 13)")

    event = events(officer_a, Action.SIGNED_IN).get()
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "Mozilla/5.0 (Linux; Android 13)"


def test_long_user_agent_is_trimmed(officer_a):
    signed_in_client("officer_a", user_agent="x" * 5000)

    assert len(events(officer_a, Action.SIGNED_IN).get().user_agent) == 300


def test_account_page_lists_own_sign_ins_and_sessions_only(officer_a, officer_b):
    signed_in_client("officer_a", user_agent="Android phone")
    signed_in_client("officer_b", user_agent="Other officer's laptop")
    office = signed_in_client("officer_a", user_agent="Office PC")

    text = office.get(reverse("account")).content.decode()

    assert "Android phone" in text and "Office PC" in text
    assert "Other officer" not in text
    assert "Keluar dari sesi lain" in text


def test_sign_out_other_sessions(officer_a, officer_b):
    phone = signed_in_client("officer_a", user_agent="Phone")
    other_user = signed_in_client("officer_b")
    office = signed_in_client("officer_a", user_agent="Office PC")

    response = office.post(reverse("sign_out_others"))

    assert response.status_code == 302
    assert is_signed_in(office)
    assert not is_signed_in(phone)
    assert is_signed_in(other_user)
    assert events(officer_a, Action.SIGNED_OUT_ELSEWHERE).count() == 1
    assert "Tidak ada sesi lain" in office.get(reverse("account")).content.decode()


def test_sign_out_others_needs_a_post(officer_a):
    client = signed_in_client("officer_a")

    assert client.get(reverse("sign_out_others")).status_code == 405


def test_sign_out_removes_the_session_row(officer_a):
    client = signed_in_client("officer_a")

    client.post(reverse("logout"))

    assert not UserSession.objects.filter(user=officer_a).exists()


# The account log in the admin --------------------------------------------------------


def test_account_log_is_read_only_in_the_admin(client, administrator, officer_a):
    signed_in_client("officer_a")
    event = events(officer_a, Action.SIGNED_IN).get()
    client.force_login(administrator)

    assert client.get(reverse("admin:desmigratif_accountevent_changelist")).status_code == 200
    assert client.get(reverse("admin:desmigratif_accountevent_add")).status_code == 403
    assert client.post(reverse("admin:desmigratif_accountevent_delete", args=[event.pk])).status_code == 403
    page = client.get(reverse("admin:desmigratif_accountevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert b'name="note"' not in page.content


# Cost -------------------------------------------------------------------------------


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_forced_change_check_costs_no_query(officer_a, settings):
    """The flag is read from the user already loaded for the request."""
    client = signed_in_client("officer_a")
    url = reverse("villages:list")
    count_queries(client, url)  # warm caches
    with_check = count_queries(client, url)

    check = "desmigratif.middleware.PasswordChangeRequiredMiddleware"
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != check]
    without_check = count_queries(client, url)

    assert with_check == without_check
