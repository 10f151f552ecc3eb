"""Content-Security-Policy without inline script, and Permissions-Policy, on
every page; no template holds inline script, event handlers or styles that
the policy would block; the map inserts village names as text."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_permissions import PAGES, ROLES, registry_ids  # noqa: F401 (a fixture)

ROOT = Path(settings.BASE_DIR)
ADMIN_INDEX = ROLES.index("administrator")

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)


def policy(response):
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def html_pages_for_administrator(client, administrator, ids):
    client.force_login(administrator)
    for url, expected in PAGES.items():
        if expected[ADMIN_INDEX] != 200:
            continue
        url = url.format(**ids)
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            yield url, response


@pytest.mark.parametrize("role", ["anonymous", "officer_a", "administrator"])
def test_pages_forbid_inline_script(client, request, villages, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    urls = [
        "/masuk/",
        "/desa/",
        f"/dasbor/desa/{villages.a.code}/",
        "/dasbor/peta/",
        "/admin/",
        "/no-such-page/",
    ]

    for url in urls:
        response = client.get(url, follow=True)
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        assert directives["base-uri"] == ["'self'"], url
        assert directives["form-action"] == ["'self'"], url


def test_bad_request_and_not_found_pages_carry_the_policies(client, administrator):
    client.force_login(administrator)

    for response in (client.get("/desa/%00/"), client.get("/desa/", {"q": "\x00"})):
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_permissions_policy_turns_off_device_features(client):
    response = client.get("/masuk/")

    features = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


def test_rendered_pages_hold_no_inline_script_handler_or_style(client, administrator, registry_ids):  # noqa: F811
    checked = []

    for url, response in html_pages_for_administrator(client, administrator, registry_ids):
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not EVENT_HANDLER.search(html), (url, EVENT_HANDLER.search(html).group(0))
        assert not STYLE_ATTRIBUTE.search(html), (url, STYLE_ATTRIBUTE.search(html).group(0))
        assert not STYLE_ELEMENT.search(html), url
        checked.append(url)

    assert len(checked) > 20


def our_templates():
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*.html") if ".venv" not in path.parts)


def test_no_template_holds_inline_script_handler_or_style():
    found = []
    for path in our_templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT):
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]

    assert len(our_templates()) > 50
    assert found == []


def test_map_inserts_village_names_as_text():
    """Leaflet inserts a string tooltip or popup as HTML: ours get DOM nodes
    whose text is set (textContent), never a string built from a name."""
    source = (ROOT / "dashboards" / "static" / "dashboards" / "map.js").read_text(encoding="utf-8")

    calls = re.findall(r"\.bind(?:Tooltip|Popup)\(([^)]*)\)", source)
    assert calls
    for argument in calls:
        assert re.fullmatch(r"[A-Za-z_]\w*", argument.strip()), argument
    assert "innerHTML" not in source
    assert "point.name" in source and "textContent = point.name" in source
