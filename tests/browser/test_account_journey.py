"""An officer changes the password from the user menu in a real browser, signs
out from the sign-out page and signs in with the new password (issue #12)."""

from django.urls import reverse

from desmigratif.models import AccountEvent, User
from tests.browser.helpers import assert_accessible, sign_in

OFFICER = "petugas.brengkok"
NEW_PASSWORD = "kopi-tubruk-brengkok-12"


def test_officer_changes_the_password_from_the_user_menu(page):
    sign_in(page, OFFICER)

    page.locator("nav .dropdown-toggle").click()
    with page.expect_navigation():
        page.locator(f"nav a.dropdown-item[href='{reverse('password_change')}']").click()
    assert_accessible(page, "the password change page")
    page.fill("#id_old_password", "desmigratif-demo")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    assert page.url.endswith(reverse("account"))
    assert_accessible(page, "the account page")
    assert User.objects.get(username=OFFICER).check_password(NEW_PASSWORD)
    assert AccountEvent.objects.filter(
        user__username=OFFICER, action=AccountEvent.Action.PASSWORD_CHANGED
    ).exists()

    page.goto(reverse("logout"))
    assert_accessible(page, "the sign-out page")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.split("?")[0].endswith(reverse("login"))
    sign_in(page, OFFICER, NEW_PASSWORD)
