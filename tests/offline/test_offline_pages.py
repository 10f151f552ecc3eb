"""The pages of offline entry on the device: the offline page (an app shell
without personal data), the service worker, and the per-user device key."""

import base64
import datetime
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from desmigratif.models import Role
from offline.views import SHELL_STATIC_FILES
from tests.factories import UserFactory
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.test_security_headers import EVENT_HANDLER, INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT

A = "35.24.07.2004"
C = "53.71.01.1001"
PAGE = f"/desa/{A}/luring/"
KEY = f"/desa/{A}/luring/kunci/"


def json_get(client, url):
    return client.get(url, HTTP_ACCEPT="application/json")


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_officer_page_is_a_shell_without_personal_data(client, officer_a, village_a):
    household = HouseholdFactory(village=village_a, no_kk="3524071212120007")
    MemberFactory(
        household=household,
        name="Rahasia Sumarni",
        sex="P",
        birth_date=datetime.date(1990, 3, 12),
        nik="3524075203900007",
    )
    client.force_login(officer_a)

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    for secret in ("Rahasia Sumarni", "3524075203900007", "3524071212120007", "officer_a"):
        assert secret not in html
    # The forms and the texts the page's JavaScript shows.
    for field in ("no_kk", "members-__prefix__-nik", "departure-departure_date", "return-return_date"):
        assert f'name="{field}"' in html
    assert 'id="offline-texts" type="application/json"' in html
    assert "no-store" in response["Cache-Control"]


def test_offline_page_runs_under_the_content_security_policy(client, officer_a):
    client.force_login(officer_a)

    response = client.get(PAGE)

    html = response.content.decode()
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT):
        assert not pattern.search(html), pattern.search(html).group(0)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_offline_page_leaves_messages_for_the_next_page(client, officer_a):
    """The cached shell must not hold a message like "Household of Sumarno saved"."""
    storage = CookieStorage(RequestFactory().get("/"))
    carrier = HttpResponse()
    storage._store([Message(constants.SUCCESS, "Rumah tangga Sumarno disimpan.")], carrier)
    client.cookies[storage.cookie_name] = carrier.cookies[storage.cookie_name].value
    client.force_login(officer_a)

    assert "Sumarno" not in client.get(PAGE).content.decode()
    assert "Sumarno" in client.get(f"/desa/{A}/rumah-tangga/").content.decode()


def test_other_village_officer_gets_not_found(client, officer_b):
    client.force_login(officer_b)

    assert client.get(PAGE).status_code == 404
    response = json_get(client, KEY)
    assert response.status_code == 404
    assert "key" not in response.json()


@pytest.mark.parametrize("role", ["regency_user", "province_user", "ministry_user", "administrator"])
def test_regency_staff_and_above_have_no_offline_mode(english, request, role):
    english.force_login(request.getfixturevalue(role))

    response = english.get(PAGE)

    assert response.status_code == 403
    assert "have no offline mode" in response.content.decode()
    assert 'id="offline-texts"' not in response.content.decode()
    refusal = json_get(english, KEY)
    assert refusal.status_code == 403
    assert refusal.json()["code"] == "no_offline_mode"


def test_signed_out_page_goes_to_sign_in_and_key_says_signed_out(client, villages):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")

    refusal = json_get(client, KEY)
    assert refusal.status_code == 403
    assert refusal.json()["code"] == "signed_out"


def test_header_links_officers_only(client, officer_a, regency_user):
    client.force_login(officer_a)
    html = client.get(f"/desa/{A}/rumah-tangga/").content.decode()
    assert f'href="{PAGE}"' in html
    assert 'data-sw-url="/sw.js"' in html

    client.force_login(regency_user)
    html = client.get(f"/desa/{A}/rumah-tangga/").content.decode()
    assert "/luring/" not in html
    assert "data-sw-url" not in html


def test_key_is_per_user_and_stable(client, officer_a, villages):
    colleague = UserFactory(username="officer_a2", role=Role.VILLAGE_OFFICER, scope=villages.a.area)
    client.force_login(officer_a)
    first = json_get(client, KEY).json()
    again = json_get(client, KEY).json()
    client.force_login(colleague)
    other = json_get(client, KEY).json()

    assert len(base64.b64decode(first["key"])) == 32  # AES-256
    assert first["key"] == again["key"]
    assert first["owner"] == again["owner"]
    assert other["key"] != first["key"]
    assert other["owner"] != first["owner"]
    assert first["csrf_token"]
    assert first["village"] == A


def test_key_is_never_cached(client, officer_a):
    client.force_login(officer_a)

    response = json_get(client, KEY)

    assert "no-store" in response["Cache-Control"]


def test_service_worker_from_the_root(client, villages):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    for name in SHELL_STATIC_FILES:
        assert f'"/static/{name}"' in body
    # Keeps the offline page and static files only: never the data or sync JSON.
    shell = re.search(r"var SHELL_PAGE = /(.*)/;", body).group(1)
    assert re.fullmatch(shell.replace("\\/", "/"), PAGE)
    assert not re.fullmatch(shell.replace("\\/", "/"), f"/desa/{A}/luring/data/")
    assert not re.fullmatch(shell.replace("\\/", "/"), f"/desa/{A}/rumah-tangga/")


def test_service_worker_cache_name_follows_the_static_names(client, villages, settings):
    first = re.search(r'var CACHE = "([^"]+)"', client.get("/sw.js").content.decode()).group(1)
    settings.STATIC_URL = "/static-v2/"

    second = re.search(r'var CACHE = "([^"]+)"', client.get("/sw.js").content.decode()).group(1)

    assert first != second


def test_page_texts_follow_the_language(english, officer_a):
    english.force_login(officer_a)

    html = english.get(PAGE).content.decode()

    with translation.override("en"):
        assert "not sent yet" in html
        assert "Send now" in html


@pytest.mark.django_db
def test_the_owner_tag_on_every_officer_page_holds_no_digit():
    """Digits on a page could pass for the hidden part of a masked NIK (a
    reader rebuilding numbers tries every run of digits on the page)."""
    from offline.device import device_owner

    tags = {device_owner(UserFactory()) for _ in range(20)}

    assert len(tags) == 20
    assert all(re.fullmatch(r"[a-p]{32}", tag) for tag in tags)
