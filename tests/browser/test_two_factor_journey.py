"""Two-factor sign-in in a real browser, each page checked with axe-core:
ministry staff sign in with the code from the authenticator app, an
administrator reaches the admin only after the code, and new ministry staff
set the app up at their first sign-in (QR code, then recovery codes).
No page of it needs JavaScript."""

import base64

from django.urls import reverse

from desmigratif.demo import DEMO_PASSWORD
from desmigratif.models import Role, User
from tests.browser.helpers import BROWSER_TOTP_KEY, assert_accessible, enter_totp_code, totp_code

MINISTRY = "kemnaker"
ADMINISTRATOR = "admin"


def sign_in_with_password(page, username):
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def path_of(page):
    return "/" + page.url.split("//", 1)[1].split("/", 1)[1].split("?")[0]


def test_ministry_staff_sign_in_with_a_code_from_the_app(page):
    sign_in_with_password(page, MINISTRY)

    # Held at the code: another page leads back to it.
    assert path_of(page) == reverse("second_factor_verify")
    assert_accessible(page, "the sign-in code page")
    page.goto(reverse("villages:list"))
    assert path_of(page) == reverse("second_factor_verify")

    # A wrong code is refused with the reason beside the field.
    page.fill("#id_code", "000000")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert path_of(page) == reverse("second_factor_verify")
    assert page.locator("main .invalid-feedback, main .errorlist, main [id^=error]").count() >= 1

    # After a wrong code django-otp checks none for a second; a person takes longer.
    page.wait_for_timeout(1500)
    enter_totp_code(page)
    assert path_of(page) != reverse("second_factor_verify")
    page.goto(reverse("villages:list"))
    assert path_of(page) == reverse("villages:list")
    assert page.locator("main h1").count() == 1


def test_an_administrator_reaches_the_admin_only_after_the_code(page):
    sign_in_with_password(page, ADMINISTRATOR)
    page.goto(reverse("admin:index"))
    assert path_of(page) == reverse("second_factor_verify")

    page.fill("#id_code", totp_code(BROWSER_TOTP_KEY))
    page.locator("input[name=next]").first.evaluate("(field) => { field.value = '/admin/'; }")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert path_of(page) == reverse("admin:index")
    assert page.locator("#site-name").count() == 1


def test_new_ministry_staff_set_up_the_app_at_the_first_sign_in(page):
    user = User(username="kemnaker.baru", role=Role.MINISTRY)
    user.set_password(DEMO_PASSWORD)
    user.save()

    sign_in_with_password(page, "kemnaker.baru")

    assert path_of(page) == reverse("second_factor_setup")
    assert_accessible(page, "the two-factor setup page")
    qr = page.locator("main figure img")
    assert qr.evaluate("(image) => image.complete && image.naturalWidth > 0"), "the QR code did not load"
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key_hex = base64.b32decode(secret).hex()

    page.fill("#id_code", totp_code(key_hex))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    codes = page.locator("#recovery-codes li")
    assert codes.count() == 10
    assert_accessible(page, "the recovery codes")
    with page.expect_navigation():
        page.locator("main a.btn-primary").click()
    assert path_of(page) not in {reverse("second_factor_setup"), reverse("second_factor_verify")}
