"""The Django admin works under the Content-Security-Policy: its scripts are
files, and the area search (autocomplete) answers. Any blocked script or
style would be a console error, which fails the test (conftest.page)."""

from django.urls import reverse

from tests.browser.helpers import sign_in
from villages.models import Area, AreaLevel


def test_administrator_picks_an_area_parent_with_the_autocomplete(page):
    village = Area.objects.filter(level=AreaLevel.VILLAGE).select_related("parent").first()
    district = village.parent
    sign_in(page, "admin")

    page.goto(reverse("admin:villages_area_change", args=[village.pk]))
    page.locator(".field-parent .select2-selection").click()
    page.locator(".select2-search__field").fill(district.name[:5])
    option = page.locator(".select2-results__option", has_text=district.name).first
    option.wait_for()
    option.click()

    assert page.locator("#id_parent").input_value() == district.pk
    assert page.locator("#id_parent option").count() <= 2  # the chosen one, not every area
