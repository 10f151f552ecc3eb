"""The favicon and the web app manifest: every page names them, and the
browser gets them without signing in (it fetches them by itself)."""

import json

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_names_the_favicon_and_the_manifest(client, officer_a, signed_in):
    if signed_in:
        client.force_login(officer_a)
    for path in ("/masuk/", "/"):
        html = client.get(path, follow=True).content.decode()
        assert 'rel="icon" href="/static/icons/favicon.ico"' in html
        assert 'rel="manifest" href="/manifest.webmanifest"' in html


@pytest.mark.django_db
def test_the_manifest_names_the_portal_in_the_users_language_with_existing_icons(client):
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = json.loads(answer.content)
    assert manifest["name"] == "Portal Desmigratif"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon["src"]
        with open(found, "rb") as image:
            assert image.read(8) == b"\x89PNG\r\n\x1a\n"

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert json.loads(client.get("/manifest.webmanifest").content)["name"] == "Desmigratif portal"


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon_for_browsers_that_ask_the_root(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302
    assert answer["Location"] == "/static/icons/favicon.ico"
    found = finders.find("icons/favicon.ico")
    with open(found, "rb") as ico:
        assert ico.read(4) == b"\x00\x00\x01\x00"


def test_a_user_owing_the_second_step_or_a_new_password_still_gets_them(client, officer_a):
    officer_a.must_change_password = True
    officer_a.save()
    client.force_login(officer_a)
    assert client.get("/manifest.webmanifest").status_code == 200
    assert client.get("/favicon.ico").status_code == 302
