"""Helpers of the browser tests: signing in, the pages that may not exist
yet, and the axe-core accessibility check."""

import json
import os
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django_otp.oath import totp

from desmigratif.demo import DEMO_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AREA_FOLDER = Path(__file__).parent.parent / "data" / "wilayah"
# Impacts that fail a page (axe-core's levels: minor, moderate, serious, critical).
BLOCKING_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 15_000


def url_exists(name, **kwargs):
    """Whether the URL name resolves yet (other apps are still being built)."""
    try:
        reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return False
    return True


def require_url(name, step, **kwargs):
    """Skip the rest of a journey whose next page does not exist yet."""
    if not url_exists(name, **kwargs):
        pytest.skip(f"{step}: the URL {name!r} does not exist yet (not built), so this step cannot run")
    return reverse(name, kwargs=kwargs or None)


# The demo users' authenticator key in the browser tests (tests/browser/conftest.py).
BROWSER_TOTP_KEY = "62726f777365722d74657374732d746f74702d31"


def totp_code(key_hex=BROWSER_TOTP_KEY, step_offset=0):
    """What the authenticator app shows now (or ``step_offset`` steps on)."""
    return f"{totp(bytes.fromhex(key_hex), drift=step_offset):06d}"


def enter_totp_code(page, key_hex=BROWSER_TOTP_KEY):
    """The second step of the sign-in. A user signed in twice within one
    30-second step would send the same code again, which is refused: then
    the next step's code (within the accepted drift)."""
    verify_path = reverse("second_factor_verify")
    for offset in (0, 1):
        page.fill("#id_code", totp_code(key_hex, offset))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        if not page.url.split("?")[0].endswith(verify_path):
            return
    raise AssertionError("the sign-in code was refused")


def sign_in(page, username, password=DEMO_PASSWORD):
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    # Users with an authenticator (every demo role but the officers) enter its code.
    if page.url.split("?")[0].endswith(reverse("second_factor_verify")):
        enter_totp_code(page)
    # Signed in: a session cookie, and away from the sign-in page.
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert settings.SESSION_COOKIE_NAME in cookies, f"{username} could not sign in"
    assert not page.url.split("?")[0].endswith(reverse("login")), f"{username} could not sign in"


class KnownIssue(NamedTuple):
    """A serious or critical violation of ours that is reported and not fixed
    yet: the journeys leave it out, and a test of its own marked
    xfail(strict=True) keeps it visible (it fails once the page is fixed, as a
    reminder to delete the entry here)."""

    rule: str
    within: str  # CSS selector of the part of the page that has the problem
    reason: str


# Serious or critical axe-core violations on our pages not fixed yet: none.
KNOWN_ISSUES = []


def axe_violations(page, *, known=KNOWN_ISSUES):
    """The serious and critical axe-core violations of the page as it is now,
    leaving out the elements of the known issues given."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated by the browser's DevTools protocol, which the page's
        # Content-Security-Policy does not govern; a <script> tag with the
        # code inline would be refused by it.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async ([impacts, known]) => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            const isKnown = (rule, node) => known.some(([id, within]) => {
                if (id !== rule) { return false; }
                const element = document.querySelector(node.target[0]);
                return element !== null && element.closest(within) !== null;
            });
            return results.violations
                .filter((v) => impacts.includes(v.impact))
                .map((v) => ({...v, nodes: v.nodes.filter((node) => !isKnown(v.id, node))}))
                .filter((v) => v.nodes.length > 0);
        }""",
        [list(BLOCKING_IMPACTS), [[issue.rule, issue.within] for issue in known]],
    )
    return violations


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:10]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


def assert_accessible(page, name):
    """No serious or critical axe-core violation on the page."""
    violations = axe_violations(page)
    assert not violations, f"axe-core on {name} ({page.url}):\n{describe_violations(violations)}"
