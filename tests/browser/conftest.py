"""Browser tests: Playwright driving Debian's Chromium against pytest-django's
live_server, with the demo data (demo villages, users and households) loaded
into the test database for every test.

One browser for the whole session, a new context (cookies, storage) per test.
Without Chromium the tests are skipped on a developer machine and fail in CI
(CI=true), where .ci/run installs it.
"""

import os
import re
from pathlib import Path

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from desmigratif.demo import demo_load
from tests.browser.helpers import AREA_FOLDER, BROWSER_TOTP_KEY, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from villages.services import areas_load


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = (
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium) to run the browser tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the
    # ORM calls the tests make between browser steps are ordinary blocking
    # calls all the same, so Django's async-safety check does not apply.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db):
    """The trimmed official areas and the demo data (load_demo refuses to run
    without DEBUG, so it is on while loading only)."""
    areas_load(folder=AREA_FOLDER)
    with override_settings(DEBUG=True):
        loaded = demo_load()
    # The live server runs with DEBUG off, where the demo's public
    # authenticator secret is refused: the demo users get a key of the tests.
    TOTPDevice.objects.update(key=BROWSER_TOTP_KEY)
    return loaded


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(
        base_url=live_server.url, locale="id-ID", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Only the live server answers: no request leaves the machine (CI may
    # have no network, and the pages must work without it).
    context.route(re.compile(f"^(?!{re.escape(live_server.url)})"), lambda route: route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium reports what the Content-Security-Policy blocked (an inline
    # script, handler or style) on the console: every page must run under it.
    page.on(
        "console",
        lambda message: errors.append(message.text)
        if message.type == "error" and "Content Security Policy" in message.text
        else None,
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"
